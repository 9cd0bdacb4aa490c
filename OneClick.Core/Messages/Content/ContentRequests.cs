namespace OneClick.Core.Messages.Content;

/// <summary>image, video, audio, document, sticker: an uploaded media id (POST /api/media) or an http(s) link.</summary>
public sealed record MediaContent(string? Id, string? Link, string? Caption, string? Filename);

public sealed record LocationContent(double? Latitude, double? Longitude, string? Name, string? Address);

/// <summary>A reaction to a received message; an empty emoji removes the reaction.</summary>
public sealed record ReactionContent(string? MessageId, string? Emoji);

/// <summary>Mark an inbound message (and the ones before it) as read; optionally show the typing indicator.</summary>
public sealed record ReadContent(string? MessageId, bool TypingIndicator = false);

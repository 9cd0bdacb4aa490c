using System.Text.Json;
using System.Text.Json.Nodes;

namespace OneClick.Core.Messages;

/// <summary>What a client posts to /api/messages.</summary>
public sealed record SendMessageRequest
{
    /// <summary>The recipient's phone number (E.164, or national in the tenant's default region).</summary>
    public string? To { get; init; }
    /// <summary>Or an existing contact's id.</summary>
    public string? ContactId { get; init; }
    /// <summary>Or a WhatsApp group of the tenant (recipient_type "group"); see OneClick.Core/Groups.</summary>
    public string? GroupId { get; init; }
    /// <summary>"text" or "template".</summary>
    public string? Type { get; init; }
    public TextContent? Text { get; init; }
    public TemplateContent? Template { get; init; }
    /// <summary>ISO 8601 with an offset, e.g. 2026-12-01T09:00:00+01:00. Absent = send now.</summary>
    public string? ScheduleFor { get; init; }
    /// <summary>Anything the caller wants kept with the message.</summary>
    public JsonObject? Metadata { get; init; }
}

public sealed record TextContent(string? Body, bool PreviewUrl = false);

/// <summary>A template send. Components use Meta's shape and are passed through as given.</summary>
public sealed record TemplateContent(string? Name, string? Language, JsonArray? Components);

using System.Text.Json;
using System.Text.Json.Nodes;

namespace OneClick.Core.Messages;

/// <summary>What a client posts to /api/messages.</summary>
public sealed record SendMessageRequest
{
    /// <summary>The recipient's phone number (E.164, or national in the tenant's default region).</summary>
    public string? To { get; init; }
    /// <summary>
    /// Or the person's business-scoped user id (BSUID, e.g. "US.13491208655302741918", or a parent BSUID): for people
    /// known without a phone number. Sent as Meta's "recipient".
    /// </summary>
    public string? Recipient { get; init; }
    /// <summary>Or an existing contact's id.</summary>
    public string? ContactId { get; init; }
    /// <summary>Or a WhatsApp group of the tenant (recipient_type "group"); see OneClick.Core/Groups.</summary>
    public string? GroupId { get; init; }
    /// <summary>One of <see cref="Content.MessageContent.Types"/>; the member of the same name carries the content.</summary>
    public string? Type { get; init; }
    public TextContent? Text { get; init; }
    public TemplateContent? Template { get; init; }
    // Content of the other types (OneClick.Core/Messages/Content).
    public Content.MediaContent? Image { get; init; }
    public Content.MediaContent? Video { get; init; }
    public Content.MediaContent? Audio { get; init; }
    public Content.MediaContent? Document { get; init; }
    public Content.MediaContent? Sticker { get; init; }
    public Content.LocationContent? Location { get; init; }
    /// <summary>Meta's contacts array (formatted_name, phones, emails, ...), passed through after validation.</summary>
    public JsonArray? Contacts { get; init; }
    /// <summary>Meta's interactive object (button, list, cta_url), passed through after validation.</summary>
    public JsonObject? Interactive { get; init; }
    public Content.ReactionContent? Reaction { get; init; }
    /// <summary>For type "read": the inbound message to mark as read (not stored; see docs/content.md).</summary>
    public Content.ReadContent? Read { get; init; }
    /// <summary>Optional wamid of a message to quote (Meta's context.message_id); not for reactions.</summary>
    public string? ReplyTo { get; init; }
    /// <summary>ISO 8601 with an offset, e.g. 2026-12-01T09:00:00+01:00. Absent = send now.</summary>
    public string? ScheduleFor { get; init; }
    /// <summary>Anything the caller wants kept with the message.</summary>
    public JsonObject? Metadata { get; init; }
}

public sealed record TextContent(string? Body, bool PreviewUrl = false);

/// <summary>A template send. Components use Meta's shape and are passed through as given.</summary>
public sealed record TemplateContent(string? Name, string? Language, JsonArray? Components);

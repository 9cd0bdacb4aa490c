using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace OneClick.Core.Templates;

/// <summary>
/// A tenant's message template as synced from its WABA. PartitionKey = tenant id, RowKey = "{name}|{language}"
/// (names are ^[a-z0-9_]+$ and languages like en_US, so the key needs no escaping and a name prefix is a row range).
/// </summary>
public sealed class TemplateEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>Meta's template id (a numeric string).</summary>
    public string MetaId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Language { get; set; } = "";
    /// <summary>MARKETING, UTILITY or AUTHENTICATION.</summary>
    public string Category { get; set; } = "";
    /// <summary>Meta's status: APPROVED, PENDING, REJECTED, PAUSED, DISABLED, ...</summary>
    public string Status { get; set; } = TemplateStatuses.Pending;
    /// <summary>GREEN, YELLOW, RED or UNKNOWN.</summary>
    public string QualityScore { get; set; } = "UNKNOWN";
    /// <summary>POSITIONAL or NAMED.</summary>
    public string ParameterFormat { get; set; } = TemplateDefinition.Positional;
    /// <summary>The components in Meta's shape (HEADER, BODY, FOOTER, BUTTONS) as JSON.</summary>
    public string ComponentsJson { get; set; } = "[]";
    public string? RejectedReason { get; set; }
    /// <summary>A rejection's rejection_info from the status webhook: why, and what Meta recommends changing.</summary>
    public string? RejectionDetail { get; set; }
    public string? RejectionRecommendation { get; set; }

    // What the last webhooks said, so duplicates and stale (out-of-order) ones change nothing.
    public string? LastStatusEvent { get; set; }
    public string? PreviousQualityScore { get; set; }
    public string? PreviousCategory { get; set; }
    /// <summary>From an "impending" template_category_update: the category Meta will switch to.</summary>
    public string? UpcomingCategory { get; set; }
    public DateTimeOffset? UpcomingCategoryAt { get; set; }

    /// <summary>True while the row was only made from a webhook that arrived before the create or sync stored it.</summary>
    public bool FromWebhookOnly { get; set; }
    public DateTimeOffset? SyncedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    [IgnoreDataMember]
    public string TenantId => PartitionKey;

    public static string RowKeyFor(string name, string language) => $"{name}|{language}";

    [IgnoreDataMember]
    public TemplateDefinition Definition => TemplateDefinition.Parse(ComponentsJson, ParameterFormat);
}

public static class TemplateStatuses
{
    public const string Approved = "APPROVED";
    public const string Pending = "PENDING";
    public const string Rejected = "REJECTED";
    public const string Deleted = "DELETED";

    /// <summary>The webhook's event → the template's status (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update); null for events that do not change it.</summary>
    public static string? FromEvent(string @event) => @event switch
    {
        "REINSTATED" or "UNARCHIVED" => Approved,
        "APPROVED" or "REJECTED" or "PENDING" or "PAUSED" or "DISABLED" or "FLAGGED" or "IN_APPEAL" or "LIMIT_EXCEEDED"
            or "LOCKED" or "ARCHIVED" or "PENDING_DELETION" or "DELETED" => @event,
        _ => null,
    };
}

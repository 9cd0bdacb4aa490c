namespace OneClick.Core.Storage;

/// <summary>Queue names; each must match the queueName of its function.json (a test checks).</summary>
public static class QueueNames
{
    public const string OutboundMessages = "outbound-messages";
    public const string WebhookEvents = "webhook-events";
    public const string CampaignDispatch = "campaign-dispatch";
    public const string CampaignSends = "campaign-sends";

    public static string Poison(string queueName) => queueName + "-poison";
}

public static class TableNames
{
    public const string Tenants = "tenants";
    public const string ApiKeys = "apikeys";
    public const string Contacts = "contacts";
    public const string Messages = "messages";
    public const string MessagesByMetaId = "messagesbymetaid";
    public const string DueSchedules = "dueschedules";
    public const string Lists = "lists";
    public const string Campaigns = "campaigns";
    public const string CampaignRecipients = "campaignrecipients";
    public const string RateLimits = "ratelimits";

    public static readonly IReadOnlyList<string> All = [Tenants, ApiKeys, Contacts, Messages, MessagesByMetaId, DueSchedules, Lists, Campaigns, CampaignRecipients, RateLimits];
}

public static class BlobContainerNames
{
    /// <summary>Webhook bodies too large for a queue message (claim-check).</summary>
    public const string WebhookPayloads = "webhook-payloads";
}

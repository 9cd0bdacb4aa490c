namespace OneClick.Core.Storage;

/// <summary>Queue names; each must match the queueName of its function.json (a test checks).</summary>
public static class QueueNames
{
    public const string OutboundMessages = "outbound-messages";
    public const string WebhookEvents = "webhook-events";
    public const string AutomationActions = "automation-actions";
    public const string ContactImports = "contact-imports";
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
    public const string Groups = "groups";
    public const string GroupMessages = "groupmessages";

    public const string Templates = "templates";

    public const string Conversations = "conversations";
    public const string Sessions = "sessions";
    public const string Automations = "automations";
    public const string AutomationRuns = "automationruns";
    public const string AnalyticsEvents = "analyticsevents";

    public const string ContactImports = "contactimports";

    public const string Campaigns = "campaigns";
    public const string CampaignRecipients = "campaignrecipients";
    public const string RateLimits = "ratelimits";
    public const string IdempotencyKeys = "idempotencykeys";
    public const string WebhookRoutes = "webhookroutes";

    public static readonly IReadOnlyList<string> All = [Tenants, ApiKeys, Contacts, Messages, MessagesByMetaId, DueSchedules, Lists,
        Groups, GroupMessages, Templates, Conversations, Sessions, Automations, AutomationRuns, AnalyticsEvents, ContactImports,
        Campaigns, CampaignRecipients, RateLimits, IdempotencyKeys, WebhookRoutes];
}

public static class BlobContainerNames
{
    /// <summary>Webhook bodies too large for a queue message (claim-check).</summary>
    public const string WebhookPayloads = "webhook-payloads";

    /// <summary>Uploaded CSV files of contact imports, deleted when their import completes.</summary>
    public const string ContactImports = "contact-imports";
}

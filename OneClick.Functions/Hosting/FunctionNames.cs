namespace OneClick.Functions.Hosting;

/// <summary>
/// The non-HTTP functions this app handles and the binding names it reads; each must match its
/// function.json (a test checks both ways).
/// </summary>
public static class FunctionNames
{
    public const string EnqueueDueSchedules = "EnqueueDueSchedules";
    public const string EnqueueDueSchedulesBinding = "timer";

    public const string SendOutboundMessage = "SendOutboundMessage";
    public const string SendOutboundMessageBinding = "message";

    public const string ProcessWebhookEvent = "ProcessWebhookEvent";
    public const string ProcessWebhookEventBinding = "event";

    public const string RunAutomationAction = "RunAutomationAction";
    public const string RunAutomationActionBinding = "action";
    public const string ProcessContactImport = "ProcessContactImport";
    public const string ProcessContactImportBinding = "chunk";
    public const string DispatchCampaign = "DispatchCampaign";
    public const string DispatchCampaignBinding = "command";

    public const string SendCampaignBatch = "SendCampaignBatch";
    public const string SendCampaignBatchBinding = "batch";
}

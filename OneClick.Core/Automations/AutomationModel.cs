using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;
using OneClick.Core.Contacts;
using OneClick.Core.Lists;
using OneClick.Core.Messages;
using OneClick.Core.Validation;

namespace OneClick.Core.Automations;

public static class TriggerTypes
{
    public const string Keyword = "keyword";
    public const string Pattern = "pattern";
    public const string ButtonReply = "button_reply";
    public const string ListReply = "list_reply";
    /// <summary>A WhatsApp Flow's reply (inbound interactive nfm_reply).</summary>
    public const string FlowReply = "flow_reply";
    public const string MessageFailed = "message_failed";
    public const string ContactOptedIn = "contact_opted_in";
    public const string CampaignFinished = "campaign_finished";

    public static readonly string[] All = [Keyword, Pattern, ButtonReply, ListReply, FlowReply, MessageFailed, ContactOptedIn, CampaignFinished];
}

public static class ActionTypes
{
    public const string SendMessage = "send_message";
    public const string Webhook = "webhook";
    public const string AddTag = "add_tag";
    public const string RemoveTag = "remove_tag";
    public const string AddToList = "add_to_list";
    public const string SetSession = "set_session";

    public static readonly string[] All = [SendMessage, Webhook, AddTag, RemoveTag, AddToList, SetSession];
}

/// <param name="Keywords">keyword: the rule fires when the message holds one of these as a word (case-insensitive).</param>
/// <param name="Pattern">pattern: a .NET regular expression matched case-insensitively against the text.</param>
/// <param name="ReplyId">button_reply / list_reply: the reply id (a template quick-reply's payload counts as a button reply).
/// flow_reply: the flow_token the flow was sent with (optional; without it every flow reply matches).</param>
/// <param name="ErrorCode">message_failed: only this Meta error code (optional).</param>
/// <param name="CampaignId">campaign_finished, message_failed: only this campaign (optional).</param>
public sealed record AutomationTrigger(string? Type, List<string>? Keywords = null, string? Pattern = null, string? ReplyId = null, int? ErrorCode = null, string? CampaignId = null);

/// <param name="Message">send_message: a message as POST /api/messages takes it (type text or template), to the event's contact.</param>
/// <param name="Url">webhook: where to POST the signed JSON event.</param>
/// <param name="Secret">webhook: the HMAC-SHA256 key for X-OneClick-Signature-256 (write-only).</param>
/// <param name="Tag">add_tag / remove_tag.</param>
/// <param name="ListId">add_to_list.</param>
/// <param name="Key">set_session: the context key.</param>
/// <param name="Value">set_session: any JSON value (null removes the key).</param>
public sealed record AutomationAction(
    string? Type, SendMessageRequest? Message = null, string? Url = null, string? Secret = null,
    string? Tag = null, string? ListId = null, string? Key = null, JsonNode? Value = null);

public sealed record AutomationRuleRequest(string? Name, bool? Enabled, AutomationTrigger? Trigger, List<AutomationAction>? Actions);

/// <summary>A rule. Table "automations", PartitionKey = tenant id, RowKey = "rule|{id}".</summary>
public sealed class AutomationRuleEntity : ITableEntity
{
    public const string RowPrefix = "rule|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Name { get; set; } = "";
    public bool Enabled { get; set; } = true;
    public string TriggerJson { get; set; } = "{}";
    public string ActionsJson { get; set; } = "[]";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    [IgnoreDataMember]
    public string Id => RowKey[RowPrefix.Length..];

    [IgnoreDataMember]
    public AutomationTrigger Trigger => JsonSerializer.Deserialize<AutomationTrigger>(TriggerJson, AutomationJson.Options)!;

    [IgnoreDataMember]
    public IReadOnlyList<AutomationAction> Actions => JsonSerializer.Deserialize<List<AutomationAction>>(ActionsJson, AutomationJson.Options) ?? [];

    public static string RowKeyFor(string id) => RowPrefix + id;
}

public static class AutomationJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}

public static partial class AutomationValidation
{
    public const int MaxActions = 10;
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    public static bool IsValidId(string? id) => id is { Length: 25 } && id[0] == 'a' && id.Skip(1).All(char.IsAsciiLetterOrDigit);

    public static string NewId() => "a" + Guid.CreateVersion7().ToString("N")[..24];

    public static void Validate(AutomationRuleRequest request, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
            errors.Add("name", "A name of 1–100 characters is required.");
        ValidateTrigger(request.Trigger, errors);
        if (request.Actions is not { Count: > 0 and <= MaxActions })
        {
            errors.Add("actions", $"Between 1 and {MaxActions} actions.");
            return;
        }
        for (var i = 0; i < request.Actions.Count; i++)
            ValidateAction(request.Actions[i], $"actions[{i}]", errors);
    }

    private static void ValidateTrigger(AutomationTrigger? trigger, ValidationErrors errors)
    {
        if (trigger?.Type is null || !TriggerTypes.All.Contains(trigger.Type))
        {
            errors.Add("trigger.type", $"One of: {string.Join(", ", TriggerTypes.All)}.");
            return;
        }
        switch (trigger.Type)
        {
            case TriggerTypes.Keyword:
                if (trigger.Keywords is not { Count: > 0 and <= 20 } || trigger.Keywords.Any(k => string.IsNullOrWhiteSpace(k) || k.Length > 50))
                    errors.Add("trigger.keywords", "1–20 keywords of 1–50 characters.");
                break;
            case TriggerTypes.Pattern:
                if (trigger.Pattern is not { Length: > 0 and <= 200 })
                    errors.Add("trigger.pattern", "A regular expression of 1–200 characters.");
                else if (CompilePattern(trigger.Pattern) is null)
                    errors.Add("trigger.pattern", "Not a valid regular expression, or one using backreferences, lookarounds or atomic groups (not supported).");
                break;
            case TriggerTypes.ButtonReply or TriggerTypes.ListReply:
                if (trigger.ReplyId is not { Length: > 0 and <= 256 })
                    errors.Add("trigger.replyId", "The reply id (1–256 characters) is required.");
                break;
            case TriggerTypes.FlowReply:
                if (trigger.ReplyId is { Length: 0 or > 256 })
                    errors.Add("trigger.replyId", "The flow_token to match: 1–256 characters, or leave it out for every flow reply.");
                break;
        }
        if (trigger.CampaignId is { Length: > 128 })
            errors.Add("trigger.campaignId", "At most 128 characters.");
    }

    private static void ValidateAction(AutomationAction? action, string field, ValidationErrors errors)
    {
        if (action?.Type is null || !ActionTypes.All.Contains(action.Type))
        {
            errors.Add($"{field}.type", $"One of: {string.Join(", ", ActionTypes.All)}.");
            return;
        }
        switch (action.Type)
        {
            case ActionTypes.SendMessage:
                var m = action.Message;
                if (m is null || m.Type is not ("text" or "template"))
                    errors.Add($"{field}.message", "A message with type 'text' (text.body) or 'template' (template.name, template.language).");
                else if (m.Type == "text" && (string.IsNullOrWhiteSpace(m.Text?.Body) || m.Text.Body.Length > MessageService.MaxTextLength))
                    errors.Add($"{field}.message.text.body", $"1–{MessageService.MaxTextLength} characters.");
                else if (m.Type == "template" && (string.IsNullOrWhiteSpace(m.Template?.Name) || string.IsNullOrWhiteSpace(m.Template.Language)))
                    errors.Add($"{field}.message.template", "A template name and language.");
                else if (m.To is not null || m.ContactId is not null || m.ScheduleFor is not null)
                    errors.Add($"{field}.message", "The message goes to the event's contact, now: leave out to, contactId and scheduleFor.");
                break;
            case ActionTypes.Webhook:
                if (!Uri.TryCreate(action.Url, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http") || action.Url!.Length > 2000)
                    errors.Add($"{field}.url", "An absolute http(s) URL.");
                if (action.Secret is not { Length: >= 16 and <= 256 })
                    errors.Add($"{field}.secret", "A signing secret of 16–256 characters.");
                break;
            case ActionTypes.AddTag or ActionTypes.RemoveTag:
                if (!Tags.IsValid(action.Tag))
                    errors.Add($"{field}.tag", "A lower-case tag: letters, digits, '_', '.', '-', at most 50 characters.");
                break;
            case ActionTypes.AddToList:
                if (!ListStore.IsValidId(action.ListId))
                    errors.Add($"{field}.listId", "A list id.");
                break;
            case ActionTypes.SetSession:
                if (action.Key is not { Length: > 0 and <= 64 })
                    errors.Add($"{field}.key", "A context key of 1–64 characters.");
                if (action.Value is not null && action.Value.ToJsonString().Length > 4000)
                    errors.Add($"{field}.value", "At most 4000 characters of JSON.");
                break;
        }
    }

    /// <summary>
    /// The compiled pattern, or null when it is not one OneClick runs. NonBacktracking matches in time linear in the text
    /// whatever the pattern (no catastrophic backtracking); it refuses backreferences, lookarounds and atomic groups.
    /// The timeout stays as a second bound. Compiled once per pattern text: a rule version's regex is its pattern, so an
    /// unchanged pattern is reused across versions and a changed one is a new entry; the cache is bounded, so tenants
    /// editing patterns cannot grow it.
    /// </summary>
    public static Regex? CompilePattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return CompiledPatterns.GetOrCreate(pattern, entry =>
        {
            entry.Size = 1;
            entry.SlidingExpiration = TimeSpan.FromHours(1);
            try
            {
                return new CompiledPattern(new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, RegexTimeout));
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                return new CompiledPattern(null);
            }
        })!.Regex;
    }

    private static readonly MemoryCache CompiledPatterns = new(
        new MemoryCacheOptions { SizeLimit = 10_000, CompactionPercentage = 0.25 });

    /// <summary>A pattern's compiled regex, or null for one that is refused (cached too, so it is not compiled again).</summary>
    private sealed record CompiledPattern(Regex? Regex);
}

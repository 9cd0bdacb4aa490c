using System.Text.Json;
using System.Text.Json.Nodes;
using OneClick.Core.Automations;
using OneClick.Core.Contacts;
using OneClick.Core.Storage;
using OneClick.Core.Validation;
using OneClick.Functions.Auth;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Automations;

/// <summary>A rule as the API shows it: webhook secrets are write-only.</summary>
public sealed record AutomationRuleView(
    string Id, string Name, bool Enabled, AutomationTrigger Trigger, IReadOnlyList<AutomationAction> Actions, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static AutomationRuleView From(AutomationRuleEntity r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.Id, r.Name, r.Enabled, r.Trigger, r.Actions.Select(a => a with { Secret = a.Secret is null ? null : "***" }).ToList(), r.CreatedAt, r.UpdatedAt);
    }
}

public sealed record AutomationRunView(
    string Id, string RuleId, string EventId, int ActionIndex, string ActionType, string Status, int Attempts, string? LastError, string? Result,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static AutomationRunView From(AutomationRunEntity r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.RowKey, r.RuleId, r.EventId, r.ActionIndex, r.Action.Type ?? "", r.Status, r.Attempts, r.LastError, r.Result, r.CreatedAt, r.UpdatedAt);
    }
}

/// <summary>
/// An event to try rules against. type: "inbound" (with text, or replyKind button_reply/list_reply/quick_reply and replyId),
/// "message_failed" (errorCode, campaignId), "contact_opted_in", "campaign_finished" (campaignId).
/// </summary>
public sealed record DryRunEvent(string? Type, string? Text, string? ReplyKind, string? ReplyId, int? ErrorCode, string? CampaignId, string? ContactId);

public sealed record DryRunRequest(DryRunEvent? Event);

public sealed record DryRunRule(string Id, string Name, IReadOnlyList<string> Actions);

public static class AutomationEndpoints
{
    private static readonly string[] EventTypes = [AutomationEvent.Inbound, TriggerTypes.MessageFailed, TriggerTypes.ContactOptedIn, TriggerTypes.CampaignFinished];

    public static void MapAutomationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/automations").WithTags("Automations").RequireAuthorization(Policies.Tenant);
        group.MapPost("", CreateAsync);
        group.MapGet("", ListAsync);
        group.MapPost("/dry-run", DryRunAsync);
        group.MapGet("/{ruleId}", GetAsync);
        group.MapPut("/{ruleId}", ReplaceAsync);
        group.MapDelete("/{ruleId}", DeleteAsync);
        group.MapPost("/{ruleId}/enable", (string ruleId, AutomationStore rules, HttpContext http, CancellationToken ct) => SetEnabledAsync(ruleId, true, rules, http, ct));
        group.MapPost("/{ruleId}/disable", (string ruleId, AutomationStore rules, HttpContext http, CancellationToken ct) => SetEnabledAsync(ruleId, false, rules, http, ct));
        group.MapGet("/{ruleId}/runs", RunsAsync);
    }

    private static IResult? Invalid(AutomationRuleRequest request)
    {
        var errors = new ValidationErrors();
        AutomationValidation.Validate(request, errors);
        if (!errors.Any && JsonSerializer.Serialize(request.Actions, AutomationJson.Options).Length > 30_000)
            errors.Add("actions", "The actions are too large: at most 30,000 characters of JSON.");
        return errors.Any ? Problem.Validation(errors) : null;
    }

    private static async Task<IResult> CreateAsync(AutomationRuleRequest request, AutomationStore rules, HttpContext http, CancellationToken cancellationToken)
    {
        if (Invalid(request) is { } invalid)
            return invalid;
        var rule = await rules.CreateAsync(http.User.TenantId()!, request, cancellationToken);
        return TypedResults.Created($"/api/automations/{rule.Id}", AutomationRuleView.From(rule));
    }

    private static async Task<IResult> ReplaceAsync(string ruleId, AutomationRuleRequest request, AutomationStore rules, HttpContext http, CancellationToken cancellationToken)
    {
        if (!AutomationValidation.IsValidId(ruleId))
            return Problem.Validation("ruleId", "Not an automation id.");
        if (Invalid(request) is { } invalid)
            return invalid;
        var rule = await rules.ReplaceAsync(http.User.TenantId()!, ruleId, request, cancellationToken);
        return rule is null ? Problem.NotFound("automation") : TypedResults.Ok(AutomationRuleView.From(rule));
    }

    private static async Task<IResult> GetAsync(string ruleId, AutomationStore rules, HttpContext http, CancellationToken cancellationToken)
    {
        if (!AutomationValidation.IsValidId(ruleId))
            return Problem.Validation("ruleId", "Not an automation id.");
        var rule = await rules.GetAsync(http.User.TenantId()!, ruleId, cancellationToken);
        return rule is null ? Problem.NotFound("automation") : TypedResults.Ok(AutomationRuleView.From(rule));
    }

    private static async Task<IResult> DeleteAsync(string ruleId, AutomationStore rules, HttpContext http, CancellationToken cancellationToken)
    {
        if (!AutomationValidation.IsValidId(ruleId))
            return Problem.Validation("ruleId", "Not an automation id.");
        return await rules.DeleteAsync(http.User.TenantId()!, ruleId, cancellationToken) ? TypedResults.NoContent() : Problem.NotFound("automation");
    }

    private static async Task<IResult> SetEnabledAsync(string ruleId, bool enabled, AutomationStore rules, HttpContext http, CancellationToken cancellationToken)
    {
        if (!AutomationValidation.IsValidId(ruleId))
            return Problem.Validation("ruleId", "Not an automation id.");
        var rule = await rules.SetEnabledAsync(http.User.TenantId()!, ruleId, enabled, cancellationToken);
        return rule is null ? Problem.NotFound("automation") : TypedResults.Ok(AutomationRuleView.From(rule));
    }

    private static async Task<IResult> ListAsync(AutomationStore rules, HttpContext http, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        return await ListParameters.PageAsync(pageSize, continuationToken,
            (storageToken, size) => rules.PageAsync(http.User.TenantId()!, storageToken, size, cancellationToken), AutomationRuleView.From);
    }

    private static async Task<IResult> RunsAsync(string ruleId, AutomationEngine engine, HttpContext http, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        if (!AutomationValidation.IsValidId(ruleId))
            return Problem.Validation("ruleId", "Not an automation id.");
        return await ListParameters.PageAsync(pageSize, continuationToken,
            (storageToken, size) => engine.PageRunsAsync(http.User.TenantId()!, ruleId, storageToken, size, cancellationToken), AutomationRunView.From);
    }

    private static async Task<IResult> DryRunAsync(DryRunRequest request, AutomationEngine engine, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var e = request.Event;
        var errors = new ValidationErrors();
        if (e?.Type is null || !EventTypes.Contains(e.Type))
            errors.Add("event.type", $"One of: {string.Join(", ", EventTypes)}.");
        if (e?.Text is { Length: > 4096 })
            errors.Add("event.text", "At most 4096 characters.");
        if (e?.ReplyKind is not (null or "button_reply" or "list_reply" or "quick_reply"))
            errors.Add("event.replyKind", "button_reply, list_reply or quick_reply.");
        if (e?.ContactId is not null && !ContactStore.IsValidId(e.ContactId))
            errors.Add("event.contactId", "Not a contact id.");
        if (errors.Any)
            return Problem.Validation(errors);
        var fired = await engine.MatchAsync(http.User.TenantId()!, new AutomationEvent(
            e!.Type!, "dry-run", clock.GetUtcNow(), ContactId: e.ContactId, Text: e.Text, ReplyKind: e.ReplyKind, ReplyId: e.ReplyId,
            CampaignId: e.CampaignId, ErrorCode: e.ErrorCode), cancellationToken);
        return TypedResults.Ok(new JsonObject
        {
            ["rules"] = JsonSerializer.SerializeToNode(fired.Select(r => new DryRunRule(r.Id, r.Name, r.Actions.Select(a => a.Type ?? "").ToList())).ToList(), JsonSerializerOptions.Web),
        });
    }
}

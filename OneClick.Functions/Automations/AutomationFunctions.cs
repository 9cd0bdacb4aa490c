using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Automations;
using OneClick.Core.Contacts;
using OneClick.Core.Validation;
using OneClick.Functions.Auth;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Automations;

/// <summary>A rule as the API shows it: webhook secrets are write-only.</summary>
public sealed record AutomationRuleView(
    string Id, string Name, bool Enabled, AutomationTrigger Trigger, IReadOnlyList<AutomationAction> Actions, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static AutomationRuleView From(AutomationRuleEntity r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.Id, r.Name, r.Enabled, r.Trigger, r.Actions.Select(a => a with { Secret = a.Type == ActionTypes.Webhook ? "***" : null }).ToList(), r.CreatedAt, r.UpdatedAt);
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

/// <summary>The rules an event would fire, without running them.</summary>
public sealed record DryRunResult(IReadOnlyList<DryRunRule> Rules);

/// <summary>/api/automations: the calling tenant's automation rules, their runs, and a dry run of an event against them.</summary>
[Authorize(Policy = Policies.Tenant)]
public sealed class AutomationFunctions(AutomationStore rules, AutomationEngine engine, TimeProvider clock, IOptions<AutomationLimits> limits)
{
    private static readonly string[] EventTypes = [AutomationEvent.Inbound, TriggerTypes.MessageFailed, TriggerTypes.ContactOptedIn, TriggerTypes.CampaignFinished];

    [Function("CreateAutomation")]
    public async Task<IResult> Create(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "automations")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<AutomationRuleRequest>(cancellationToken);
        if (Invalid(body) is { } invalid)
            return invalid;
        var tenantId = request.HttpContext.User.TenantId()!;
        // Every inbound message is matched against all of a tenant's rules, so their number bounds that work. Two creates
        // at the same moment may both pass the count; the cap is there against runaway numbers, not one rule more.
        var max = limits.Value.MaxRulesPerTenant;
        if ((await rules.AllAsync(tenantId, cancellationToken)).Count >= max)
            return Problem.Conflict($"A tenant can have at most {max} automation rules; delete one first.");
        var rule = await rules.CreateAsync(tenantId, body, cancellationToken);
        return TypedResults.Created($"/api/automations/{rule.Id}", AutomationRuleView.From(rule));
    }

    [Function("ListAutomations")]
    public Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "automations")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tenantId = request.HttpContext.User.TenantId()!;
        return ListParameters.PageAsync(request, (storageToken, size) => rules.PageAsync(tenantId, storageToken, size, cancellationToken), AutomationRuleView.From);
    }

    [Function("DryRunAutomations")]
    public async Task<IResult> DryRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "automations/dry-run")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var e = (await request.ReadBodyAsync<DryRunRequest>(cancellationToken)).Event;
        var errors = new ValidationErrors();
        if (e?.Type is null || !EventTypes.Contains(e.Type))
            errors.Add("event.type", $"One of: {string.Join(", ", EventTypes)}.");
        if (e?.Text is { Length: > 4096 })
            errors.Add("event.text", "At most 4096 characters.");
        if (e?.ReplyKind is not (null or "button_reply" or "list_reply" or "quick_reply" or "nfm_reply"))
            errors.Add("event.replyKind", "button_reply, list_reply, quick_reply or nfm_reply.");
        if (e?.ContactId is not null && !ContactStore.IsValidId(e.ContactId))
            errors.Add("event.contactId", "Not a contact id.");
        if (errors.Any)
            return Problem.Validation(errors);
        var fired = await engine.MatchAsync(request.HttpContext.User.TenantId()!, new AutomationEvent(
            e!.Type!, "dry-run", clock.GetUtcNow(), ContactId: e.ContactId, Text: e.Text, ReplyKind: e.ReplyKind, ReplyId: e.ReplyId,
            CampaignId: e.CampaignId, ErrorCode: e.ErrorCode), cancellationToken);
        return TypedResults.Ok(new DryRunResult(fired.Select(r => new DryRunRule(r.Id, r.Name, r.Actions.Select(a => a.Type ?? "").ToList())).ToList()));
    }

    [Function("GetAutomation")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "automations/{ruleId}")] HttpRequest request, string ruleId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!AutomationValidation.IsValidId(ruleId))
            return Problem.Validation("ruleId", "Not an automation id.");
        var rule = await rules.GetAsync(request.HttpContext.User.TenantId()!, ruleId, cancellationToken);
        return rule is null ? Problem.NotFound("automation") : TypedResults.Ok(AutomationRuleView.From(rule));
    }

    [Function("ReplaceAutomation")]
    public async Task<IResult> Replace(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "automations/{ruleId}")] HttpRequest request, string ruleId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<AutomationRuleRequest>(cancellationToken);
        if (!AutomationValidation.IsValidId(ruleId))
            return Problem.Validation("ruleId", "Not an automation id.");
        if (Invalid(body) is { } invalid)
            return invalid;
        var rule = await rules.ReplaceAsync(request.HttpContext.User.TenantId()!, ruleId, body, cancellationToken);
        return rule is null ? Problem.NotFound("automation") : TypedResults.Ok(AutomationRuleView.From(rule));
    }

    [Function("DeleteAutomation")]
    public async Task<IResult> Delete(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "automations/{ruleId}")] HttpRequest request, string ruleId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!AutomationValidation.IsValidId(ruleId))
            return Problem.Validation("ruleId", "Not an automation id.");
        return await rules.DeleteAsync(request.HttpContext.User.TenantId()!, ruleId, cancellationToken) ? TypedResults.NoContent() : Problem.NotFound("automation");
    }

    [Function("EnableAutomation")]
    public Task<IResult> Enable(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "automations/{ruleId}/enable")] HttpRequest request, string ruleId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SetEnabledAsync(request, ruleId, enabled: true, cancellationToken);
    }

    [Function("DisableAutomation")]
    public Task<IResult> Disable(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "automations/{ruleId}/disable")] HttpRequest request, string ruleId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SetEnabledAsync(request, ruleId, enabled: false, cancellationToken);
    }

    [Function("ListAutomationRuns")]
    public async Task<IResult> Runs(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "automations/{ruleId}/runs")] HttpRequest request, string ruleId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (pageSize, continuationToken) = (request.QueryInt(ListParameters.PageSize), request.QueryText(ListParameters.ContinuationToken));
        if (!AutomationValidation.IsValidId(ruleId))
            return Problem.Validation("ruleId", "Not an automation id.");
        var tenantId = request.HttpContext.User.TenantId()!;
        // Another tenant's (or no) rule is not found, not an empty page: the same answer as GET /api/automations/{ruleId}.
        if (await rules.GetAsync(tenantId, ruleId, cancellationToken) is null)
            return Problem.NotFound("automation");
        return await ListParameters.PageAsync(pageSize, continuationToken,
            (storageToken, size) => engine.PageRunsAsync(tenantId, ruleId, storageToken, size, cancellationToken), AutomationRunView.From);
    }

    private async Task<IResult> SetEnabledAsync(HttpRequest request, string ruleId, bool enabled, CancellationToken cancellationToken)
    {
        if (!AutomationValidation.IsValidId(ruleId))
            return Problem.Validation("ruleId", "Not an automation id.");
        var rule = await rules.SetEnabledAsync(request.HttpContext.User.TenantId()!, ruleId, enabled, cancellationToken);
        return rule is null ? Problem.NotFound("automation") : TypedResults.Ok(AutomationRuleView.From(rule));
    }

    private static IResult? Invalid(AutomationRuleRequest request)
    {
        var errors = new ValidationErrors();
        AutomationValidation.Validate(request, errors);
        if (!errors.Any && JsonSerializer.Serialize(request.Actions, AutomationJson.Options).Length > 30_000)
            errors.Add("actions", "The actions are too large: at most 30,000 characters of JSON.");
        return errors.Any ? Problem.Validation(errors) : null;
    }
}

/// <summary>OneClick:Automations settings that bound a tenant's automation work (docs/hardening.md).</summary>
public sealed class AutomationLimits
{
    public const string Section = "OneClick:Automations";

    public int MaxRulesPerTenant { get; set; } = 100;

    internal static void Add(IServiceCollection services, IConfiguration configuration) =>
        services.AddOptions<AutomationLimits>().Bind(configuration.GetSection(Section))
            .Validate(o => o.MaxRulesPerTenant is > 0 and <= 10_000, $"{Section}:MaxRulesPerTenant must be between 1 and 10,000.")
            .ValidateOnStart();
}

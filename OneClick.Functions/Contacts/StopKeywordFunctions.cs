using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Contacts;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;
using OneClick.Functions.Auth;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Contacts;

/// <param name="Keywords">The tenant's stop keywords; null restores the defaults.</param>
/// <param name="ConfirmationText">Sent once to a contact who opts out with a keyword; null or "" sends nothing.</param>
public sealed record StopKeywordsRequest(List<string>? Keywords, string? ConfirmationText);

public sealed record StopKeywordsView(IReadOnlyList<string> Keywords, bool IsDefault, string? ConfirmationText, IReadOnlyList<string> Defaults);

/// <summary>/api/contacts/stop-keywords: the words that opt a contact out when they send one, and the confirmation they get.</summary>
[Authorize(Policy = Policies.Tenant)]
public sealed class StopKeywordFunctions(TenantStore tenants)
{
    [Function("GetStopKeywords")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "contacts/stop-keywords")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return TypedResults.Ok(StopView(await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken)));
    }

    [Function("SetStopKeywords")]
    public async Task<IResult> Set(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "contacts/stop-keywords")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<StopKeywordsRequest>(cancellationToken);
        var errors = new ValidationErrors();
        if (body.Keywords is { } keywords &&
            (keywords.Count is 0 or > StopKeywordSettings.MaxKeywords ||
             keywords.Any(k => k is null || k.Length > StopKeywordSettings.MaxKeywordLength || StopKeywords.Normalize(k).Length == 0)))
            errors.Add("keywords", $"1–{StopKeywordSettings.MaxKeywords} keywords of 1–{StopKeywordSettings.MaxKeywordLength} characters with at least one letter or digit; null restores the defaults.");
        if (body.ConfirmationText is { Length: > StopKeywordSettings.MaxConfirmationLength })
            errors.Add("confirmationText", $"At most {StopKeywordSettings.MaxConfirmationLength} characters.");
        if (errors.Any)
            return Problem.Validation(errors);
        var tenant = await tenants.UpdateAsync(request.HttpContext.User.TenantId()!, t =>
        {
            t.StopKeywordsJson = body.Keywords is null ? null : JsonSerializer.Serialize(body.Keywords.Select(k => k.Trim()).Distinct(StringComparer.OrdinalIgnoreCase));
            t.StopConfirmationText = string.IsNullOrWhiteSpace(body.ConfirmationText) ? null : body.ConfirmationText;
        }, cancellationToken);
        return tenant is null ? Problem.NotFound("tenant") : TypedResults.Ok(StopView(tenant));
    }

    private static StopKeywordsView StopView(TenantEntity tenant) =>
        new(StopKeywordSettings.KeywordsOf(tenant), tenant.StopKeywordsJson is null, tenant.StopConfirmationText, StopKeywords.Defaults);
}

using System.Text.Json;
using OneClick.Core.Contacts;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;
using OneClick.Functions.Auth;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Contacts;

/// <param name="Keywords">The tenant's stop keywords; null restores the defaults.</param>
/// <param name="ConfirmationText">Sent once to a contact who opts out with a keyword; null or "" sends nothing.</param>
public sealed record StopKeywordsRequest(List<string>? Keywords, string? ConfirmationText);

public sealed record StopKeywordsView(IReadOnlyList<string> Keywords, bool IsDefault, string? ConfirmationText, IReadOnlyList<string> Defaults);

public static partial class ContactEndpoints
{
    private static void MapStopKeywordEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/stop-keywords", async (TenantStore tenants, HttpContext http, CancellationToken cancellationToken) =>
            TypedResults.Ok(StopView(await CurrentTenant.GetAsync(http, tenants, cancellationToken))));
        group.MapPut("/stop-keywords", SetStopKeywordsAsync);
    }

    private static async Task<IResult> SetStopKeywordsAsync(StopKeywordsRequest request, TenantStore tenants, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.Keywords is { } keywords &&
            (keywords.Count is 0 or > StopKeywordSettings.MaxKeywords ||
             keywords.Any(k => k is null || k.Length > StopKeywordSettings.MaxKeywordLength || StopKeywords.Normalize(k).Length == 0)))
            errors.Add("keywords", $"1–{StopKeywordSettings.MaxKeywords} keywords of 1–{StopKeywordSettings.MaxKeywordLength} characters with at least one letter or digit; null restores the defaults.");
        if (request.ConfirmationText is { Length: > StopKeywordSettings.MaxConfirmationLength })
            errors.Add("confirmationText", $"At most {StopKeywordSettings.MaxConfirmationLength} characters.");
        if (errors.Any)
            return Problem.Validation(errors);
        var tenant = await tenants.UpdateAsync(http.User.TenantId()!, t =>
        {
            t.StopKeywordsJson = request.Keywords is null ? null : JsonSerializer.Serialize(request.Keywords.Select(k => k.Trim()).Distinct(StringComparer.OrdinalIgnoreCase));
            t.StopConfirmationText = string.IsNullOrWhiteSpace(request.ConfirmationText) ? null : request.ConfirmationText;
        }, cancellationToken);
        return tenant is null ? Problem.NotFound("tenant") : TypedResults.Ok(StopView(tenant));
    }

    private static StopKeywordsView StopView(TenantEntity tenant) =>
        new(StopKeywordSettings.KeywordsOf(tenant), tenant.StopKeywordsJson is null, tenant.StopConfirmationText, StopKeywords.Defaults);
}

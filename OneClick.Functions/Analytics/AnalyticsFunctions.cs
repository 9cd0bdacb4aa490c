using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Analytics;
using OneClick.Core.Validation;
using OneClick.Functions.Auth;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Analytics;

/// <summary>/api/analytics: the calling tenant's message events, summarized or exported raw.</summary>
[Authorize(Policy = Policies.Tenant)]
public sealed class AnalyticsFunctions(AnalyticsEvents events, TimeProvider clock)
{
    [Function("GetAnalyticsSummary")]
    public async Task<IResult> Summary(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "analytics/summary")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var campaignId = request.QueryText("campaignId");
        var errors = new ValidationErrors();
        var range = ParseRange(request.QueryText("from"), request.QueryText("to"), errors);
        if (range is null)
            return Problem.Validation(errors);
        if (CheckCampaign(campaignId) is { } invalid)
            return invalid;
        return TypedResults.Ok(await events.SummarizeAsync(request.HttpContext.User.TenantId()!, range.Value.From, range.Value.To, campaignId, cancellationToken));
    }

    /// <summary>Streams the raw events as NDJSON, one storage page at a time, flushing after each page.</summary>
    [Function("ExportAnalyticsEvents")]
    [OpenApi.ResponseContent("application/x-ndjson", "The events as newline-delimited JSON, one event a line.")]
    public Task<IResult> Export(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "analytics/export")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(ExportStream(request, cancellationToken));
    }

    private IResult ExportStream(HttpRequest request, CancellationToken cancellationToken)
    {
        var (campaignId, type) = (request.QueryText("campaignId"), request.QueryText("type"));
        var errors = new ValidationErrors();
        var range = ParseRange(request.QueryText("from"), request.QueryText("to"), errors);
        if (range is null)
            return Problem.Validation(errors);
        if (CheckCampaign(campaignId) is { } invalid)
            return invalid;
        if (type is not null && (type.Length is 0 or > 64 || !type.All(c => char.IsAsciiLetterLower(c) || c == '_')))
            return Problem.Validation("type", "An event type such as message_read.");
        var tenantId = request.HttpContext.User.TenantId()!;
        return TypedResults.Stream(async stream =>
        {
            var utf8 = new UTF8Encoding(false);
            await foreach (var page in events.ReadPagesAsync(tenantId, range.Value.From, range.Value.To, campaignId, type, cancellationToken))
            {
                var lines = new StringBuilder();
                foreach (var e in page)
                    lines.Append(AnalyticsEvents.ToJsonLine(e, tenantId)).Append('\n');
                await stream.WriteAsync(utf8.GetBytes(lines.ToString()), cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }
        }, "application/x-ndjson");
    }


    /// <summary>from and to are UTC days (yyyy-MM-dd), both included, at most <see cref="AnalyticsEvents.MaxDays"/> apart; default: the last 7 days.</summary>
    private (DateOnly From, DateOnly To)? ParseRange(string? from, string? to, ValidationErrors errors)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        DateOnly? Parse(string? text, string field, DateOnly fallback)
        {
            if (text is null)
                return fallback;
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                return day;
            errors.Add(field, "A UTC day as yyyy-MM-dd.");
            return null;
        }
        var end = Parse(to, "to", today);
        var start = Parse(from, "from", (end ?? today).AddDays(-6));
        if (start is null || end is null)
            return null;
        if (start > end)
            errors.Add("from", "Must not be after 'to'.");
        else if (end.Value.DayNumber - start.Value.DayNumber + 1 > AnalyticsEvents.MaxDays)
            errors.Add("to", $"At most {AnalyticsEvents.MaxDays} days per request.");
        return errors.Any ? null : (start.Value, end.Value);
    }

    private static IResult? CheckCampaign(string? campaignId) =>
        campaignId is { Length: 0 or > 128 } ? Problem.Validation("campaignId", "1–128 characters.") : null;
}

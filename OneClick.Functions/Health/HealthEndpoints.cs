using OneClick.Core.Storage;

namespace OneClick.Functions.Health;

public sealed record HealthReport(string Status, string Mode, IReadOnlyDictionary<string, string> Checks);

public static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/health", CheckAsync).WithTags("Health").AllowAnonymous();

    private static async Task<IResult> CheckAsync(StorageAccount storage, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var mode = configuration["FUNCTIONS_CUSTOMHANDLER_PORT"] is null ? "standalone" : "custom-handler";
        try
        {
            await foreach (var _ in storage.Table(TableNames.Tenants).QueryAsync<Azure.Data.Tables.TableEntity>(maxPerPage: 1, cancellationToken: cancellationToken).AsPages(pageSizeHint: 1))
                break;
            return TypedResults.Ok(new HealthReport("healthy", mode, new Dictionary<string, string> { ["storage"] = "ok" }));
        }
        catch (Azure.RequestFailedException e)
        {
            return TypedResults.Json(new HealthReport("unhealthy", mode, new Dictionary<string, string> { ["storage"] = $"HTTP {e.Status}" }),
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}

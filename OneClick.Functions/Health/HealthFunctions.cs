using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Storage;

namespace OneClick.Functions.Health;

public sealed record HealthReport(string Status, IReadOnlyDictionary<string, string> Checks);

/// <summary>GET /api/health: whether the app can reach its storage account. No key, no tenant data.</summary>
[AllowAnonymous]
public sealed class HealthFunctions(StorageAccount storage)
{
    [Function("Health")]
    public async Task<IResult> Check(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in storage.Table(TableNames.Tenants).QueryAsync<Azure.Data.Tables.TableEntity>(maxPerPage: 1, cancellationToken: cancellationToken).AsPages(pageSizeHint: 1))
                break;
            return TypedResults.Ok(new HealthReport("healthy", new Dictionary<string, string> { ["storage"] = "ok" }));
        }
        catch (Azure.RequestFailedException e)
        {
            return TypedResults.Json(new HealthReport("unhealthy", new Dictionary<string, string> { ["storage"] = $"HTTP {e.Status}" }),
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}

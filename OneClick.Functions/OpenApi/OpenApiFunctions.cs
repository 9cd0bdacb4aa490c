using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;

namespace OneClick.Functions.OpenApi;

/// <summary>GET /api/openapi.json and the reference page at GET /api/docs: no key, no tenant data.</summary>
[AllowAnonymous]
public static class OpenApiFunctions
{
    [Function("GetOpenApiDocument")]
    public static IResult Document(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        TypedResults.Text(OpenApiDocument.Json, "application/json");
}

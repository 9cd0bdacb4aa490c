using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using OneClick.Core.Storage;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.OpenApi;

/// <summary>
/// The OpenAPI 3.1 document, generated from the code: operations from the [Function]/[HttpTrigger] attributes
/// (what the SDK writes to functions.metadata), security from [Authorize]/[AllowAnonymous], parameters, bodies and
/// answers from what each function's code reads and returns (<see cref="CodeScan"/>), schemas from the same JSON
/// options the app serialises with.
/// </summary>
public static class OpenApiDocument
{
    // Numbers are documented as numbers: the app writes them so, and its lenient reading of "42" is not a contract.
    private static readonly JsonSerializerOptions SchemaOptions = new(RequestReading.Json)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
    };
    private static readonly Lazy<string> Cached = new(() => Build().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    /// <summary>The document as indented JSON, ending in a newline (as committed at docs/api/openapi.json).</summary>
    public static string Json => Cached.Value;

    public static JsonObject Build()
    {
        var schemas = new SchemaRegistry(SchemaOptions);
        var paths = new JsonObject();
        foreach (var operation in HttpOperations.All)
        {
            var path = paths[operation.Path] as JsonObject ?? new JsonObject();
            paths[operation.Path] = path;
            path[operation.Method] = OperationBuilder.Build(operation, schemas);
        }
        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "OneClick API",
                ["version"] = "1.0.0",
                ["summary"] = "Multi-tenant WhatsApp marketing: contacts, lists, groups, templates, messages, campaigns.",
                ["description"] = "Tenants call with their own API key (`Authorization: Bearer <key>`); tenant provisioning needs the admin key. "
                    + "Errors are RFC 7807 problem details. Every list pages with `pageSize` and `continuationToken`.",
                ["license"] = new JsonObject { ["name"] = "Proprietary", ["identifier"] = "LicenseRef-Proprietary" },
            },
            // Relative: the app that serves this document (the local run on :7071 or the function app in Azure); "try it" on
            // the reference page then calls the same origin.
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/", ["description"] = "The app serving this document (locally http://127.0.0.1:7071)." }),
            ["security"] = new JsonArray(new JsonObject { [SecuritySchemes.Tenant] = new JsonArray() }),
            ["tags"] = new JsonArray(HttpOperations.All.Select(o => o.Tag).Distinct().Order(StringComparer.Ordinal)
                .Select(tag => (JsonNode)new JsonObject { ["name"] = tag, ["description"] = $"{tag} operations." }).ToArray()),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject
                {
                    [SecuritySchemes.Tenant] = Bearer("A tenant's API key."),
                    [SecuritySchemes.Admin] = Bearer("The admin key (OneClick:AdminApiKey), for tenant provisioning."),
                },
                ["schemas"] = schemas.ToJson(),
            },
        };
    }

    private static JsonObject Bearer(string description) =>
        new() { ["type"] = "http", ["scheme"] = "bearer", ["description"] = description };
}

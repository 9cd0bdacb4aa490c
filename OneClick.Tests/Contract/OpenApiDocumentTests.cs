using System.Text.Json.Nodes;
using OneClick.Functions.OpenApi;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Contract;

/// <summary>
/// docs/api/openapi.json is generated from the code and committed. To regenerate it after changing an endpoint:
/// ONECLICK_WRITE_OPENAPI=1 dotnet test OneClick.Tests --filter "FullyQualifiedName~OpenApiDocumentTests"
/// </summary>
public sealed class OpenApiDocumentTests
{
    public static readonly string CommittedPath = Path.Combine(RepoPaths.Root, "docs", "api", "openapi.json");

    [Fact]
    public void The_committed_document_is_the_one_the_code_generates()
    {
        if (Environment.GetEnvironmentVariable("ONECLICK_WRITE_OPENAPI") == "1")
            File.WriteAllText(CommittedPath, OpenApiDocument.Json);
        Assert.True(File.Exists(CommittedPath), "docs/api/openapi.json is missing; see this test's summary to generate it.");
        Assert.True(File.ReadAllText(CommittedPath) == OpenApiDocument.Json,
            "docs/api/openapi.json differs from the code; regenerate it (see OpenApiDocumentTests) and commit it.");
    }

    [Fact]
    public void Every_http_function_is_an_operation_and_every_operation_a_function()
    {
        var metadata = (JsonArray)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.FunctionsBuildOutput, "functions.metadata")))!;
        var fromMetadata = (from function in metadata
                            from binding in function!["bindings"]!.AsArray()
                            where binding!["type"]!.ToString() == "httpTrigger"
                            from method in binding!["methods"]!.AsArray()
                            select $"{method!.ToString().ToLowerInvariant()} {function["name"]} /api/{Route(binding["route"]!.ToString())}")
                           .Order(StringComparer.Ordinal).ToList();
        var document = JsonNode.Parse(File.ReadAllText(CommittedPath))!;
        var fromDocument = (from path in document["paths"]!.AsObject()
                            from operation in path.Value!.AsObject()
                            select $"{operation.Key} {operation.Value!["operationId"]} {path.Key}")
                           .Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(fromMetadata);
        Assert.Equal(fromMetadata, fromDocument);
    }

    [Fact]
    public void Operations_declare_security_parameters_bodies_and_problem_answers()
    {
        var paths = JsonNode.Parse(OpenApiDocument.Json)!["paths"]!;
        var health = paths["/api/health"]!["get"]!;
        Assert.Empty(health["security"]!.AsArray());
        Assert.Empty(paths["/api/webhooks/meta/{tenantId}"]!["post"]!["security"]!.AsArray());

        var listContacts = paths["/api/contacts"]!["get"]!;
        Assert.Null(listContacts["security"]); // the document's default: the tenant key
        var names = listContacts["parameters"]!.AsArray().Select(p => p!["name"]!.ToString()).ToList();
        Assert.Contains("pageSize", names);
        Assert.Contains("continuationToken", names);
        Assert.StartsWith("#/components/schemas/ResultPageOf", listContacts["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.ToString());

        var createContact = paths["/api/contacts"]!["post"]!;
        Assert.NotNull(createContact["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Equal("#/components/schemas/ValidationProblemDetails",
            createContact["responses"]!["400"]!["content"]!["application/problem+json"]!["schema"]!["$ref"]!.ToString());
        Assert.NotNull(createContact["responses"]!["401"]);
    }

    private static string Route(string route) => System.Text.RegularExpressions.Regex.Replace(route, @"\{\*?([A-Za-z0-9_]+)[^}]*\}", "{$1}");
}

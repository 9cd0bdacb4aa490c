using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;

namespace OneClick.Functions.OpenApi;

/// <summary>GET /api/openapi.json and the reference page at GET /api/docs: no key, no tenant data, no CDN.</summary>
[AllowAnonymous]
public static class OpenApiFunctions
{
    private const string ScriptResource = "scalar-standalone.js";

    // Scalar renders the document. Everything stays local: no web fonts, and none of Scalar's hosted extras (AI agent,
    // MCP, developer toolbar), which would call out of networks that are often offline.
    private const string Page = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>OneClick API reference</title>
        </head>
        <body>
          <div id="app"></div>
          <script src="/api/docs/scalar.js"></script>
          <script>
            Scalar.createApiReference('#app', {
              url: '/api/openapi.json',
              withDefaultFonts: false,
              agent: { disabled: true },
              mcp: { disabled: true },
              showDeveloperTools: 'never',
            });
          </script>
        </body>
        </html>
        """;

    [Function("GetOpenApiDocument")]
    public static IResult Document(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        TypedResults.Text(OpenApiDocument.Json, "application/json");

    [Function("GetApiReferencePage")]
    [ResponseContent("text/html", "The reference page.")]
    public static IResult ReferencePage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs")] HttpRequest request) =>
        TypedResults.Text(Page, "text/html");

    [Function("GetApiReferenceScript")]
    [ResponseContent("text/javascript", "The script of the reference page.")]
    public static IResult ReferenceScript(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs/scalar.js")] HttpRequest request) =>
        TypedResults.Stream(typeof(OpenApiFunctions).Assembly.GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"The build embeds {ScriptResource}; run `npm ci` before building."), "text/javascript");
}

using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Contract;

/// <summary>The running app serves the committed document, without a key.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class OpenApiServedTests(OneClickEnvironment env)
{
    [Fact]
    public async Task The_app_serves_the_committed_document_without_a_key()
    {
        using var response = await env.Http.GetAsync(new Uri(env.AppUrl, "api/openapi.json"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(await File.ReadAllTextAsync(OpenApiDocumentTests.CommittedPath) == await response.Content.ReadAsStringAsync(),
            "GET /api/openapi.json differs from docs/api/openapi.json.");
    }
}

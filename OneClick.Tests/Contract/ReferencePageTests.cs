using System.Text.Json.Nodes;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Contract;

/// <summary>
/// GET /api/docs in a real browser (Debian's headless Chromium driven by playwright-core, installed by the test
/// command): the page renders from the app's own assets with no request leaving the machine, lists the operations,
/// and its "Test Request" reaches the app with the tenant's key.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class ReferencePageTests(OneClickEnvironment env)
{
    [Fact]
    public async Task The_reference_page_lists_the_operations_and_its_try_it_request_reaches_the_app()
    {
        var tenant = await env.CreateTenantAsync();
        var contact = await tenant.PostAsync("api/contacts", new { phoneNumber = "+14155550177", name = "Ada" });
        contact.EnsureSuccessStatusCode();

        var page = await RunAsync(env.AppUrl, tenant.ApiKey);

        Assert.Equal("OneClick API", page["title"]!.GetValue<string>());
        var operations = page["contactOperations"]!.AsArray().Select(o => o!.GetValue<string>()).ToList();
        Assert.Contains(operations, o => o.Contains("List contacts", StringComparison.Ordinal));
        Assert.Contains(operations, o => o.Contains("Create contact", StringComparison.Ordinal));
        Assert.Empty(page["outsideRequests"]!.AsArray());
        Assert.Empty(page["failedRequests"]!.AsArray());

        var tryIt = page["tryIt"]!;
        Assert.Equal(200, tryIt["status"]!.GetValue<int>());
        Assert.Equal("Bearer " + tenant.ApiKey, tryIt["authorization"]!.GetValue<string>());
        var item = Assert.Single(tryIt["body"]!["items"]!.AsArray());
        Assert.Equal("+14155550177", item!["phoneNumber"]!.GetValue<string>());
    }

    /// <summary>Drives the page in the browser; node resolves playwright-core from the repository's node_modules.</summary>
    private static async Task<JsonNode> RunAsync(Uri app, string apiKey) =>
        JsonNode.Parse(await NodeScript.RunAsync("Contract/reference-page.mjs", TimeSpan.FromSeconds(120), app.ToString(), apiKey))!;
}

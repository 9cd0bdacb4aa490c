using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Content;

/// <summary>A rejection's rejection_info and a category change that names only new_category, as Meta sends them.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class TemplateReviewDetailTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_rejection_keeps_metas_rejection_info_and_the_api_shows_it()
    {
        var tenant = await env.CreateTenantAsync();
        using var review = await env.Http.PutAsJsonAsync(new Uri(env.SandboxUrl, $"_sandbox/wabas/{tenant.WabaId}/template-review"),
            new { delayMs = 0, outcome = "REJECTED", rejectionReason = "PROMOTIONAL", recommendation = "Categorise it as MARKETING." });
        review.EnsureSuccessStatusCode();

        (await tenant.Post("api/templates", JsonNode.Parse(ContentKit.OrderUpdate)!)).AssertStatus(HttpStatusCode.Created);

        var rejected = await ContentKit.WaitForTemplateAsync(tenant, "order_update", "en_US", t => t["rejectionInfo"] is JsonObject, "rejection_info");
        Assert.Equal("REJECTED", rejected["status"]!.GetValue<string>());
        Assert.Contains("PROMOTIONAL", rejected["rejectionInfo"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Categorise it as MARKETING.", rejected["rejectionInfo"]!["recommendation"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_category_update_with_only_new_category_is_applied()
    {
        var tenant = await env.CreateTenantAsync();
        ContentKit.SaveAtMeta(env, tenant, ContentKit.SpringSale);
        await ContentKit.SyncAsync(tenant);

        using var sent = await env.Http.PostAsJsonAsync(new Uri(env.SandboxUrl, $"_sandbox/wabas/{tenant.WabaId}/template-events"),
            new { name = "spring_sale", language = "en_US", field = "category", newCategory = "UTILITY", omitPreviousCategory = true });
        sent.EnsureSuccessStatusCode();
        Assert.DoesNotContain("previous_category", await sent.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var template = await ContentKit.WaitForTemplateAsync(tenant, "spring_sale", "en_US", t => t["category"]!.GetValue<string>() == "UTILITY", "UTILITY");
        Assert.Equal("MARKETING", template["previousCategory"]!.GetValue<string>());
    }
}

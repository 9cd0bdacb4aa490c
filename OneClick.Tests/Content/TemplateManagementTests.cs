using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Content;

/// <summary>Templates kept in step with the WABA: sync (every page), create → review webhook, delete, isolation.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class TemplateManagementTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Sync_follows_every_page_of_the_waba_and_lists_them_paged_and_filtered()
    {
        var tenant = await env.CreateTenantAsync();
        // 230 + hello_world: three pages of Meta's 100.
        for (var i = 0; i < 230; i++)
            ContentKit.SaveAtMeta(env, tenant, ContentKit.OrderUpdate, status: i % 10 == 0 ? "REJECTED" : "APPROVED", name: $"bulk_{i:D3}");

        var result = await ContentKit.SyncAsync(tenant);

        Assert.Equal(3, result["pages"]!.GetValue<int>());
        Assert.Equal(231, result["fetched"]!.GetValue<int>());
        Assert.Equal(231, result["added"]!.GetValue<int>());
        var names = new List<string>();
        string? token = null;
        do
        {
            var page = await tenant.Get("api/templates?pageSize=100" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)));
            page.AssertStatus(HttpStatusCode.OK);
            names.AddRange(page.Json["items"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
            token = page.Json["continuationToken"]?.GetValue<string>();
        }
        while (token is not null);
        Assert.Equal(231, names.Distinct().Count());

        var rejected = (await tenant.Get("api/templates?status=REJECTED&pageSize=500")).Json["items"]!.AsArray();
        Assert.Equal(23, rejected.Count);
        var utility = (await tenant.Get("api/templates?category=UTILITY&name=bulk_01&pageSize=500")).Json["items"]!.AsArray();
        Assert.Equal(10, utility.Count);
        var one = await tenant.GetJsonAsync("api/templates/bulk_001/en_US");
        Assert.Equal("named", one["parameterFormat"]!.GetValue<string>());
        Assert.Equal("BODY", one["components"]![0]!["type"]!.GetValue<string>());

        // A second sync changes nothing it should not, and removes what Meta no longer has.
        env.Sandbox.Services.GetRequiredService<OneClick.MetaSandbox.Templates.TemplateStore>().Remove(tenant.WabaId, ContentKit.AtMeta(env, tenant).First(t => t.Name == "bulk_000"));
        var again = await ContentKit.SyncAsync(tenant);
        Assert.Equal(230, again["fetched"]!.GetValue<int>());
        Assert.Equal(1, again["removed"]!.GetValue<int>());
        (await tenant.Get("api/templates/bulk_000/en_US")).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_created_template_is_pending_then_approved_by_the_review_webhook()
    {
        var tenant = await env.CreateTenantAsync();

        var created = await tenant.Post("api/templates", JsonNode.Parse(ContentKit.SpringSale)!);

        created.AssertStatus(HttpStatusCode.Created);
        Assert.Equal("PENDING", created.Json["status"]!.GetValue<string>());
        Assert.Equal("MARKETING", created.Json["category"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(created.Json["id"]!.GetValue<string>()));
        Assert.Contains(ContentKit.AtMeta(env, tenant), t => t.Name == "spring_sale");
        var approved = await ContentKit.WaitForTemplateAsync(tenant, "spring_sale", "en_US", t => t["status"]!.GetValue<string>() == "APPROVED", "APPROVED");
        Assert.Equal(created.Json["id"]!.GetValue<string>(), approved["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_template_the_review_rejects_becomes_rejected_with_the_reason()
    {
        var tenant = await env.CreateTenantAsync();
        using var review = await env.Http.PutAsJsonAsync(new Uri(env.SandboxUrl, $"_sandbox/wabas/{tenant.WabaId}/template-review"),
            new { delayMs = 50, outcome = "APPROVED", outcomes = new Dictionary<string, string> { ["spring_sale"] = "REJECTED" }, rejectionReason = "PROMOTIONAL" });
        review.EnsureSuccessStatusCode();

        (await tenant.Post("api/templates", JsonNode.Parse(ContentKit.SpringSale)!)).AssertStatus(HttpStatusCode.Created);
        (await tenant.Post("api/templates", JsonNode.Parse(ContentKit.OrderUpdate)!)).AssertStatus(HttpStatusCode.Created);

        var rejected = await ContentKit.WaitForTemplateAsync(tenant, "spring_sale", "en_US", t => t["status"]!.GetValue<string>() == "REJECTED", "REJECTED");
        Assert.Equal("PROMOTIONAL", rejected["rejectedReason"]!.GetValue<string>());
        await ContentKit.WaitForTemplateAsync(tenant, "order_update", "en_US", t => t["status"]!.GetValue<string>() == "APPROVED", "APPROVED");
    }

    [Fact]
    public async Task A_review_webhook_that_beats_the_creates_own_write_is_kept_and_the_create_completes_the_row()
    {
        var tenant = await env.CreateTenantAsync();
        using var review = await env.Http.PutAsJsonAsync(new Uri(env.SandboxUrl, $"_sandbox/wabas/{tenant.WabaId}/template-review"), new { delayMs = 0 });
        review.EnsureSuccessStatusCode();

        for (var i = 0; i < 5; i++)
            (await tenant.Post("api/templates", JsonNode.Parse(ContentKit.OrderUpdate.Replace("order_update", $"race_{i}", StringComparison.Ordinal))!)).AssertStatus(HttpStatusCode.Created);

        for (var i = 0; i < 5; i++)
        {
            var template = await ContentKit.WaitForTemplateAsync(tenant, $"race_{i}", "en_US", t => t["status"]!.GetValue<string>() == "APPROVED", "APPROVED");
            Assert.Equal("BODY", template["components"]![0]!["type"]!.GetValue<string>());
            Assert.Equal("named", template["parameterFormat"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Creating_the_same_name_and_language_twice_is_409()
    {
        var tenant = await env.CreateTenantAsync();
        (await tenant.Post("api/templates", JsonNode.Parse(ContentKit.OrderUpdate)!)).AssertStatus(HttpStatusCode.Created);

        var again = await tenant.Post("api/templates", JsonNode.Parse(ContentKit.OrderUpdate)!);

        Assert.Equal(2388024, again.AssertProblem(HttpStatusCode.Conflict)["metaSubcode"]!.GetValue<int>());
    }

    public static TheoryData<string, string> InvalidTemplates => new()
    {
        { """{"name":"Bad Name","language":"en_US","category":"MARKETING","components":[{"type":"BODY","text":"Hi"}]}""", "name" },
        { """{"name":"ok","language":"english","category":"MARKETING","components":[{"type":"BODY","text":"Hi"}]}""", "language" },
        { """{"name":"ok","language":"en_US","category":"PROMO","components":[{"type":"BODY","text":"Hi"}]}""", "category" },
        { """{"name":"ok","language":"en_US","category":"MARKETING","parameterFormat":"odd","components":[{"type":"BODY","text":"Hi"}]}""", "parameterFormat" },
        { """{"name":"ok","language":"en_US","category":"MARKETING","components":[]}""", "components" },
        { """{"name":"ok","language":"en_US","category":"MARKETING","components":[{"type":"FOOTER","text":"x"}]}""", "components" },
        { """{"name":"ok","language":"en_US","category":"MARKETING","components":[{"type":"BODY","text":"Hi {{1}}"}]}""", "components[0].example" },
        { """{"name":"ok","language":"en_US","category":"MARKETING","components":[{"type":"BODY","text":"Hi {{1}} {{3}}","example":{"body_text":[["a","b"]]}}]}""", "components[0].text" },
        { """{"name":"ok","language":"en_US","category":"MARKETING","components":[{"type":"BODY","text":"Hi {{1}}","example":{"body_text":[["a","b"]]}}]}""", "components[0].example" },
        { """{"name":"ok","language":"en_US","category":"MARKETING","parameterFormat":"named","components":[{"type":"BODY","text":"Hi {{first}}","example":{"body_text_named_params":[{"param_name":"other","example":"x"}]}}]}""", "components[0].example" },
        { """{"name":"ok","language":"en_US","category":"MARKETING","components":[{"type":"HEADER","format":"IMAGE"},{"type":"BODY","text":"Hi"}]}""", "components[0].example" },
        { $$"""{"name":"ok","language":"en_US","category":"MARKETING","components":[{"type":"BODY","text":"{{new string('x', 1025)}}"}]}""", "components[0].text" },
        { """{"name":"ok","language":"en_US","category":"MARKETING","components":[{"type":"BODY","text":"Hi"},{"type":"FOOTER","text":"Code {{1}}"}]}""", "components[1].text" },
        { """{"name":"ok","language":"en_US","category":"MARKETING","components":[{"type":"BODY","text":"Hi"},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"This label is far too long for Meta"}]}]}""", "components[1].buttons[0].text" },
        { """{"name":"ok","language":"en_US","category":"MARKETING","components":[{"type":"BODY","text":"Hi"},{"type":"BUTTONS","buttons":[{"type":"URL","text":"Go","url":"https://x.example/{{1}}/y"}]}]}""", "components[1].buttons[0].url" },
        { """{"name":"ok","language":"en_US","category":"MARKETING","components":[{"type":"BODY","text":"Hi"},{"type":"BUTTONS","buttons":[{"type":"URL","text":"A","url":"https://a.example"},{"type":"URL","text":"B","url":"https://b.example"},{"type":"URL","text":"C","url":"https://c.example"}]}]}""", "components[1].buttons" },
    };

    [Theory]
    [MemberData(nameof(InvalidTemplates))]
    public async Task An_invalid_template_is_400_for_the_field_and_never_reaches_meta(string body, string field)
    {
        var tenant = await env.CreateTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Post, "api/templates", body);

        reply.AssertValidation(field);
        Assert.Single(ContentKit.AtMeta(env, tenant)); // hello_world only
        Assert.Empty((await tenant.Get("api/templates")).Json["items"]!.AsArray());
    }

    [Fact]
    public async Task Unreadable_template_bodies_are_400_problems()
    {
        var tenant = await env.CreateTenantAsync();

        (await tenant.Raw(HttpMethod.Post, "api/templates", """{"name":"x","components":{}}""")).AssertUnreadable();
        (await tenant.Raw(HttpMethod.Post, "api/templates", "not json")).AssertUnreadable();
    }

    [Fact]
    public async Task Deleting_by_name_removes_every_language_here_and_at_meta_and_one_language_only_that_one()
    {
        var tenant = await env.CreateTenantAsync();
        ContentKit.SaveAtMeta(env, tenant, ContentKit.OrderUpdate);
        ContentKit.SaveAtMeta(env, tenant, ContentKit.OrderUpdate, language: "es");
        ContentKit.SaveAtMeta(env, tenant, ContentKit.OrderUpdate, language: "pt_BR");
        await ContentKit.SyncAsync(tenant);

        (await tenant.Send(HttpMethod.Delete, "api/templates/order_update/es", null)).AssertStatus(HttpStatusCode.NoContent);
        Assert.Equal(2, (await tenant.Get("api/templates/order_update")).Json["items"]!.AsArray().Count);
        Assert.DoesNotContain(ContentKit.AtMeta(env, tenant), t => t.Name == "order_update" && t.Language == "es");

        (await tenant.Send(HttpMethod.Delete, "api/templates/order_update", null)).AssertStatus(HttpStatusCode.NoContent);
        (await tenant.Get("api/templates/order_update")).AssertProblem(HttpStatusCode.NotFound);
        Assert.DoesNotContain(ContentKit.AtMeta(env, tenant), t => t.Name == "order_update");
        (await tenant.Send(HttpMethod.Delete, "api/templates/order_update", null)).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task One_tenant_never_sees_or_deletes_another_tenants_templates()
    {
        var owner = await env.CreateTenantAsync();
        var other = await env.CreateTenantAsync();
        ContentKit.SaveAtMeta(env, owner, ContentKit.OrderUpdate);
        await ContentKit.SyncAsync(owner);

        Assert.DoesNotContain((await other.Get("api/templates")).Json["items"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "order_update");
        (await other.Get("api/templates/order_update/en_US")).AssertProblem(HttpStatusCode.NotFound);
        (await other.Send(HttpMethod.Delete, "api/templates/order_update", null)).AssertProblem(HttpStatusCode.NotFound);
        (await other.Post("api/messages", new { to = "+14155550190", type = "template", template = new { name = "order_update", language = "en_US" } }))
            .AssertValidation("template.name");
        Assert.Equal("order_update", (await owner.GetJsonAsync("api/templates/order_update/en_US"))["name"]!.GetValue<string>());
        Assert.Contains(ContentKit.AtMeta(env, owner), t => t.Name == "order_update");
    }

    [Fact]
    public async Task Bad_list_and_lookup_parameters_are_400_and_a_tenant_without_credentials_gets_409_on_sync()
    {
        var tenant = await env.CreateTenantAsync();
        (await tenant.Get("api/templates?status=approved")).AssertValidation("status");
        (await tenant.Get("api/templates?category=PROMO")).AssertValidation("category");
        (await tenant.Get("api/templates?name=Bad-Name")).AssertValidation("name");
        (await tenant.Get("api/templates?pageSize=0")).AssertValidation("pageSize");
        (await tenant.Get("api/templates?continuationToken=forged")).AssertValidation("continuationToken");
        (await tenant.Get("api/templates/Bad-Name/en_US")).AssertValidation("name");

        var bare = await env.CreateBareTenantAsync();
        (await bare.Post("api/templates/sync", new { })).AssertProblem(HttpStatusCode.Conflict);
        (await bare.Post("api/templates", JsonNode.Parse(ContentKit.OrderUpdate)!)).AssertProblem(HttpStatusCode.Conflict);
    }
}

using System.Net;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;
using OneClick.Tests.Sandbox;

namespace OneClick.Tests.Content;

/// <summary>Interactive flow, product, product_list and catalog_message: accepted, checked by Meta's rules, sent.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class FlowAndCommerceMessageTests(OneClickEnvironment env)
{
    public static TheoryData<string, string> ValidMessages => new()
    {
        { "flow", """{"type":"flow","header":{"type":"text","text":"Book"},"body":{"text":"Pick a table"},"footer":{"text":"Cafe"},"action":{"name":"flow","parameters":{"flow_message_version":"3","flow_token":"booking-1","flow_id":"1234567890","flow_cta":"Book now","flow_action":"navigate","flow_action_payload":{"screen":"WELCOME","data":{"guests":2}}}}}""" },
        { "product", """{"type":"product","body":{"text":"Our best seller"},"action":{"catalog_id":"987654321","product_retailer_id":"sku-1"}}""" },
        { "product_list", """{"type":"product_list","header":{"type":"text","text":"Winter"},"body":{"text":"Pick yours"},"action":{"catalog_id":"987654321","sections":[{"title":"Coats","product_items":[{"product_retailer_id":"sku-1"},{"product_retailer_id":"sku-2"}]},{"title":"Hats","product_items":[{"product_retailer_id":"sku-3"}]}]}}""" },
        { "catalog_message", """{"type":"catalog_message","body":{"text":"See everything"},"footer":{"text":"Free delivery"},"action":{"name":"catalog_message","parameters":{"thumbnail_product_retailer_id":"sku-1"}}}""" },
    };

    [Theory]
    [MemberData(nameof(ValidMessages))]
    public async Task Each_kind_reaches_meta_as_given(string kind, string interactive)
    {
        var tenant = await env.CreateTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Post, "api/messages", $$"""{"to":"+14155550180","type":"interactive","interactive":{{interactive}}}""");
        reply.AssertStatus(HttpStatusCode.Accepted);
        var id = reply.Json["id"]!.GetValue<string>();

        await tenant.WaitForStatusAsync(id, "read");
        var sent = await ContentKit.SandboxBodyAsync(env, tenant, id);
        Assert.Equal(kind, sent["interactive"]!["type"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(interactive), sent["interactive"]), sent.ToJsonString());
    }

    public static TheoryData<string, string> InvalidMessages => new()
    {
        { """{"type":"flow","body":{"text":"x"},"action":{"name":"flow","parameters":{"flow_message_version":"3","flow_id":"1","flow_name":"book","flow_cta":"Go","flow_action_payload":{"screen":"A"}}}}""", "interactive.action.parameters.flow_id" },
        { """{"type":"flow","body":{"text":"x"},"action":{"name":"flow","parameters":{"flow_message_version":"3","flow_id":"1","flow_cta":"A label far longer than twenty","flow_action_payload":{"screen":"A"}}}}""", "interactive.action.parameters.flow_cta" },
        { """{"type":"flow","body":{"text":"x"},"action":{"name":"flow","parameters":{"flow_message_version":"3","flow_id":"1","flow_cta":"Go"}}}""", "interactive.action.parameters.flow_action_payload.screen" },
        { """{"type":"product","header":{"type":"text","text":"x"},"action":{"catalog_id":"1","product_retailer_id":"s"}}""", "interactive.header" },
        { """{"type":"product","action":{"catalog_id":"1"}}""", "interactive.action.product_retailer_id" },
        { """{"type":"product_list","body":{"text":"x"},"action":{"catalog_id":"1","sections":[{"product_items":[{"product_retailer_id":"s"}]}]}}""", "interactive.header" },
        { """{"type":"product_list","header":{"type":"text","text":"h"},"body":{"text":"x"},"action":{"catalog_id":"1","sections":[{"title":"A","product_items":[{"product_retailer_id":"s"}]},{"product_items":[{"product_retailer_id":"t"}]}]}}""", "interactive.action.sections[1].title" },
        { ProductList(sections: 1, itemsEach: 31), "interactive.action.sections" },
        { ProductList(sections: 11, itemsEach: 1), "interactive.action.sections" },
        { """{"type":"catalog_message","body":{"text":"x"},"action":{"name":"catalog"}}""", "interactive.action.name" },
    };

    [Theory]
    [MemberData(nameof(InvalidMessages))]
    public async Task A_bad_one_is_400_naming_the_field_and_nothing_is_sent(string interactive, string field)
    {
        var tenant = await env.CreateTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Post, "api/messages", $$"""{"to":"+14155550181","type":"interactive","interactive":{{interactive}}}""");

        reply.AssertValidation(field);
        await tenant.AssertNothingWrittenAsync();
        Assert.Empty(await env.SandboxMessagesAsync(tenant));
    }

    [Fact]
    public async Task The_sandbox_refuses_product_lists_over_metas_limits_like_meta()
    {
        await using var sandbox = await SandboxHarness.StartAsync();
        await sandbox.RegisterAsync("1234567001", webhooks: false);
        string Send(string interactive) => $$"""{"messaging_product":"whatsapp","to":"+15550001111","type":"interactive","interactive":{{interactive}}}""";

        var ok = await sandbox.SendAsync("1234567001", Send(ProductList(sections: 2, itemsEach: 15)));
        var tooMany = await sandbox.SendAsync("1234567001", Send(ProductList(sections: 2, itemsEach: 16)));
        var noHeader = await sandbox.SendAsync("1234567001", Send("""{"type":"product_list","body":{"text":"x"},"action":{"catalog_id":"1","sections":[{"product_items":[{"product_retailer_id":"s"}]}]}}"""));

        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.Status);
        Assert.Contains("30 products", tooMany.Raw, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, noHeader.Status);
    }

    private static string ProductList(int sections, int itemsEach)
    {
        var list = new JsonArray();
        for (var s = 0; s < sections; s++)
        {
            var items = new JsonArray();
            for (var i = 0; i < itemsEach; i++)
                items.Add(new JsonObject { ["product_retailer_id"] = $"sku-{s}-{i}" });
            list.Add(new JsonObject { ["title"] = $"Section {s}", ["product_items"] = items });
        }
        return new JsonObject
        {
            ["type"] = "product_list",
            ["header"] = new JsonObject { ["type"] = "text", ["text"] = "Shop" },
            ["body"] = new JsonObject { ["text"] = "Pick" },
            ["action"] = new JsonObject { ["catalog_id"] = "987654321", ["sections"] = list },
        }.ToJsonString();
    }
}

using System.Net;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Content;

/// <summary>
/// Carousel and limited-time-offer templates and flow, catalog and MPM buttons: created (checked as Meta does),
/// synced from Meta, and sent with their parameters.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class RichTemplateTests(OneClickEnvironment env)
{
    private const string Carousel = """
        {"name":"winter_cards","language":"en_US","category":"MARKETING","components":[
          {"type":"BODY","text":"Hi {{1}}, our winter picks","example":{"body_text":[["Ana"]]}},
          {"type":"CAROUSEL","cards":[
            {"components":[{"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::aW1n"]}},{"type":"BODY","text":"Coat {{1}}","example":{"body_text":[["-20%"]]}},
              {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Want it"},{"type":"URL","text":"Shop","url":"https://shop.example/{{1}}","example":["https://shop.example/coat"]}]}]},
            {"components":[{"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::aW1n"]}},{"type":"BODY","text":"Hat {{1}}","example":{"body_text":[["-10%"]]}},
              {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Want it"},{"type":"URL","text":"Shop","url":"https://shop.example/{{1}}","example":["https://shop.example/hat"]}]}]}]}]}
        """;

    private const string Offer = """
        {"name":"flash_offer","language":"en_US","category":"MARKETING","components":[
          {"type":"LIMITED_TIME_OFFER","limited_time_offer":{"text":"Ends soon!","has_expiration":true}},
          {"type":"BODY","text":"Good news, {{1}}!","example":{"body_text":[["Ana"]]}},
          {"type":"BUTTONS","buttons":[{"type":"COPY_CODE","example":"SAVE20"},{"type":"URL","text":"Book","url":"https://shop.example/o"}]}]}
        """;

    private const string FlowButton = """
        {"name":"book_table","language":"en_US","category":"UTILITY","components":[
          {"type":"BODY","text":"Book your table"},
          {"type":"BUTTONS","buttons":[{"type":"FLOW","text":"Book","flow_id":"1234567890","navigate_screen":"WELCOME","flow_action":"navigate"}]}]}
        """;

    private const string Catalog = """
        {"name":"see_catalog","language":"en_US","category":"MARKETING","components":[
          {"type":"BODY","text":"Our new collection is in"},
          {"type":"BUTTONS","buttons":[{"type":"CATALOG","text":"View catalog"}]}]}
        """;

    private const string Mpm = """
        {"name":"picked_for_you","language":"en_US","category":"MARKETING","components":[
          {"type":"HEADER","format":"TEXT","text":"Picked for you"},
          {"type":"BODY","text":"Have a look"},
          {"type":"BUTTONS","buttons":[{"type":"MPM","text":"View items"}]}]}
        """;

    [Fact]
    public async Task Each_kind_is_created_at_meta_and_synced_back_with_its_components()
    {
        var tenant = await env.CreateTenantAsync();
        foreach (var body in new[] { Carousel, Offer, FlowButton, Catalog, Mpm })
            (await tenant.Post("api/templates", JsonNode.Parse(body)!)).AssertStatus(HttpStatusCode.Created);
        Assert.Equal(["book_table", "flash_offer", "picked_for_you", "see_catalog", "winter_cards"],
            ContentKit.AtMeta(env, tenant).Select(t => t.Name).Where(n => n != "hello_world").Order(StringComparer.Ordinal));

        await ContentKit.SyncAsync(tenant);
        var carousel = await tenant.GetJsonAsync("api/templates/winter_cards/en_US");
        Assert.Equal(2, carousel["components"]![1]!["cards"]!.AsArray().Count);
        var offer = await tenant.GetJsonAsync("api/templates/flash_offer/en_US");
        Assert.True(offer["components"]![0]!["limited_time_offer"]!["has_expiration"]!.GetValue<bool>());
        Assert.Equal("FLOW", (await tenant.GetJsonAsync("api/templates/book_table/en_US"))["components"]![1]!["buttons"]![0]!["type"]!.GetValue<string>());
    }

    public static TheoryData<string, string, string> InvalidTemplates => new()
    {
        { Carousel, """{"type":"CAROUSEL","cards":[]}""", "components[1].cards" },
        { Carousel, """{"type":"CAROUSEL","cards":[{"components":[{"type":"HEADER","format":"TEXT","text":"x"},{"type":"BODY","text":"a"},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"A"}]}]},{"components":[{"type":"HEADER","format":"IMAGE","example":{"header_handle":["h"]}},{"type":"BODY","text":"a"},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"A"}]}]}]}""", "components[1].cards[0].components[0].format" },
        { Carousel, """{"type":"CAROUSEL","cards":[{"components":[{"type":"HEADER","format":"IMAGE","example":{"header_handle":["h"]}},{"type":"BODY","text":"a"},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"A"}]}]},{"components":[{"type":"HEADER","format":"VIDEO","example":{"header_handle":["h"]}},{"type":"BODY","text":"a"},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"A"}]}]}]}""", "components[1].cards[1]" },
        { Offer, """{"type":"LIMITED_TIME_OFFER","limited_time_offer":{"text":"A headline of more than sixteen","has_expiration":true}}""", "components[0].limited_time_offer.text" },
        { FlowButton, """{"type":"BUTTONS","buttons":[{"type":"FLOW","text":"Book","flow_id":"1","flow_name":"book"}]}""", "components[1].buttons[0].flow_id" },
        { Catalog, """{"type":"BUTTONS","buttons":[{"type":"CATALOG","text":"View"},{"type":"QUICK_REPLY","text":"Stop"}]}""", "components[1].buttons" },
    };

    [Theory]
    [MemberData(nameof(InvalidTemplates))]
    public async Task A_bad_shape_is_400_naming_the_field_and_meta_is_not_called(string template, string component, string field)
    {
        var tenant = await env.CreateTenantAsync();
        var body = JsonNode.Parse(template)!.AsObject();
        var components = body["components"]!.AsArray();
        var position = int.Parse(field["components[".Length..field.IndexOf(']', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        components[position] = JsonNode.Parse(component);

        (await tenant.Post("api/templates", body)).AssertValidation(field);
        Assert.DoesNotContain(ContentKit.AtMeta(env, tenant), t => t.Name == body["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_offer_template_must_be_marketing_and_an_mpm_button_needs_a_text_header()
    {
        var tenant = await env.CreateTenantAsync();
        (await tenant.Post("api/templates", JsonNode.Parse(Offer.Replace("MARKETING", "UTILITY", StringComparison.Ordinal))!)).AssertValidation("category");
        (await tenant.Post("api/templates", JsonNode.Parse(Mpm.Replace("""{"type":"HEADER","format":"TEXT","text":"Picked for you"},""", "", StringComparison.Ordinal))!)).AssertValidation("components");
    }

    [Fact]
    public async Task A_carousel_is_sent_with_each_cards_parameters()
    {
        var tenant = await env.CreateTenantAsync();
        ContentKit.SaveAtMeta(env, tenant, Carousel);
        await ContentKit.SyncAsync(tenant);
        object Card(int index, string sku) => new
        {
            card_index = index,
            components = new object[]
            {
                new { type = "header", parameters = new[] { new { type = "image", image = new { link = $"https://cdn.example/{sku}.png" } } } },
                new { type = "body", parameters = new[] { new { type = "text", text = "-15%" } } },
                new { type = "button", sub_type = "quick_reply", index = 0, parameters = new[] { new { type = "payload", payload = "want-" + sku } } },
                new { type = "button", sub_type = "url", index = 1, parameters = new[] { new { type = "text", text = sku } } },
            },
        };
        object Send(params object[] cards) => new
        {
            to = "+14155550190",
            type = "template",
            template = new
            {
                name = "winter_cards",
                language = "en_US",
                components = new object[] { new { type = "body", parameters = new[] { new { type = "text", text = "Ana" } } }, new { type = "carousel", cards } },
            },
        };

        (await tenant.Post("api/messages", Send(Card(0, "coat")))).AssertValidation("template.components.carousel");
        var reply = await tenant.Post("api/messages", Send(Card(0, "coat"), Card(1, "hat")));
        reply.AssertStatus(HttpStatusCode.Accepted);
        var id = reply.Json["id"]!.GetValue<string>();

        await tenant.WaitForStatusAsync(id, "read");
        var sent = await ContentKit.SandboxBodyAsync(env, tenant, id);
        var cards = sent["template"]!["components"]![1]!["cards"]!.AsArray();
        Assert.Equal("https://cdn.example/hat.png", cards[1]!["components"]![0]!["parameters"]![0]!["image"]!["link"]!.GetValue<string>());
        Assert.Equal("want-hat", cards[1]!["components"]![2]!["parameters"]![0]!["payload"]!.GetValue<string>());
    }

    [Fact]
    public async Task Offer_flow_catalog_and_mpm_templates_are_sent_with_their_parameters_and_missing_ones_are_400()
    {
        var tenant = await env.CreateTenantAsync();
        foreach (var template in new[] { Offer, FlowButton, Catalog, Mpm })
            ContentKit.SaveAtMeta(env, tenant, template);
        await ContentKit.SyncAsync(tenant);
        var expires = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds();
        object Template(string name, params object[] components) => new { to = "+14155550191", type = "template", template = new { name, language = "en_US", components } };
        object Action(string subType, int index, object action) => new { type = "button", sub_type = subType, index, parameters = new[] { new { type = "action", action } } };
        var offerBody = new { type = "body", parameters = new[] { new { type = "text", text = "Ana" } } };
        var coupon = new { type = "button", sub_type = "copy_code", index = 0, parameters = new[] { new { type = "coupon_code", coupon_code = "SAVE20" } } };
        var sections = new[] { new { title = "Coats", product_items = new[] { new { product_retailer_id = "sku-1" }, new { product_retailer_id = "sku-2" } } } };

        (await tenant.Post("api/messages", Template("flash_offer", offerBody, coupon))).AssertValidation("template.components.limited_time_offer");
        (await tenant.Post("api/messages", Template("picked_for_you"))).AssertValidation("template.components.buttons");
        (await tenant.Post("api/messages", Template("picked_for_you", Action("mpm", 0, new { thumbnail_product_retailer_id = "sku-1", sections = Array.Empty<object>() }))))
            .AssertValidation("template.components[0].parameters.action.sections");

        var ids = new List<string>();
        foreach (var request in new[]
        {
            Template("flash_offer", new { type = "limited_time_offer", parameters = new[] { new { type = "limited_time_offer", limited_time_offer = new { expiration_time_ms = expires } } } }, offerBody, coupon),
            Template("book_table", Action("flow", 0, new { flow_token = "booking-7", flow_action_data = new { guests = 2 } })),
            Template("see_catalog", Action("catalog", 0, new { thumbnail_product_retailer_id = "sku-1" })),
            Template("picked_for_you", Action("mpm", 0, new { thumbnail_product_retailer_id = "sku-1", sections })),
        })
        {
            var reply = await tenant.Post("api/messages", request);
            reply.AssertStatus(HttpStatusCode.Accepted);
            ids.Add(reply.Json["id"]!.GetValue<string>());
        }

        foreach (var id in ids)
            await tenant.WaitForStatusAsync(id, "read");
        Assert.Equal(expires, (await ContentKit.SandboxBodyAsync(env, tenant, ids[0]))["template"]!["components"]![0]!["parameters"]![0]!["limited_time_offer"]!["expiration_time_ms"]!.GetValue<long>());
        Assert.Equal("booking-7", (await ContentKit.SandboxBodyAsync(env, tenant, ids[1]))["template"]!["components"]![0]!["parameters"]![0]!["action"]!["flow_token"]!.GetValue<string>());
        Assert.Equal("sku-1", (await ContentKit.SandboxBodyAsync(env, tenant, ids[2]))["template"]!["components"]![0]!["parameters"]![0]!["action"]!["thumbnail_product_retailer_id"]!.GetValue<string>());
        Assert.Equal(2, (await ContentKit.SandboxBodyAsync(env, tenant, ids[3]))["template"]!["components"]![0]!["parameters"]![0]!["action"]!["sections"]![0]!["product_items"]!.AsArray().Count);
    }
}

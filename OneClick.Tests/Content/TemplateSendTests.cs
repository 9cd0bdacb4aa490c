using System.Net;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Content;

/// <summary>Template sends are checked against the synced template before anything is stored or sent.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class TemplateSendTests(OneClickEnvironment env)
{
    private static object SpringSale(object[]? header = null, object[]? body = null, object[]? buttons = null, string language = "en_US", string name = "spring_sale")
    {
        var components = new List<object>
        {
            new { type = "header", parameters = header ?? [new { type = "image", image = new { link = "https://cdn.example/sale.png" } }] },
            new { type = "body", parameters = body ?? [new { type = "text", text = "Ana" }, new { type = "text", text = "20%" }] },
        };
        components.AddRange(buttons ?? [new { type = "button", sub_type = "url", index = "1", parameters = new[] { new { type = "text", text = "SPRING" } } }]);
        return new { to = "+14155550160", type = "template", template = new { name, language, components } };
    }

    private async Task<TestTenant> TenantWithTemplatesAsync()
    {
        var tenant = await env.CreateTenantAsync();
        ContentKit.SaveAtMeta(env, tenant, ContentKit.SpringSale);
        ContentKit.SaveAtMeta(env, tenant, ContentKit.OrderUpdate);
        ContentKit.SaveAtMeta(env, tenant, ContentKit.OrderUpdate, status: "PENDING", name: "order_pending");
        ContentKit.SaveAtMeta(env, tenant, ContentKit.SpringSale, status: "PAUSED", name: "sale_paused");
        await ContentKit.SyncAsync(tenant);
        return tenant;
    }

    [Fact]
    public async Task A_valid_template_send_reaches_meta_with_every_parameter_and_keeps_the_category()
    {
        var tenant = await TenantWithTemplatesAsync();

        var id = await tenant.SendMessageAsync(SpringSale());
        var named = await tenant.SendMessageAsync(new
        {
            to = "+14155550161",
            type = "template",
            template = new
            {
                name = "order_update",
                language = "en_US",
                components = new[] { new { type = "body", parameters = new[] { new { type = "text", parameter_name = "order_number", text = "A-7" }, new { type = "text", parameter_name = "first_name", text = "Ana" } } } },
            },
        });

        var message = await tenant.WaitForStatusAsync(id, "read");
        Assert.Equal("MARKETING", message["category"]!.GetValue<string>());
        Assert.Equal("UTILITY", (await tenant.WaitForStatusAsync(named, "read"))["category"]!.GetValue<string>());
        var sent = await ContentKit.SandboxBodyAsync(env, tenant, id);
        Assert.Equal("SPRING", sent["template"]!["components"]![2]!["parameters"]![0]!["text"]!.GetValue<string>());
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "unknown", "template.name" },
        { "pending", "template.name" },
        { "paused", "template.name" },
        { "language", "template.language" },
        { "too few body", "template.components.body" },
        { "too many body", "template.components.body" },
        { "wrong body kind", "template.components.body" },
        { "newline in body", "template.components.body" },
        { "missing header", "template.components.header" },
        { "video for image header", "template.components.header" },
        { "header without media", "template.components.header.image" },
        { "missing url button", "template.components.buttons" },
        { "button index out of range", "template.components[2].index" },
        { "wrong button sub_type", "template.components[2].sub_type" },
        { "named without names", "template.components.body" },
        { "positional with names", "template.components.body" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_send_that_does_not_fit_the_template_is_400_for_the_field_and_nothing_is_stored_or_sent(string what, string field)
    {
        var tenant = await TenantWithTemplatesAsync();
        var text = new { type = "text", text = "x" };
        object[] url = [new { type = "button", sub_type = "url", index = "1", parameters = new[] { new { type = "text", text = "S" } } }];
        object request = what switch
        {
            "unknown" => SpringSale(name: "no_such_template"),
            "pending" => new { to = "+14155550160", type = "template", template = new { name = "order_pending", language = "en_US" } },
            "paused" => SpringSale(name: "sale_paused"),
            "language" => SpringSale(language: "fr"),
            "too few body" => SpringSale(body: [text]),
            "too many body" => SpringSale(body: [text, text, text]),
            "wrong body kind" => SpringSale(body: [text, new { type = "image", image = new { link = "https://cdn.example/a.png" } }]),
            "newline in body" => SpringSale(body: [text, new { type = "text", text = "a\nb" }]),
            "missing header" => SpringSale(header: []),
            "video for image header" => SpringSale(header: [new { type = "video", video = new { link = "https://cdn.example/a.mp4" } }]),
            "header without media" => SpringSale(header: [new { type = "image", image = new { } }]),
            "missing url button" => SpringSale(buttons: []),
            "button index out of range" => SpringSale(buttons: [new { type = "button", sub_type = "quick_reply", index = 5, parameters = new[] { new { type = "payload", payload = "P" } } }, .. url]),
            "wrong button sub_type" => SpringSale(buttons: [new { type = "button", sub_type = "url", index = 0, parameters = new[] { new { type = "text", text = "P" } } }, .. url]),
            "named without names" => new { to = "+14155550160", type = "template", template = new { name = "order_update", language = "en_US", components = new[] { new { type = "body", parameters = new[] { text, text } } } } },
            _ => SpringSale(body: [new { type = "text", text = "Ana", parameter_name = "first" }, text]),
        };

        var reply = await tenant.Post("api/messages", request);

        reply.AssertValidation(field);
        Assert.Empty((await tenant.Get("api/messages")).Json["items"]!.AsArray());
        Assert.Empty(await env.SandboxMessagesAsync(tenant));
    }

    [Fact]
    public async Task A_template_never_synced_is_fetched_by_name_once_and_then_known()
    {
        var tenant = await env.CreateTenantAsync();
        ContentKit.SaveAtMeta(env, tenant, ContentKit.OrderUpdate);

        var id = await tenant.SendMessageAsync(new
        {
            to = "+14155550162",
            type = "template",
            template = new { name = "order_update", language = "en_US", components = new[] { new { type = "body", parameters = new[] { new { type = "text", parameter_name = "first_name", text = "Ana" }, new { type = "text", parameter_name = "order_number", text = "7" } } } } },
        });

        await tenant.WaitForStatusAsync(id, "read");
        Assert.Equal("APPROVED", (await tenant.GetJsonAsync("api/templates/order_update/en_US"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_scheduled_template_message_whose_template_is_paused_before_its_time_is_skipped_not_sent()
    {
        var tenant = await TenantWithTemplatesAsync();
        var id = await tenant.SendMessageAsync(new
        {
            to = "+14155550163",
            type = "template",
            template = new { name = "order_update", language = "en_US", components = new[] { new { type = "body", parameters = new[] { new { type = "text", parameter_name = "first_name", text = "Ana" }, new { type = "text", parameter_name = "order_number", text = "7" } } } } },
            scheduleFor = DateTimeOffset.UtcNow.AddSeconds(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        });
        using var paused = await env.Http.PostAsync(new Uri(env.SandboxUrl, $"_sandbox/wabas/{tenant.WabaId}/template-events"),
            System.Net.Http.Json.JsonContent.Create(new { name = "order_update", language = "en_US", field = "status", @event = "PAUSED" }));
        paused.EnsureSuccessStatusCode();
        await ContentKit.WaitForTemplateAsync(tenant, "order_update", "en_US", t => t["status"]!.GetValue<string>() == "PAUSED", "PAUSED");
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the scenario's clock: until the message is due

        await env.RunDueSchedulesAsync();

        var message = await tenant.WaitForStatusAsync(id, "skipped");
        Assert.Equal("template_not_approved", message["skipReason"]!.GetValue<string>());
        Assert.Empty(await env.SandboxMessagesAsync(tenant));
    }

    [Fact]
    public async Task Once_meta_rejects_or_pauses_a_template_by_webhook_sends_are_refused()
    {
        var tenant = await TenantWithTemplatesAsync();
        using var paused = await env.Http.PostAsync(new Uri(env.SandboxUrl, $"_sandbox/wabas/{tenant.WabaId}/template-events"),
            System.Net.Http.Json.JsonContent.Create(new { name = "spring_sale", language = "en_US", field = "status", @event = "PAUSED" }));
        paused.EnsureSuccessStatusCode();
        await ContentKit.WaitForTemplateAsync(tenant, "spring_sale", "en_US", t => t["status"]!.GetValue<string>() == "PAUSED", "PAUSED");

        (await tenant.Post("api/messages", SpringSale())).AssertValidation("template.name");
        Assert.Equal(HttpStatusCode.OK, (await tenant.Get("api/messages")).Status);
    }
}

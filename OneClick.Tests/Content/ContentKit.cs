using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Meta;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;
using SandboxTemplate = OneClick.MetaSandbox.Templates.MessageTemplate;
using SandboxTemplateRules = OneClick.MetaSandbox.Templates.TemplateRules;
using SandboxTemplateStore = OneClick.MetaSandbox.Templates.TemplateStore;

namespace OneClick.Tests.Content;

/// <summary>Helpers for the content tests: templates at "Meta" (the sandbox), signed webhooks, what the sandbox received.</summary>
internal static class ContentKit
{
    public const string SpringSale = """
        {"name":"spring_sale","language":"en_US","category":"MARKETING","components":[
          {"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::aW1hZ2U="]}},
          {"type":"BODY","text":"Hi {{1}}, {{2}} off today!","example":{"body_text":[["Pablo","20%"]]}},
          {"type":"FOOTER","text":"Reply STOP to opt out"},
          {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Stop promotions"},{"type":"URL","text":"Shop","url":"https://shop.example/s?c={{1}}","example":["https://shop.example/s?c=SUMMER"]}]}]}
        """;

    public const string OrderUpdate = """
        {"name":"order_update","language":"en_US","category":"UTILITY","parameter_format":"named","components":[
          {"type":"BODY","text":"Hello {{first_name}}, order {{order_number}} is on its way.","example":{"body_text_named_params":[{"param_name":"first_name","example":"Ana"},{"param_name":"order_number","example":"A-1"}]}}]}
        """;

    /// <summary>Puts a template straight into the tenant's WABA at the sandbox, as if Meta had it already.</summary>
    public static SandboxTemplate SaveAtMeta(OneClickEnvironment env, TestTenant tenant, string createBody, string status = "APPROVED", string? name = null, string? language = null)
    {
        var node = JsonNode.Parse(createBody)!.AsObject();
        if (name is not null)
            node["name"] = name;
        if (language is not null)
            node["language"] = language;
        using var document = JsonDocument.Parse(node.ToJsonString());
        var (template, error) = SandboxTemplateRules.Parse(document.RootElement, SandboxTemplateStore.NewTemplateId());
        Assert.True(error is null, error);
        var stored = template! with { Status = status };
        env.Sandbox.Services.GetRequiredService<SandboxTemplateStore>().Save(tenant.WabaId, stored);
        return stored;
    }

    public static IReadOnlyList<SandboxTemplate> AtMeta(OneClickEnvironment env, TestTenant tenant) =>
        env.Sandbox.Services.GetRequiredService<SandboxTemplateStore>().List(tenant.WabaId);

    public static async Task<JsonObject> SyncAsync(TestTenant tenant)
    {
        var reply = await tenant.Post("api/templates/sync", new { });
        reply.AssertStatus(HttpStatusCode.OK);
        return reply.Json;
    }

    /// <summary>Polls GET /api/templates/{name}/{language} until <paramref name="done"/> holds.</summary>
    public static async Task<JsonObject> WaitForTemplateAsync(TestTenant tenant, string name, string language, Func<JsonObject, bool> done, string what) =>
        (await Eventually.Async(
            () => tenant.Get($"api/templates/{name}/{language}"),
            reply => reply.Status == HttpStatusCode.OK && done(reply.Json),
            $"template {name}/{language} to become {what}", TimeSpan.FromSeconds(20))).Json;

    public static async Task PostSignedWebhookAsync(OneClickEnvironment env, TestTenant tenant, string field, JsonObject value)
    {
        var body = new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = tenant.WabaId,
                ["time"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["changes"] = new JsonArray(new JsonObject { ["value"] = value, ["field"] = field }),
            }),
        }.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(env.AppUrl, $"api/webhooks/meta/{tenant.Id}"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookSignature.HeaderName, WebhookSignature.Compute(Encoding.UTF8.GetBytes(body), tenant.AppSecret));
        using var response = await env.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The body of the last message the sandbox accepted from the tenant's number.</summary>
    public static async Task<JsonObject> SandboxBodyAsync(OneClickEnvironment env, TestTenant tenant, string messageId) =>
        (await Eventually.Async(
            async () => (await env.SandboxMessagesAsync(tenant)).Select(m => m!["body"]!.AsObject()).FirstOrDefault(b => b["biz_opaque_callback_data"]?.GetValue<string>() == "oc1:" + messageId),
            body => body is not null, $"the sandbox to accept message {messageId}", TimeSpan.FromSeconds(20)))!;

    /// <summary>A customer message to the tenant's number; returns its wamid.</summary>
    public static async Task<string> InboundAsync(OneClickEnvironment env, TestTenant tenant, string from, string text)
    {
        using var response = await env.Http.PostAsJsonAsync(new Uri(env.SandboxUrl, $"_sandbox/phone-numbers/{tenant.PhoneNumberId}/inbound"), new { from, name = "Ana", text });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }
}

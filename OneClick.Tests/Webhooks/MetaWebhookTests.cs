using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using OneClick.Core.Meta;
using OneClick.Core.Storage;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Webhooks;

[Collection(SharedEnvironment.Name)]
public sealed class MetaWebhookTests(OneClickEnvironment env)
{
    [Fact]
    public async Task The_verification_handshake_echoes_the_challenge_only_for_the_right_verify_token()
    {
        var tenant = await env.CreateTenantAsync();
        var url = $"api/webhooks/meta/{tenant.Id}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=";

        using var ok = await env.Http.GetAsync(new Uri(env.AppUrl, url + Uri.EscapeDataString(tenant.VerifyToken)));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("1158201444", await ok.Content.ReadAsStringAsync());

        using var wrong = await env.Http.GetAsync(new Uri(env.AppUrl, url + "nope"));
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        using var unknown = await env.Http.GetAsync(new Uri(env.AppUrl, $"api/webhooks/meta/nosuchtenant?hub.mode=subscribe&hub.challenge=1&hub.verify_token=x"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_missing_or_wrong_signature_gets_401_and_nothing_is_processed()
    {
        var tenant = await env.CreateTenantAsync();
        var id = await tenant.SendMessageAsync(new { to = "+14155550301", type = "text", text = new { body = "x" }, scheduleFor = DateTimeOffset.UtcNow.AddHours(1).ToString("O") });
        var body = StatusPayload(tenant, "wamid.forged", "read", id);

        using var unsigned = await PostWebhookAsync(tenant, body, signature: null);
        using var wrongSecret = await PostWebhookAsync(tenant, body, WebhookSignature.Compute(Encoding.UTF8.GetBytes(body), "not-the-app-secret"));
        using var tampered = await PostWebhookAsync(tenant, body.Replace("read", "sent", StringComparison.Ordinal), WebhookSignature.Compute(Encoding.UTF8.GetBytes(body), tenant.AppSecret));

        Assert.All(new[] { unsigned, wrongSecret, tampered }, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Equal("application/problem+json", unsigned.Content.Headers.ContentType?.MediaType);
        await Queues.DrainAsync(env, QueueNames.WebhookEvents);
        Assert.Equal("scheduled", (await tenant.GetJsonAsync($"api/messages/{id}"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Statuses_never_go_backwards_and_duplicates_change_nothing()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = (int?)null, delivered = (int?)null, read = (int?)null } });
        var id = await tenant.SendMessageAsync(new { to = "+14155550302", type = "text", text = new { body = "x" } });
        var accepted = await tenant.WaitForStatusAsync(id, "accepted");
        var wamid = accepted["metaMessageId"]!.GetValue<string>();

        await SignedAsync(tenant, StatusPayload(tenant, wamid, "read", id));
        await tenant.WaitForStatusAsync(id, "read");
        var afterRead = await tenant.GetJsonAsync($"api/messages/{id}");

        // A late delivered, a duplicate read and a late sent: the status stays read; the late steps join the history
        // before read, once, and sending them all again changes nothing.
        await SignedAsync(tenant, StatusPayload(tenant, wamid, "delivered", id));
        await SignedAsync(tenant, StatusPayload(tenant, wamid, "read", id));
        await SignedAsync(tenant, StatusPayload(tenant, wamid, "sent", id));
        await Queues.DrainAsync(env, QueueNames.WebhookEvents);
        var settled = await tenant.GetJsonAsync($"api/messages/{id}");
        await SignedAsync(tenant, StatusPayload(tenant, wamid, "delivered", id));
        await SignedAsync(tenant, StatusPayload(tenant, wamid, "sent", id));
        await Queues.DrainAsync(env, QueueNames.WebhookEvents);

        var final = await tenant.GetJsonAsync($"api/messages/{id}");
        Assert.Equal("read", final["status"]!.GetValue<string>());
        var steps = final["history"]!.AsArray().Select(h => h!["status"]!.GetValue<string>()).ToList();
        Assert.Equal(["queued", "sending", "accepted", "sent", "delivered", "read"], steps);
        Assert.Equal(settled["history"]!.ToJsonString(), final["history"]!.ToJsonString());
        Assert.Equal(afterRead["updatedAt"]!.ToJsonString(), final["updatedAt"]!.ToJsonString());
    }

    [Fact]
    public async Task A_status_finds_its_message_by_wamid_alone_and_a_failed_status_keeps_metas_code_and_title()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = (int?)null, delivered = (int?)null, read = (int?)null } });
        var id = await tenant.SendMessageAsync(new { to = "+14155550303", type = "text", text = new { body = "x" } });
        var wamid = (await tenant.WaitForStatusAsync(id, "accepted"))["metaMessageId"]!.GetValue<string>();

        await SignedAsync(tenant, StatusPayload(tenant, wamid, "failed", callbackData: null,
            errors: """[{"code":131047,"title":"Re-engagement message","message":"Re-engagement message","error_data":{"details":"More than 24 hours have passed"}}]"""));
        var failed = await tenant.WaitForStatusAsync(id, "failed");

        Assert.Equal(131047, failed["error"]!["code"]!.GetValue<int>());
        Assert.Equal("Re-engagement message", failed["error"]!["title"]!.GetValue<string>());
        Assert.Equal("More than 24 hours have passed", failed["error"]!["details"]!.GetValue<string>());
    }

    [Fact]
    public async Task Non_ascii_payloads_escaped_as_meta_does_verify_against_the_raw_bytes()
    {
        var tenant = await env.CreateTenantAsync();
        // Meta escapes non-ASCII (and '/') in its JSON: a re-serialised body would hash differently.
        var body = """{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"2"},"messages":[{"from":"14155550304","id":"wamid.x\/y","timestamp":"1750030073","type":"text","text":{"body":"Ol\u00e1 \ud83d\ude00 caf\u00e9 @home"}}]}}]}]}""";
        using var response = await PostWebhookAsync(tenant, body, WebhookSignature.Compute(Encoding.UTF8.GetBytes(body), tenant.AppSecret));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_webhook_body_too_big_for_a_queue_message_is_parked_in_blob_storage_and_still_processed()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = (int?)null, delivered = (int?)null, read = (int?)null } });
        var id = await tenant.SendMessageAsync(new { to = "+14155550305", type = "text", text = new { body = "x" } });
        var wamid = (await tenant.WaitForStatusAsync(id, "accepted"))["metaMessageId"]!.GetValue<string>();

        // One real status plus 600 statuses for messages OneClick never sent: well over 64 KiB.
        var statuses = new JsonArray { StatusObject(wamid, "delivered", "oc1:" + id) };
        for (var i = 0; i < 600; i++)
            statuses.Add(StatusObject($"wamid.unknown{i}", "read", null));
        await SignedAsync(tenant, Envelope(tenant, statuses));

        await tenant.WaitForStatusAsync(id, "delivered");
        var blobs = env.Storage.Blobs.GetBlobContainerClient(BlobContainerNames.WebhookPayloads).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, tenant.Id + "/", CancellationToken.None);
        Assert.NotEmpty(await blobs.ToListAsync());
    }

    private async Task SignedAsync(TestTenant tenant, string body)
    {
        using var response = await PostWebhookAsync(tenant, body, WebhookSignature.Compute(Encoding.UTF8.GetBytes(body), tenant.AppSecret));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private Task<HttpResponseMessage> PostWebhookAsync(TestTenant tenant, string body, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(env.AppUrl, $"api/webhooks/meta/{tenant.Id}"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (signature is not null)
            request.Headers.Add(WebhookSignature.HeaderName, signature);
        return env.Http.SendAsync(request);
    }


    private static string StatusPayload(TestTenant tenant, string wamid, string status, string? messageId = null, string? callbackData = "", string? errors = null)
    {
        var statusObject = StatusObject(wamid, status, callbackData == "" ? "oc1:" + messageId : callbackData);
        if (errors is not null)
            statusObject["errors"] = JsonNode.Parse(errors);
        return Envelope(tenant, [statusObject]);
    }

    private static JsonObject StatusObject(string wamid, string status, string? callbackData)
    {
        var statusObject = new JsonObject
        {
            ["id"] = wamid,
            ["status"] = status,
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["recipient_id"] = "14155550399",
        };
        if (callbackData is not null)
            statusObject["biz_opaque_callback_data"] = callbackData;
        return statusObject;
    }

    private static string Envelope(TestTenant tenant, JsonArray statuses) => new JsonObject
    {
        ["object"] = "whatsapp_business_account",
        ["entry"] = new JsonArray(new JsonObject
        {
            ["id"] = tenant.WabaId,
            ["changes"] = new JsonArray(new JsonObject
            {
                ["field"] = "messages",
                ["value"] = new JsonObject
                {
                    ["messaging_product"] = "whatsapp",
                    ["metadata"] = new JsonObject { ["display_phone_number"] = "15550100002", ["phone_number_id"] = tenant.PhoneNumberId },
                    ["statuses"] = statuses,
                },
            }),
        }),
    }.ToJsonString();
}

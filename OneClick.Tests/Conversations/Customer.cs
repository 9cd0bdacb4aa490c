using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Meta;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Conversations;

/// <summary>A simulated customer of a tenant: writes through the sandbox (signed webhooks) and reads OneClick's view of it.</summary>
public sealed class Customer(TestTenant tenant, string phone, string? name = null)
{
    public TestTenant Tenant { get; } = tenant;
    public string Phone { get; } = phone;
    public string Digits => Phone.TrimStart('+');
    private OneClickEnvironment Env => Tenant.Environment;

    public static Customer New(TestTenant tenant, string? name = null) =>
        new(tenant, "+1415555" + Random.Shared.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture), name);

    /// <summary>The customer sends a message of <paramref name="type"/> through the sandbox; returns its wamid (and media id).</summary>
    public async Task<(string Wamid, string? MediaId)> SendAsync(string type, object? content = null, string? contextMessageId = null, long? timestamp = null,
        string? mimeType = null, string? mediaBase64 = null, object? referral = null, string? groupId = null)
    {
        using var response = await Env.Http.PostAsJsonAsync(new Uri(Env.SandboxUrl, $"_sandbox/phone-numbers/{Tenant.PhoneNumberId}/inbound/message"), new
        {
            from = Phone, name, type, content, contextMessageId, timestamp, mimeType, mediaBase64, referral, groupId,
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
        var json = JsonNode.Parse(body)!;
        return (json["id"]!.GetValue<string>(), json["mediaId"]?.GetValue<string>());
    }

    public async Task<string> TextAsync(string text, string? contextMessageId = null, long? timestamp = null) =>
        (await SendAsync("text", new { body = text }, contextMessageId, timestamp)).Wamid;

    /// <summary>The contact OneClick keeps for this number (POST merges into the existing one).</summary>
    public async Task<string> ContactIdAsync()
    {
        var reply = await Tenant.Post("api/contacts", new { phoneNumber = Phone });
        Assert.True(reply.Status is HttpStatusCode.OK or HttpStatusCode.Created, reply.ToString());
        return reply.Json["id"]!.GetValue<string>();
    }

    /// <summary>The contact's id once OneClick has one for this number (read from storage, creating nothing).</summary>
    public async Task<string?> FindContactIdAsync()
    {
        var contacts = Env.App.Services.GetRequiredService<OneClick.Core.Contacts.ContactStore>();
        return (await contacts.FindByPhoneAsync(Tenant.Id, Phone, CancellationToken.None))?.Id;
    }

    /// <summary>Polls the contact's conversation until <paramref name="done"/> holds for its items.</summary>
    public async Task<JsonArray> WaitForConversationAsync(Func<JsonArray, bool> done, string? contactId = null, int pageSize = 500)
    {
        JsonArray items = [];
        await Eventually.Async(async () =>
        {
            contactId ??= await FindContactIdAsync();
            if (contactId is null)
                return false;
            var reply = await Tenant.Get($"api/contacts/{contactId}/conversation?pageSize={pageSize}");
            reply.AssertStatus(HttpStatusCode.OK);
            items = reply.Json["items"]!.AsArray();
            return done(items);
        }, () => $"Conversation never got there: {items.ToJsonString()}");
        return items;
    }
}

public static class SignedWebhooks
{
    /// <summary>POSTs a webhook body to the tenant's webhook URL (the app-level one for a platform-app tenant), signed like Meta does, and expects 200.</summary>
    public static async Task PostAsync(TestTenant tenant, string body)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        using var response = await SendAsync(tenant.Environment, tenant.WebhookPath, body, tenant.AppSecret);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>POSTs a body signed with <paramref name="appSecret"/> to <paramref name="path"/>; the caller reads the answer.</summary>
    public static async Task<HttpResponseMessage> SendAsync(OneClickEnvironment env, string path, string body, string appSecret)
    {
        ArgumentNullException.ThrowIfNull(env);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(env.AppUrl, path))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookSignature.HeaderName, WebhookSignature.Compute(Encoding.UTF8.GetBytes(body), appSecret));
        return await env.Http.SendAsync(request);
    }

    public static JsonObject Change(TestTenant tenant, JsonArray? messages = null, JsonArray? statuses = null, JsonArray? contacts = null, string field = "messages")
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var value = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["metadata"] = new JsonObject { ["display_phone_number"] = "15550100002", ["phone_number_id"] = tenant.PhoneNumberId },
        };
        if (contacts is not null)
            value["contacts"] = contacts;
        if (messages is not null)
            value["messages"] = messages;
        if (statuses is not null)
            value["statuses"] = statuses;
        return new JsonObject { ["field"] = field, ["value"] = value };
    }

    public static string Envelope(TestTenant tenant, params JsonArray[] changesPerEntry)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var entries = new JsonArray();
        foreach (var changes in changesPerEntry)
            entries.Add(new JsonObject { ["id"] = tenant.WabaId, ["changes"] = changes });
        return new JsonObject { ["object"] = "whatsapp_business_account", ["entry"] = entries }.ToJsonString();
    }

    public static JsonObject TextMessage(string fromDigits, string wamid, string text, long? timestamp = null) => new()
    {
        ["from"] = fromDigits,
        ["id"] = wamid,
        ["timestamp"] = (timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["type"] = "text",
        ["text"] = new JsonObject { ["body"] = text },
    };

    public static string NewWamid() => "wamid.HBgL" + Convert.ToBase64String(Guid.NewGuid().ToByteArray()).Replace("=", "", StringComparison.Ordinal);
}

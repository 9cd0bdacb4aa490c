using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Conversations;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Identity;

/// <summary>Helpers for business-scoped user ids: customers who write through the sandbox by BSUID, account-level webhooks.</summary>
internal static class IdentityKit
{
    public static string NewUserId() => "US." + Random.Shared.NextInt64(1_000_000_000_000_000_000, long.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string NewParentUserId() => "US.ENT." + Random.Shared.NextInt64(1_000_000_000_000_000_000, long.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A customer writes through the sandbox, by phone, BSUID or both; returns the wamid.</summary>
    public static async Task<string> InboundAsync(OneClickEnvironment env, TestTenant tenant, string type, object content,
        string? from = null, string? fromUserId = null, string? fromParentUserId = null, string? username = null, string? name = null)
    {
        using var response = await env.Http.PostAsJsonAsync(new Uri(env.SandboxUrl, $"_sandbox/phone-numbers/{tenant.PhoneNumberId}/inbound/message"),
            new { from, fromUserId, fromParentUserId, username, name, type, content });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    /// <summary>The sandbox signs and POSTs an account-level (or user_preferences) webhook to the tenant.</summary>
    public static async Task AccountEventAsync(OneClickEnvironment env, TestTenant tenant, string field, object value)
    {
        using var response = await env.Http.PostAsJsonAsync(new Uri(env.SandboxUrl, $"_sandbox/phone-numbers/{tenant.PhoneNumberId}/account-events"), new { field, value });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Waits for the one contact a lookup (e.g. "userId=US.1") finds to satisfy <paramref name="done"/>.</summary>
    public static async Task<JsonObject> WaitForContactAsync(TestTenant tenant, string query, Func<JsonObject, bool>? done = null)
    {
        JsonArray found = [];
        JsonObject? contact = null;
        await Eventually.Async(async () =>
        {
            var reply = await tenant.Get("api/contacts?" + query);
            reply.AssertStatus(HttpStatusCode.OK);
            found = reply.Json["items"]!.AsArray();
            contact = found.Count == 1 ? found[0]!.AsObject() : null;
            return contact is not null && (done is null || done(contact));
        }, () => $"No contact for {query} in the expected state: {found.ToJsonString()}");
        return contact!;
    }
}

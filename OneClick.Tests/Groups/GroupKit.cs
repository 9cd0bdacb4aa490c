using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Groups;

/// <summary>Helpers for the groups tests: OneClick's API for groups, and the sandbox's control API for what people do in them.</summary>
internal static class GroupKit
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>The behaviour CreateTenantAsync sets, plus a "groups" section.</summary>
    public static Task SetGroupBehaviourAsync(this OneClickEnvironment env, TestTenant tenant, object groups, bool duplicateWebhooks = false) =>
        env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 }, duplicateWebhooks, groups });

    /// <summary>Creates a group through OneClick and waits for the lifecycle webhook to make it active.</summary>
    public static async Task<JsonObject> CreateActiveGroupAsync(this TestTenant tenant, string subject = "Launch crew", string joinApprovalMode = "auto_approve")
    {
        var created = await tenant.Post("api/groups", new { subject, description = "Early access buyers", joinApprovalMode });
        created.AssertStatus(HttpStatusCode.Accepted);
        var id = created.Json["id"]!.GetValue<string>();
        return await tenant.WaitForGroupAsync(id, g => g["state"]!.GetValue<string>() == "active", "active");
    }

    public static Task<JsonObject> WaitForGroupAsync(this TestTenant tenant, string groupId, Func<JsonObject, bool> condition, string what) =>
        Eventually.Async(
            async () =>
            {
                var reply = await tenant.Get($"api/groups/{groupId}");
                reply.AssertStatus(HttpStatusCode.OK);
                return reply.Json;
            },
            condition, $"group {groupId} to become {what}", Timeout, poll: TimeSpan.FromMilliseconds(50));

    public static IReadOnlyList<string> Members(this JsonObject group) =>
        [.. group["participants"]!.AsArray().Select(p => (p!["waId"] ?? p["userId"])!.GetValue<string>())];

    public static string MetaId(this JsonObject group) => group["metaGroupId"]!.GetValue<string>();

    public static string Id(this JsonObject group) => group["id"]!.GetValue<string>();

    /// <summary>A person joins through the invite link (or asks to, in an approval_required group).</summary>
    public static Task JoinAsync(this OneClickEnvironment env, TestTenant tenant, string metaGroupId, string waId) =>
        env.SandboxPostAsync($"_sandbox/phone-numbers/{tenant.PhoneNumberId}/groups/{metaGroupId}/join", new { waId });

    public static async Task<JsonObject> JoinAllAsync(this OneClickEnvironment env, TestTenant tenant, JsonObject group, params string[] waIds)
    {
        foreach (var waId in waIds)
            await env.JoinAsync(tenant, group.MetaId(), waId);
        var digits = waIds.Select(w => new string([.. w.Where(char.IsAsciiDigit)])).ToList();
        return await tenant.WaitForGroupAsync(group.Id(), g => digits.All(g.Members().Contains), $"joined by {string.Join(", ", waIds)}");
    }

    public static Task RawGroupWebhookAsync(this OneClickEnvironment env, TestTenant tenant, string field, object item, int copies = 1) =>
        env.SandboxPostAsync($"_sandbox/phone-numbers/{tenant.PhoneNumberId}/group-webhooks", new { field, groups = new[] { item }, copies });

    public static async Task<JsonObject> SandboxGroupAsync(this OneClickEnvironment env, TestTenant tenant, string metaGroupId) =>
        (await env.Http.GetFromJsonAsync<JsonObject>(new Uri(env.SandboxUrl, $"_sandbox/phone-numbers/{tenant.PhoneNumberId}/groups/{metaGroupId}")))!;

    public static async Task SandboxPostAsync(this OneClickEnvironment env, string path, object body)
    {
        using var response = await env.Http.PostAsJsonAsync(new Uri(env.SandboxUrl, path), body);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The smallest JPEG header the size check reads: SOI, APP0, SOF0 with the size, EOI.</summary>
    public static byte[] Jpeg(int width, int height) =>
    [
        0xFF, 0xD8,
        0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
        0xFF, 0xC0, 0x00, 0x11, 0x08, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01,
        0xFF, 0xD9,
    ];

    public static string Seconds(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
}

using System.Net.Http.Json;
using System.Net;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Groups;

/// <summary>
/// Meta delivers group webhooks out of order and more than once. These send exact, signed webhooks through the sandbox
/// in the wrong order and twice, and check that OneClick ends in the state of the newest events.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class GroupWebhookOrderTests(OneClickEnvironment env)
{
    private static readonly DateTimeOffset Base = DateTimeOffset.UtcNow.AddMinutes(5);

    private static string At(int seconds) => GroupKit.Seconds(Base.AddSeconds(seconds));

    [Fact]
    public async Task Participant_events_applied_out_of_order_and_twice_end_in_the_newest_membership()
    {
        var tenant = await env.CreateTenantAsync();
        var group = await tenant.CreateActiveGroupAsync();
        var metaId = group.MetaId();

        // Ana joined (t=10) and left (t=20); Ben joined (t=15). The leave comes first, everything twice.
        await env.RawGroupWebhookAsync(tenant, "group_participants_update", new
        {
            timestamp = At(20), type = "group_participants_remove", group_id = metaId, initiated_by = "participant",
            removed_participants = new[] { new { wa_id = "14155550601" } },
        }, copies: 2);
        await env.RawGroupWebhookAsync(tenant, "group_participants_update", new
        {
            timestamp = At(10), type = "group_participants_add", group_id = metaId, reason = "invite_link",
            added_participants = new[] { new { wa_id = "14155550601" } },
        }, copies: 2);
        // Numeric timestamp, as one of Meta's examples shows.
        await env.RawGroupWebhookAsync(tenant, "group_participants_update", new
        {
            timestamp = Base.AddSeconds(15).ToUnixTimeSeconds(), type = "group_participants_add", group_id = metaId, reason = "invite_link",
            added_participants = new[] { new { wa_id = "14155550602" } },
        }, copies: 2);

        var final = await tenant.WaitForGroupAsync(group.Id(), g => g.Members().Contains("14155550602"), "joined by Ben");
        await Queues.WebhooksSettledAsync(env);
        final = (await tenant.Get($"api/groups/{group.Id()}")).Json;
        Assert.Equal(["14155550602"], final.Members());
    }

    [Fact]
    public async Task Settings_and_suspension_events_out_of_order_never_undo_a_newer_one()
    {
        var tenant = await env.CreateTenantAsync();
        var group = await tenant.CreateActiveGroupAsync();
        var metaId = group.MetaId();

        await env.RawGroupWebhookAsync(tenant, "group_settings_update", new
        {
            timestamp = At(30), type = "group_settings_update", group_id = metaId, request_id = "r2",
            group_subject = new { text = "Newest subject", update_successful = true },
        });
        await env.RawGroupWebhookAsync(tenant, "group_settings_update", new
        {
            timestamp = At(20), type = "group_settings_update", group_id = metaId, request_id = "r1",
            group_subject = new { text = "Older subject", update_successful = true },
            group_description = new { text = "Older description", update_successful = true },
        }, copies: 2);
        await env.RawGroupWebhookAsync(tenant, "group_status_update", new { timestamp = At(50), type = "group_suspend_cleared", group_id = metaId });
        await env.RawGroupWebhookAsync(tenant, "group_status_update", new { timestamp = At(40), type = "group_suspend", group_id = metaId }, copies: 2);
        // A failed settings change is recorded as the group's last error, not applied.
        await env.RawGroupWebhookAsync(tenant, "group_settings_update", new
        {
            timestamp = At(60), type = "group_settings_update", group_id = metaId, request_id = "r3",
            group_subject = new { text = "Rejected", update_successful = false },
            errors = new[] { new { code = 131009, title = "Parameter value is not valid", message = "Parameter value is not valid", error_data = new { details = "Subject not allowed" } } },
        });

        var final = await tenant.WaitForGroupAsync(group.Id(), g => g["lastError"] is not null && g["description"]!.GetValue<string>() == "Older description", "settled");
        await Queues.WebhooksSettledAsync(env);
        final = (await tenant.Get($"api/groups/{group.Id()}")).Json;
        Assert.Equal("Newest subject", final["subject"]!.GetValue<string>());
        Assert.Equal("Older description", final["description"]!.GetValue<string>());
        Assert.False(final["suspended"]!.GetValue<bool>());
        Assert.Contains("131009", final["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_that_arrive_before_the_group_create_webhook_are_kept_and_applied_once_it_comes()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetGroupBehaviourAsync(tenant, new { lifecycleDelayMs = 2500 });
        var created = (await tenant.Post("api/groups", new { subject = "Early birds" })).Json;
        var atMeta = await Eventually.Async(
            () => env.Http.GetFromJsonAsync<JsonArray>(new Uri(env.SandboxUrl, $"_sandbox/phone-numbers/{tenant.PhoneNumberId}/groups"))!,
            list => list!.Count == 1, "the group at Meta");
        var metaId = atMeta![0]!["id"]!.GetValue<string>();

        // A join and a message in the group reach OneClick while it still waits for group_create.
        await env.JoinAsync(tenant, metaId, "+14155550701");
        await env.SandboxPostAsync($"_sandbox/phone-numbers/{tenant.PhoneNumberId}/groups/{metaId}/inbound", new { from = "+14155550701", text = "first!" });
        var parked = env.Storage.Table(Core.Storage.TableNames.Groups);
        await Eventually.Async(
            async () => await parked.QueryAsync<Azure.Data.Tables.TableEntity>(Core.Storage.RowRanges.StartsWith(tenant.Id, "parked|")).CountAsync(),
            count => count == 2, "the join and the message kept for later");
        Assert.Equal("pending", (await tenant.Get($"api/groups/{created.Id()}")).Json["state"]!.GetValue<string>());

        var active = await tenant.WaitForGroupAsync(created.Id(), g => g["state"]!.GetValue<string>() == "active" && g.Members().Count == 1, "active with its early member");
        Assert.Equal(["14155550701"], active.Members());
        var conversation = await Eventually.Async(
            async () => (await tenant.Get($"api/groups/{created.Id()}/messages")).Json["items"]!.AsArray(), items => items.Count > 0, "the early message");
        Assert.Equal("first!", Assert.Single(conversation)!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_duplicated_lifecycle_webhook_and_a_late_create_after_delete_change_nothing()
    {
        var tenant = await env.CreateTenantAsync();
        var group = await tenant.CreateActiveGroupAsync();
        var create = new
        {
            timestamp = At(0), type = "group_create", request_id = group["requestId"]!.GetValue<string>(), group_id = group.MetaId(),
            subject = "Stale subject", invite_link = "https://chat.whatsapp.com/stale",
        };
        await env.RawGroupWebhookAsync(tenant, "group_lifecycle_update", new { timestamp = At(5), type = "group_delete", group_id = group.MetaId(), request_id = "d1" }, copies: 2);
        await tenant.WaitForGroupAsync(group.Id(), g => g["state"]!.GetValue<string>() == "deleted", "deleted");
        await env.RawGroupWebhookAsync(tenant, "group_lifecycle_update", create, copies: 2);
        await Queues.WebhooksSettledAsync(env);

        var final = (await tenant.Get($"api/groups/{group.Id()}")).Json;
        Assert.Equal("deleted", final["state"]!.GetValue<string>());
        Assert.Equal(group["inviteLink"]!.GetValue<string>(), final["inviteLink"]!.GetValue<string>());
    }
}

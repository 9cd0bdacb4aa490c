using System.Net;
using OneClick.Core.Groups;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Identity;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Groups;

/// <summary>
/// Group participants Meta names by business-scoped user id (BSUID) beside or instead of a phone: joins, leaves,
/// removals, inbound messages and aggregated statuses (recipient_participant_user_id), through the sandbox's webhooks.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class GroupParticipantsByBsuidTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_participant_known_only_by_bsuid_joins_writes_reads_and_leaves_and_is_recorded_as_left_even_with_initiated_by_beside_the_item()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetGroupBehaviourAsync(tenant, new { participantIdField = "recipient_participant_id" });
        var userId = IdentityKit.NewUserId();
        var group = await env.JoinAllAsync(tenant, await tenant.CreateActiveGroupAsync(), "+14155550851");
        var control = $"_sandbox/phone-numbers/{tenant.PhoneNumberId}/groups/{group.MetaId()}";

        await env.SandboxPostAsync($"{control}/join", new { userId });
        group = await tenant.WaitForGroupAsync(group.Id(), g => g.Members().Contains(userId), "joined by the BSUID");
        Assert.Equal(2, group["participantCount"]!.GetValue<int>());
        var joined = group["participants"]!.AsArray().Single(p => p!["userId"]?.GetValue<string>() == userId)!;
        Assert.Null(joined["waId"]);

        // Written by a username user without a shown phone: kept under the BSUID.
        await env.SandboxPostAsync($"{control}/inbound", new { userId, name = "Ana", text = "Count me in" });
        var items = await Eventually.Async(
            async () => (await tenant.Get($"api/groups/{group.Id()}/messages")).Json["items"]!.AsArray(),
            list => list.Count == 1, "the BSUID participant's message");
        Assert.Equal(userId, items[0]!["sender"]!.GetValue<string>());
        Assert.Equal("Ana", items[0]!["profileName"]!.GetValue<string>());

        // The sandbox names the BSUID participant in statuses by recipient_participant_user_id only.
        var id = await tenant.SendMessageAsync(new { groupId = group.Id(), type = "text", text = new { body = "See you at 9" } });
        var detail = await Eventually.Async(
            async () => (await tenant.Get($"api/groups/{group.Id()}/messages/{id}")).Json,
            d => d["group"]!["read"]!.GetValue<int>() == 2, "read by both participants");
        Assert.Equal(["14155550851", userId], detail["group"]!["perParticipant"]!.AsArray().Select(p => p!["waId"]!.GetValue<string>()).Order(StringComparer.Ordinal));

        // initiated_by beside the group item, not inside it: the member left; the business did not remove them.
        await env.SandboxPostAsync($"{control}/leave", new { userId, initiatedByBeside = true });
        await tenant.WaitForGroupAsync(group.Id(), g => !g.Members().Contains(userId), "left by the BSUID participant");
        var stored = await env.Storage.Table(TableNames.Groups).GetEntityAsync<GroupEntity>(tenant.Id, GroupEntity.RowKeyFor(group.Id()));
        var left = stored.Value.Participants[userId];
        Assert.False(left.Member);
        Assert.Equal("left", left.How);
    }

    [Fact]
    public async Task The_business_removes_a_participant_by_bsuid_and_a_phone_arriving_later_stays_the_same_person()
    {
        var tenant = await env.CreateTenantAsync();
        var (ana, ben) = (IdentityKit.NewUserId(), IdentityKit.NewUserId());
        var group = await tenant.CreateActiveGroupAsync();
        var control = $"_sandbox/phone-numbers/{tenant.PhoneNumberId}/groups/{group.MetaId()}";
        await env.SandboxPostAsync($"{control}/join", new { userId = ana });
        await env.SandboxPostAsync($"{control}/join", new { userId = ben });
        await tenant.WaitForGroupAsync(group.Id(), g => g.Members().Count == 2, "joined by both BSUIDs");

        // A later event names Ben by phone and BSUID: one participant, now under the phone, still knowing the BSUID.
        long later = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5;
        await env.RawGroupWebhookAsync(tenant, "group_participants_update", new
        {
            timestamp = GroupKit.Seconds(DateTimeOffset.FromUnixTimeSeconds(later)),
            type = "group_participants_add",
            group_id = group.MetaId(),
            reason = "invite_link",
            added_participants = new[] { new { input = "+14155550861", wa_id = "14155550861", user_id = ben } },
        });
        group = await tenant.WaitForGroupAsync(group.Id(), g => g.Members().Contains("14155550861"), "Ben by phone");
        Assert.Equal(2, group["participantCount"]!.GetValue<int>());
        Assert.Equal(ben, group["participants"]!.AsArray().Single(p => p!["waId"]?.GetValue<string>() == "14155550861")!["userId"]!.GetValue<string>());

        // Removed by the business by BSUID (Meta echoes it as "input"): recorded as removed.
        var removed = await tenant.Post($"api/groups/{group.Id()}/participants/remove", new { participants = new[] { ana } });
        removed.AssertStatus(HttpStatusCode.Accepted);
        await tenant.WaitForGroupAsync(group.Id(), g => !g.Members().Contains(ana), "Ana removed");
        var stored = await env.Storage.Table(TableNames.Groups).GetEntityAsync<GroupEntity>(tenant.Id, GroupEntity.RowKeyFor(group.Id()));
        Assert.Equal("removed", stored.Value.Participants[ana].How);

        // A malformed identity is a 400, not a call to Meta.
        (await tenant.Post($"api/groups/{group.Id()}/participants/remove", new { participants = new[] { "us.123" } })).AssertValidation("participants[0]");
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OneClick.Tests.Infrastructure;
using OneClick.Tests.Sandbox;

namespace OneClick.Tests.Groups;

/// <summary>The sandbox's Groups API on its own, as a Cloud API client sees it: shapes, limits, error codes and signed group webhooks.</summary>
public sealed class SandboxGroupsApiTests : IAsyncLifetime
{
    private const string PhoneId = "5550001000";
    private SandboxHarness _sandbox = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHarness.StartAsync();
        await _sandbox.RegisterAsync(PhoneId);
        await _sandbox.SetBehaviourAsync(PhoneId, new { webhookDelaysMs = SandboxHarness.FastDelays, groups = new { lifecycleDelayMs = 0 } });
    }

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    private async Task<GraphAnswer> GraphAsync(HttpMethod method, string path, string? json = null, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, new Uri("/v25.0/" + path, UriKind.Relative))
        {
            Content = content ?? (json is null ? null : new StringContent(json, Encoding.UTF8, "application/json")),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SandboxHarness.Token);
        using var response = await _sandbox.Client.SendAsync(request);
        return await GraphAnswer.ReadAsync(response);
    }

    /// <summary>Creates a group and returns its id from the lifecycle webhook.</summary>
    private async Task<string> CreateAsync(string subject = "Team", string mode = "auto_approve")
    {
        var created = await GraphAsync(HttpMethod.Post, $"{PhoneId}/groups", $$"""{"messaging_product":"whatsapp","subject":"{{subject}}","join_approval_mode":"{{mode}}"}""");
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var requestId = created.Body.GetProperty("request_id").GetString();
        var hooks = await _sandbox.Receiver.WaitForAsync(all => all.Any(w => GroupItem(w)?.GetProperty("request_id").GetString() == requestId));
        return GroupItem(hooks.First(w => GroupItem(w)?.GetProperty("request_id").GetString() == requestId))!.Value.GetProperty("group_id").GetString()!;
    }

    private static JsonElement? GroupItem(ReceivedWebhook webhook) =>
        webhook.Value.TryGetProperty("groups", out var groups) ? groups[0] : null;

    private static string Field(ReceivedWebhook webhook) => webhook.Json.GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("field").GetString()!;

    private async Task JoinAsync(string groupId, string waId) =>
        Assert.Equal(HttpStatusCode.Accepted, (await _sandbox.PostJsonAsync($"/_sandbox/phone-numbers/{PhoneId}/groups/{groupId}/join", $$"""{"waId":"{{waId}}"}""")).StatusCode);

    [Fact]
    public async Task Create_answers_a_request_id_and_a_signed_lifecycle_webhook_brings_the_group()
    {
        var created = await GraphAsync(HttpMethod.Post, $"{PhoneId}/groups", """{"messaging_product":"whatsapp","subject":"  Launch  ","description":"d"}""");
        var requestId = created.Body.GetProperty("request_id").GetString();

        var webhook = (await _sandbox.Receiver.WaitForAsync(all => all.Any(w => GroupItem(w) is not null))).First(w => GroupItem(w) is not null);
        var item = GroupItem(webhook)!.Value;

        Assert.Equal("group_lifecycle_update", Field(webhook));
        Assert.True(webhook.HasValidSignature(SandboxHarness.AppSecret));
        Assert.Equal("group_create", item.GetProperty("type").GetString());
        Assert.Equal(requestId, item.GetProperty("request_id").GetString());
        Assert.StartsWith("Y2FwaV9ncm91cDo", item.GetProperty("group_id").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("https://chat.whatsapp.com/", item.GetProperty("invite_link").GetString(), StringComparison.Ordinal);
        Assert.Equal("Launch", item.GetProperty("subject").GetString());
        Assert.Equal("auto_approve", item.GetProperty("join_approval_mode").GetString());
    }

    [Fact]
    public async Task Create_applies_Metas_rules_and_the_configured_codes()
    {
        Assert.Equal(131008, (await GraphAsync(HttpMethod.Post, $"{PhoneId}/groups", """{"messaging_product":"whatsapp"}""")).ErrorCode);
        Assert.Equal(131009, (await GraphAsync(HttpMethod.Post, $"{PhoneId}/groups", $$"""{"messaging_product":"whatsapp","subject":"{{new string('s', 129)}}"}""")).ErrorCode);
        Assert.Equal(100, (await GraphAsync(HttpMethod.Post, $"{PhoneId}/groups", """{"messaging_product":"whatsapp","subject":"x","join_approval_mode":"open"}""")).ErrorCode);

        await _sandbox.SetBehaviourAsync(PhoneId, new { groups = new { maxGroups = 1, lifecycleDelayMs = 0 } });
        await CreateAsync();
        Assert.Equal(131211, (await GraphAsync(HttpMethod.Post, $"{PhoneId}/groups", """{"messaging_product":"whatsapp","subject":"two"}""")).ErrorCode);

        await _sandbox.SetBehaviourAsync(PhoneId, new { groups = new { errors = new Dictionary<string, int> { ["*"] = 131215 } } });
        var notEligible = await GraphAsync(HttpMethod.Post, $"{PhoneId}/groups", """{"messaging_product":"whatsapp","subject":"x"}""");
        Assert.Equal(131215, notEligible.ErrorCode);
        Assert.Equal(131215, (await GraphAsync(HttpMethod.Get, $"{PhoneId}/groups")).ErrorCode);

        var bad = await _sandbox.Client.PutAsync(new Uri($"/_sandbox/phone-numbers/{PhoneId}/behaviour", UriKind.Relative),
            new StringContent("""{"groups":{"errors":{"teleport":131208}}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task The_list_pages_with_cursors_and_an_unknown_cursor_is_131059()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add(await CreateAsync($"G{i}"));

        var first = await GraphAsync(HttpMethod.Get, $"{PhoneId}/groups?limit=2");
        var page = first.Body.GetProperty("data").GetProperty("groups");
        Assert.Equal(2, page.GetArrayLength());
        Assert.True(first.Body.GetProperty("paging").TryGetProperty("next", out _));
        var after = first.Body.GetProperty("paging").GetProperty("cursors").GetProperty("after").GetString();
        var second = await GraphAsync(HttpMethod.Get, $"{PhoneId}/groups?limit=2&after={Uri.EscapeDataString(after!)}");

        var listed = page.EnumerateArray().Concat(second.Body.GetProperty("data").GetProperty("groups").EnumerateArray()).Select(g => g.GetProperty("id").GetString());
        Assert.Equal(ids, listed);
        Assert.False(second.Body.GetProperty("paging").TryGetProperty("next", out _));
        Assert.Equal(131059, (await GraphAsync(HttpMethod.Get, $"{PhoneId}/groups?after=bm9wZQ==")).ErrorCode);
        Assert.Equal(131009, (await GraphAsync(HttpMethod.Get, $"{PhoneId}/groups?limit=0")).ErrorCode);
    }

    [Fact]
    public async Task Group_info_returns_the_fields_asked_for()
    {
        var groupId = await CreateAsync("Info");
        await JoinAsync(groupId, "+15550002001");

        var bare = await GraphAsync(HttpMethod.Get, groupId);
        var info = await GraphAsync(HttpMethod.Get, $"{groupId}?fields=subject,participants,total_participant_count,suspended");

        Assert.Equal(["messaging_product", "id"], bare.Body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Info", info.Body.GetProperty("subject").GetString());
        Assert.Equal("15550002001", info.Body.GetProperty("participants")[0].GetProperty("wa_id").GetString());
        Assert.Equal(1, info.Body.GetProperty("total_participant_count").GetInt32());
        Assert.False(info.Body.GetProperty("suspended").GetBoolean());
        Assert.Equal(100, (await GraphAsync(HttpMethod.Get, $"{groupId}?fields=owner")).ErrorCode);
        Assert.Equal(131041, (await GraphAsync(HttpMethod.Get, "Y2FwaV9ncm91cDoxMjM0NTY3ODkw")).ErrorCode);
    }

    [Fact]
    public async Task Group_sends_need_a_live_unsuspended_group_with_members_and_statuses_aggregate_per_participant()
    {
        var groupId = await CreateAsync();
        string Send() => $$$"""{"messaging_product":"whatsapp","recipient_type":"group","to":"{{{groupId}}}","type":"text","text":{"body":"hi"}}""";

        Assert.Equal(131020, (await _sandbox.SendAsync(PhoneId, Send())).ErrorCode);
        Assert.Equal(131041, (await _sandbox.SendAsync(PhoneId, """{"messaging_product":"whatsapp","recipient_type":"group","to":"Y2FwaV9ncm91cDoxMjM0NTY3ODkw","type":"text","text":{"body":"hi"}}""")).ErrorCode);
        foreach (var waId in new[] { "15550003001", "15550003002", "15550003003" })
            await JoinAsync(groupId, waId);
        await _sandbox.PostJsonAsync($"/_sandbox/phone-numbers/{PhoneId}/groups/{groupId}/suspend", "{}");
        Assert.Equal(131207, (await _sandbox.SendAsync(PhoneId, Send())).ErrorCode);
        await _sandbox.PostJsonAsync($"/_sandbox/phone-numbers/{PhoneId}/groups/{groupId}/suspend-cleared", "{}");

        var wamid = (await _sandbox.SendAsync(PhoneId, Send())).MessageId;
        var statuses = await _sandbox.Receiver.WaitForStatusesAsync(wamid, 3);

        var sent = statuses.Single(w => w.StatusName == "sent").Value.GetProperty("statuses");
        Assert.Equal(1, sent.GetArrayLength());
        Assert.False(sent[0].TryGetProperty("recipient_participant_id", out _));
        var delivered = statuses.Single(w => w.StatusName == "delivered").Value.GetProperty("statuses");
        Assert.Equal(["15550003001", "15550003002", "15550003003"], delivered.EnumerateArray().Select(s => s.GetProperty("recipient_participant_id").GetString()));
        Assert.All(delivered.EnumerateArray(), s => Assert.Equal(groupId, s.GetProperty("recipient_id").GetString()));
        var read = statuses.Single(w => w.StatusName == "read").Value.GetProperty("statuses");
        Assert.Equal(["15550003001", "15550003002", "15550003003"], read.EnumerateArray().Select(s => s.GetProperty("participant_recipient_id").GetString()));
    }

    [Fact]
    public async Task Participants_removal_and_joins_follow_Metas_limits()
    {
        var groupId = await CreateAsync();
        for (var i = 1; i <= 8; i++)
            await JoinAsync(groupId, $"1555000400{i}");
        var ninth = await _sandbox.PostJsonAsync($"/_sandbox/phone-numbers/{PhoneId}/groups/{groupId}/join", """{"waId":"15550004009"}""");
        Assert.Equal(HttpStatusCode.Conflict, ninth.StatusCode);

        Assert.Equal(131202, (await GraphAsync(HttpMethod.Delete, $"{groupId}/participants",
            """{"messaging_product":"whatsapp","participants":[{"user":"+15550004001"},{"user":"15550004001"}]}""")).ErrorCode);
        var tooMany = string.Join(",", Enumerable.Range(0, 9).Select(i => $$"""{"user":"1555000500{{i}}"}"""));
        Assert.Equal(131009, (await GraphAsync(HttpMethod.Delete, $"{groupId}/participants", $$"""{"messaging_product":"whatsapp","participants":[{{tooMany}}]}""")).ErrorCode);

        var removed = await GraphAsync(HttpMethod.Delete, $"{groupId}/participants",
            """{"messaging_product":"whatsapp","participants":[{"user":"+15550004001"},{"user":"+15559999999"}]}""");
        Assert.Equal(HttpStatusCode.OK, removed.Status);
        var hook = (await _sandbox.Receiver.WaitForAsync(all => all.Any(w => GroupItem(w)?.GetProperty("type").GetString() == "group_participants_remove")))
            .First(w => GroupItem(w)?.GetProperty("type").GetString() == "group_participants_remove");
        var item = GroupItem(hook)!.Value;
        Assert.Equal("group_participants_update", Field(hook));
        Assert.Equal("business", item.GetProperty("initiated_by").GetString());
        Assert.Equal("+15550004001", item.GetProperty("removed_participants")[0].GetProperty("input").GetString());
        Assert.Equal(131212, item.GetProperty("failed_participants")[0].GetProperty("errors")[0].GetProperty("code").GetInt32());

        // Removed by the business: the invite link no longer lets them in.
        var rejoin = await _sandbox.PostJsonAsync($"/_sandbox/phone-numbers/{PhoneId}/groups/{groupId}/join", """{"waId":"15550004001"}""");
        Assert.Equal(HttpStatusCode.Conflict, rejoin.StatusCode);
    }

    [Fact]
    public async Task The_picture_must_be_a_square_JPEG_of_at_least_192_pixels()
    {
        var groupId = await CreateAsync();
        async Task<GraphAnswer> Upload(byte[] bytes)
        {
            using var form = new MultipartFormDataContent { { new StringContent("whatsapp"), "messaging_product" } };
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(file, "file", "p.jpg");
            return await GraphAsync(HttpMethod.Post, groupId, content: form);
        }

        Assert.Equal(131209, (await Upload(GroupKit.Jpeg(300, 200))).ErrorCode);
        Assert.Equal(131210, (await Upload(GroupKit.Jpeg(100, 100))).ErrorCode);
        Assert.Equal(131009, (await Upload([1, 2, 3, 4])).ErrorCode);
        Assert.Equal(HttpStatusCode.OK, (await Upload(GroupKit.Jpeg(192, 192))).Status);
        await _sandbox.Receiver.WaitForAsync(all => all.Any(w => GroupItem(w)?.TryGetProperty("profile_picture", out _) == true));
    }
}

using System.Net;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

[Collection(SharedEnvironment.Name)]
public sealed class CampaignDraftTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_draft_is_edited_whole_checked_like_a_new_one_and_only_while_it_is_a_draft()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(3);
        var id = (await tenant.CampaignAsync(new { contacts = new[] { people[0].Id } }, launch: false, name: "First draft"))["id"]!.GetValue<string>();

        var edited = await tenant.Put($"api/campaigns/{id}", new
        {
            name = "Second draft", audience = new { contacts = people.Select(p => p.Id) }, message = CampaignTestKit.Template,
        });
        edited.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("Second draft", edited.Json["name"]!.GetValue<string>());
        Assert.Equal("draft", edited.Json["status"]!.GetValue<string>());

        // Bad input is a 400 naming the field, and the stored draft is left as it was.
        var bad = await tenant.Put($"api/campaigns/{id}", new
        {
            name = "Broken", audience = new { lists = new[] { "l0000000000000000000000000" } }, message = CampaignTestKit.Template,
        });
        bad.AssertStatus(HttpStatusCode.BadRequest);
        Assert.Contains("audience.lists", bad.Body, StringComparison.Ordinal);
        Assert.Equal("Second draft", (await tenant.Get($"api/campaigns/{id}")).Json["name"]!.GetValue<string>());

        // The edited audience is the one sent to.
        (await tenant.Post($"api/campaigns/{id}/launch", new { })).AssertStatus(HttpStatusCode.OK);
        await tenant.WaitForCampaignAsync(id, "completed");
        var stats = await tenant.WaitForStatsAsync(id, s => s.L("targeted") == 3 && s.L("queued") == 0);
        CampaignTestKit.AssertAccountedFor(stats);

        // Launched, it is not a draft any more.
        var late = await tenant.Put($"api/campaigns/{id}", new { name = "Too late", audience = new { contacts = new[] { people[0].Id } }, message = CampaignTestKit.Template });
        late.AssertStatus(HttpStatusCode.Conflict);
        (await tenant.Put("api/campaigns/k0000000000000000000000000", new { name = "Nobody", audience = new { contacts = new[] { people[0].Id } }, message = CampaignTestKit.Template }))
            .AssertStatus(HttpStatusCode.NotFound);
    }
}

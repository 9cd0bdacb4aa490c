using System.Net;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

[Collection(SharedEnvironment.Name)]
public sealed class CampaignBadInputTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Bad_campaigns_are_refused_with_400_problem_details_naming_the_field_and_nothing_is_stored()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(1);
        var emptyList = await tenant.ListAsync([]);
        var ok = new { contacts = new[] { people[0].Id } };
        var template = CampaignTestKit.Template;

        (await tenant.Post("api/campaigns", new { name = "x", audience = new { }, message = template })).AssertValidation("audience");
        (await tenant.Post("api/campaigns", new { name = "x", audience = new { lists = new[] { emptyList } }, message = template })).AssertValidation("audience");
        (await tenant.Post("api/campaigns", new { name = "x", message = template })).AssertValidation("audience");
        (await tenant.Post("api/campaigns", new { name = "x", audience = new { lists = new[] { "l" + new string('0', 24) } }, message = template })).AssertValidation("audience.lists");
        (await tenant.Post("api/campaigns", new { name = "x", audience = new { lists = new[] { "not-a-list" } }, message = template })).AssertValidation("audience.lists");
        (await tenant.Post("api/campaigns", new { name = "x", audience = new { contacts = new[] { people[0].Id }, excludeLists = new[] { "l" + new string('1', 24) } }, message = template })).AssertValidation("audience.excludeLists");
        (await tenant.Post("api/campaigns", new { name = "x", audience = new { contacts = new[] { "c" + new string('9', 24) } }, message = template })).AssertValidation("audience.contacts");
        (await tenant.Post("api/campaigns", new { name = "x", audience = new { tags = new[] { "Not a tag!" } }, message = template })).AssertValidation("audience.tags");
        (await tenant.Post("api/campaigns", new { name = "", audience = ok, message = template })).AssertValidation("name");
        (await tenant.Post("api/campaigns", new { name = "x", audience = ok })).AssertValidation("message");
        (await tenant.Post("api/campaigns", new { name = "x", audience = ok, message = new { type = "template", template = new { name = "Bad Name", language = "en_US" } } })).AssertValidation("message.template.name");
        (await tenant.Post("api/campaigns", new { name = "x", audience = ok, message = new { type = "fax" } })).AssertValidation("message.type");
        (await tenant.Post("api/campaigns", new { name = "x", audience = ok, message = template, schedule = new { type = "recurring", cron = "61 * * * *", timeZone = "Europe/Berlin", maxOccurrences = 2 } })).AssertValidation("schedule.cron");
        (await tenant.Post("api/campaigns", new { name = "x", audience = ok, message = template, schedule = new { type = "recurring", cron = "0 9 * * *", timeZone = "Mars/Olympus_Mons", maxOccurrences = 2 } })).AssertValidation("schedule.timeZone");
        (await tenant.Post("api/campaigns", new { name = "x", audience = ok, message = template, schedule = new { type = "recurring", cron = "0 9 * * *", timeZone = "Europe/Berlin" } })).AssertValidation("schedule");
        (await tenant.Post("api/campaigns", new { name = "x", audience = ok, message = template, schedule = new { type = "at", at = "2020-01-01T09:00:00", timeZone = "Europe/Berlin" } })).AssertValidation("schedule.at");
        (await tenant.Post("api/campaigns", new { name = "x", audience = ok, message = template, schedule = new { type = "at", at = "tomorrow morning" } })).AssertValidation("schedule.at");
        (await tenant.Post("api/campaigns", new { name = "x", audience = ok, message = template, schedule = new { type = "weekly" } })).AssertValidation("schedule.type");
        (await tenant.Raw(HttpMethod.Post, "api/campaigns", "{\"name\": 5")).AssertUnreadable();
        (await tenant.Raw(HttpMethod.Post, "api/campaigns", "{\"name\": \"x\", \"audience\": {\"contacts\": \"c1\"}}")).AssertUnreadable();

        var list = await tenant.Get("api/campaigns");
        list.AssertStatus(HttpStatusCode.OK);
        Assert.Empty(list.Json["items"]!.AsArray());
    }

    [Fact]
    public async Task Unknown_ids_bad_filters_and_impossible_transitions_answer_4xx()
    {
        var tenant = await env.CreateTenantAsync();
        var other = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(1);
        var draft = await tenant.CampaignAsync(new { contacts = new[] { people[0].Id } }, launch: false);
        var id = draft["id"]!.GetValue<string>();
        Assert.Equal("draft", draft["status"]!.GetValue<string>());

        (await tenant.Get("api/campaigns/nope")).AssertValidation("campaignId");
        (await tenant.Get("api/campaigns/k" + new string('0', 24))).AssertProblem(HttpStatusCode.NotFound);
        (await other.Get($"api/campaigns/{id}")).AssertProblem(HttpStatusCode.NotFound);
        (await other.Post($"api/campaigns/{id}/launch", new { })).AssertProblem(HttpStatusCode.NotFound);
        (await tenant.Get($"api/campaigns/{id}/recipients?status=bogus")).AssertValidation("status");
        (await tenant.Get($"api/campaigns/{id}/recipients?pageSize=0")).AssertValidation("pageSize");
        (await tenant.Get($"api/campaigns/{id}/recipients?continuationToken=garbage")).AssertValidation("continuationToken");
        (await tenant.Get($"api/campaigns/{id}/stats?occurrence=x")).AssertValidation("occurrence");
        (await tenant.Get($"api/campaigns/{id}/occurrences?upcoming=1000")).AssertValidation("upcoming");
        (await tenant.Post($"api/campaigns/{id}/pause", new { })).AssertProblem(HttpStatusCode.Conflict);
        (await tenant.Post($"api/campaigns/{id}/resume", new { })).AssertProblem(HttpStatusCode.Conflict);
        (await tenant.Post($"api/campaigns/{id}/retarget", new { status = "delivered" })).AssertValidation("occurrence");
        (await tenant.Post($"api/campaigns/{id}/retarget", new { status = "happy" })).AssertValidation("status");
        (await tenant.Send(HttpMethod.Delete, "api/schedules/nope", null)).AssertValidation("scheduleId");
        (await tenant.Send(HttpMethod.Delete, $"api/schedules/{new string('1', 19)}_{id}", null)).AssertProblem(HttpStatusCode.NotFound);
        (await tenant.Post("api/campaigns/preview", new { audience = new { } })).AssertValidation("audience");

        // A campaign that cannot run says why: this tenant has no Meta credentials.
        var bare = await env.CreateBareTenantAsync();
        var contact = await bare.ContactsAsync(1);
        // (A text message: a template cannot even be checked without credentials.)
        var stuck = await bare.CampaignAsync(new { contacts = new[] { contact[0].Id } }, new { type = "text", text = new { body = "Hello" } }, launch: false);
        var refused = await bare.Post($"api/campaigns/{stuck["id"]}/launch", new { });
        Assert.Contains("credentials", refused.AssertProblem(HttpStatusCode.Conflict)["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var after = (await bare.Get($"api/campaigns/{stuck["id"]}")).Json;
        Assert.Equal("draft", after["status"]!.GetValue<string>());
        Assert.Contains("credentials", after["statusReason"]!.GetValue<string>(), StringComparison.Ordinal);

        // Launching twice: the second is refused.
        (await tenant.Post($"api/campaigns/{id}/launch", new { })).AssertStatus(HttpStatusCode.OK);
        (await tenant.Post($"api/campaigns/{id}/launch", new { })).AssertProblem(HttpStatusCode.Conflict);
        await tenant.WaitForCampaignAsync(id, "completed");
        (await tenant.Post($"api/campaigns/{id}/cancel", new { })).AssertProblem(HttpStatusCode.Conflict);
    }
}

using System.Net;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Campaigns;
using OneClick.Tests.Conversations;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Identity;

/// <summary>
/// People known by business-scoped user id (BSUID) as well as, or instead of, a phone number: inbound messages without
/// "from", linking when both arrive, lookups, sends with Meta's "recipient", 131062, and consent by whichever id arrives.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class BusinessScopedUserIdTests(OneClickEnvironment env)
{
    private const string WeeklyOffer = """
        {"name":"weekly_offer","language":"en_US","category":"MARKETING","components":[{"type":"BODY","text":"This week: 20% off everything."}]}
        """;

    [Fact]
    public async Task A_username_user_without_a_phone_is_a_contact_by_bsuid_gets_replies_by_recipient_and_is_linked_when_the_phone_arrives()
    {
        var tenant = await env.CreateTenantAsync();
        var userId = IdentityKit.NewUserId();
        var parentId = IdentityKit.NewParentUserId();

        await IdentityKit.InboundAsync(env, tenant, "text", new { body = "Hi, I am @ana" }, fromUserId: userId, fromParentUserId: parentId, username: "ana.shop", name: "Ana");
        var contact = await IdentityKit.WaitForContactAsync(tenant, "userId=" + userId);
        var id = contact["id"]!.GetValue<string>();
        Assert.Equal("", contact["phoneNumber"]!.GetValue<string>());
        Assert.Equal(parentId, contact["parentUserId"]!.GetValue<string>());
        Assert.Equal("ana.shop", contact["username"]!.GetValue<string>());
        Assert.Equal("Ana", contact["name"]!.GetValue<string>());
        // The message is stored and opened the 24-hour window.
        var customer = new Customer(tenant, "+10000000000");
        var conversation = await customer.WaitForConversationAsync(items => items.Count == 1, id);
        Assert.Equal("in", conversation[0]!["direction"]!.GetValue<string>());
        Assert.Equal("Hi, I am @ana", conversation[0]!["text"]!.GetValue<string>());
        Assert.Equal(userId, conversation[0]!["payload"]!["from_user_id"]!.GetValue<string>());
        Assert.True((await tenant.GetJsonAsync($"api/contacts/{id}"))["serviceWindow"]!["open"]!.GetValue<bool>());
        Assert.Equal(id, (await IdentityKit.WaitForContactAsync(tenant, "parentUserId=" + parentId))["id"]!.GetValue<string>());

        // A free-form reply goes to the BSUID through Meta's "recipient" (there is no phone to put in "to").
        var reply = await tenant.SendMessageAsync(new { contactId = id, type = "text", text = new { body = "Hello Ana" } });
        await tenant.WaitForStatusAsync(reply, "read");
        var sent = Assert.Single(await env.SandboxMessagesAsync(tenant));
        var body = sent!["body"]!.AsObject();
        Assert.Equal(userId, body["recipient"]!.GetValue<string>());
        Assert.Null(body["to"]);

        // A later message carrying both identities links the phone to the same contact: no second contact.
        await IdentityKit.InboundAsync(env, tenant, "text", new { body = "my number, for the record" }, from: "14155550901", fromUserId: userId, name: "Ana");
        var linked = await IdentityKit.WaitForContactAsync(tenant, "phoneNumber=%2B14155550901");
        Assert.Equal(id, linked["id"]!.GetValue<string>());
        Assert.Equal(userId, linked["userId"]!.GetValue<string>());
        Assert.Single((await tenant.Get("api/contacts")).Json["items"]!.AsArray());
        await customer.WaitForConversationAsync(items => items.Count(i => i!["direction"]!.GetValue<string>() == "in") == 2, id);
    }

    [Fact]
    public async Task A_contact_created_with_a_phone_and_a_bsuid_is_found_by_either_and_a_bsuid_only_message_lands_on_it()
    {
        var tenant = await env.CreateTenantAsync();
        var userId = IdentityKit.NewUserId();
        var created = await tenant.Post("api/contacts", new { phoneNumber = "+14155550911", userId, name = "Both" });
        created.AssertStatus(HttpStatusCode.Created);
        var id = created.Json["id"]!.GetValue<string>();
        Assert.Equal(userId, created.Json["userId"]!.GetValue<string>());

        // The same person again, by BSUID only: merged, not duplicated.
        var again = await tenant.Post("api/contacts", new { userId, attributes = new Dictionary<string, string> { ["city"] = "Lisbon" } });
        again.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(id, again.Json["id"]!.GetValue<string>());
        Assert.Equal("Lisbon", again.Json["attributes"]!["city"]!.GetValue<string>());

        await IdentityKit.InboundAsync(env, tenant, "text", new { body = "hello" }, fromUserId: userId);
        await new Customer(tenant, "+14155550911").WaitForConversationAsync(items => items.Count == 1, id);
        Assert.Single((await tenant.Get("api/contacts")).Json["items"]!.AsArray());
        // A phone send still goes to "to": Meta recommends the phone number when it is known.
        var message = await tenant.SendMessageAsync(new { recipient = userId, type = "text", text = new { body = "Thanks" } });
        await tenant.WaitForStatusAsync(message, "read");
        Assert.Equal("+14155550911", Assert.Single(await env.SandboxMessagesAsync(tenant))!["body"]!["to"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_message_meta_refuses_for_a_bsuid_with_131062_fails_that_recipient_clearly()
    {
        var tenant = await env.CreateTenantAsync();
        var userId = IdentityKit.NewUserId();
        await env.SetBehaviourAsync(tenant, new { recipientErrors = new Dictionary<string, int> { [userId] = 131062 }, webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });

        var id = await tenant.SendMessageAsync(new { recipient = userId, type = "template", template = new { name = "hello_world", language = "en_US" } });
        var failed = await tenant.WaitForStatusAsync(id, "failed");
        Assert.Equal(131062, failed["error"]!["code"]!.GetValue<int>());
        Assert.Contains("not supported", failed["error"]!["title"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(userId, failed["to"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_campaign_preview_counts_up_front_the_bsuid_only_recipients_a_phone_only_template_cannot_reach()
    {
        var tenant = await env.CreateTenantAsync();
        Content.ContentKit.SaveAtMeta(env, tenant, WeeklyOffer);
        Content.ContentKit.SaveAtMeta(env, tenant, """
            {"name":"login_code","language":"en_US","category":"AUTHENTICATION","components":[{"type":"BODY","text":"Your sign-in code is ready."}]}
            """);
        await Content.ContentKit.SyncAsync(tenant);
        var ids = new List<string>();
        foreach (var person in new object[] { new { phoneNumber = "+14155550931" }, new { userId = IdentityKit.NewUserId() }, new { phoneNumber = "+14155550932", userId = IdentityKit.NewUserId() } })
        {
            var created = await tenant.Post("api/contacts", person);
            created.AssertStatus(HttpStatusCode.Created);
            ids.Add(created.Json["id"]!.GetValue<string>());
        }
        var audience = new { contacts = ids };
        var authentication = new { type = "template", template = new { name = "login_code", language = "en_US" } };

        // Authentication templates need a phone number (Meta answers 131062 for a BSUID): the BSUID-only contact is counted.
        var preview = await tenant.Post("api/campaigns/preview", new { audience, message = authentication });
        preview.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(3, preview.Json.L("recipients"));
        Assert.Equal(1, preview.Json.L("noPhoneNumber"));

        // A marketing template can go to a BSUID: nobody is counted.
        var marketing = await tenant.Post("api/campaigns/preview", new { audience, message = new { type = "template", template = new { name = "weekly_offer", language = "en_US" } } });
        marketing.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(0, marketing.Json.L("noPhoneNumber"));

        // The saved campaign's preview says the same.
        var saved = await tenant.Post("api/campaigns", new { name = "codes", audience, message = authentication, launch = false });
        saved.AssertStatus(HttpStatusCode.Created);
        var savedPreview = (await tenant.Get($"api/campaigns/{saved.Json["id"]!.GetValue<string>()}/preview")).Json;
        Assert.Equal(1, savedPreview.L("noPhoneNumber"));
    }

    [Fact]
    public async Task A_stop_from_a_bsuid_only_user_opts_them_out()
    {
        var tenant = await env.CreateTenantAsync();
        var userId = IdentityKit.NewUserId();
        await IdentityKit.InboundAsync(env, tenant, "text", new { body = "STOP" }, fromUserId: userId, username: "no.more");
        var contact = await IdentityKit.WaitForContactAsync(tenant, "userId=" + userId, c => c["optInState"]!.GetValue<string>() == "opted_out");
        Assert.Equal("stop_keyword", contact["optOutSource"]!.GetValue<string>());
    }

    [Fact]
    public async Task Opt_outs_for_people_who_are_not_contacts_are_kept_and_honoured_by_sends_contacts_and_inbound()
    {
        var tenant = await env.CreateTenantAsync();
        Content.ContentKit.SaveAtMeta(env, tenant, WeeklyOffer);
        var userId = IdentityKit.NewUserId();
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await IdentityKit.AccountEventAsync(env, tenant, "user_preferences", new
        {
            user_preferences = new object[]
            {
                new { wa_id = "14155550921", detail = "User requested", category = "marketing_messages", value = "stop", timestamp = now },
                new { user_id = userId, detail = "User requested", category = "marketing_messages", value = "stop", timestamp = now },
            },
        });
        await Eventually.Async(async () => (await env.EntitiesAsync("contacts", tenant.Id)).Count(e => e.RowKey.StartsWith("suppress|", StringComparison.Ordinal)) == 2,
            () => "The two suppressions were never written.");
        Assert.Empty((await tenant.Get("api/contacts")).Json["items"]!.AsArray());

        // A single marketing send to the suppressed number is skipped; a utility one still goes.
        var marketing = await tenant.SendMessageAsync(new { to = "+14155550921", type = "template", template = new { name = "weekly_offer", language = "en_US" } });
        Assert.Equal("opted_out", (await tenant.WaitForStatusAsync(marketing, "skipped"))["skipReason"]!.GetValue<string>());
        await tenant.WaitForStatusAsync(await tenant.SendMessageAsync(new { to = "+14155550921", type = "template", template = new { name = "hello_world", language = "en_US" } }), "read");

        // Added by the API later, the BSUID's contact starts opted out with Meta's source.
        var added = await tenant.Post("api/contacts", new { userId, name = "Later" });
        added.AssertStatus(HttpStatusCode.Created);
        Assert.Equal("opted_out", added.Json["optInState"]!.GetValue<string>());
        Assert.Equal("meta_user_preferences", added.Json["optOutSource"]!.GetValue<string>());

        // A resume lifts it.
        await IdentityKit.AccountEventAsync(env, tenant, "user_preferences", new
        {
            user_preferences = new object[] { new { user_id = userId, detail = "User requested", category = "marketing_messages", value = "resume", timestamp = now + 1 } },
        });
        await IdentityKit.WaitForContactAsync(tenant, "userId=" + userId, c => c["optInState"]!.GetValue<string>() == "opted_in");
    }

    [Fact]
    public async Task Malformed_bsuids_and_a_phone_number_as_recipient_are_400_problem_details()
    {
        var tenant = await env.CreateBareTenantAsync();
        (await tenant.Post("api/messages", new { recipient = "+14155550931", type = "text", text = new { body = "x" } })).AssertValidation("recipient");
        (await tenant.Post("api/messages", new { recipient = "14155550931", type = "text", text = new { body = "x" } })).AssertValidation("recipient");
        (await tenant.Post("api/messages", new { recipient = "us.123", type = "text", text = new { body = "x" } })).AssertValidation("recipient");
        (await tenant.Post("api/messages", new { recipient = "US.123", to = "+14155550931", type = "text", text = new { body = "x" } })).AssertValidation("to");
        (await tenant.Post("api/contacts", new { userId = "US-123" })).AssertValidation("userId");
        (await tenant.Post("api/contacts", new { userId = "US.ENT.123" })).AssertValidation("userId");
        (await tenant.Post("api/contacts", new { parentUserId = "US.123" })).AssertValidation("parentUserId");
        (await tenant.Get("api/contacts?userId=US/1")).AssertValidation("userId");
        (await tenant.Get("api/contacts?phoneNumber=abc")).AssertValidation("phoneNumber");
        await tenant.AssertNothingWrittenAsync();
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Audience;

/// <summary>Contacts through the API: read, update, erase, paging and every filter, bad input, tenant isolation.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class ContactApiTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_patch_changes_name_attributes_and_tags_and_keeps_the_tag_index_rows_in_step()
    {
        var tenant = await env.CreateBareTenantAsync();
        var id = await CreateAsync(tenant, "+14155550201", "Ada", tags: ["vip", "beta"], attributes: new() { ["city"] = "Paris", ["plan"] = "gold" });

        var patched = await tenant.Send(HttpMethod.Patch, $"api/contacts/{id}", JsonContent.Create(new
        {
            name = "Ada L.",
            attributes = new Dictionary<string, string?> { ["city"] = "London", ["plan"] = null, ["team"] = "R&D" },
            addTags = new[] { "VIP", "Gold" },
            removeTags = new[] { "beta" },
        }));

        patched.AssertStatus(HttpStatusCode.OK);
        var contact = (await tenant.Get($"api/contacts/{id}")).Json;
        Assert.Equal("Ada L.", contact["name"]!.GetValue<string>());
        Assert.Equal("""{"city":"London","team":"R\u0026D"}""", contact["attributes"]!.ToJsonString());
        Assert.Equal(["gold", "vip"], Strings(contact["tags"]));
        Assert.Equal(["gold", "vip"], await TagRowsAsync(tenant, id));

        var replaced = await tenant.Send(HttpMethod.Patch, $"api/contacts/{id}", JsonContent.Create(new { tags = new[] { "new" }, name = "" }));
        replaced.AssertStatus(HttpStatusCode.OK);
        Assert.Null(replaced.Json["name"]);
        Assert.Equal(["new"], await TagRowsAsync(tenant, id));
    }

    [Fact]
    public async Task Contacts_page_with_continuation_tokens_and_filter_by_tag_list_opt_in_and_text()
    {
        var tenant = await env.CreateBareTenantAsync();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
            ids.Add(await CreateAsync(tenant, $"+1415555{i:D4}", i % 2 == 0 ? $"Even Person {i}" : $"Odd Person {i}", tags: i % 2 == 0 ? ["even"] : ["odd"]));
        (await tenant.Post($"api/contacts/{ids[3]}/opt-out", new { source = "web_form" })).AssertStatus(HttpStatusCode.OK);
        (await tenant.Post($"api/contacts/{ids[4]}/opt-in", new { })).AssertStatus(HttpStatusCode.OK);
        var list = (await tenant.Post("api/lists", new { name = "Some" })).Json["id"]!.GetValue<string>();
        (await tenant.Post($"api/lists/{list}/members", new { contactIds = new[] { ids[0], ids[1], ids[2] } })).AssertStatus(HttpStatusCode.OK);

        Assert.Equal(ids, await AllPagesAsync(tenant, "api/contacts?pageSize=3"));
        Assert.Equal([ids[0], ids[2], ids[4], ids[6]], await AllPagesAsync(tenant, "api/contacts?pageSize=2&tag=even"));
        Assert.Equal([ids[0], ids[1], ids[2]], await AllPagesAsync(tenant, $"api/contacts?pageSize=2&list={list}"));
        Assert.Equal([ids[0], ids[2]], await AllPagesAsync(tenant, $"api/contacts?pageSize=1&list={list}&tag=even"));
        Assert.Equal([ids[3]], await AllPagesAsync(tenant, "api/contacts?pageSize=1&optIn=opted_out"));
        Assert.Equal([ids[4]], await AllPagesAsync(tenant, "api/contacts?optIn=opted_in"));
        Assert.Equal(ids.Where((_, i) => i is not (3 or 4)), await AllPagesAsync(tenant, "api/contacts?pageSize=2&optIn=unknown"));
        Assert.Equal([ids[1], ids[3], ids[5]], await AllPagesAsync(tenant, "api/contacts?pageSize=2&search=odd%20PERSON"));
        Assert.Equal([ids[5]], await AllPagesAsync(tenant, "api/contacts?search=555-0005"));
        Assert.Equal([ids[3]], await AllPagesAsync(tenant, "api/contacts?search=odd&optIn=opted_out&tag=odd"));

        var optedOut = (await tenant.Get($"api/contacts/{ids[3]}")).Json;
        Assert.Equal("opted_out", optedOut["optInState"]!.GetValue<string>());
        Assert.Equal("web_form", optedOut["optOutSource"]!.GetValue<string>());
        Assert.NotNull(optedOut["optOutAt"]);
        var optedIn = (await tenant.Get($"api/contacts/{ids[4]}")).Json;
        Assert.Equal("api", optedIn["optInSource"]!.GetValue<string>());
    }

    [Fact]
    public async Task Erasing_a_contact_removes_its_rows_memberships_and_personal_data_and_keeps_list_counts_right()
    {
        var tenant = await env.CreateTenantAsync();
        var id = await CreateAsync(tenant, "+14155550290", "Erase Me", tags: ["a", "b"], attributes: new() { ["city"] = "Oslo" });
        var keep = await CreateAsync(tenant, "+14155550291", "Keep Me", tags: ["a"]);
        var list = (await tenant.Post("api/lists", new { name = "L" })).Json["id"]!.GetValue<string>();
        (await tenant.Post($"api/lists/{list}/members", new { contactIds = new[] { id, keep } })).AssertStatus(HttpStatusCode.OK);
        var messageId = await tenant.SendMessageAsync(new { contactId = id, type = "text", text = new { body = "Hello Erase Me" } });
        await tenant.WaitForStatusAsync(messageId, "read");

        (await tenant.Send(HttpMethod.Delete, $"api/contacts/{id}", null)).AssertStatus(HttpStatusCode.NoContent);

        (await tenant.Get($"api/contacts/{id}")).AssertProblem(HttpStatusCode.NotFound);
        (await tenant.Send(HttpMethod.Delete, $"api/contacts/{id}", null)).AssertProblem(HttpStatusCode.NotFound);
        var rows = await env.EntitiesAsync(TableNames.Contacts, tenant.Id);
        Assert.DoesNotContain(rows, r => r.RowKey.Contains(id, StringComparison.Ordinal) || r.RowKey.Contains("+14155550290", StringComparison.Ordinal));
        var listRows = await env.EntitiesAsync(TableNames.Lists, tenant.Id);
        Assert.DoesNotContain(listRows, r => r.RowKey.Contains(id, StringComparison.Ordinal));
        Assert.Equal(1, (await tenant.Get($"api/lists/{list}")).Json["memberCount"]!.GetValue<long>());
        Assert.Equal([keep], await AllPagesAsync(tenant, "api/contacts?tag=a"));

        var message = (await tenant.Get($"api/messages/{messageId}")).Json;
        Assert.Equal("erased", message["to"]!.GetValue<string>());
        Assert.DoesNotContain("Erase Me", message.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("4155550290", message["payload"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("read", message["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_message_queued_for_a_contact_erased_before_it_is_sent_is_skipped()
    {
        var tenant = await env.CreateTenantAsync();
        var id = await CreateAsync(tenant, "+14155550292", "Gone");
        var messageId = await tenant.SendMessageAsync(new { contactId = id, type = "text", text = new { body = "Later" }, scheduleFor = DateTimeOffset.UtcNow.AddSeconds(2).ToString("O") });
        (await tenant.Send(HttpMethod.Delete, $"api/contacts/{id}", null)).AssertStatus(HttpStatusCode.NoContent);

        // Due now: do what the timer does rather than wait for the next whole minute.
        await Task.Delay(2500); // until the message is due
        await env.RunDueSchedulesAsync();
        var message = await tenant.WaitForStatusAsync(messageId, "skipped");

        Assert.Equal("contact_erased", message["skipReason"]!.GetValue<string>());
        Assert.Empty(await env.SandboxMessagesAsync(tenant));
    }

    [Fact]
    public async Task Another_tenant_never_sees_or_changes_a_contact()
    {
        var owner = await env.CreateBareTenantAsync();
        var other = await env.CreateBareTenantAsync();
        var id = await CreateAsync(owner, "+14155550293", "Mine", tags: ["x"]);

        (await other.Get($"api/contacts/{id}")).AssertProblem(HttpStatusCode.NotFound);
        (await other.Send(HttpMethod.Patch, $"api/contacts/{id}", JsonContent.Create(new { name = "Theirs" }))).AssertProblem(HttpStatusCode.NotFound);
        (await other.Send(HttpMethod.Delete, $"api/contacts/{id}", null)).AssertProblem(HttpStatusCode.NotFound);
        (await other.Post($"api/contacts/{id}/opt-out", new { })).AssertProblem(HttpStatusCode.NotFound);
        Assert.Empty(await AllPagesAsync(other, "api/contacts?tag=x"));
        Assert.Empty(await AllPagesAsync(other, "api/contacts?search=Mine"));
        Assert.Empty(await AllPagesAsync(other, "api/contacts"));
        var mine = (await owner.Get($"api/contacts/{id}")).Json;
        Assert.Equal("Mine", mine["name"]!.GetValue<string>());
        Assert.Equal("unknown", mine["optInState"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_input_to_every_contact_endpoint_is_a_400_problem_and_changes_nothing()
    {
        var tenant = await env.CreateBareTenantAsync();
        var id = await CreateAsync(tenant, "+14155550294", "Ada", tags: ["t"]);
        var before = (await tenant.Get($"api/contacts/{id}")).Body;

        (await tenant.Post("api/contacts", new { phoneNumber = "+14155550295", tags = new[] { "not valid!" } })).AssertValidation("tags");
        (await tenant.Get("api/contacts?tag=Not%20A%20Tag")).AssertValidation("tag");
        (await tenant.Get("api/contacts?list=nope")).AssertValidation("list");
        (await tenant.Get("api/contacts?optIn=maybe")).AssertValidation("optIn");
        (await tenant.Get("api/contacts?search=")).AssertValidation("search");
        (await tenant.Get("api/contacts?search=" + new string('a', 101))).AssertValidation("search");
        (await tenant.Get("api/contacts?pageSize=0")).AssertValidation("pageSize");
        (await tenant.Get("api/contacts?continuationToken=forged")).AssertValidation("continuationToken");
        (await tenant.Get("api/contacts?search=ada&continuationToken=" + OneClick.Functions.Problems.ListParameters.Wrap("1!1!forged"))).AssertValidation("continuationToken");
        (await tenant.Get("api/contacts/not-an-id")).AssertValidation("contactId");
        (await tenant.Send(HttpMethod.Patch, "api/contacts/not-an-id", JsonContent.Create(new { name = "x" }))).AssertValidation("contactId");
        (await tenant.Send(HttpMethod.Patch, $"api/contacts/{id}", JsonContent.Create(new { }))).AssertValidation("body");
        (await tenant.Send(HttpMethod.Patch, $"api/contacts/{id}", JsonContent.Create(new { name = new string('n', 257) }))).AssertValidation("name");
        (await tenant.Send(HttpMethod.Patch, $"api/contacts/{id}", JsonContent.Create(new { addTags = new[] { "-bad" } }))).AssertValidation("addTags");
        (await tenant.Send(HttpMethod.Patch, $"api/contacts/{id}", JsonContent.Create(new { attributes = new Dictionary<string, string> { [""] = "x" } }))).AssertValidation("attributes");
        (await tenant.Send(HttpMethod.Patch, $"api/contacts/{id}", JsonContent.Create(new { addTags = Enumerable.Range(0, 50).Select(i => $"t{i}") }))).AssertValidation("tags");
        (await tenant.Raw(HttpMethod.Patch, $"api/contacts/{id}", "{\"name\": 5}")).AssertUnreadable();
        (await tenant.Raw(HttpMethod.Patch, $"api/contacts/{id}", "{not json")).AssertUnreadable();
        (await tenant.Send(HttpMethod.Delete, "api/contacts/x!", null)).AssertValidation("contactId");
        (await tenant.Post($"api/contacts/{id}/opt-out", new { source = "Not OK!" })).AssertValidation("source");
        (await tenant.Post("api/contacts/bad/opt-in", new { })).AssertValidation("contactId");

        Assert.Equal(before, (await tenant.Get($"api/contacts/{id}")).Body);
        Assert.Equal(["t"], await TagRowsAsync(tenant, id));
    }

    [Fact]
    public async Task Concurrent_tag_changes_all_land_and_the_tag_rows_match_the_contact()
    {
        var tenant = await env.CreateBareTenantAsync();
        var id = await CreateAsync(tenant, "+14155550296", "Busy");

        var replies = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            tenant.Send(HttpMethod.Patch, $"api/contacts/{id}", JsonContent.Create(new { addTags = new[] { $"tag{i}" } }))));

        Assert.All(replies, r => r.AssertStatus(HttpStatusCode.OK));
        var tags = Strings((await tenant.Get($"api/contacts/{id}")).Json["tags"]);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"tag{i}"), tags);
        Assert.Equal(tags, await TagRowsAsync(tenant, id));
    }

    internal static async Task<string> CreateAsync(TestTenant tenant, string number, string? name = null, string[]? tags = null, Dictionary<string, string>? attributes = null)
    {
        var created = await tenant.Post("api/contacts", new { phoneNumber = number, name, tags, attributes });
        Assert.True(created.Status is HttpStatusCode.Created or HttpStatusCode.OK, created.ToString());
        return created.Json["id"]!.GetValue<string>();
    }

    internal static async Task<List<string>> AllPagesAsync(TestTenant tenant, string path)
    {
        var ids = new List<string>();
        string? token = null;
        for (var pages = 0; pages < 100; pages++)
        {
            var separator = path.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            var page = await tenant.Get(path + (token is null ? "" : separator + "continuationToken=" + Uri.EscapeDataString(token)));
            page.AssertStatus(HttpStatusCode.OK);
            ids.AddRange(page.Json["items"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()));
            token = page.Json["continuationToken"]?.GetValue<string>();
            if (token is null)
                return ids;
        }
        Assert.Fail("More than 100 pages.");
        return ids;
    }

    internal static List<string> Strings(JsonNode? array) => array?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];

    private async Task<List<string>> TagRowsAsync(TestTenant tenant, string contactId) =>
        (await env.EntitiesAsync(TableNames.Contacts, tenant.Id))
            .Where(e => e.RowKey.StartsWith("tag|", StringComparison.Ordinal) && e.GetString("ContactId") == contactId)
            .Select(e => e.RowKey.Split('|')[1]).Order(StringComparer.Ordinal).ToList();
}

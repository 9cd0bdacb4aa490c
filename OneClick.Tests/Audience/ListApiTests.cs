using System.Net;
using System.Net.Http.Json;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Audience;

/// <summary>Lists through the API: create, rename, page, delete; bulk membership by ids, numbers and tag, with exact counts.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class ListApiTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Lists_are_created_renamed_paged_and_deleted_with_their_memberships()
    {
        var tenant = await env.CreateBareTenantAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add((await tenant.Post("api/lists", new { name = $"List {i}" })).Json["id"]!.GetValue<string>());
        var contact = await ContactApiTests.CreateAsync(tenant, "+14155550301");
        (await tenant.Post($"api/lists/{ids[1]}/members", new { contactIds = new[] { contact } })).AssertStatus(HttpStatusCode.OK);

        var renamed = await tenant.Send(HttpMethod.Patch, $"api/lists/{ids[1]}", JsonContent.Create(new { name = "  VIPs  " }));
        renamed.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("VIPs", renamed.Json["name"]!.GetValue<string>());

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await tenant.Get("api/lists?pageSize=2" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)));
            page.AssertStatus(HttpStatusCode.OK);
            Assert.True(page.Json["items"]!.AsArray().Count <= 2);
            seen.AddRange(page.Json["items"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));
            token = page.Json["continuationToken"]?.GetValue<string>();
        }
        while (token is not null);
        Assert.Equal(ids, seen);

        (await tenant.Send(HttpMethod.Delete, $"api/lists/{ids[1]}", null)).AssertStatus(HttpStatusCode.NoContent);
        (await tenant.Get($"api/lists/{ids[1]}")).AssertProblem(HttpStatusCode.NotFound);
        (await tenant.Get($"api/lists/{ids[1]}/members")).AssertProblem(HttpStatusCode.NotFound);
        Assert.DoesNotContain(await env.EntitiesAsync(TableNames.Lists, tenant.Id), r => r.RowKey.Contains(ids[1], StringComparison.Ordinal));
        Assert.Equal(200, (int)(await tenant.Get($"api/contacts/{contact}")).Status);
    }

    [Fact]
    public async Task Members_are_added_and_removed_by_ids_numbers_and_tag_and_counts_only_count_real_changes()
    {
        var tenant = await env.CreateBareTenantAsync();
        var list = (await tenant.Post("api/lists", new { name = "Bulk" })).Json["id"]!.GetValue<string>();
        var a = await ContactApiTests.CreateAsync(tenant, "+14155550311", tags: ["vip"]);
        var b = await ContactApiTests.CreateAsync(tenant, "+14155550312", tags: ["vip"]);
        var c = await ContactApiTests.CreateAsync(tenant, "+14155550313");

        var byIds = await tenant.Post($"api/lists/{list}/members", new { contactIds = new[] { a, a, c, "c000000000000000000000000" } });
        byIds.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(2, byIds.Json["changed"]!.GetValue<int>());
        Assert.Equal(["c000000000000000000000000"], ContactApiTests.Strings(byIds.Json["notFound"]));

        var byTag = await tenant.Post($"api/lists/{list}/members", new { tag = "vip" });
        Assert.Equal(1, byTag.Json["changed"]!.GetValue<int>());
        Assert.Equal(1, byTag.Json["unchanged"]!.GetValue<int>());

        var byNumbers = await tenant.Post($"api/lists/{list}/members", new { phoneNumbers = new[] { "(415) 555-0313", "+14155550314" } });
        Assert.Equal(1, byNumbers.Json["changed"]!.GetValue<int>());
        Assert.Equal(1, byNumbers.Json["contactsCreated"]!.GetValue<int>());
        Assert.Equal(4, byNumbers.Json["memberCount"]!.GetValue<long>());

        var again = await tenant.Post($"api/lists/{list}/members", new { contactIds = new[] { a, b, c } });
        Assert.Equal(0, again.Json["changed"]!.GetValue<int>());
        Assert.Equal(4, (await tenant.Get($"api/lists/{list}")).Json["memberCount"]!.GetValue<long>());

        var removed = await tenant.Post($"api/lists/{list}/members/remove", new { tag = "vip", phoneNumbers = new[] { "+14155550399" } });
        removed.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(2, removed.Json["changed"]!.GetValue<int>());
        Assert.Equal(["+14155550399"], ContactApiTests.Strings(removed.Json["notFound"]));
        var removedAgain = await tenant.Post($"api/lists/{list}/members/remove", new { contactIds = new[] { a } });
        Assert.Equal(0, removedAgain.Json["changed"]!.GetValue<int>());

        Assert.Equal(2, (await tenant.Get($"api/lists/{list}")).Json["memberCount"]!.GetValue<long>());
        var members = (await tenant.Get($"api/lists/{list}/members")).Json["items"]!.AsArray().Select(m => m!["contactId"]!.GetValue<string>()).ToList();
        Assert.Equal(2, members.Count);
        Assert.Contains(c, members);
        Assert.DoesNotContain(a, members);
    }

    [Fact]
    public async Task Concurrent_overlapping_adds_and_removes_keep_the_member_count_equal_to_the_member_rows()
    {
        var tenant = await env.CreateBareTenantAsync();
        var list = (await tenant.Post("api/lists", new { name = "Race" })).Json["id"]!.GetValue<string>();
        var contacts = new List<string>();
        for (var i = 0; i < 30; i++)
            contacts.Add(await ContactApiTests.CreateAsync(tenant, $"+1415555{1000 + i}"));

        // Six requests add overlapping thirds of the contacts at once, two remove some at the same time.
        var adds = Enumerable.Range(0, 6).Select(i => tenant.Post($"api/lists/{list}/members", new { contactIds = contacts.Skip(i * 4).Take(12) }));
        var removes = Enumerable.Range(0, 2).Select(i => tenant.Post($"api/lists/{list}/members/remove", new { contactIds = contacts.Skip(i * 10).Take(5) }));
        var replies = await Task.WhenAll(adds.Concat(removes));
        Assert.All(replies, r => r.AssertStatus(HttpStatusCode.OK));

        var memberRows = (await env.EntitiesAsync(TableNames.Lists, tenant.Id)).Count(r => r.RowKey.StartsWith($"member|{list}|", StringComparison.Ordinal));
        var count = (await tenant.Get($"api/lists/{list}")).Json["memberCount"]!.GetValue<long>();
        Assert.Equal(memberRows, count);
        var added = replies.Take(6).Sum(r => r.Json["changed"]!.GetValue<int>());
        var removed = replies.Skip(6).Sum(r => r.Json["changed"]!.GetValue<int>());
        Assert.Equal(added - removed, count);
    }

    [Fact]
    public async Task Bad_input_to_every_list_endpoint_is_a_400_problem_and_another_tenant_gets_404()
    {
        var tenant = await env.CreateBareTenantAsync();
        var other = await env.CreateBareTenantAsync();
        var list = (await tenant.Post("api/lists", new { name = "Mine" })).Json["id"]!.GetValue<string>();
        var contact = await ContactApiTests.CreateAsync(tenant, "+14155550321");

        (await tenant.Post("api/lists", new { name = "" })).AssertValidation("name");
        (await tenant.Post("api/lists", new { name = new string('x', 201) })).AssertValidation("name");
        (await tenant.Raw(HttpMethod.Post, "api/lists", "[1,2]")).AssertUnreadable();
        (await tenant.Get("api/lists?pageSize=501")).AssertValidation("pageSize");
        (await tenant.Get("api/lists?continuationToken=nope")).AssertValidation("continuationToken");
        (await tenant.Get("api/lists/bad")).AssertValidation("listId");
        (await tenant.Send(HttpMethod.Patch, $"api/lists/{list}", JsonContent.Create(new { name = " " }))).AssertValidation("name");
        (await tenant.Send(HttpMethod.Delete, "api/lists/bad!", null)).AssertValidation("listId");
        (await tenant.Get($"api/lists/{list}/members?pageSize=0")).AssertValidation("pageSize");
        (await tenant.Post($"api/lists/{list}/members", new { })).AssertValidation("body");
        (await tenant.Post($"api/lists/{list}/members", new { contactIds = new[] { "nope" } })).AssertValidation("contactIds");
        (await tenant.Post($"api/lists/{list}/members", new { phoneNumbers = new[] { "+14155550322", "12" } })).AssertValidation("phoneNumbers[1]");
        (await tenant.Post($"api/lists/{list}/members", new { tag = "Bad Tag" })).AssertValidation("tag");
        (await tenant.Post($"api/lists/{list}/members", new { contactIds = Enumerable.Range(0, 1001).Select(i => $"c{i}") })).AssertValidation("contactIds");
        (await tenant.Post($"api/lists/{list}/members/remove", new { contactIds = "x" })).AssertUnreadable();
        (await tenant.Post("api/lists/l000000000000000000000000/members", new { contactIds = new[] { contact } })).AssertProblem(HttpStatusCode.NotFound);

        (await other.Get($"api/lists/{list}")).AssertProblem(HttpStatusCode.NotFound);
        (await other.Send(HttpMethod.Patch, $"api/lists/{list}", JsonContent.Create(new { name = "Theirs" }))).AssertProblem(HttpStatusCode.NotFound);
        (await other.Post($"api/lists/{list}/members", new { contactIds = new[] { contact } })).AssertProblem(HttpStatusCode.NotFound);
        (await other.Send(HttpMethod.Delete, $"api/lists/{list}", null)).AssertProblem(HttpStatusCode.NotFound);
        Assert.Empty((await other.Get("api/lists")).Json["items"]!.AsArray());

        var mine = (await tenant.Get($"api/lists/{list}")).Json;
        Assert.Equal("Mine", mine["name"]!.GetValue<string>());
        Assert.Equal(0, mine["memberCount"]!.GetValue<long>());
        Assert.DoesNotContain(await env.EntitiesAsync(TableNames.Contacts, tenant.Id), r => r.RowKey.Contains("+14155550322", StringComparison.Ordinal));
    }
}

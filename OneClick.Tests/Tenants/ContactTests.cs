using System.Net;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Tenants;

/// <summary>Contacts (minimal): create with E.164 validation, one contact per number, read within the tenant.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class ContactTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Creating_a_contact_with_an_e164_number_is_201_and_it_reads_back()
    {
        var tenant = await env.CreateBareTenantAsync();

        var created = await tenant.Post("api/contacts", new { phoneNumber = "+14155550123", name = "Ada", attributes = new { plan = "gold" } });

        created.AssertStatus(HttpStatusCode.Created);
        var id = created.Json["id"]!.GetValue<string>();
        Assert.Matches("^c[a-z0-9]+$", id);
        Assert.Equal($"/api/contacts/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("+14155550123", created.Json["phoneNumber"]!.GetValue<string>());

        var read = await tenant.Get($"api/contacts/{id}");
        read.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(id, read.Json["id"]!.GetValue<string>());
        Assert.Equal("+14155550123", read.Json["phoneNumber"]!.GetValue<string>());
        Assert.Equal("Ada", read.Json["name"]!.GetValue<string>());
        Assert.Equal("gold", read.Json["attributes"]!["plan"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("US", "(415) 555-0123", "+14155550123")]
    [InlineData("US", "415.555.0123", "+14155550123")]
    [InlineData("US", "+1 415 555 0123", "+14155550123")]
    [InlineData("GB", "07400 123456", "+447400123456")]
    [InlineData("IN", "098765 43210", "+919876543210")]
    [InlineData("BR", "(11) 91234-5678", "+5511912345678")]
    public async Task A_national_number_is_normalised_with_the_tenants_default_region(string region, string input, string e164)
    {
        var tenant = await env.CreateBareTenantAsync(defaultRegion: region);

        var created = await tenant.Post("api/contacts", new { phoneNumber = input });

        created.AssertStatus(HttpStatusCode.Created);
        Assert.Equal(e164, created.Json["phoneNumber"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_same_number_again_in_another_format_is_200_with_the_same_contact_merged()
    {
        var tenant = await env.CreateBareTenantAsync();
        var first = await tenant.Post("api/contacts", new { phoneNumber = "+14155550124", name = "Grace", attributes = new { plan = "gold", city = "SF" } });
        first.AssertStatus(HttpStatusCode.Created);

        var again = await tenant.Post("api/contacts", new { phoneNumber = "(415) 555-0124", attributes = new { plan = "platinum" } });

        again.AssertStatus(HttpStatusCode.OK);
        var id = first.Json["id"]!.GetValue<string>();
        Assert.Equal(id, again.Json["id"]!.GetValue<string>());
        var read = (await tenant.Get($"api/contacts/{id}")).Json;
        Assert.Equal("Grace", read["name"]!.GetValue<string>());
        Assert.Equal("platinum", read["attributes"]!["plan"]!.GetValue<string>());
        Assert.Equal("SF", read["attributes"]!["city"]!.GetValue<string>());
        Assert.Single(await env.EntitiesAsync(TableNames.Contacts, tenant.Id), e => e.RowKey.StartsWith("contact|", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrent_creates_of_one_number_make_one_contact()
    {
        var tenant = await env.CreateBareTenantAsync();

        var replies = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => tenant.Post("api/contacts", new { phoneNumber = "+14155550125" })));

        Assert.Single(replies.Select(r => r.Json["id"]!.GetValue<string>()).Distinct());
        Assert.Single(replies, r => r.Status == HttpStatusCode.Created);
        Assert.All(replies, r => Assert.Contains(r.Status, new[] { HttpStatusCode.Created, HttpStatusCode.OK }));
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("+1 555")]
    [InlineData("+1 415 555 01234567")]
    [InlineData("not a phone")]
    [InlineData("+999 1234567")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("+141555501230000000000000000000000")]
    [InlineData(null)]
    public async Task An_invalid_number_is_400_with_an_error_for_phoneNumber_and_nothing_is_stored(string? phoneNumber)
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Post("api/contacts", new { phoneNumber, name = "Nobody" });

        reply.AssertValidation("phoneNumber");
        Assert.Empty(await env.EntitiesAsync(TableNames.Contacts, tenant.Id));
    }

    [Fact]
    public async Task Invalid_name_and_attributes_are_400_per_field_and_nothing_is_stored()
    {
        var tenant = await env.CreateBareTenantAsync();

        var longName = await tenant.Post("api/contacts", new { phoneNumber = "+14155550126", name = new string('n', 257) });
        var tooMany = await tenant.Post("api/contacts", new { phoneNumber = "+14155550126", attributes = Enumerable.Range(0, 51).ToDictionary(i => $"k{i}", i => "v") });
        var longKey = await tenant.Post("api/contacts", new { phoneNumber = "+14155550126", attributes = new Dictionary<string, string> { [new string('k', 65)] = "v" } });
        var emptyKey = await tenant.Post("api/contacts", new { phoneNumber = "+14155550126", attributes = new Dictionary<string, string> { [""] = "v" } });
        var longValue = await tenant.Post("api/contacts", new { phoneNumber = "+14155550126", attributes = new { k = new string('v', 1025) } });
        var nullValue = await tenant.Raw(HttpMethod.Post, "api/contacts", """{"phoneNumber":"+14155550126","attributes":{"k":null}}""");

        longName.AssertValidation("name");
        foreach (var reply in new[] { tooMany, longKey, emptyKey, longValue, nullValue })
            reply.AssertValidation("attributes");
        Assert.Empty(await env.EntitiesAsync(TableNames.Contacts, tenant.Id));
    }

    [Fact]
    public async Task Attributes_too_large_to_store_are_400_not_500_and_nothing_is_stored()
    {
        var tenant = await env.CreateBareTenantAsync();
        // Within the per-attribute limits (50 × 1024 characters) but more than a table property holds.
        var attributes = Enumerable.Range(0, 50).ToDictionary(i => $"attribute{i}", i => new string((char)('a' + (i % 26)), 1024));

        var reply = await tenant.Post("api/contacts", new { phoneNumber = "+14155550127", attributes });

        reply.AssertValidation("attributes");
        Assert.Empty(await env.EntitiesAsync(TableNames.Contacts, tenant.Id));
    }

    [Fact]
    public async Task Merging_attributes_past_what_a_contact_can_hold_is_400_and_keeps_the_contact_as_it_was()
    {
        var tenant = await env.CreateBareTenantAsync();
        var first = Enumerable.Range(0, 20).ToDictionary(i => $"first{i}", _ => new string('a', 1000));
        var second = Enumerable.Range(0, 20).ToDictionary(i => $"second{i}", _ => new string('b', 1000));
        var created = await tenant.Post("api/contacts", new { phoneNumber = "+14155550128", name = "Before", attributes = first });
        created.AssertStatus(HttpStatusCode.Created);
        var id = created.Json["id"]!.GetValue<string>();

        var merged = await tenant.Post("api/contacts", new { phoneNumber = "+14155550128", name = "After", attributes = second });

        merged.AssertValidation("attributes");
        var read = (await tenant.Get($"api/contacts/{id}")).Json;
        Assert.Equal("Before", read["name"]!.GetValue<string>());
        Assert.Equal(20, read["attributes"]!.AsObject().Count);
    }

    [Theory]
    [InlineData("""{"phoneNumber":14155550123}""")]
    [InlineData("""{"phoneNumber":"+14155550123","name":42}""")]
    [InlineData("""{"phoneNumber":"+14155550123","attributes":{"k":1}}""")]
    [InlineData("""{"phoneNumber":"+14155550123","attributes":["k"]}""")]
    [InlineData("""{"phoneNumber":"+14155550123",""")]
    [InlineData("""{"phoneNumber":"+14155550123"}}""")]
    [InlineData("""{'phoneNumber':'+14155550123'}""")]
    [InlineData("""[]""")]
    [InlineData("""null""")]
    [InlineData("")]
    public async Task Unreadable_contact_bodies_are_400_problem_and_nothing_is_stored(string body)
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Post, "api/contacts", body);

        reply.AssertUnreadable();
        Assert.Empty(await env.EntitiesAsync(TableNames.Contacts, tenant.Id));
    }

    [Fact]
    public async Task An_unknown_contact_is_404_and_another_tenants_contact_is_404_too()
    {
        var tenant = await env.CreateBareTenantAsync();
        var other = await env.CreateBareTenantAsync();
        var theirs = await other.Post("api/contacts", new { phoneNumber = "+14155550129", name = "Private" });
        var theirId = theirs.Json["id"]!.GetValue<string>();

        (await tenant.Get($"api/contacts/{Api.NewContactId()}")).AssertProblem(HttpStatusCode.NotFound);
        var foreign = await tenant.Get($"api/contacts/{theirId}");
        foreign.AssertProblem(HttpStatusCode.NotFound);
        Assert.DoesNotContain("Private", foreign.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("+14155550129", foreign.Body, StringComparison.Ordinal);

        // The same number is a separate contact in each tenant.
        var mine = await tenant.Post("api/contacts", new { phoneNumber = "+14155550129" });
        mine.AssertStatus(HttpStatusCode.Created);
        Assert.NotEqual(theirId, mine.Json["id"]!.GetValue<string>());
        Assert.Equal("Private", (await other.Get($"api/contacts/{theirId}")).Json["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("c%2Fx")]
    [InlineData("c%23x")]
    [InlineData("c%3Fx")]
    [InlineData("c%01x")]
    [InlineData("c%7Fx")]
    [InlineData("c-x")]
    [InlineData("x123")]
    [InlineData("c")]
    [InlineData("c%C3%A9")]
    public async Task A_contact_id_with_forbidden_characters_is_400(string escapedId)
    {
        var tenant = await env.CreateBareTenantAsync();

        (await tenant.Get($"api/contacts/{escapedId}")).AssertValidation("contactId");
    }

    [Fact]
    public async Task Contacts_need_a_tenant_key()
    {
        var none = await Api.SendAsync(env, HttpMethod.Post, "api/contacts", null, System.Net.Http.Json.JsonContent.Create(new { phoneNumber = "+14155550130" }));
        var wrong = await Api.SendAsync(env, HttpMethod.Get, $"api/contacts/{Api.NewContactId()}", "ock_" + Guid.NewGuid().ToString("N"));
        var admin = await env.AdminAsync(HttpMethod.Post, "api/contacts", new { phoneNumber = "+14155550130" });

        none.AssertProblem(HttpStatusCode.Unauthorized);
        wrong.AssertProblem(HttpStatusCode.Unauthorized);
        admin.AssertProblem(HttpStatusCode.Forbidden);
    }
}

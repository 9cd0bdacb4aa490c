using System.Net;
using System.Text;
using OneClick.Tests.Audience;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Identity;

/// <summary>The CSV import takes a BSUID column (with or without a phone on the row) and honours suppressions.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class BusinessScopedUserIdImportTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_csv_with_a_bsuid_column_links_ids_imports_bsuid_only_rows_honours_suppressions_and_rejects_bad_ids()
    {
        var tenant = await env.CreateTenantAsync();
        var (linked, only, known, suppressed) = (IdentityKit.NewUserId(), IdentityKit.NewUserId(), IdentityKit.NewUserId(), IdentityKit.NewUserId());
        // Someone who wrote by BSUID already, and someone who stopped marketing before being a contact.
        await IdentityKit.InboundAsync(env, tenant, "text", new { body = "hello" }, fromUserId: known, name: "Known");
        await IdentityKit.WaitForContactAsync(tenant, "userId=" + known);
        await IdentityKit.AccountEventAsync(env, tenant, "user_preferences", new
        {
            user_preferences = new object[] { new { wa_id = "14155550944", detail = "User requested", category = "marketing_messages", value = "stop", timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds() } },
        });
        await Eventually.Async(async () => (await env.EntitiesAsync("contacts", tenant.Id)).Any(e => e.RowKey.StartsWith("suppress|", StringComparison.Ordinal)),
            () => "The suppression was never written.");

        var csv = new StringBuilder("phone,name,bsuid,city\r\n")
            .Append(CultureInfo($"+14155550941,Linked,{linked},Porto\r\n"))
            .Append(CultureInfo($",Only by id,{only},Faro\r\n"))
            .Append(CultureInfo($"+14155550943,Known now,{known},Braga\r\n"))
            .Append("+14155550944,Stopped,,Evora\r\n")
            .Append("+14155550945,Bad id,US-1,Beja\r\n")
            .ToString();
        var upload = await tenant.Send(HttpMethod.Post, "api/contacts/imports", new StringContent(csv, new UTF8Encoding(false), "text/csv"));
        upload.AssertStatus(HttpStatusCode.Accepted);
        var done = await ContactImportTests.WaitForImportAsync(tenant, upload.Json["id"]!.GetValue<string>());
        Assert.Equal("completed", done["state"]!.GetValue<string>());
        Assert.Equal(1, done["rejected"]!.GetValue<long>());

        var first = await IdentityKit.WaitForContactAsync(tenant, "userId=" + linked);
        Assert.Equal("+14155550941", first["phoneNumber"]!.GetValue<string>());
        var second = await IdentityKit.WaitForContactAsync(tenant, "userId=" + only);
        Assert.Equal("", second["phoneNumber"]!.GetValue<string>());
        Assert.Equal("Faro", second["attributes"]!["city"]!.GetValue<string>());
        // The row's phone joined the contact the BSUID message made: one contact, not two.
        var third = await IdentityKit.WaitForContactAsync(tenant, "phoneNumber=%2B14155550943");
        Assert.Equal(known, third["userId"]!.GetValue<string>());
        Assert.Equal("Braga", third["attributes"]!["city"]!.GetValue<string>());
        var stopped = await IdentityKit.WaitForContactAsync(tenant, "phoneNumber=%2B14155550944");
        Assert.Equal("opted_out", stopped["optInState"]!.GetValue<string>());
        Assert.Equal("meta_user_preferences", stopped["optOutSource"]!.GetValue<string>());
        Assert.Equal(4, (await tenant.Get("api/contacts")).Json["items"]!.AsArray().Count);
    }

    private static string CultureInfo(FormattableString text) => FormattableString.Invariant(text);
}

using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Conversations;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Audience;

/// <summary>
/// CSV imports end to end: upload to a blob, chunks through the contact-imports queue (driven by the Functions host),
/// progress, per-row error report, idempotent re-import, refused files.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class ContactImportTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_csv_of_several_thousand_rows_imports_in_chunks_with_tags_attributes_and_progress_and_again_changes_nothing()
    {
        var tenant = await env.CreateBareTenantAsync();
        const int rows = 12_000; // three chunks
        var csv = new StringBuilder("Phone Number;Name;Tags;City;Plan\r\n");
        for (var i = 0; i < rows; i++)
            csv.Append(CultureInfo.InvariantCulture, $"+1415{2_000_000 + i:D7};\"Person, {i}\";{(i % 3 == 0 ? "vip|Gold" : "basic")};{(i % 2 == 0 ? "Berlin" : "")};p{i % 5}\r\n");

        var upload = await UploadAsync(tenant, csv.ToString(), "people.csv");
        upload.AssertStatus(HttpStatusCode.Accepted);
        var id = upload.Json["id"]!.GetValue<string>();
        Assert.Equal($"/api/contacts/imports/{id}", upload.Headers.Location?.OriginalString);

        var done = await WaitForImportAsync(tenant, id);
        Assert.Equal("completed", done["state"]!.GetValue<string>());
        Assert.Equal(rows, done["rowsRead"]!.GetValue<long>());
        Assert.Equal(rows, done["imported"]!.GetValue<long>());
        Assert.Equal(rows, done["created"]!.GetValue<long>());
        Assert.Equal(0, done["rejected"]!.GetValue<long>());

        var contacts = (await env.EntitiesAsync(TableNames.Contacts, tenant.Id)).ToLookup(e => e.RowKey.Split('|')[0]);
        Assert.Equal(rows, contacts["contact"].Count());
        Assert.Equal(rows, contacts["phone"].Count());
        Assert.Equal(rows / 3 * 2 + (rows - rows / 3), contacts["tag"].Count());
        var sample = contacts["contact"].Single(c => c.GetString("PhoneNumber") == "+14152000003");
        Assert.Equal("Person, 3", sample.GetString("Name"));
        Assert.Equal("""["gold","vip"]""", sample.GetString("TagsJson"));
        Assert.Equal("""{"Plan":"p3"}""", sample.GetString("AttributesJson"));
        Assert.Equal(rows / 3, (await ContactApiTests.AllPagesAsync(tenant, "api/contacts?tag=vip&pageSize=500")).Count);
        var snapshot = string.Join("\n", (await env.EntitiesAsync(TableNames.Contacts, tenant.Id)).Select(e => $"{e.RowKey} {e.ETag}"));

        var again = await UploadAsync(tenant, csv.ToString());
        var second = await WaitForImportAsync(tenant, again.Json["id"]!.GetValue<string>());
        Assert.Equal("completed", second["state"]!.GetValue<string>());
        Assert.Equal(rows, second["imported"]!.GetValue<long>());
        Assert.Equal(rows, second["unchanged"]!.GetValue<long>());
        Assert.Equal(0, second["created"]!.GetValue<long>() + second["updated"]!.GetValue<long>());
        Assert.Equal(snapshot, string.Join("\n", (await env.EntitiesAsync(TableNames.Contacts, tenant.Id)).Select(e => $"{e.RowKey} {e.ETag}")));
    }

    [Fact]
    public async Task Bad_rows_are_reported_with_their_row_numbers_and_the_good_rows_land()
    {
        var tenant = await env.CreateBareTenantAsync();
        var existing = await ContactApiTests.CreateAsync(tenant, "+14155550401", "Old Name", tags: ["old"], attributes: new() { ["city"] = "Rome" });
        var csv = string.Join("\n",
            "whatsapp,name,labels,city",
            "+14155550401,New Name,new,",          // 1: merges into the existing contact
            "not a number,Bad,,",                   // 2
            "+14155550402,Good,,Lyon",              // 3
            "+14155550403,Too,many,fields,here",    // 4
            "+14155550404,Bad tag,\"no good!\",",   // 5
            "+14155550405,Bro\"ken,,",              // 6: a stray quote
            "",                                     //    empty lines are skipped, not counted
            "(415) 555-0406,National,,",            // 7: national format in the tenant's region
            "+14155550402,Good Again,,",            // 8: the same number again merges
            ",No number,,");                        // 9

        var upload = await UploadAsync(tenant, csv);
        upload.AssertStatus(HttpStatusCode.Accepted);
        var id = upload.Json["id"]!.GetValue<string>();
        var done = await WaitForImportAsync(tenant, id);

        Assert.Equal("completed", done["state"]!.GetValue<string>());
        Assert.Equal(9, done["rowsRead"]!.GetValue<long>());
        Assert.Equal(5, done["rejected"]!.GetValue<long>());
        Assert.Equal(4, done["imported"]!.GetValue<long>());
        var errors = (await tenant.Get($"api/contacts/imports/{id}/errors?pageSize=3")).Json;
        var report = errors["items"]!.AsArray().Select(e => e!["row"]!.GetValue<long>()).ToList();
        string? token = errors["continuationToken"]?.GetValue<string>();
        while (token is not null)
        {
            var page = (await tenant.Get($"api/contacts/imports/{id}/errors?pageSize=3&continuationToken={Uri.EscapeDataString(token)}")).Json;
            report.AddRange(page["items"]!.AsArray().Select(e => e!["row"]!.GetValue<long>()));
            token = page["continuationToken"]?.GetValue<string>();
        }
        Assert.Equal([2, 4, 5, 6, 9], report);
        var reasons = (await tenant.Get($"api/contacts/imports/{id}/errors")).Json["items"]!.AsArray().ToDictionary(e => e!["row"]!.GetValue<long>(), e => e!["reason"]!.GetValue<string>());
        Assert.Contains("fields", reasons[4], StringComparison.Ordinal);
        Assert.Contains("no good!", reasons[5], StringComparison.Ordinal);
        Assert.Contains("quote", reasons[6], StringComparison.OrdinalIgnoreCase);

        var merged = (await tenant.Get($"api/contacts/{existing}")).Json;
        Assert.Equal("New Name", merged["name"]!.GetValue<string>());
        Assert.Equal(["new", "old"], ContactApiTests.Strings(merged["tags"]));
        Assert.Equal("Rome", merged["attributes"]!["city"]!.GetValue<string>());
        var all = await ContactApiTests.AllPagesAsync(tenant, "api/contacts?search=555");
        Assert.Equal(3, all.Count);
        var good = (await tenant.Get("api/contacts?search=Good")).Json["items"]!.AsArray().Single()!;
        Assert.Equal("Good Again", good["name"]!.GetValue<string>());
        Assert.Equal("Lyon", good["attributes"]!["city"]!.GetValue<string>());
        Assert.Single((await tenant.Get("api/contacts?search=4155550406")).Json["items"]!.AsArray());
    }

    [Fact]
    public async Task A_file_with_invalid_utf8_after_its_first_64_KiB_reports_those_rows_and_imports_the_rest()
    {
        var tenant = await env.CreateBareTenantAsync();
        var head = new StringBuilder("number,name\n");
        for (var i = 0; head.Length < 70_000; i++)
            head.Append(CultureInfo.InvariantCulture, $"+1415{2_000_000 + i:D7},Name {i}\n");
        var lines = head.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
        var latin1 = Encoding.Latin1.GetBytes("+14159999999,Jos\u00e9\n");
        var body = Encoding.UTF8.GetBytes(head.ToString()).Concat(latin1).Concat(Encoding.UTF8.GetBytes("+14159999998,Ren\u00e9\n")).ToArray();

        var upload = await UploadAsync(tenant, new ByteArrayContent(body));
        upload.AssertStatus(HttpStatusCode.Accepted);
        var done = await WaitForImportAsync(tenant, upload.Json["id"]!.GetValue<string>());

        Assert.Equal(lines + 1, done["imported"]!.GetValue<long>());
        var error = Assert.Single((await tenant.Get($"api/contacts/imports/{done["id"]}/errors")).Json["items"]!.AsArray())!;
        Assert.Equal(lines + 1, error["row"]!.GetValue<long>());
        Assert.Contains("UTF-8", error["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        // More contacts than one filtered request examines: the search goes on through short pages.
        var rene = Assert.Single(await ContactApiTests.AllPagesAsync(tenant, "api/contacts?search=Ren"));
        Assert.Equal("René", (await tenant.Get($"api/contacts/{rene}")).Json["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_file_that_cannot_be_read_on_ends_failed_with_the_reason_and_keeps_the_rows_before_it()
    {
        var tenant = await env.CreateBareTenantAsync();
        var csv = "phone,name\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"+1415{2_000_000 + i:D7},P{i}\n"))
            + $"+14153000000,{new string('x', 100_000)}\n+14153000001,After\n";

        var upload = await UploadAsync(tenant, csv);
        upload.AssertStatus(HttpStatusCode.Accepted);
        var done = await WaitForImportAsync(tenant, upload.Json["id"]!.GetValue<string>());

        Assert.Equal("failed", done["state"]!.GetValue<string>());
        Assert.Contains("after row 20", done["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(20, done["imported"]!.GetValue<long>());
        Assert.Equal(20, (await ContactApiTests.AllPagesAsync(tenant, "api/contacts?pageSize=500")).Count);
        await foreach (var blob in env.Storage.Blobs.GetBlobContainerClient(BlobContainerNames.ContactImports).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, tenant.Id + "/", CancellationToken.None))
            Assert.Fail($"The file of a failed import was kept: {blob.Name}");
    }

    [Fact]
    public async Task Files_that_cannot_be_imported_are_refused_at_upload_with_the_reason_and_nothing_is_stored()
    {
        var tenant = await env.CreateBareTenantAsync();

        (await UploadAsync(tenant, "name,city\nAda,Paris\n")).AssertValidation("header");
        (await UploadAsync(tenant, "")).AssertValidation("file");
        (await UploadAsync(tenant, new ByteArrayContent(Encoding.Latin1.GetBytes("phone,name\n+14155550501,Jos\u00e9\n")))).AssertValidation("encoding");
        (await UploadAsync(tenant, new ByteArrayContent(Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("phone,name\n+14155550501,Ann\n")).ToArray()))).AssertValidation("encoding");
        (await UploadAsync(tenant, new ByteArrayContent([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00]))).AssertValidation("encoding");
        (await UploadAsync(tenant, "phone,,name\n+14155550501,x,Ann\n")).AssertValidation("header");
        (await UploadAsync(tenant, "phone,city,City\n+14155550501,a,b\n")).AssertValidation("header");
        var notCsv = await tenant.Raw(HttpMethod.Post, "api/contacts/imports", "{\"phone\":\"+14155550501\"}");
        notCsv.AssertProblem(HttpStatusCode.UnsupportedMediaType);
        var latin1Charset = new StringContent("phone\n+14155550501\n", Encoding.UTF8, "text/csv");
        latin1Charset.Headers.ContentType!.CharSet = "iso-8859-1";
        (await UploadAsync(tenant, latin1Charset)).AssertValidation("encoding");

        Assert.Empty((await tenant.Get("api/contacts/imports")).Json["items"]!.AsArray());
        Assert.Empty(await env.EntitiesAsync(TableNames.Contacts, tenant.Id));
        await foreach (var blob in env.Storage.Blobs.GetBlobContainerClient(BlobContainerNames.ContactImports).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, tenant.Id + "/", CancellationToken.None))
            Assert.Fail($"A blob was left: {blob.Name}");
    }

    [Fact]
    public async Task The_upload_limit_is_raised_for_imports_only_and_still_enforced()
    {
        var tenant = await env.CreateBareTenantAsync();
        var twoMiB = "phone,note\n" + string.Concat(Enumerable.Range(0, 25_000).Select(i => $"+1415{2_000_000 + i:D7},{new string('x', 90)}\n"));
        Assert.True(twoMiB.Length > 2 * 1024 * 1024);

        (await UploadAsync(tenant, twoMiB)).AssertStatus(HttpStatusCode.Accepted);
        (await tenant.Raw(HttpMethod.Post, "api/contacts", "{\"phoneNumber\":\"+14155550601\",\"name\":\"" + new string('x', 2 * 1024 * 1024) + "\"}"))
            .AssertProblem(HttpStatusCode.RequestEntityTooLarge);
        // A declared length over the cap is refused before the body is sent.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(env.AppUrl, "api/contacts/imports")) { Content = new StreamContent(new MemoryStream(new byte[1])) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        request.Content.Headers.ContentLength = 51L * 1024 * 1024;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        request.Headers.ExpectContinue = true;
        using var response = await env.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Imports_and_their_reports_stay_within_the_tenant_and_bad_ids_are_400()
    {
        var tenant = await env.CreateBareTenantAsync();
        var other = await env.CreateBareTenantAsync();
        var upload = await UploadAsync(tenant, "phone\n+14155550701\nbad\n");
        var id = upload.Json["id"]!.GetValue<string>();
        await WaitForImportAsync(tenant, id);

        (await other.Get($"api/contacts/imports/{id}")).AssertProblem(HttpStatusCode.NotFound);
        (await other.Get($"api/contacts/imports/{id}/errors")).AssertProblem(HttpStatusCode.NotFound);
        Assert.Empty((await other.Get("api/contacts/imports")).Json["items"]!.AsArray());
        Assert.Empty((await other.Get("api/contacts")).Json["items"]!.AsArray());
        (await tenant.Get("api/contacts/imports/x")).AssertValidation("importId");
        (await tenant.Get("api/contacts/imports/x/errors")).AssertValidation("importId");
        (await tenant.Get($"api/contacts/imports/{id}/errors?pageSize=9999")).AssertValidation("pageSize");
        (await tenant.Get("api/contacts/imports?continuationToken=zzz")).AssertValidation("continuationToken");
        (await tenant.Get("api/contacts/imports/i000000000000000000000000")).AssertProblem(HttpStatusCode.NotFound);
        Assert.Single((await tenant.Get("api/contacts/imports")).Json["items"]!.AsArray());
    }

    [Fact]
    public async Task A_chunk_delivered_again_after_the_import_moved_on_changes_no_count()
    {
        var tenant = await env.CreateBareTenantAsync();
        var csv = "phone,name\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"+1415{2_000_000 + i:D7},P{i}\n")) + "bad,x\n";
        var id = (await UploadAsync(tenant, csv)).Json["id"]!.GetValue<string>();
        var done = await WaitForImportAsync(tenant, id);

        // What the queue would redeliver: the first chunk again, twice, through the queue trigger.
        var queue = env.Storage.Queue(QueueNames.ContactImports);
        for (var i = 0; i < 2; i++)
            await queue.SendMessageAsync($$"""{"v":1,"tenantId":"{{tenant.Id}}","importId":"{{id}}","offset":0,"correlationId":"x"}""");
        await Eventually.Async(async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0, () => "the redelivered chunks were not consumed");

        var after = (await tenant.Get($"api/contacts/imports/{id}")).Json;
        Assert.Equal(done.ToJsonString(), after.ToJsonString());
        Assert.Equal(30, after["imported"]!.GetValue<long>());
        Assert.Single((await tenant.Get($"api/contacts/imports/{id}/errors")).Json["items"]!.AsArray());
    }

    private static Task<Reply> UploadAsync(TestTenant tenant, string csv, string? fileName = null) =>
        tenant.Send(HttpMethod.Post, "api/contacts/imports" + (fileName is null ? "" : "?fileName=" + fileName), new StringContent(csv, new UTF8Encoding(false), "text/csv"));

    private static Task<Reply> UploadAsync(TestTenant tenant, HttpContent content)
    {
        content.Headers.ContentType ??= new MediaTypeHeaderValue("text/csv");
        return tenant.Send(HttpMethod.Post, "api/contacts/imports", content);
    }

    internal static Task<JsonObject> WaitForImportAsync(TestTenant tenant, string id, TimeSpan? timeout = null) =>
        Eventually.Async(
            async () =>
            {
                var reply = await tenant.Get($"api/contacts/imports/{id}");
                reply.AssertStatus(HttpStatusCode.OK);
                return reply.Json;
            },
            job => job["state"]!.GetValue<string>() is "completed" or "failed",
            $"import {id} to finish", timeout ?? TimeSpan.FromSeconds(90));
}

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OneClick.Tests.Campaigns;
using OneClick.Tests.Content;
using OneClick.Tests.Groups;
using OneClick.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OneClick.Tests.BadInput;

/// <summary>An environment of its own, so that the storage snapshots see only this suite's writes.</summary>
public sealed class EveryOperationEnvironment : OneClickEnvironment;

[CollectionDefinition(Name)]
public sealed class EveryOperationShared : ICollectionFixture<EveryOperationEnvironment>
{
    public const string Name = "Every operation";
}

/// <summary>
/// Walks every operation of the committed OpenAPI document (the served one is checked equal to it elsewhere) with
/// bad input: no key, a tenant key on admin operations, another tenant's ids, malformed ids, malformed JSON, wrong
/// types, wrong content types, bad paging, huge, empty and odd Unicode values. Always: no 5xx, problem details on
/// every 4xx; and storage (every table, queue and blob container) unchanged by what was refused.
/// </summary>
[Collection(EveryOperationShared.Name)]
public sealed class EveryOperationTests(EveryOperationEnvironment env, ITestOutputHelper output)
{
    private static readonly string[] OddStrings =
    [
        "",
        "   ",
        new string('x', 100_000),
        "\u202Eevil\u0000\uFEFF\u200B👍🏽e\u0301",
        "'; DROP TABLE contacts; --<script>",
    ];

    [Fact]
    public async Task No_key_is_401_and_a_tenant_key_on_admin_operations_is_403()
    {
        var tenant = await env.CreateTenantAsync();
        var cases = 0;
        var failures = new List<string>();
        var before = await StorageSnapshot.TakeSettledAsync(env);

        foreach (var operation in ApiOperation.All.Where(o => o.Secured))
        {
            var path = operation.PathWith(_ => "x0123456789abcdef");
            cases++;
            Check(failures, await Api.SendAsync(env, operation.Method, path, apiKey: null, operation.MinimalBody()), HttpStatusCode.Unauthorized);
            if (operation.AdminOnly)
            {
                cases++;
                Check(failures, await Api.SendAsync(env, operation.Method, path, tenant.ApiKey, operation.MinimalBody()), HttpStatusCode.Forbidden);
            }
        }

        await AssertUnchangedAsync(before, failures);
        Report(cases, failures);
    }

    [Fact]
    public async Task Another_tenants_resources_are_not_found_for_every_operation()
    {
        var (mine, theirs) = (await env.CreateTenantAsync(), await env.CreateTenantAsync());
        var theirIds = await SeedAsync(theirs, ownTemplate: true);
        await SeedAsync(mine, ownTemplate: false);
        var cases = 0;
        var failures = new List<string>();
        var before = await StorageSnapshot.TakeSettledAsync(env);

        foreach (var operation in ApiOperation.All.Where(o => o.Secured && !o.AdminOnly && o.PathParameters.Count > 0))
        {
            var path = operation.PathWith(name => theirIds.GetValueOrDefault(name, "x0123456789abcdef"));
            var reply = await Api.SendAsync(env, operation.Method, path, mine.ApiKey, operation.MinimalBody());
            cases++;
            // A tenant asking for another tenant's record is told it is not there (403 for the tenant record itself);
            // an operation whose body is checked first may refuse the empty body instead: either way nothing leaks.
            HttpStatusCode[] allowed = operation.Template.StartsWith("/api/tenants/", StringComparison.Ordinal)
                ? operation.HasBody ? [HttpStatusCode.Forbidden, HttpStatusCode.NotFound, HttpStatusCode.BadRequest] : [HttpStatusCode.Forbidden, HttpStatusCode.NotFound]
                : operation.HasBody ? [HttpStatusCode.NotFound, HttpStatusCode.BadRequest] : [HttpStatusCode.NotFound];
            Check(failures, reply, allowed);
            if (theirIds.Values.Any(id => reply.Body.Contains(id, StringComparison.Ordinal) && !path.Contains(id, StringComparison.Ordinal)))
                failures.Add($"Another tenant's data in {reply}");
        }

        await AssertUnchangedAsync(before, failures);
        Report(cases, failures);
    }

    [Fact]
    public async Task Malformed_ids_bodies_types_content_types_and_paging_are_4xx_problems_that_write_nothing()
    {
        var tenant = await env.CreateTenantAsync();
        var ids = await SeedAsync(tenant, ownTemplate: false);
        var cases = 0;
        var failures = new List<string>();
        var before = await StorageSnapshot.TakeSettledAsync(env);

        foreach (var operation in ApiOperation.All.Where(o => o.Secured && !o.AdminOnly || o.IsWebhook))
        {
            var key = operation.IsWebhook ? null : tenant.ApiKey;
            var realPath = operation.PathWith(name => name == "tenantId" ? tenant.Id : ids.GetValueOrDefault(name, "x0123456789abcdef"));
            var replies = new List<Reply>();

            foreach (var badId in new[] { new string('9', 2000), "%00", "%E2%80%AE%F0%9F%91%8D", "..%2F..%2Fhealth", "a%20b" })
                if (operation.PathParameters.Count > 0)
                    replies.Add(await Api.SendAsync(env, operation.Method, operation.PathWith(_ => badId), key, operation.MinimalBody()));

            if (operation.JsonBody is { } schema)
            {
                // A lone surrogate goes in a property the operation reads (an unknown one is ignored, as JSON bodies are
                // read leniently). An optional body may be empty or JSON null: that is "no body", a valid request.
                var loneSurrogate = Schemas.FirstStringProperty(schema) is { } text ? $"{{\"{text}\":\"\\uD83D\"}}" : null;
                var bodies = new[] { "{\"a\":", "not json", "[]", "\"text\"", "{\"a\":1,}", loneSurrogate }
                    .Concat(operation.BodyRequired ? ["null", ""] : Array.Empty<string?>()).OfType<string>();
                foreach (var body in bodies)
                    replies.Add(await Api.SendAsync(env, operation.Method, realPath, key, new StringContent(body, Encoding.UTF8, "application/json")));
                if (!operation.IsWebhook)
                {
                    replies.Add(await Api.SendAsync(env, operation.Method, realPath, key, new StringContent("{}", Encoding.UTF8, "text/plain")));
                    foreach (var wrong in Schemas.WrongTypeBodies(schema))
                        replies.Add(await Api.SendAsync(env, operation.Method, realPath, key, new StringContent(wrong.ToJsonString(), Encoding.UTF8, "application/json")));
                }
            }
            else if (operation.OtherBody is not null)
            {
                replies.Add(await Api.SendAsync(env, operation.Method, realPath, key, new StringContent("{\"not\":\"this\"}", Encoding.UTF8, "application/json")));
                replies.Add(await Api.SendAsync(env, operation.Method, realPath, key, new ByteArrayContent([])));
            }

            foreach (var query in operation.QueryParameters.Where(q => q is "pageSize" or "continuationToken"))
                foreach (var value in query == "pageSize" ? new[] { "-1", "0", "1000000", "abc", "1.5" } : ["not-a-token", "%FF%FE", new string('z', 5000)])
                    replies.Add(await Api.SendAsync(env, operation.Method, $"{realPath}?{query}={value}", key, operation.MinimalBody()));

            foreach (var reply in replies)
            {
                cases++;
                // A NUL in the path (Kestrel's own 400) and a path that decodes to '..' segments (the host's path guard, 404)
                // are refused before any OneClick code runs, so their bodies are the platform's: they must still be 4xx
                // and write nothing, but cannot be OneClick problem details.
                if (reply.Path.Contains("%00", StringComparison.Ordinal) || reply.Path.Contains("..%2F", StringComparison.Ordinal))
                {
                    if (reply.Status is not (HttpStatusCode.BadRequest or HttpStatusCode.NotFound))
                        failures.Add($"Expected 400|404 from the platform: {Short(reply)}");
                    continue;
                }
                Check(failures, reply, [HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound, HttpStatusCode.Conflict,
                    HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.UnprocessableEntity, HttpStatusCode.RequestUriTooLong]);
            }
        }

        await AssertUnchangedAsync(before, failures);
        Report(cases, failures);
    }

    [Fact]
    public async Task Huge_empty_and_odd_unicode_values_never_fail_the_server_and_a_refusal_writes_nothing()
    {
        var tenant = await env.CreateTenantAsync();
        var ids = await SeedAsync(tenant, ownTemplate: false);
        var cases = 0;
        var failures = new List<string>();

        foreach (var operation in ApiOperation.All.Where(o => o.Secured && !o.AdminOnly))
        {
            var path = operation.PathWith(name => name == "tenantId" ? tenant.Id : ids.GetValueOrDefault(name, "x0123456789abcdef"));
            var requests = new List<Func<Task<Reply>>>();
            if (operation.JsonBody is { } schema)
                foreach (var odd in OddStrings)
                    if (Schemas.WithEveryString(schema, odd) is { } body)
                        requests.Add(() => Api.SendAsync(env, operation.Method, path, tenant.ApiKey, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json")));
            foreach (var query in operation.QueryParameters)
                foreach (var odd in OddStrings.Where(o => o.Length < 10_000))
                    requests.Add(() => Api.SendAsync(env, operation.Method, $"{path}?{query}={Uri.EscapeDataString(odd)}", tenant.ApiKey, operation.MinimalBody()));
            if (requests.Count == 0)
                continue;

            var before = await StorageSnapshot.TakeSettledAsync(env);
            var replies = new List<Reply>();
            foreach (var request in requests)
                replies.Add(await request());
            foreach (var reply in replies)
            {
                cases++;
                if ((int)reply.Status >= 400)
                    Check(failures, reply, reply.Status);
            }
            // Only an operation whose every case was refused can be held to "nothing written"; accepted odd values
            // (an emoji in a name) are stored as they should be.
            if (replies.All(r => (int)r.Status >= 400))
                await AssertUnchangedAsync(before, failures);
        }

        Report(cases, failures);
    }

    /// <summary>One of each resource the operations take by id, through the API; the ids by path parameter name.</summary>
    private static async Task<Dictionary<string, string>> SeedAsync(TestTenant tenant, bool ownTemplate)
    {
        var phone = CampaignTestKit.NewPhone();
        var contact = await CreatedAsync(tenant.Post("api/contacts", new { phoneNumber = phone, name = "Seed Person" }));
        var list = await CreatedAsync(tenant.Post("api/lists", new { name = "Seed list" }));
        (await tenant.Post($"api/lists/{list}/members", new { contactIds = new[] { contact } })).AssertStatus(HttpStatusCode.OK);
        var campaign = await CreatedAsync(tenant.Post("api/campaigns", new { name = "Seed campaign", audience = new { lists = new[] { list } }, message = CampaignTestKit.Template }));
        var rule = await CreatedAsync(tenant.Post("api/automations", new { name = "Seed rule", trigger = new { type = "keyword", keywords = new[] { "seed" } }, actions = new[] { new { type = "add_tag", tag = "seed" } } }));
        var message = await tenant.SendMessageAsync(new { to = phone, type = "text", text = new { body = "seed" } });
        await tenant.SendMessageAsync(new { to = phone, type = "text", text = new { body = "later" }, scheduleFor = DateTimeOffset.UtcNow.AddDays(1).ToString("O") });
        var schedule = (await tenant.Get("api/schedules")).Json["items"]!.AsArray()[0]!["id"]!.GetValue<string>();
        var import = await CreatedAsync(tenant.Send(HttpMethod.Post, "api/contacts/imports", new StringContent($"phone,name\n{CampaignTestKit.NewPhone()},Imported\n", Encoding.UTF8, "text/csv")));
        var group = (await tenant.CreateActiveGroupAsync()).Id();
        var media = await CreatedAsync(MediaUploadTests.UploadAsync(tenant, TinyJpeg, "image/jpeg", "seed.jpg"));
        var ids = new Dictionary<string, string>
        {
            ["contactId"] = contact, ["listId"] = list, ["campaignId"] = campaign, ["ruleId"] = rule, ["messageId"] = message,
            ["scheduleId"] = schedule, ["importId"] = import, ["groupId"] = group, ["mediaId"] = media, ["tenantId"] = tenant.Id,
            ["name"] = "hello_world", ["language"] = "en_US",
        };
        if (ownTemplate)
        {
            var name = "seed_" + Guid.NewGuid().ToString("N")[..10];
            var body = JsonNode.Parse(ContentKit.OrderUpdate)!.AsObject();
            body["name"] = name;
            (await tenant.Post("api/templates", body)).AssertStatus(HttpStatusCode.Created);
            ids["name"] = name;
        }
        else
        {
            (await tenant.Send(HttpMethod.Post, "api/templates/sync", null)).AssertStatus(HttpStatusCode.OK);
        }
        await tenant.WaitForStatusAsync(message, "read");
        // Queued work left running would write after the "before" snapshot (a queue message can sit unread between two
        // polls for longer than the snapshot's one-second settle check).
        await Audience.ContactImportTests.WaitForImportAsync(tenant, import);
        return ids;
    }

    private static async Task<string> CreatedAsync(Task<Reply> request)
    {
        var reply = await request;
        Assert.True((int)reply.Status is 200 or 201 or 202, reply.ToString());
        return reply.Json["id"]!.GetValue<string>();
    }

    /// <summary>A 1×1 JPEG.</summary>
    private static readonly byte[] TinyJpeg = Convert.FromBase64String(
        "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=");

    private static void Check(List<string> failures, Reply reply, params HttpStatusCode[] allowed)
    {
        if (!allowed.Contains(reply.Status))
        {
            failures.Add($"Expected {string.Join("|", allowed.Select(s => (int)s))}: {Short(reply)}");
            return;
        }
        var json = reply.MediaType == Api.ProblemJson ? JsonNode.Parse(reply.Body) as JsonObject : null;
        if (json?["type"]?.GetValue<string>() is not { } type || !type.StartsWith("urn:oneclick:problem:", StringComparison.Ordinal) || json["status"]?.GetValue<int>() != (int)reply.Status)
            failures.Add($"Not a OneClick problem: {Short(reply)}");
    }

    private static string Short(Reply reply) => $"{reply.Method} {(reply.Path.Length > 120 ? reply.Path[..120] + "…" : reply.Path)} → {(int)reply.Status} {reply.MediaType}: {(reply.Body.Length > 300 ? reply.Body[..300] + "…" : reply.Body)}";

    private async Task AssertUnchangedAsync(StorageSnapshot before, List<string> failures)
    {
        var after = await StorageSnapshot.TakeSettledAsync(env);
        failures.AddRange(before.Differences(after).Select(d => "Written by a refused request: " + d));
    }

    private void Report(int cases, List<string> failures)
    {
        output.WriteLine($"{cases} cases over {ApiOperation.All.Count} operations, {failures.Count} failures");
        foreach (var failure in failures)
            output.WriteLine(failure);
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} cases failed:\n" + string.Join("\n", failures.Take(60)));
    }
}

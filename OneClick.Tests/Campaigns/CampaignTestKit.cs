using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Campaigns;
using OneClick.Core.Contacts;
using OneClick.Core.Lists;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

/// <summary>
/// Seeds audiences by writing the audience rows the contract describes (the lists API comes from another branch),
/// and drives campaigns through the public API.
/// </summary>
public static class CampaignTestKit
{
    private static int _phone = Random.Shared.Next(100_000, 900_000);

    public static string NewPhone() => $"+1415{2_000_000 + (Interlocked.Increment(ref _phone) % 7_000_000):D7}";

    public static async Task<List<ContactEntity>> ContactsAsync(this TestTenant tenant, int count)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var store = tenant.Environment.App.Services.GetRequiredService<ContactStore>();
        var created = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => store.CreateOrMergeAsync(tenant.Id, NewPhone(), null, null, CancellationToken.None)));
        return created.Select(c => c.Contact).OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
    }

    public static async Task<string> ListAsync(this TestTenant tenant, IEnumerable<ContactEntity> members)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var table = tenant.Environment.Storage.Table(TableNames.Lists);
        var id = ListStore.NewId();
        var list = members.ToList();
        await table.AddEntityAsync(new ContactListEntity { PartitionKey = tenant.Id, RowKey = ContactListEntity.RowKeyFor(id), Name = "list " + id, MemberCount = list.Count, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow });
        foreach (var chunk in list.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk.Select(c => new TableTransactionAction(TableTransactionActionType.Add,
                new ListMemberEntity { PartitionKey = tenant.Id, RowKey = ListMemberEntity.RowKeyFor(id, c.Id), ContactId = c.Id, AddedAt = DateTimeOffset.UtcNow })));
        }
        return id;
    }

    public static async Task TagAsync(this TestTenant tenant, string tag, IEnumerable<ContactEntity> contacts)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var table = tenant.Environment.Storage.Table(TableNames.Contacts);
        foreach (var contact in contacts)
        {
            await table.AddEntityAsync(new ContactTagEntity { PartitionKey = tenant.Id, RowKey = ContactTagEntity.RowKeyFor(tag, contact.Id), ContactId = contact.Id });
            await table.UpdateWithRetryAsync<ContactEntity>(tenant.Id, contact.RowKey, c => (c.TagsJson = System.Text.Json.JsonSerializer.Serialize(c.Tags.Append(tag))) is not null, CancellationToken.None);
        }
    }

    public static Task OptOutAsync(this TestTenant tenant, ContactEntity contact) =>
        tenant.Environment.App.Services.GetRequiredService<ContactStore>().SetOptInAsync(tenant.Id, contact.Id, optedIn: false, "test", DateTimeOffset.UtcNow, CancellationToken.None);

    public static Task WroteAtAsync(this TestTenant tenant, ContactEntity contact, DateTimeOffset at) =>
        tenant.Environment.Storage.Table(TableNames.Contacts).UpdateWithRetryAsync<ContactEntity>(tenant.Id, contact.RowKey, c => (c.LastInboundAt = at) is not null, CancellationToken.None);

    public static Task SetMessagesPerSecondAsync(this TestTenant tenant, int perSecond) =>
        tenant.Environment.Storage.Table(TableNames.Tenants).UpdateWithRetryAsync<TenantEntity>(tenant.Id, TenantEntity.ProfileRowKey, t => (t.MessagesPerSecond = perSecond) > 0, CancellationToken.None);

    public static object Template => new { type = "template", template = new { name = "hello_world", language = "en_US" } };

    /// <summary>Creates (and by default launches) a campaign; returns its view.</summary>
    public static async Task<JsonObject> CampaignAsync(this TestTenant tenant, object audience, object? message = null, object? schedule = null, bool launch = true, string name = "Test campaign")
    {
        var reply = await tenant.Post("api/campaigns", new { name, audience, message = message ?? Template, schedule, launch });
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return reply.Json;
    }

    /// <summary>
    /// A campaign to <paramref name="people"/> that is running <paramref name="occurrence"/>, written straight to storage
    /// with its dispatch done and no recipient stored: the state a completion watch works on. Returns the campaign's id.
    /// </summary>
    public static async Task<string> RunningOccurrenceAsync(this TestTenant tenant, IServiceProvider services, IEnumerable<ContactEntity> people, string occurrence)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(services);
        var id = (await tenant.CampaignAsync(new { contacts = people.Select(p => p.Id) }, launch: false))["id"]!.GetValue<string>();
        var campaigns = services.GetRequiredService<CampaignStore>();
        var now = DateTimeOffset.UtcNow;
        Assert.True(await campaigns.TryAddOccurrenceAsync(new CampaignOccurrenceEntity
        {
            PartitionKey = tenant.Id, RowKey = CampaignOccurrenceEntity.RowKeyFor(id, occurrence), CampaignId = id, Occurrence = occurrence,
            DueAt = now, StartedAt = now, DispatchDone = true,
        }, CancellationToken.None));
        await campaigns.UpdateAsync(tenant.Id, id, c =>
        {
            (c.Status, c.LatestOccurrence, c.LaunchedAt) = (CampaignStatus.Running, occurrence, now);
            return true;
        }, CancellationToken.None);
        return id;
    }

    public static Task<JsonObject> WaitForCampaignAsync(this TestTenant tenant, string campaignId, string status, TimeSpan? timeout = null, Func<JsonObject, bool>? also = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return Eventually.Async(
            async () => (await tenant.Get($"api/campaigns/{campaignId}")).Json,
            campaign => campaign["status"]!.GetValue<string>() == status && (also is null || also(campaign)),
            $"campaign {campaignId} to reach '{status}'", timeout ?? TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(150));
    }

    /// <summary>Polls the stats until <paramref name="done"/> holds (statuses arrive by webhook after completion).</summary>
    public static Task<JsonObject> WaitForStatsAsync(this TestTenant tenant, string campaignId, Func<JsonObject, bool> done, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(done);
        return Eventually.Async(
            async () => (await tenant.Get($"api/campaigns/{campaignId}/stats")).Json,
            done, $"the stats of {campaignId} to settle", timeout ?? TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(150));
    }

    public static long L(this JsonNode node, string path)
    {
        ArgumentNullException.ThrowIfNull(node);
        JsonNode? current = node;
        foreach (var part in path.Split('.'))
            current = current?[part];
        return current?.GetValue<long>() ?? 0;
    }

    /// <summary>Every recipient of the campaign's latest occurrence, through the paged API.</summary>
    public static async Task<List<JsonObject>> RecipientsAsync(this TestTenant tenant, string campaignId, string? status = null, int pageSize = 7)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var all = new List<JsonObject>();
        string? token = null;
        do
        {
            var page = await tenant.Get($"api/campaigns/{campaignId}/recipients?pageSize={pageSize}" + (status is null ? "" : $"&status={status}") + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)));
            page.AssertStatus(HttpStatusCode.OK);
            all.AddRange(page.Json["items"]!.AsArray().Select(i => i!.AsObject()));
            token = page.Json["continuationToken"]?.GetValue<string>();
        }
        while (token is not null);
        return all;
    }

    /// <summary>What the sandbox accepted for this tenant, grouped by recipient number.</summary>
    public static async Task<Dictionary<string, List<JsonNode>>> AcceptedByRecipientAsync(this OneClickEnvironment env, TestTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(env);
        var accepted = await env.SandboxMessagesAsync(tenant);
        return accepted.GroupBy(m => m!["to"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Select(m => m!).ToList());
    }

    public static async Task<JsonArray> SandboxRequestsAsync(this OneClickEnvironment env, TestTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(tenant);
        var result = await env.Http.GetFromJsonAsync<JsonNode>(new Uri(env.SandboxUrl, $"_sandbox/requests?phoneNumberId={tenant.PhoneNumberId}"));
        return result as JsonArray ?? result?["requests"]?.AsArray() ?? result?["items"]?.AsArray() ?? [];
    }

    /// <summary>The accounting invariant: every targeted recipient ends in exactly one final bucket.</summary>
    public static void AssertAccountedFor(JsonObject stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var finished = stats.L("accepted") + stats.L("sent") + stats.L("delivered") + stats.L("read") + stats.L("failed.total") + stats.L("skipped.total") + stats.L("cancelled") + stats.L("unknown");
        Assert.True(stats.L("queued") == 0, $"Still queued: {stats.ToJsonString()}");
        Assert.True(stats.L("targeted") == finished, $"targeted != sent + failed + skipped + cancelled + unknown: {stats.ToJsonString()}");
    }
}

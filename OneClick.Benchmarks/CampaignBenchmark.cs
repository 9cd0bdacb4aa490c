using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Runtime.CompilerServices;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OneClick.Core.Campaigns;
using OneClick.Core.Contacts;
using OneClick.Core.Lists;
using OneClick.Core.Messages;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Functions.Hosting;
using OneClick.Tests.Infrastructure;

namespace OneClick.Benchmarks;

/// <summary>
/// A campaign to N recipients (100,000 by default) through the whole pipeline — API, dispatch queue, send batches,
/// claims, pacing, the sandbox over HTTP, result transactions, completion — against the same number of POSTs
/// straight to the sandbox at the same concurrency. Also counts storage requests per recipient and per status
/// webhook, and the process's peak memory.
/// </summary>
public sealed class CampaignBenchmark : IBenchmark
{
    public string Name => "campaign";
    public string Description => "N-recipient campaign end to end vs raw sandbox POSTs and the storage floor, then a campaign whose 3N status webhooks arrive 1–3 s after each send (--recipients 100000 --concurrency 64 [--status-send-rate N: that campaign paced at N/s] [--held-backlog: hold them all, then release] [--webhook-concurrency 32: the sandbox's webhook POSTs at once] [--status-floors 1: status floors run one after the other, the median judged])";

    public async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var recipients = Option(args, "--recipients", 100_000);
        var concurrency = Option(args, "--concurrency", 64);
        Console.WriteLine($"campaign benchmark: {recipients:N0} recipients, {concurrency} concurrent Meta calls, {Environment.ProcessorCount} cores");

        // Meta delivers a backlog with many callbacks at once; the sandbox's default of 16 would bound the status figure itself.
        Environment.SetEnvironmentVariable("Sandbox__Webhooks__Concurrency", Option(args, "--webhook-concurrency", 32).ToString(CultureInfo.InvariantCulture));
        var env = new BenchmarkEnvironment(concurrency);
        await env.InitializeAsync();
        try
        {
            var tenant = await env.CreateTenantAsync("Benchmark");
            await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = (int?)null, delivered = (int?)null, read = (int?)null } });
            // OneClick's own pacing is lifted (as the sandbox's is) so the benchmark measures the engine, not the limit.
            await env.Storage.Table(TableNames.Tenants).UpdateWithRetryAsync<TenantEntity>(tenant.Id, TenantEntity.ProfileRowKey, t => (t.MessagesPerSecond = 10_000_000) > 0, CancellationToken.None);

            var seed = Stopwatch.StartNew();
            var (list, _) = await SeedAsync(env, tenant.Id, recipients, 0);
            Console.WriteLine($"seeded {recipients:N0} contacts and a list in {seed.Elapsed.TotalSeconds:0.0} s");

            var raw = await RawFloorAsync(env, recipients, concurrency);
            Console.WriteLine($"raw floor: {recipients:N0} POSTs straight to the sandbox at concurrency {concurrency}: {raw.TotalSeconds:0.0} s = {recipients / raw.TotalSeconds:N0}/s");
            var floorCpu = CpuSampler.Start(env.Azurite.ProcessId);
            var floor = await StorageFloorAsync(env, recipients);
            // Only the floor's own transactions run in this process then (and the idle host's polls): what the storage SDK allocates for one.
            var floorTransactions = 4 * ((recipients + CampaignRecipientStore.BatchSize - 1) / CampaignRecipientStore.BatchSize);
            Console.WriteLine($"storage floor: the send path's table writes for {recipients:N0} recipients straight to Azurite (insert, claim, result, wamid index: " +
                $"4 transactions per {CampaignRecipientStore.BatchSize}, {FloorBatchesAtOnce} batches at once): {floor.TotalSeconds:0.0} s = {recipients / floor.TotalSeconds:N0}/s; " +
                $"{floorCpu.Allocated / floorTransactions / 1e6:0.0} MB allocated per transaction; {floorCpu.Summary()}");
            using (var reset = await env.Http.PostAsync(new Uri(env.SandboxUrl, "_sandbox/reset"), null))
                reset.EnsureSuccessStatusCode();
            await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = (int?)null, delivered = (int?)null, read = (int?)null } });
            GC.Collect();

            // The campaign, measured from the launch request to completion (the last result recorded).
            env.Counter.Reset();
            var peakManaged = 0L;
            using var sampler = new Timer(_ => peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false)), null, 0, 200);
            var clock = Stopwatch.StartNew();
            var launchedAt = DateTimeOffset.UtcNow;
            var sendCpu = CpuSampler.Start(env.Azurite.ProcessId);
            var campaignId = await LaunchAsync(tenant, list);
            var stats = await WaitForAsync(tenant, campaignId, s => s["status"]!.GetValue<string>() == "completed", TimeSpan.FromMinutes(30));
            var elapsed = clock.Elapsed;
            var sendCpuSummary = sendCpu.Summary();
            var (tables, queues, blobs) = env.Counter.Snapshot();
            var accepted = await env.SandboxMessagesAsync(tenant);
            var distinct = accepted.Select(m => m!["to"]!.GetValue<string>()).Distinct(StringComparer.Ordinal).Count();
            var targeted = stats["stats"]!["targeted"]!.GetValue<long>();
            var e2e = recipients / elapsed.TotalSeconds;
            Console.WriteLine($"end to end: {recipients:N0} recipients in {elapsed.TotalSeconds:0.0} s = {e2e:N0}/s ({e2e / (recipients / raw.TotalSeconds):P0} of the raw floor, {e2e / (recipients / floor.TotalSeconds):P0} of the storage floor)");
            Console.WriteLine($"  targeted {targeted:N0}, accepted by the sandbox {accepted.Count:N0} ({distinct:N0} distinct numbers)");
            PrintSendWindow(accepted, launchedAt, elapsed, recipients / floor.TotalSeconds);
            Console.WriteLine($"  storage requests: {tables:N0} table + {queues:N0} queue + {blobs:N0} blob = {(double)(tables + queues + blobs) / recipients:0.000} per recipient " +
                $"({(double)tables / recipients:0.000} table, {(double)queues / recipients:0.000} queue; " +
                $"{(double)(tables + queues + blobs - HostQueueRequests(env.Counter)) / recipients:0.000} without the host's receives and deletes, as counted before 5 Dec 2026)");
            Console.WriteLine($"  peak managed heap during the run {peakManaged / 1048576.0:N0} MiB; process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:N0} MiB (app + sandbox + driver in one process); {sendCpuSummary}");
            PrintProfile(env.Counter, recipients, "recipient");

            var statusFloors = Option(args, "--status-floors", 1);
            var send = new SendRun(e2e, recipients / floor.TotalSeconds, (double)(tables + queues + blobs) / recipients, targeted == recipients && accepted.Count == recipients && distinct == recipients);
            if (args.Contains("--held-backlog"))
                return await HeldBacklogAsync(env, tenant, list, recipients, send, statusFloors);
            // A tenant's own pace (Meta's tiers are 80 to 1,000 messages a second) instead of the engine's fastest.
            var statusSendRate = Option(args, "--status-send-rate", 0);
            if (statusSendRate > 0)
                await env.Storage.Table(TableNames.Tenants).UpdateWithRetryAsync<TenantEntity>(tenant.Id, TenantEntity.ProfileRowKey, t => (t.MessagesPerSecond = statusSendRate) > 0, CancellationToken.None);
            return await ArrivingAsync(env, tenant, list, recipients, send, statusFloors);
        }
        finally
        {
            await env.DisposeAsync();
        }
    }

    /// <summary>
    /// When the sandbox accepted the first and the last send: before the first, the launch waits for the dispatch and
    /// send queues' polls (up to host.json's maxPollingInterval each, when they were idle); after the last, for the
    /// results to be recorded and the completion seen. The rate between them is the engine's while it sends.
    /// </summary>
    private static void PrintSendWindow(JsonArray accepted, DateTimeOffset launchedAt, TimeSpan elapsed, double floorRate)
    {
        if (accepted.Count < 2)
            return;
        var times = accepted.Select(m => m!["acceptedAt"]!.GetValue<DateTimeOffset>()).Order().ToList();
        var (first, last) = ((times[0] - launchedAt).TotalSeconds, (times[^1] - launchedAt).TotalSeconds);
        var rate = accepted.Count / (last - first);
        Console.WriteLine($"  first send accepted {first:0.0} s after the launch, the last at {last:0.0} s: {rate:N0}/s between them ({rate / floorRate:P0} of the storage floor); " +
            $"completed {elapsed.TotalSeconds - last:0.0} s after the last");
    }

    /// <summary>The send campaign's figures that the closing line needs.</summary>
    private sealed record SendRun(double Rate, double FloorRate, double RequestsPerRecipient, bool ExactlyOnce);

    /// <summary>When the sandbox sends sent, delivered and read after each accepted message: Meta's are seconds apart.</summary>
    private static readonly object Arrival = new { sent = 1_000, delivered = 2_000, read = 3_000 };
    private const double LastArrivalSeconds = 3.0;

    /// <summary>
    /// Statuses as Meta sends them: a second campaign to the same N recipients whose sent, delivered and read arrive 1, 2
    /// and 3 s after each send (5% duplicated, 5% with read before delivered) while the campaign runs, through the real
    /// path: signed POST → MetaWebhook → queue → processor → recipient rows and counts. Statuses then arrive at 3× the
    /// send rate, so they keep up exactly when the webhook queue stays short and the stats are final about 3 s after the
    /// last send; a longer lag is the backlog the app could not absorb.
    /// </summary>
    private static async Task<int> ArrivingAsync(BenchmarkEnvironment env, TestTenant tenant, string list, int recipients, SendRun send, int statusFloors)
    {
        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = Arrival, duplicateRate = 0.05, outOfOrderRate = 0.05 });
        GC.Collect();
        env.Counter.Reset();
        var peak = 0L;
        using var heap = new Timer(_ => peak = Math.Max(peak, GC.GetTotalMemory(false)), null, 0, 200);
        var depth = QueueDepth.Start(env);
        var cpu = CpuSampler.Start(env.Azurite.ProcessId);
        using var transactions = new StatusTransactionCounter();
        var deliveredBefore = await env.WebhooksDeliveredAsync();
        var clock = Stopwatch.StartNew();
        var launchedAt = DateTimeOffset.UtcNow;
        var campaign = await LaunchAsync(tenant, list);
        // Once a second, like the first campaign's: the counts seen at completion and its time come from the same read.
        var sent = await WaitForAsync(tenant, campaign, s => s["status"]!.GetValue<string>() == "completed", TimeSpan.FromMinutes(60));
        var sendTime = clock.Elapsed;
        var sendCpu = cpu.Summary();
        var final = await WaitForAsync(tenant, campaign, s => s["stats"]!["read"]!.GetValue<long>() >= recipients, TimeSpan.FromMinutes(60), pollMs: FinalPollMs);
        var seenFinal = clock.Elapsed;
        var cpuSummary = cpu.Summary();
        var finalTime = await LastStatusWriteAsync(env, tenant, campaign) - launchedAt;
        var steps = transactions.Profile();
        var deepest = await depth.StopAsync();
        await DrainAsync(env);
        var (tables, queues, blobs) = env.Counter.Snapshot();
        var webhooks = await env.WebhooksDeliveredAsync() - deliveredBefore;
        var perMessage = (double)webhooks / QueuePuts(env.Counter);

        // Statuses applied by the time the last send was recorded: each recipient's level is how many of its three it has.
        var atSendEnd = sent["stats"]!;
        long Count(string status) => atSendEnd[status]?.GetValue<long>() ?? 0;
        var appliedDuringSends = Count("sent") + (2 * Count("delivered")) + (3 * Count("read"));
        var sendRate = recipients / sendTime.TotalSeconds;
        var statusRateDuringSends = appliedDuringSends / sendTime.TotalSeconds;
        var statusRate = 3.0 * recipients / finalTime.TotalSeconds;
        var lag = finalTime - sendTime;
        // The send path's own requests are in the same counter: take off what the first campaign measured per recipient.
        var perStatus = ((double)(tables + queues + blobs) - (send.RequestsPerRecipient * recipients)) / webhooks;
        var exact = Exact(final["stats"]!, recipients);
        Console.WriteLine($"status webhooks as they arrive (sent, delivered, read 1, 2, 3 s after each send; duplicates and reordering): a campaign to {recipients:N0} " +
            $"sent in {sendTime.TotalSeconds:0.0} s = {sendRate:N0}/s with its statuses arriving; {appliedDuringSends:N0} statuses applied by then = {statusRateDuringSends:N0}/s " +
            $"= {statusRateDuringSends / sendRate:0.00}× the send rate over the same window (3× at most: each status arrives 1–3 s after its send)");
        Console.WriteLine($"  stats final {finalTime.TotalSeconds:0.0} s after the launch (seen by a poll at {seenFinal.TotalSeconds:0.0} s): {lag.TotalSeconds:0.0} s after the last send (the last status arrives {LastArrivalSeconds:0} s after it); " +
            $"{3 * recipients:N0} statuses in {finalTime.TotalSeconds:0.0} s = {statusRate:N0}/s; {webhooks:N0} webhooks with duplicates, {perMessage:0.0} per queue message; webhook queue at most {deepest:N0} messages deep");
        Console.WriteLine($"  storage requests {perStatus:0.00} per webhook (the status campaign's requests less {send.RequestsPerRecipient:0.000} per recipient for its sends); counts exact: {(exact ? "yes" : "NO: " + final["stats"]!.ToJsonString())}");
        Console.WriteLine($"  peak managed heap {peak / 1048576.0:N0} MiB (app + sandbox + driver in one process: the sandbox is in the app's process); during the sends {sendCpu}; until final {cpuSummary}");
        Console.WriteLine($"  status transactions: {transactions.Summary(webhooks)}");
        Console.WriteLine($"  status steps in the writer from the launch until final: {steps}");
        PrintProfile(env.Counter, webhooks, "webhook");

        var statusFloorRate = await PrintStatusFloorAsync(env, recipients, perMessage, statusFloors);
        // Statuses keep up when the stats are final within the last status's arrival delay plus two polls of the queue
        // (the host's longest idle back-off, 2 s) and the benchmark's own poll: the backlog never outgrew what arrived.
        var keptUp = lag.TotalSeconds <= LastArrivalSeconds + 5;
        // After the last send the statuses have the store to themselves, as in their floor; before, the sends share it.
        var statusRateAfterSends = (3.0 * recipients - appliedDuringSends) / lag.TotalSeconds;
        return PrintTargets(send, keptUp,
            $"statuses keep up with 3× the send rate {(keptUp ? "met" : "NOT MET")} (stats final {lag.TotalSeconds:0.0} s after the last send, ≤ {LastArrivalSeconds + 5:0} s wanted; " +
            $"{statusRateDuringSends / sendRate:0.00}× the send rate during the sends; {statusRate:N0}/s from the launch is {statusRate / statusFloorRate:P0} of the status storage floor, " +
            $"{statusRateAfterSends:N0}/s after the last send is {statusRateAfterSends / statusFloorRate:P0})",
            perStatus, exact);
    }

    /// <summary>
    /// The worst case: a second campaign's 3N status webhooks held by the sandbox until its sends are done, then released
    /// at once, so the figure is how fast the app works off a whole campaign's backlog (on Azurite, every queue receive
    /// sorts the whole backlog).
    /// </summary>
    private static async Task<int> HeldBacklogAsync(BenchmarkEnvironment env, TestTenant tenant, string list, int recipients, SendRun send, int statusFloors)
    {
        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = 0, delivered = 0, read = 0 }, duplicateRate = 0.05, outOfOrderRate = 0.05 });
        await env.SandboxControlAsync("_sandbox/webhook-deliveries/hold");
        var statusCampaign = await LaunchAsync(tenant, list);
        await WaitForAsync(tenant, statusCampaign, s => s["status"]!.GetValue<string>() == "completed", TimeSpan.FromMinutes(30));
        GC.Collect();
        env.Counter.Reset();
        var statusPeak = 0L;
        using var heap = new Timer(_ => statusPeak = Math.Max(statusPeak, GC.GetTotalMemory(false)), null, 0, 200);
        var cpu = CpuSampler.Start(env.Azurite.ProcessId);
        var deliveredBefore = await env.WebhooksDeliveredAsync();
        using var transactions = new StatusTransactionCounter();
        var depth = QueueDepth.Start(env);
        // Said as it happens, so a profiler can be attached to the status phase alone (docs/benchmarks.md).
        Console.WriteLine($"releasing the held status webhooks of {recipients:N0} recipients at {DateTimeOffset.UtcNow:HH:mm:ss}");
        var statusClock = Stopwatch.StartNew();
        var releasedAt = DateTimeOffset.UtcNow;
        await env.SandboxControlAsync("_sandbox/webhook-deliveries/release");
        var final = await WaitForAsync(tenant, statusCampaign, s => s["stats"]!["read"]!.GetValue<long>() >= recipients, TimeSpan.FromMinutes(60), pollMs: FinalPollMs);
        var seenFinal = statusClock.Elapsed;
        var cpuSummary = cpu.Summary();
        var toFinal = await LastStatusWriteAsync(env, tenant, statusCampaign) - releasedAt;
        var steps = transactions.Profile();
        var deepest = await depth.StopAsync();
        await DrainAsync(env);
        var (wTables, wQueues, wBlobs) = env.Counter.Snapshot();
        var webhooks = await env.WebhooksDeliveredAsync() - deliveredBefore;
        var perMessage = (double)webhooks / QueuePuts(env.Counter);
        var statusRate = webhooks / toFinal.TotalSeconds;
        var perStatus = (double)(wTables + wQueues + wBlobs) / webhooks;
        var exact = Exact(final["stats"]!, recipients);
        Console.WriteLine($"status webhooks held back: {webhooks:N0} (sent, delivered, read for {recipients:N0}, with duplicates and reordering) applied in {toFinal.TotalSeconds:0.0} s = {statusRate:N0}/s " +
            $"= {statusRate / send.Rate:0.00}× the send rate; stats final {toFinal.TotalSeconds:0.0} s after the last send (the whole backlog released at once; seen by a poll at {seenFinal.TotalSeconds:0.0} s); {perMessage:0.0} webhooks per queue message; webhook queue at most {deepest:N0} messages deep");
        Console.WriteLine($"  storage requests {perStatus:0.00} per webhook ({(double)wTables / webhooks:0.00} table, {(double)wQueues / webhooks:0.00} queue); counts exact: {(exact ? "yes" : "NO: " + final["stats"]!.ToJsonString())}");
        Console.WriteLine($"  peak managed heap {statusPeak / 1048576.0:N0} MiB (app + sandbox + driver in one process); {cpuSummary}");
        Console.WriteLine($"  status transactions: {transactions.Summary(webhooks)}");
        Console.WriteLine($"  status steps in the writer until final: {steps}");
        PrintProfile(env.Counter, webhooks, "webhook");

        var statusFloorRate = await PrintStatusFloorAsync(env, recipients, perMessage, statusFloors);
        var fastStatuses = statusRate >= 3 * send.Rate || statusRate >= 0.8 * statusFloorRate;
        return PrintTargets(send, fastStatuses,
            $"statuses ≥ 3× sends or ≥ 80% of their storage floor {(fastStatuses ? "met" : "NOT MET")} ({statusRate / send.Rate:0.00}×, {statusRate / statusFloorRate:P0} of the floor)",
            perStatus, exact);
    }

    private static bool Exact(JsonNode stats, int recipients) =>
        stats["read"]!.GetValue<long>() == recipients && stats["delivered"]!.GetValue<long>() == 0 && stats["sent"]!.GetValue<long>() == 0
        && stats["accepted"]!.GetValue<long>() == 0 && stats["targeted"]!.GetValue<long>() == recipients;

    private static long QueuePuts(StorageRequestCounter counter) =>
        Math.Max(1, counter.Profile().Where(o => o.Operation == $"queue {QueueNames.WebhookEvents} put").Sum(o => o.Count));

    /// <summary>
    /// Runs the status floor <paramref name="runs"/> times, one after the other, and returns the median rate: one floor
    /// can land on a pause of the store (a sweep of its queue's deleted bodies ran tens of seconds until 8 Dec 2026).
    /// </summary>
    private static async Task<double> PrintStatusFloorAsync(OneClickEnvironment env, int recipients, double perMessage, int runs)
    {
        var rates = new List<double>();
        for (var run = 1; run <= Math.Max(1, runs); run++)
        {
            var cpu = CpuSampler.Start(env.Azurite.ProcessId);
            var statusFloor = await StatusFloorAsync(env, recipients, perMessage);
            var cpuSummary = cpu.Summary();
            rates.Add(3.0 * recipients / statusFloor.TotalSeconds);
            Console.WriteLine($"status storage floor{(runs > 1 ? $" {run} of {runs}" : "")}: the status path's storage requests for {3 * recipients:N0} webhooks straight to Azurite (queue put, receive by 16, delete of messages holding {perMessage:0.0} webhooks each, as the app's inbox grouped them in the run above; " +
                $"transactions of {StatusFloorPerTransaction} per shard with marker rows, row merges under the ETag of the row's previous write and a running counter delta): {statusFloor.TotalSeconds:0.0} s = {rates[^1]:N0}/s; {cpuSummary}");
        }
        rates.Sort();
        var median = rates.Count % 2 == 1 ? rates[rates.Count / 2] : (rates[rates.Count / 2 - 1] + rates[rates.Count / 2]) / 2;
        if (rates.Count > 1)
            Console.WriteLine($"status storage floor: median {median:N0}/s of {rates.Count} runs ({rates[0]:N0}–{rates[^1]:N0}/s)");
        return median;
    }

    /// <summary>The closing line: each target met or not, with its figure; the exit code is 0 only if all are met.</summary>
    private static int PrintTargets(SendRun send, bool statusesMet, string statusTarget, double perStatus, bool exact)
    {
        var sendShare = send.Rate / send.FloorRate;
        Console.WriteLine($"targets: every recipient sent exactly once {(send.ExactlyOnce ? "met" : "NOT MET")}; " +
            $"sends ≥ 80% of the storage floor {(sendShare >= 0.8 ? "met" : "NOT MET")} ({sendShare:P0}); " +
            $"≤ 0.14 storage requests per recipient {(send.RequestsPerRecipient <= 0.14 ? "met" : "NOT MET")} ({send.RequestsPerRecipient:0.000}); " +
            $"{statusTarget}; " +
            $"≤ 3 storage requests per status webhook {(perStatus <= 3 ? "met" : "NOT MET")} ({perStatus:0.00}); " +
            $"status counts exact {(exact ? "met" : "NOT MET")}");
        return send.ExactlyOnce && sendShare >= 0.8 && send.RequestsPerRecipient <= 0.14 && statusesMet && perStatus <= 3 && exact ? 0 : 1;
    }

    private static async Task<(string List, string SmallList)> SeedAsync(OneClickEnvironment env, string tenantId, int count, int small)
    {
        var contacts = env.Storage.Table(TableNames.Contacts);
        var lists = env.Storage.Table(TableNames.Lists);
        var (list, smallList) = (ListStore.NewId(), ListStore.NewId());
        var now = DateTimeOffset.UtcNow;
        await lists.AddEntityAsync(new ContactListEntity { PartitionKey = tenantId, RowKey = ContactListEntity.RowKeyFor(list), Name = "benchmark", MemberCount = count, CreatedAt = now, UpdatedAt = now });
        await lists.AddEntityAsync(new ContactListEntity { PartitionKey = tenantId, RowKey = ContactListEntity.RowKeyFor(smallList), Name = "webhooks", MemberCount = small, CreatedAt = now, UpdatedAt = now });
        static string Id(int i) => "c" + i.ToString("D24", CultureInfo.InvariantCulture);
        await Parallel.ForEachAsync(Enumerable.Range(0, (count + 99) / 100), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (chunk, ct) =>
        {
            var range = Enumerable.Range(chunk * 100, Math.Min(100, count - (chunk * 100))).ToList();
            await contacts.SubmitTransactionAsync(range.Select(i => new TableTransactionAction(TableTransactionActionType.Add, new ContactEntity
            {
                PartitionKey = tenantId, RowKey = ContactEntity.RowKeyFor(Id(i)), PhoneNumber = Phone(i), CreatedAt = now, UpdatedAt = now,
            })), ct);
            await lists.SubmitTransactionAsync(range.Select(i => new TableTransactionAction(TableTransactionActionType.Add,
                new ListMemberEntity { PartitionKey = tenantId, RowKey = ListMemberEntity.RowKeyFor(list, Id(i)), ContactId = Id(i), AddedAt = now })), ct);
            var inSmall = range.Where(i => i < small).ToList(); // the small list is unused when small = 0
            if (inSmall.Count > 0)
                await lists.SubmitTransactionAsync(inSmall.Select(i => new TableTransactionAction(TableTransactionActionType.Add,
                    new ListMemberEntity { PartitionKey = tenantId, RowKey = ListMemberEntity.RowKeyFor(smallList, Id(i)), ContactId = Id(i), AddedAt = now })), ct);
        });
        return (list, smallList);
    }

    private const int FloorBatchesAtOnce = 16;

    /// <summary>
    /// What the store alone needs for the send path's writes, batched as the engine batches them: per batch of
    /// 99 recipients one insert, one claim and one result transaction (each with its counter delta row, under
    /// ETags), and one wamid index transaction. In tables of their own, dropped afterwards, so the campaign after
    /// it meets the same store it would have met without.
    /// </summary>
    private static async Task<TimeSpan> StorageFloorAsync(OneClickEnvironment env, int count)
    {
        var service = new TableServiceClient(env.Azurite.ConnectionString);
        var (recipientsTable, indexTable) = (service.GetTableClient("floorrecipients"), service.GetTableClient("floorindex"));
        await recipientsTable.CreateIfNotExistsAsync();
        await indexTable.CreateIfNotExistsAsync();
        const string Partition = "floor|k0000000000000000000000000|0000000000000000000";
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, (count + CampaignRecipientStore.BatchSize - 1) / CampaignRecipientStore.BatchSize),
            new ParallelOptions { MaxDegreeOfParallelism = FloorBatchesAtOnce }, async (chunk, ct) =>
        {
            var first = chunk * CampaignRecipientStore.BatchSize;
            var rows = Enumerable.Range(first, Math.Min(CampaignRecipientStore.BatchSize, count - first)).Select(i => new CampaignRecipientEntity
            {
                PartitionKey = Partition, RowKey = "c" + i.ToString("D24", CultureInfo.InvariantCulture), To = Phone(i), Step = "0:0000000000000000", UpdatedAt = DateTimeOffset.UtcNow,
            }).ToList();
            async Task WriteAsync(TableTransactionActionType type)
            {
                var delta = new CampaignCounterEntity { PartitionKey = Partition, RowKey = CampaignCounterEntity.NewDeltaRowKey(), CountsJson = "{\"queued\":99}" };
                var response = await recipientsTable.SubmitTransactionAsync(
                    rows.Select(r => new TableTransactionAction(type, r, r.ETag)).Append(new TableTransactionAction(TableTransactionActionType.Add, delta)), ct);
                for (var i = 0; i < rows.Count; i++)
                    rows[i].ETag = response.Value[i].Headers.ETag!.Value;
            }
            await WriteAsync(TableTransactionActionType.Add);
            rows.ForEach(r => (r.Status, r.ClaimedAt, r.Attempts) = ("sending", DateTimeOffset.UtcNow, 1));
            await WriteAsync(TableTransactionActionType.UpdateReplace);
            rows.ForEach(r => (r.Status, r.MetaMessageId) = ("accepted", "wamid." + r.RowKey));
            await WriteAsync(TableTransactionActionType.UpdateReplace);
            await indexTable.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new MessageByMetaIdEntity
            {
                PartitionKey = "floor", RowKey = r.MetaMessageId!, CampaignRecipientPartition = Partition, CampaignRecipientRow = r.RowKey,
            })), ct);
        });
        var elapsed = clock.Elapsed;
        await recipientsTable.DeleteAsync();
        await indexTable.DeleteAsync();
        return elapsed;
    }

    private const int StatusFloorPerTransaction = 32;
    /// <summary>Three transactions per shard at once: enough that Azurite always has the next request waiting.</summary>
    private const int StatusFloorBatchesAtOnce = 12;

    /// <summary>
    /// What the store alone needs for the status path, as the code does it, for 3N webhooks (sent, then delivered, then
    /// read, each for every recipient): the raw bodies in queue messages of <paramref name="perMessage"/> webhooks each, as
    /// the app's inbox grouped them in the same run (a put, a share of a receive of 16 and a delete per message); per
    /// {StatusFloorPerTransaction} webhooks of one shard one transaction with, per webhook, its marker's insert and a
    /// merge of the row under the ETag its previous write got back (the send path's, then the status before), and a
    /// rewrite of a running counter delta under the ETag of its last write (as a writer keeps one per shard, one per batch
    /// in flight here).
    /// Run against a table of N recipient rows (and a queue) of its own, <see cref="StatusFloorBatchesAtOnce"/> batches at once.
    /// </summary>
    private static async Task<TimeSpan> StatusFloorAsync(OneClickEnvironment env, int count, double perMessage)
    {
        var service = new TableServiceClient(env.Azurite.ConnectionString);
        var table = service.GetTableClient("floorstatuses");
        var queue = new Azure.Storage.Queues.QueueClient(env.Azurite.ConnectionString, "floor-statuses");
        await table.CreateIfNotExistsAsync();
        await queue.CreateIfNotExistsAsync();
        const string Occurrence = "floor|k0000000000000000000000000|0000000000000000000";
        static string Key(int i) => "c" + i.ToString("D24", CultureInfo.InvariantCulture);
        // The recipients as the send path leaves them, with the ETags it gets back (not timed).
        var etags = new Azure.ETag[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count).GroupBy(i => CampaignRecipientStore.PartitionOf(Occurrence, Key(i))).SelectMany(g => g.Chunk(100)),
            new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (chunk, ct) =>
            {
                var response = await table.SubmitTransactionAsync(chunk.Select(i => new TableTransactionAction(TableTransactionActionType.Add, new CampaignRecipientEntity
                {
                    PartitionKey = CampaignRecipientStore.PartitionOf(Occurrence, Key(i)), RowKey = Key(i), To = Phone(i), Status = "accepted",
                    MetaMessageId = "wamid.HBgL" + Key(i), Step = "0:0000000000000000", UpdatedAt = DateTimeOffset.UtcNow,
                })), ct);
                for (var n = 0; n < chunk.Length; n++)
                    etags[chunk[n]] = response.Value[n].Headers.ETag!.Value;
            });
        var body = new string('x', 900); // about the size of a status webhook's queue message
        var runningDeltas = new System.Collections.Concurrent.ConcurrentDictionary<string, System.Collections.Concurrent.ConcurrentBag<(string RowKey, Azure.ETag ETag)>>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        foreach (var status in new[] { "sent", "delivered", "read" })
        {
            var batches = Enumerable.Range(0, count).GroupBy(i => CampaignRecipientStore.PartitionOf(Occurrence, Key(i))).SelectMany(g => g.Chunk(StatusFloorPerTransaction));
            await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = StatusFloorBatchesAtOnce }, async (batch, ct) =>
            {
                // The batch's webhooks in as many queue messages as the app's inbox would use for them.
                var messages = Math.Max(1, (int)Math.Round(batch.Length / Math.Max(1.0, perMessage)));
                var content = string.Concat(Enumerable.Repeat(body, (int)Math.Ceiling((double)batch.Length / messages)));
                await Task.WhenAll(Enumerable.Range(0, messages).Select(_ => queue.SendMessageAsync(content, ct)));
                var received = new List<Azure.Storage.Queues.Models.QueueMessage>();
                // Never more than this batch put: the batches share the queue, and taking another's messages would starve it.
                while (received.Count < messages)
                    received.AddRange((await queue.ReceiveMessagesAsync(Math.Min(16, messages - received.Count), TimeSpan.FromMinutes(5), ct)).Value);
                var partition = CampaignRecipientStore.PartitionOf(Occurrence, Key(batch[0]));
                var actions = new List<TableTransactionAction>();
                foreach (var i in batch)
                {
                    actions.Add(new(TableTransactionActionType.Add, new TableEntity(partition, $"~~|{Key(i)}|wamid.HBgL{Key(i)}|{StatusLevel(status)}")));
                    var change = new TableEntity(partition, Key(i)) { ["Status"] = status, ["Detail"] = $"{status} at {DateTimeOffset.UtcNow:O}", ["UpdatedAt"] = DateTimeOffset.UtcNow };
                    actions.Add(new(TableTransactionActionType.UpdateMerge, change, etags[i]));
                }
                var idle = runningDeltas.GetOrAdd(partition, _ => []);
                var rewrites = idle.TryTake(out var running);
                var delta = new CampaignCounterEntity { PartitionKey = partition, RowKey = rewrites ? running.RowKey : CampaignCounterEntity.NewRunningDeltaRowKey(), CountsJson = "{}" };
                actions.Add(rewrites ? new(TableTransactionActionType.UpdateReplace, delta, running.ETag) : new(TableTransactionActionType.Add, delta));
                var written = await table.SubmitTransactionAsync(actions, ct);
                idle.Add((delta.RowKey, written.Value[^1].Headers.ETag!.Value));
                for (var n = 0; n < batch.Length; n++)
                    etags[batch[n]] = written.Value[2 * n + 1].Headers.ETag!.Value;
                await Task.WhenAll(received.Select(async m =>
                {
                    try
                    {
                        await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt, ct);
                    }
                    catch (Azure.RequestFailedException e) when (e.ErrorCode is "PopReceiptMismatch" or "MessageNotFound")
                    {
                        // Azurite can hand one message to two concurrent receives; the app's host meets the same and moves on.
                    }
                }));
            });
        }
        var elapsed = clock.Elapsed;
        await table.DeleteAsync();
        await queue.DeleteAsync();
        return elapsed;
    }

    private static int StatusLevel(string status) => status switch { "sent" => 1, "delivered" => 2, _ => 3 };

    /// <summary>Waits until the webhook queue is empty and the last invocations had time to finish.</summary>
    private static async Task DrainAsync(OneClickEnvironment env)
    {
        var queue = env.Storage.Queue(QueueNames.WebhookEvents);
        while ((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
            await Task.Delay(250);
        await Task.Delay(2_000);
    }

    /// <summary>The local host's queue-trigger requests (receives, idle polls of every queue included, and deletes).</summary>
    private static long HostQueueRequests(StorageRequestCounter counter) =>
        counter.Profile().Where(o => o.Operation.StartsWith("queue ", StringComparison.Ordinal)
            && (o.Operation.EndsWith(" receive", StringComparison.Ordinal) || o.Operation.EndsWith(" delete", StringComparison.Ordinal))).Sum(o => o.Count);

    /// <summary>Storage requests by table or queue and operation, per unit of work, with their mean latency.</summary>
    private static void PrintProfile(StorageRequestCounter counter, long units, string unit)
    {
        foreach (var (operation, count, mean) in counter.Profile())
            Console.WriteLine($"    {operation,-48} {(double)count / units,7:0.000} per {unit}  mean {mean.TotalMilliseconds,7:0.0} ms");
    }

    private static string Phone(int i) => "+1415" + (2_000_000 + i).ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>The same number of sends, straight to the sandbox, same payload shape, same concurrency.</summary>
    private static async Task<TimeSpan> RawFloorAsync(OneClickEnvironment env, int count, int concurrency)
    {
        var phoneNumberId = "9" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999).ToString(CultureInfo.InvariantCulture);
        var token = "EAAG" + Guid.NewGuid().ToString("N");
        using (var register = await env.Http.PostAsJsonAsync(new Uri(env.SandboxUrl, "_sandbox/phone-numbers"), new
        {
            phoneNumberId, wabaId = "1" + phoneNumberId[1..], accessToken = token, appSecret = Guid.NewGuid().ToString("N"),
            displayPhoneNumber = "15550100009", verifiedName = "Raw floor",
        }))
            register.EnsureSuccessStatusCode();
        using var http = new HttpClient();
        var url = new Uri(env.SandboxUrl, $"v25.0/{phoneNumberId}/messages");
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            var payload = new JsonObject
            {
                ["messaging_product"] = "whatsapp", ["recipient_type"] = "individual", ["to"] = Phone(i), ["type"] = "template",
                ["template"] = new JsonObject { ["name"] = "hello_world", ["language"] = new JsonObject { ["code"] = "en_US" } },
                ["biz_opaque_callback_data"] = $"oc2:k0000000000000000000000000:0000000000000000000:{i}",
            }.ToJsonString();
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsStringAsync(ct);
        });
        return clock.Elapsed;
    }

    private static async Task<string> LaunchAsync(TestTenant tenant, string list)
    {
        using var response = await tenant.PostAsync("api/campaigns", new
        {
            name = "Benchmark", launch = true, audience = new { lists = new[] { list } },
            message = new { type = "template", template = new { name = "hello_world", language = "en_US" } },
        });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException(body);
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    /// <summary>
    /// How often the status phases read the stats. Each read is a range query over the occurrence's counter rows, which
    /// Azure answers from its index but Azurite by scanning the whole table (about 0.2 ms per 1,000 rows): at full size,
    /// reads four times a second took a fifth of Azurite's core from the path measured. So the benchmark reads rarely and
    /// takes the moment the stats became final from the rows themselves (<see cref="LastStatusWriteAsync"/>).
    /// </summary>
    private const int FinalPollMs = 2000;

    /// <summary>
    /// When the last status was applied: the latest write to any of the occurrence's recipient rows. A status and its
    /// count are one transaction, so that write is when the stats became final. Read after the measurement, with a
    /// client of its own (not counted).
    /// </summary>
    private static async Task<DateTimeOffset> LastStatusWriteAsync(OneClickEnvironment env, TestTenant tenant, string campaignId)
    {
        var table = new TableServiceClient(env.Azurite.ConnectionString).GetTableClient(TableNames.CampaignRecipients);
        var prefix = $"{tenant.Id}|{campaignId}|";
        var last = DateTimeOffset.MinValue;
        await foreach (var row in table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey lt {prefix + "~"} and RowKey lt {CampaignCounterEntity.Prefix}"), 1000, ["Timestamp"]))
            last = row.Timestamp is { } written && written > last ? written : last;
        return last != DateTimeOffset.MinValue ? last : throw new InvalidOperationException($"Campaign {campaignId} has no recipient rows with a timestamp.");
    }

    private static async Task<JsonObject> WaitForAsync(TestTenant tenant, string campaignId, Func<JsonObject, bool> done, TimeSpan timeout, int pollMs = 1000)
    {
        var deadline = DateTime.UtcNow + timeout;
        var verbose = Environment.GetEnvironmentVariable("ONECLICK_BENCH_VERBOSE") == "1";
        var clock = Stopwatch.StartNew();
        while (true)
        {
            JsonObject campaign;
            try
            {
                campaign = await tenant.GetJsonAsync($"api/campaigns/{campaignId}");
            }
            catch (TaskCanceledException) when (DateTime.UtcNow < deadline)
            {
                // An app busy with a backlog may answer a poll late; that is not the end of the run.
                continue;
            }
            if (verbose)
                Console.WriteLine($"  {clock.Elapsed.TotalSeconds,6:0.0}s targeted {campaign["stats"]?["targeted"]} queued {campaign["stats"]?["queued"]} accepted {campaign["stats"]?["accepted"]} " +
                    $"sent {campaign["stats"]?["sent"]} delivered {campaign["stats"]?["delivered"]} read {campaign["stats"]?["read"]}");
            if (campaign["stats"] is not null && done(campaign))
                return campaign;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Campaign {campaignId} did not finish: {campaign.ToJsonString()}");
            await Task.Delay(pollMs);
        }
    }

    private static int Option(IReadOnlyList<string> args, string name, int fallback)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == name)
                return int.Parse(args[i + 1], CultureInfo.InvariantCulture);
        }
        return fallback;
    }
}

/// <summary>The test environment with storage requests counted, quiet logs and the campaign's send concurrency.</summary>
internal sealed class BenchmarkEnvironment(int concurrency) : OneClickEnvironment
{
    public async Task SandboxControlAsync(string path)
    {
        using var response = await Http.PostAsync(new Uri(SandboxUrl, path), null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Webhooks the sandbox has delivered (2xx) since it started: the benchmark's count of status webhooks.</summary>
    public async Task<int> WebhooksDeliveredAsync() =>
        (await Http.GetFromJsonAsync<JsonObject>(new Uri(SandboxUrl, "_sandbox/webhook-deliveries")))!["delivered"]!.GetValue<int>();

    public StorageRequestCounter Counter { get; } = new();

    protected override LogLevel HostLogLevel => LogLevel.Warning;

    /// <summary>The host's own receives and deletes are storage requests of the status path too.</summary>
    protected override HttpPipelinePolicy? HostQueuePolicy => Counter;

    protected override void Configure(FunctionsApplicationBuilder builder)
    {
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration["Campaigns:MaxConcurrentSends"] = concurrency.ToString(CultureInfo.InvariantCulture);
        Counter.Learn(builder.Configuration["AzureWebJobsStorage"] ?? "");
        builder.Services.AddSingleton(sp => new StorageAccount(builder.Configuration, sp.GetRequiredService<HostSettings>().MessageEncoding, Counter));
    }
}

/// <summary>The webhook queue's deepest backlog, sampled every 500 ms: deep means processing bounds the figure, shallow the accept path.</summary>
internal sealed class QueueDepth
{
    private volatile bool _stopped;
    private Task<int> _sampling = Task.FromResult(0);

    public static QueueDepth Start(BenchmarkEnvironment env)
    {
        // A client of its own: the benchmark's sampling is not the app's storage request.
        var queue = new Azure.Storage.Queues.QueueClient(env.Azurite.ConnectionString, QueueNames.WebhookEvents);
        var depth = new QueueDepth();
        depth._sampling = Task.Run(async () =>
        {
            var deepest = 0;
            while (!depth._stopped)
            {
                deepest = Math.Max(deepest, (await queue.GetPropertiesAsync(CancellationToken.None)).Value.ApproximateMessagesCount);
                await Task.Delay(500, CancellationToken.None);
            }
            return deepest;
        });
        return depth;
    }

    public async Task<int> StopAsync()
    {
        _stopped = true;
        return await _sampling;
    }
}

/// <summary>
/// The app's <c>oneclick.campaign.status_*</c> metrics, read in process: status transactions committed (and the webhooks
/// in each), and refused for one step (already applied, or planned again), which Azurite applies and then rolls back;
/// and the time status steps spend in each phase of the writer.
/// </summary>
internal sealed class StatusTransactionCounter : IDisposable
{
    private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _byOutcome = new(StringComparer.Ordinal);
    /// <summary>Per phase of a status step (total, read, wait, commit): how many steps, and their milliseconds summed.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Count, double Ms)> _phases = new(StringComparer.Ordinal);
    private long _committedWebhooks;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public StatusTransactionCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "OneClick" && instrument.Name.StartsWith("oneclick.campaign.status_", StringComparison.Ordinal))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "oneclick.outcome")
                    _byOutcome.AddOrUpdate(tag.Value?.ToString() ?? "", value, (_, n) => n + value);
        });
        _listener.SetMeasurementEventCallback<int>((_, value, _, _) => Interlocked.Add(ref _committedWebhooks, value));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "oneclick.phase")
                    _phases.AddOrUpdate(tag.Value?.ToString() ?? "", (1, value), (_, p) => (p.Count + 1, p.Ms + value));
        });
        _listener.Start();
    }

    public string Summary(long webhooks)
    {
        long Of(string outcome) => _byOutcome.GetValueOrDefault(outcome);
        var (committed, applied, replanned, newDelta) = (Of("committed"), Of("already_applied"), Of("replanned"), Of("new_delta"));
        var refused = applied + replanned + newDelta;
        var total = Math.Max(1, committed + refused);
        return $"{committed:N0} committed ({(double)_committedWebhooks / Math.Max(1, committed):0.0} webhooks each), {refused:N0} refused ({(double)refused / total:P0}: {applied:N0} for a step already applied, " +
            $"{replanned:N0} for a guess or ETag that no longer held, {newDelta:N0} for a running delta changed elsewhere); {(double)total / webhooks:0.000} per webhook";
    }

    private static readonly string[] Phases = ["total", "read", "wait", "commit"];

    /// <summary>
    /// Where status steps spent their time, and (Little's law: time summed over the window) how many were in each phase
    /// at once on average: steps waiting per shard is what fills a transaction.
    /// </summary>
    public string Profile()
    {
        var window = _clock.Elapsed.TotalMilliseconds;
        return string.Join("; ", Phases.Select(phase =>
        {
            var (count, ms) = _phases.GetValueOrDefault(phase);
            return $"{phase} {count:N0} × {ms / Math.Max(1, count):0.0} ms = {ms / window:0.0} at once";
        }));
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>
/// Counts every request the app's storage clients make (retries included), by service, and profiles them: count and
/// time in flight per table or queue and operation (point read, query, transaction, put, receive, delete, …).
/// </summary>
internal sealed class StorageRequestCounter : HttpPipelinePolicy
{
    private long _tables, _queues, _blobs;
    private int _queuePort = -1, _blobPort = -1;
    private System.Collections.Concurrent.ConcurrentDictionary<string, StrongBox<(long Count, long Ticks)>> _byOperation = new(StringComparer.Ordinal);

    /// <summary>Azurite serves each service on its own port; the connection string says which.</summary>
    public void Learn(string connectionString)
    {
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = (part.Split('=', 2)[0], part.Split('=', 2).ElementAtOrDefault(1));
            if (value is null || !Uri.TryCreate(value, UriKind.Absolute, out var uri))
                continue;
            if (key == "QueueEndpoint")
                _queuePort = uri.Port;
            else if (key == "BlobEndpoint")
                _blobPort = uri.Port;
        }
    }

    public void Reset()
    {
        (_tables, _queues, _blobs) = (0, 0, 0);
        _byOperation = new(StringComparer.Ordinal);
    }

    public (long Tables, long Queues, long Blobs) Snapshot() => (Interlocked.Read(ref _tables), Interlocked.Read(ref _queues), Interlocked.Read(ref _blobs));

    /// <summary>Requests and mean latency by "service target operation", most frequent first.</summary>
    public IEnumerable<(string Operation, long Count, TimeSpan Mean)> Profile() =>
        _byOperation.Select(o => (o.Key, o.Value.Value.Count, TimeSpan.FromTicks(o.Value.Value.Ticks / Math.Max(1, o.Value.Value.Count))))
            .OrderByDescending(o => o.Count);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        ProcessNext(message, pipeline);
        Count(message, Stopwatch.GetElapsedTime(started));
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        await ProcessNextAsync(message, pipeline);
        Count(message, Stopwatch.GetElapsedTime(started));
    }

    private void Count(HttpMessage message, TimeSpan elapsed)
    {
        var port = message.Request.Uri.Port;
        string service;
        if (port == _queuePort)
            (service, _) = ("queue", Interlocked.Increment(ref _queues));
        else if (port == _blobPort)
            (service, _) = ("blob", Interlocked.Increment(ref _blobs));
        else
            (service, _) = ("table", Interlocked.Increment(ref _tables));
        var key = $"{service} {Operation(service, message.Request)}";
        var box = _byOperation.GetOrAdd(key, _ => new StrongBox<(long, long)>());
        lock (box)
            box.Value = (box.Value.Count + 1, box.Value.Ticks + elapsed.Ticks);
    }

    /// <summary>"{table or queue} {operation}" from the request line: Azurite's paths are /{account}/{resource}….</summary>
    private static string Operation(string service, Request request)
    {
        var segments = request.Uri.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = segments.ElementAtOrDefault(1) ?? "";
        var method = request.Method.ToString();
        if (service == "table")
        {
            var table = resource.Split('(')[0];
            if (table == "$batch")
                return "(batch) transaction";
            var pointed = resource.Contains("RowKey=", StringComparison.Ordinal);
            return method switch
            {
                "GET" when table.Length == 0 || request.Uri.Query.Contains("comp=", StringComparison.Ordinal) => "service",
                "GET" => $"{table} {(pointed ? "point read" : "query")}",
                "POST" => $"{table} insert",
                _ => $"{table} {method.ToLowerInvariant()}",
            };
        }
        if (service == "queue")
        {
            var op = (method, segments.Length) switch
            {
                ("GET", _) when request.Uri.Query.Contains("comp=metadata", StringComparison.Ordinal) => "properties",
                ("POST", _) => "put",
                ("GET", _) => "receive",
                ("DELETE", > 3) => "delete",
                ("PUT", > 3) => "update",
                _ => method.ToLowerInvariant(),
            };
            return $"{resource} {op}";
        }
        return $"{resource} {method.ToLowerInvariant()}";
    }
}

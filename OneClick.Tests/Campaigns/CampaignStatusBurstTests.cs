using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Campaigns;
using OneClick.Core.Campaigns.StatusWebhooks;
using OneClick.Core.Storage;
using OneClick.Core.Webhooks;
using OneClick.Tests.BadInput;
using OneClick.Tests.Conversations;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

/// <summary>
/// Status webhooks for one occurrence, as Meta may deliver them: every status several times, in any order, taken by
/// several processors at once (each with its own <see cref="CampaignStatusWriter"/>, as separate instances would be,
/// plus the app's own queue path). The counts must come out exact, and match the rows.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class CampaignStatusBurstTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Duplicate_and_reordered_statuses_from_concurrent_processors_count_exactly()
    {
        var (tenant, campaignId, occurrence, recipients) = await SentCampaignAsync(24);

        // Per recipient: in order; reversed; read and sent only (no delivered); sent then failed. Each three times.
        var statuses = new List<(string Key, JsonObject Status)>();
        for (var i = 0; i < recipients.Count; i++)
        {
            var (key, wamid, callback) = recipients[i];
            string[] plan = (i % 4) switch
            {
                0 => ["sent", "delivered", "read"],
                1 => ["read", "delivered", "sent"],
                2 => ["read", "sent"],
                _ => ["sent", "failed"],
            };
            foreach (var status in plan)
            {
                for (var copy = 0; copy < 3; copy++)
                    statuses.Add((key, Status(wamid, status, callback)));
            }
        }
        var shuffled = statuses.OrderBy(_ => Random.Shared.Next()).ToList();

        // Four processors with their own writers apply one share each, and the app's queue path takes every fourth copy too.
        var store = env.App.Services.GetRequiredService<CampaignRecipientStore>();
        var writers = Enumerable.Range(0, 4).Select(_ => store.StatusWriter(TimeProvider.System)).ToList();
        var direct = shuffled.Select((s, n) => Task.Run(() => writers[n % writers.Count].ApplyAsync(occurrence, s.Key, Parse(s.Status), CancellationToken.None))).ToList();
        var viaWebhook = shuffled.Where((_, n) => n % 4 == 0).Select(s => SignedWebhooks.PostAsync(tenant, Envelope(tenant, s.Status))).ToList();
        await Task.WhenAll(direct);
        await Task.WhenAll(viaWebhook);

        var stats = await tenant.WaitForStatsAsync(campaignId, s => s.L("read") == 18 && s.L("failed.total") == 6);
        await Queues.DrainAsync(env, QueueNames.WebhookEvents);
        stats = (await tenant.Get($"api/campaigns/{campaignId}/stats")).Json;
        Assert.Equal(24, stats.L("targeted"));
        Assert.Equal(18, stats.L("read"));
        Assert.Equal(6, stats.L("failed.byCode.131026"));
        Assert.Equal(0, stats.L("delivered"));
        Assert.Equal(0, stats.L("sent"));
        Assert.Equal(0, stats.L("accepted"));
        CampaignTestKit.AssertAccountedFor(stats);

        // The counters agree with the rows.
        var rows = await tenant.RecipientsAsync(campaignId, pageSize: 50);
        Assert.Equal(18, rows.Count(r => r["status"]!.GetValue<string>() == "read"));
        Assert.Equal(6, rows.Count(r => r["status"]!.GetValue<string>() == "failed"));
    }

    [Fact]
    public async Task A_crash_between_the_queue_message_and_its_table_write_changes_no_count()
    {
        var (tenant, campaignId, occurrence, recipients) = await SentCampaignAsync(6);
        var store = env.App.Services.GetRequiredService<CampaignRecipientStore>();
        var inbox = env.App.Services.GetRequiredService<WebhookInbox>();

        // A processor wrote "sent" and "delivered" and died before deleting its queue messages: they come back.
        var writer = store.StatusWriter(TimeProvider.System);
        foreach (var (key, wamid, callback) in recipients)
        {
            Assert.True(await writer.ApplyAsync(occurrence, key, Parse(Status(wamid, "sent", callback)), CancellationToken.None));
            Assert.True(await writer.ApplyAsync(occurrence, key, Parse(Status(wamid, "delivered", callback)), CancellationToken.None));
        }
        foreach (var (_, wamid, callback) in recipients)
            await inbox.AcceptAsync(tenant.Id, Encoding.UTF8.GetBytes(Envelope(tenant, Status(wamid, "delivered", callback))), "redelivery", CancellationToken.None);
        await Queues.DrainAsync(env, QueueNames.WebhookEvents);
        var stats = (await tenant.Get($"api/campaigns/{campaignId}/stats")).Json;
        Assert.Equal(6, stats.L("delivered"));
        Assert.Equal(0, stats.L("sent"));
        CampaignTestKit.AssertAccountedFor(stats);

        // A processor died before its table write (its caller gave up first): nothing was written, and the message,
        // delivered again, counts once.
        using (var crashed = new CancellationTokenSource())
        {
            await crashed.CancelAsync();
            var (key, wamid, callback) = recipients[0];
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.ApplyAsync(occurrence, key, Parse(Status(wamid, "read", callback)), crashed.Token));
        }
        Assert.Equal(0, (await tenant.Get($"api/campaigns/{campaignId}/stats")).Json.L("read"));
        foreach (var (_, wamid, callback) in recipients)
            await inbox.AcceptAsync(tenant.Id, Encoding.UTF8.GetBytes(Envelope(tenant, Status(wamid, "read", callback))), "redelivery", CancellationToken.None);
        stats = await tenant.WaitForStatsAsync(campaignId, s => s.L("read") == 6);
        await Queues.DrainAsync(env, QueueNames.WebhookEvents);
        stats = (await tenant.Get($"api/campaigns/{campaignId}/stats")).Json;
        Assert.Equal(6, stats.L("read"));
        Assert.Equal(0, stats.L("delivered"));
        CampaignTestKit.AssertAccountedFor(stats);
    }

    [Fact]
    public async Task A_duplicate_of_a_status_this_instance_stored_costs_no_storage_request()
    {
        var (tenant, campaignId, occurrence, recipients) = await SentCampaignAsync(2);
        var (writer, recorder) = CountingWriter();

        foreach (var (key, wamid, callback) in recipients)
        {
            foreach (var status in new[] { "sent", "delivered", "read" })
            {
                Assert.True(await writer.ApplyAsync(occurrence, key, Parse(Status(wamid, status, callback)), CancellationToken.None));
                var before = recorder.Requests.Count;
                Assert.False(await writer.ApplyAsync(occurrence, key, Parse(Status(wamid, status, callback)), CancellationToken.None));
                Assert.Equal(before, recorder.Requests.Count);
            }
        }

        await AssertAllReadAsync(tenant, campaignId, 2);
    }

    [Fact]
    public async Task A_read_before_its_delivered_is_one_transaction_when_this_instance_stored_its_sent()
    {
        var (tenant, campaignId, occurrence, recipients) = await SentCampaignAsync(2);
        var (writer, recorder) = CountingWriter();

        foreach (var (key, wamid, callback) in recipients)
        {
            Assert.True(await writer.ApplyAsync(occurrence, key, Parse(Status(wamid, "sent", callback)), CancellationToken.None));
            var before = recorder.Requests.Count;
            Assert.True(await writer.ApplyAsync(occurrence, key, Parse(Status(wamid, "read", callback)), CancellationToken.None));
            // One transaction from the row as this instance wrote it: no read, no blind guess ("at delivered") to refuse.
            Assert.Equal(1, recorder.Requests.Count - before);
            before = recorder.Requests.Count;
            Assert.False(await writer.ApplyAsync(occurrence, key, Parse(Status(wamid, "delivered", callback)), CancellationToken.None));
            Assert.Equal(before, recorder.Requests.Count);
        }

        await AssertAllReadAsync(tenant, campaignId, 2);
    }

    [Fact]
    public async Task Statuses_of_sends_this_instance_recorded_read_no_row()
    {
        var (tenant, campaignId, occurrence, recipients) = await SentCampaignAsync(2);
        var store = env.App.Services.GetRequiredService<CampaignRecipientStore>();
        var (writer, recorder) = CountingWriter(store.RowVersions);

        foreach (var (key, wamid, callback) in recipients)
        {
            foreach (var status in new[] { "sent", "delivered", "read" })
            {
                var before = recorder.Requests.Count;
                Assert.True(await writer.ApplyAsync(occurrence, key, Parse(Status(wamid, status, callback)), CancellationToken.None));
                // One transaction each, under the ETag the send path (then this writer) got back.
                Assert.Equal(1, recorder.Requests.Count - before);
            }
        }

        await AssertAllReadAsync(tenant, campaignId, 2);
    }

    [Fact]
    public async Task A_sent_status_for_a_row_changed_since_its_send_reads_the_row_and_counts_once()
    {
        var (tenant, campaignId, occurrence, recipients) = await SentCampaignAsync(2);
        var store = env.App.Services.GetRequiredService<CampaignRecipientStore>();
        var (writer, recorder) = CountingWriter(store.RowVersions);

        // Another instance applied "sent" first: the ETag this instance kept no longer holds.
        var (key, wamid, callback) = recipients[0];
        Assert.True(await CountingWriter().Writer.ApplyAsync(occurrence, key, Parse(Status(wamid, "sent", callback)), CancellationToken.None));

        var before = recorder.Requests.Count;
        Assert.False(await writer.ApplyAsync(occurrence, key, Parse(Status(wamid, "sent", callback)), CancellationToken.None));
        Assert.Equal(1, recorder.Requests.Count - before); // its marker exists: refused, nothing written

        // Another instance changed the row after its send: the kept ETag is refused, the row is read, and sent counts once.
        (key, wamid, callback) = recipients[1];
        var row = (await store.GetManyAsync(occurrence, [key], CancellationToken.None)).Single();
        var table = new TableClient(env.Azurite.ConnectionString, TableNames.CampaignRecipients);
        await table.UpdateEntityAsync(new TableEntity(row.PartitionKey, row.RowKey) { ["Detail"] = "changed elsewhere" }, row.ETag);
        before = recorder.Requests.Count;
        Assert.True(await writer.ApplyAsync(occurrence, key, Parse(Status(wamid, "sent", callback)), CancellationToken.None));
        Assert.Equal(3, recorder.Requests.Count - before); // refused, read, written
        Assert.False(await store.StatusWriter(TimeProvider.System).ApplyAsync(occurrence, key, Parse(Status(wamid, "sent", callback)), CancellationToken.None));

        var stats = (await tenant.Get($"api/campaigns/{campaignId}/stats")).Json;
        Assert.Equal(2, stats.L("sent"));
        Assert.Equal(0, stats.L("accepted"));
        CampaignTestKit.AssertAccountedFor(stats);
    }

    [Fact]
    public async Task A_writer_keeps_one_running_delta_per_shard_and_compaction_leaves_it_alone()
    {
        var (tenant, campaignId, occurrence, recipients) = await SentCampaignAsync(12);
        var store = env.App.Services.GetRequiredService<CampaignRecipientStore>();
        var sendDeltas = (await CounterRowsAsync(occurrence)).Count(r => !IsRunning(r));

        // One transaction per status (each waits for the last), so 36 deltas had there been one per transaction.
        var writer = store.StatusWriter(TimeProvider.System);
        foreach (var (key, wamid, callback) in recipients)
        {
            foreach (var status in new[] { "sent", "delivered", "read" })
                Assert.True(await writer.ApplyAsync(occurrence, key, Parse(Status(wamid, status, callback)), CancellationToken.None));
        }

        var rows = await CounterRowsAsync(occurrence);
        var shards = recipients.Select(r => CampaignRecipientStore.PartitionOf(occurrence, r.Key)).Distinct().Count();
        Assert.Equal(shards, rows.Count(IsRunning));
        Assert.All(rows.Where(IsRunning).GroupBy(r => r.PartitionKey), shard => Assert.Single(shard));
        Assert.Equal(sendDeltas, rows.Count(r => !IsRunning(r)));

        // Readers sum running deltas with the rest. A shard with many deltas is folded when read (here 42 more that
        // sum to nothing), and the fold never takes a running delta: only its writer writes it.
        var crowded = rows.First(IsRunning).PartitionKey;
        var table = new TableClient(env.Azurite.ConnectionString, TableNames.CampaignRecipients);
        await table.SubmitTransactionAsync(Enumerable.Range(0, 42).Select(n => new TableTransactionAction(TableTransactionActionType.Add,
            new CampaignCounterEntity { PartitionKey = crowded, RowKey = $"{CampaignCounterEntity.DeltaPrefix}0-{n:D2}", CountsJson = n % 2 == 0 ? """{"read":1}""" : """{"read":-1}""" })));
        await AssertAllReadAsync(tenant, campaignId, 12);
        var after = await CounterRowsAsync(occurrence);
        Assert.DoesNotContain(after, r => r.RowKey.StartsWith($"{CampaignCounterEntity.DeltaPrefix}0-", StringComparison.Ordinal));
        Assert.Equal(rows.Where(IsRunning).Select(r => r.RowKey).Order(), after.Where(IsRunning).Select(r => r.RowKey).Order());
        await AssertAllReadAsync(tenant, campaignId, 12);
    }

    [Fact]
    public async Task A_running_delta_folded_elsewhere_or_written_by_a_transaction_whose_answer_was_lost_loses_no_count()
    {
        var (tenant, campaignId, occurrence, recipients) = await SentCampaignAsync(6);
        var answers = new LosesOneAnswer();
        var storage = StorageRequestRecorder.Storage(env.Azurite.ConnectionString, answers);
        var writer = new CampaignStatusWriter(storage.Table(TableNames.CampaignRecipients), TimeProvider.System, new RowVersions());
        foreach (var (key, wamid, callback) in recipients)
            Assert.True(await writer.ApplyAsync(occurrence, key, Parse(Status(wamid, "sent", callback)), CancellationToken.None));

        // An instance of an earlier version, whose compaction folds every delta, folds the running deltas into their base rows.
        var table = new TableClient(env.Azurite.ConnectionString, TableNames.CampaignRecipients);
        foreach (var running in (await CounterRowsAsync(occurrence)).Where(IsRunning))
        {
            var found = await table.GetEntityIfExistsAsync<CampaignCounterEntity>(running.PartitionKey, CampaignCounterEntity.BaseRowKey);
            var baseRow = found.HasValue ? found.Value : null;
            var counts = CampaignCounts.FromJson(baseRow?.CountsJson);
            counts.Add(CampaignCounts.FromJson(running.CountsJson));
            var folded = new CampaignCounterEntity { PartitionKey = running.PartitionKey, RowKey = CampaignCounterEntity.BaseRowKey, CountsJson = counts.ToJson() };
            await table.SubmitTransactionAsync(
            [
                baseRow is null ? new(TableTransactionActionType.Add, folded) : new(TableTransactionActionType.UpdateReplace, folded, baseRow.ETag),
                new(TableTransactionActionType.Delete, running, running.ETag),
            ]);
        }
        foreach (var (key, wamid, callback) in recipients)
            Assert.True(await writer.ApplyAsync(occurrence, key, Parse(Status(wamid, "delivered", callback)), CancellationToken.None));
        var stats = (await tenant.Get($"api/campaigns/{campaignId}/stats")).Json;
        Assert.Equal(6, stats.L("delivered"));
        Assert.Equal(0, stats.L("sent"));
        CampaignTestKit.AssertAccountedFor(stats);

        // A transaction is stored but its answer never comes back: the caller fails (its queue message comes back), the
        // count is already in, and the redelivered status changes nothing.
        var (firstKey, firstWamid, firstCallback) = recipients[0];
        answers.LoseNext = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.ApplyAsync(occurrence, firstKey, Parse(Status(firstWamid, "read", firstCallback)), CancellationToken.None));
        Assert.Equal(1, (await tenant.Get($"api/campaigns/{campaignId}/stats")).Json.L("read"));
        foreach (var (key, wamid, callback) in recipients)
            Assert.Equal(key != firstKey, await writer.ApplyAsync(occurrence, key, Parse(Status(wamid, "read", callback)), CancellationToken.None));
        await AssertAllReadAsync(tenant, campaignId, 6);
    }

    /// <summary>Throws instead of returning the answer of the next transaction (after storage has applied it), once.</summary>
    private sealed class LosesOneAnswer : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        public volatile bool LoseNext;

        public override void OnReceivedResponse(Azure.Core.HttpMessage message)
        {
            if (LoseNext && message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal))
            {
                LoseNext = false;
                throw new InvalidOperationException("The transaction's answer was lost on the way back.");
            }
        }
    }

    private static bool IsRunning(CampaignCounterEntity row) => CampaignCounterEntity.IsRunningDelta(row.RowKey);

    /// <summary>The occurrence's counter deltas (running or not) across its shards.</summary>
    private async Task<List<CampaignCounterEntity>> CounterRowsAsync(string occurrence)
    {
        var table = new TableClient(env.Azurite.ConnectionString, TableNames.CampaignRecipients);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {occurrence + "|"} and PartitionKey lt {occurrence + "|~"} and RowKey ge {CampaignCounterEntity.DeltaPrefix} and RowKey lt {CampaignCounterEntity.BaseRowKey}");
        var rows = new List<CampaignCounterEntity>();
        await foreach (var row in table.QueryAsync<CampaignCounterEntity>(filter))
            rows.Add(row);
        return rows;
    }

    [Fact]
    public void Markers_sort_after_counters_and_recipients_so_no_page_or_count_reads_them()
    {
        var marker = StatusMarkers.RowKey("c01a207ca387b792bbb7aa9bf", "wamid.HBgL/abc+def==", 3);
        Assert.True(string.CompareOrdinal(marker, CampaignCounterEntity.BaseRowKey) > 0);
        Assert.True(string.CompareOrdinal(marker, CampaignCounterEntity.DeltaPrefix + "ffff") > 0);
        Assert.True(string.CompareOrdinal(marker, StatusMarkers.Prefix) >= 0);
        Assert.DoesNotContain('/', marker);
    }

    private static async Task AssertAllReadAsync(TestTenant tenant, string campaignId, int count)
    {
        var stats = (await tenant.Get($"api/campaigns/{campaignId}/stats")).Json;
        Assert.Equal(count, stats.L("read"));
        Assert.Equal(0, stats.L("delivered"));
        Assert.Equal(0, stats.L("sent"));
        CampaignTestKit.AssertAccountedFor(stats);
    }

    /// <summary>
    /// A writer of its own whose every storage request is recorded: as another instance's would be, or, given the app's
    /// <see cref="RowVersions"/>, as the app's own.
    /// </summary>
    private (CampaignStatusWriter Writer, StorageRequestRecorder Recorder) CountingWriter(RowVersions? rowsWrittenHere = null)
    {
        var (storage, recorder) = StorageRequestRecorder.Storage(env.Azurite.ConnectionString);
        return (new CampaignStatusWriter(storage.Table(TableNames.CampaignRecipients), TimeProvider.System, rowsWrittenHere ?? new RowVersions()), recorder);
    }

    /// <summary>A campaign whose sends are all accepted, with no status webhooks from the sandbox: the test sends its own.</summary>
    private async Task<(TestTenant Tenant, string CampaignId, string Occurrence, List<(string Key, string Wamid, string Callback)> Recipients)> SentCampaignAsync(int count)
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = (int?)null, delivered = (int?)null, read = (int?)null } });
        var people = await tenant.ContactsAsync(count);
        var created = await tenant.CampaignAsync(new { lists = new[] { await tenant.ListAsync(people) } });
        var campaignId = created["id"]!.GetValue<string>();
        var campaign = await tenant.WaitForCampaignAsync(campaignId, "completed");
        var occurrenceId = campaign["latestOccurrence"]!.GetValue<string>();
        var rows = await tenant.RecipientsAsync(campaignId, "accepted", pageSize: 50);
        Assert.Equal(count, rows.Count);
        var recipients = rows.Select(r => r["recipient"]!.GetValue<string>())
            .Zip(rows.Select(r => r["metaMessageId"]!.GetValue<string>()))
            .Select(p => (p.First, p.Second, CampaignCallbackReference.For(campaignId, occurrenceId, p.First)))
            .ToList();
        return (tenant, campaignId, CampaignRecipientEntity.PartitionFor(tenant.Id, campaignId, occurrenceId), recipients);
    }

    private static JsonObject Status(string wamid, string status, string callback)
    {
        var update = new JsonObject
        {
            ["id"] = wamid, ["status"] = status, ["recipient_id"] = "14155550100",
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["biz_opaque_callback_data"] = callback,
        };
        if (status == "failed")
            update["errors"] = new JsonArray(new JsonObject { ["code"] = 131026, ["title"] = "Message undeliverable" });
        return update;
    }

    private static StatusUpdate Parse(JsonObject status) => status.Deserialize<StatusUpdate>(WebhookJson.Options)!;

    private static string Envelope(TestTenant tenant, JsonObject status) =>
        SignedWebhooks.Envelope(tenant, [SignedWebhooks.Change(tenant, statuses: [status.DeepClone()])]);
}

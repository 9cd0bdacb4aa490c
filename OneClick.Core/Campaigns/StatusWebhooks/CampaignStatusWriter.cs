using System.Diagnostics;
using System.Diagnostics.Metrics;
using Azure;
using Azure.Data.Tables;
using OneClick.Core.Messages;
using OneClick.Core.Webhooks;

namespace OneClick.Core.Campaigns.StatusWebhooks;

/// <summary>
/// Applies campaign status webhooks to their recipient rows with about one table request per several webhooks, and
/// exact counts under duplicates, reordering and concurrent processors.
/// <para>
/// <b>Blind steps.</b> Besides its row, a recipient that Meta reports as sent, delivered, read or played has one
/// <see cref="StatusMarkers">marker row</see> per level reached (sent = 1 … played = 4), keyed by the recipient and Meta's
/// message id, all in the row's shard partition. Markers exist for exactly the levels up to the row's status, so
/// "delivered → read" needs no read: one transaction adds the read marker (it fails if the recipient is already read:
/// a duplicate), asserts the delivered marker (a merge that fails if it is missing: the recipient is not at delivered,
/// the statuses came out of order), merges the row's status, and counts delivered − 1, read + 1 in the shard's counter
/// delta. Storage checks the guess atomically, so a wrong guess writes nothing.
/// </para>
/// <para>
/// <b>Known steps.</b> When this instance wrote the row last (<see cref="RowVersions"/>: the send path at accepted, or
/// this writer), it knows the row's status and ETag: one transaction adds the step's marker (it fails for a
/// duplicate) and those between, merges the row's status under that ETag (it fails if anything changed the row since),
/// and moves the count. No read, no marker asserted: a campaign sent and tracked by one instance reads no row at all.
/// </para>
/// <para>
/// <b>Read steps.</b> The first status of a send another instance recorded, failures, and any step whose guess or
/// ETag failed read the row once and write it under its ETag with the markers it now needs (added, or deleted when it
/// leaves the ladder for failed), so the markers always match the row.
/// </para>
/// <para>
/// <b>Group commit.</b> Steps queue per shard partition; whenever no transaction is in flight for a shard, the next
/// one takes every waiting step (one per recipient, up to 100 actions with its counter delta). So a busy processor
/// writes dozens of webhooks per request and an idle one adds no delay. The counter delta is the writer's running delta
/// for the shard (<see cref="CampaignCounterEntity.RunningDeltaPrefix"/>), rewritten under the ETag of its last write:
/// one row per shard instead of one per transaction, which the emulator paid for twice, as an insert and a delete, each
/// costing time in proportion to the table. A step's caller waits until its transaction
/// committed, so the queue message is only deleted after its change is stored; a redelivered message finds its marker
/// or its row already moved and changes nothing.
/// </para>
/// </summary>
public sealed class CampaignStatusWriter(TableClient table, TimeProvider clock, RowVersions rowsWrittenHere)
{
    /// <summary>Table Storage's limit on one entity-group transaction, the counter delta included.</summary>
    private const int MaxActions = 100;
    /// <summary>Attempts per webhook before the invocation fails and the queue retries it (only contention repeats).</summary>
    private const int MaxAttempts = 25;

    private static readonly Meter Meter = new("OneClick");
    /// <summary>
    /// Every status transaction, by what came of it: committed, or refused for one step that was already applied (a
    /// duplicate or a stale status: its marker exists) or whose guess or ETag no longer held (it is planned again). A
    /// refused transaction is sent again without that step. A transaction refused for its running delta (new_delta) is
    /// sent again whole with a new one.
    /// </summary>
    private static readonly Counter<long> Transactions =
        Meter.CreateCounter<long>("oneclick.campaign.status_transactions", "{transaction}", "Campaign status transactions, by outcome: committed, already_applied, replanned or new_delta.");

    /// <summary>
    /// Where a step's time goes, by phase: in the writer from call to answer (total), reading its row (read), queued
    /// behind its shard's transaction in flight (wait), and in its own transaction (commit). Their sums over a run give
    /// how many steps were in each phase at once, which is what sizes the transactions.
    /// </summary>
    private static readonly Histogram<double> StepDuration =
        Meter.CreateHistogram<double>("oneclick.campaign.status_step.duration", "ms", "Time a campaign status step spends in the writer, by phase: total, read, wait or commit.");
    /// <summary>Webhooks per committed status transaction: Azurite's and Table Storage's cost is mostly per transaction.</summary>
    private static readonly Histogram<int> TransactionSize =
        Meter.CreateHistogram<int>("oneclick.campaign.status_transaction.webhooks", "{webhook}", "Webhooks per committed campaign status transaction.");

    /// <summary>Marker keys remembered per instance: enough for the statuses of several large campaigns in flight.</summary>
    private const int RememberedMarkers = 200_000;

    private readonly Dictionary<string, ShardQueue> _shards = new(StringComparer.Ordinal);

    /// <summary>Shards whose running delta this writer remembers; past that it forgets them all and starts new ones.</summary>
    private const int RememberedDeltas = 10_000;

    /// <summary>
    /// Each shard's running delta as this writer last wrote it. Only the shard's flush uses its entry, and a shard has
    /// one flush at a time, so the entry is always this writer's latest; forgetting one only costs a new row.
    /// </summary>
    private readonly Dictionary<string, RunningDelta> _runningDeltas = new(StringComparer.Ordinal);

    /// <summary>
    /// Markers this instance knows exist (it committed them, or storage refused them as present). A duplicate of a ladder
    /// step (Meta delivers some twice), or a step that arrives after a later one, is answered from here, not by a
    /// transaction storage refuses: such refusals were 29% of a campaign's status transactions. Markers only go on
    /// failed or a new send, where the row refuses the old step anyway, so a remembered marker never hides a change
    /// storage would make.
    /// </summary>
    private readonly RecentKeys _knownMarkers = new(RememberedMarkers);

    /// <summary>Applies one status to one recipient; true when it changed the row (false for duplicates and stale statuses).</summary>
    /// <param name="occurrence">The occurrence's key (<see cref="CampaignRecipientEntity.PartitionFor"/>).</param>
    public Task<bool> ApplyAsync(string occurrence, string recipientKey, StatusUpdate status, CancellationToken cancellationToken) =>
        ApplyAsync(occurrence, recipientKey, status, retryBelowAttempts: 0, requeued: null, cancellationToken);

    /// <summary>
    /// As above; and a failed status with a transient code for a recipient with fewer than <paramref name="retryBelowAttempts"/>
    /// attempts puts the recipient back to queued instead (its failed send's id retired, its markers removed, counted
    /// as queued) and calls <paramref name="requeued"/>, which must queue its send. A retired send's status changes
    /// nothing, but calls <paramref name="requeued"/> again while the recipient is still queued (the earlier run may have
    /// stopped before queueing it; a second send command finds the recipient claimed).
    /// </summary>
    public async Task<bool> ApplyAsync(
        string occurrence, string recipientKey, StatusUpdate status, int retryBelowAttempts, Action<CampaignRecipientEntity>? requeued, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await ApplyStepAsync(occurrence, recipientKey, status, retryBelowAttempts, requeued, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Record(Phase.Total, started);
        }
    }

    private async Task<bool> ApplyStepAsync(
        string occurrence, string recipientKey, StatusUpdate status, int retryBelowAttempts, Action<CampaignRecipientEntity>? requeued, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(status);
        // An invocation already given up writes nothing; once queued for a transaction, a step is written even if its
        // caller stops waiting (its queue message then comes back and finds the change done).
        cancellationToken.ThrowIfCancellationRequested();
        if (status.Id is null || status.Status is null || !MessageStatus.IsWebhookStatus(status.Status))
            return false;
        var webhook = new StatusStep(CampaignRecipientStore.PartitionOf(occurrence, recipientKey), recipientKey, status, DetailOf(status)) { RetryBelowAttempts = retryBelowAttempts };
        if (webhook.Marker is { } marker && _knownMarkers.Contains(marker))
            return false; // a duplicate of a step this instance saw stored
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (attempt == 0 && rowsWrittenHere.Find(webhook.Partition, recipientKey, status.Id) is { } known && Plan.FromKnown(webhook, known, clock.GetUtcNow()) is { } fromKnown)
                webhook.Plan = fromKnown;
            else if (attempt == 0 && StatusMarkers.BlindGuess(status.Status) is not null)
                webhook.Plan = Plan.Blind(webhook, clock.GetUtcNow());
            else if (await PlanFromRowAsync(webhook, cancellationToken).ConfigureAwait(false) is { } planned)
                webhook.Plan = planned;
            else
            {
                if (webhook.Requeued is { } row)
                    requeued?.Invoke(row);
                return false; // nothing to change: unknown recipient, another send's status, a duplicate or a stale one
            }
            switch (await CommitAsync(webhook, cancellationToken).ConfigureAwait(false))
            {
                case Outcome.Applied:
                    if (webhook.Requeued is { } row)
                        requeued?.Invoke(row);
                    return true;
                case Outcome.AlreadyThere:
                    _knownMarkers.Add(webhook.Marker);
                    return false;
            }
        }
        throw new InvalidOperationException($"Status {status.Status} for recipient {recipientKey} kept conflicting; the queue will retry it.");
    }

    /// <summary>Reads the row and plans its change under its ETag, with the markers that keep matching it; null if nothing changes.</summary>
    private async Task<Plan?> PlanFromRowAsync(StatusStep webhook, CancellationToken cancellationToken)
    {
        var reading = Stopwatch.GetTimestamp();
        var found = await table.GetEntityIfExistsAsync<CampaignRecipientEntity>(webhook.Partition, webhook.RecipientKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        Record(Phase.Read, reading);
        if (!found.HasValue || found.Value is not { } row)
            return null;
        var status = webhook.Status;
        webhook.Requeued = null;
        if (row.IsRetired(status.Id!))
        {
            if (row.Status == MessageStatus.Queued)
                webhook.Requeued = row;
            return null;
        }
        // A status for a different send to this recipient is not ours to apply.
        if (row.MetaMessageId is not null && row.MetaMessageId != status.Id)
            return null;
        var failure = status.Status == MessageStatus.Failed ? status.Errors?.FirstOrDefault() : null;
        if (failure?.Code is { } code && Meta.MetaErrorPolicy.Classify(code) == Meta.MetaErrorKind.Retryable
            // Also while the send is still being recorded (sending): the batch then finds the send's id retired and leaves the row queued.
            && row.Attempts < webhook.RetryBelowAttempts && row.Status is MessageStatus.Sending or MessageStatus.Accepted or MessageStatus.Sent or MessageStatus.Unknown)
        {
            // Meta said this send failed for a reason that passes: a new send of the same message, never a second copy.
            var bucket = CampaignCounts.Bucket(row);
            var level = row.MetaMessageId is null ? 0 : StatusMarkers.Level(row.Status);
            row.RetiredMetaIds = row.RetiredMetaIds is null ? status.Id : $"{row.RetiredMetaIds} {status.Id}";
            (row.Status, row.MetaMessageId, row.ClaimedAt, row.UpdatedAt) = (MessageStatus.Queued, null, null, clock.GetUtcNow());
            row.Detail = $"Meta {code} {failure.Title ?? failure.Message}: sending again";
            var requeueCounts = new CampaignCounts();
            requeueCounts.Move(bucket, CampaignCounts.Bucket(row));
            var requeue = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, row, row.ETag) };
            requeue.AddRange(StatusMarkers.Changes(webhook.Partition, webhook.RecipientKey, status.Id!, level, 0));
            webhook.Requeued = row;
            return new Plan(requeue, requeueCounts, IsBlind: false, RowStatus: null);
        }
        var settled = row.MetaMessageId is null;
        var moved = MessageStatus.CanMove(row.Status, status.Status!);
        if (!moved && !settled)
            return null;
        var before = CampaignCounts.Bucket(row);
        var levelBefore = row.MetaMessageId is null ? 0 : StatusMarkers.Level(row.Status);
        row.MetaMessageId = status.Id;
        if (moved)
        {
            row.Status = status.Status!;
            if (status.Status == MessageStatus.Failed)
            {
                var error = status.Errors?.FirstOrDefault();
                (row.ErrorCode, row.ErrorTitle, row.ErrorDetails) = (error?.Code ?? 0, error?.Title ?? error?.Message, error?.ErrorData?.Details);
            }
            row.Detail = webhook.Detail;
        }
        row.UpdatedAt = clock.GetUtcNow();
        var counts = new CampaignCounts();
        counts.Move(before, CampaignCounts.Bucket(row));
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, row, row.ETag) };
        actions.AddRange(StatusMarkers.Changes(webhook.Partition, webhook.RecipientKey, status.Id!, levelBefore, StatusMarkers.Level(row.Status)));
        return new Plan(actions, counts, IsBlind: false, row.Status);
    }

    private Task<Outcome> CommitAsync(StatusStep webhook, CancellationToken cancellationToken)
    {
        webhook.Done = new TaskCompletionSource<Outcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        webhook.QueuedAt = Stopwatch.GetTimestamp();
        ShardQueue shard;
        var start = false;
        lock (_shards)
        {
            if (!_shards.TryGetValue(webhook.Partition, out shard!))
                _shards[webhook.Partition] = shard = new ShardQueue(webhook.Partition);
            shard.Waiting.Add(webhook);
            if (!shard.Flushing)
                (shard.Flushing, start) = (true, true);
        }
        if (start)
            _ = Task.Run(() => FlushAsync(shard), CancellationToken.None);
        return webhook.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Writes the shard's waiting steps, a transaction at a time, until none is left.</summary>
    private async Task FlushAsync(ShardQueue shard)
    {
        while (true)
        {
            List<StatusStep> batch;
            lock (_shards)
            {
                batch = TakeBatch(shard.Waiting, _knownMarkers);
                if (batch.Count == 0)
                {
                    shard.Flushing = false;
                    if (shard.Waiting.Count == 0)
                        _shards.Remove(shard.Partition);
                    return;
                }
            }
            foreach (var step in batch)
                Record(Phase.Wait, step.QueuedAt);
            await SubmitAsync(shard.Partition, batch).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waiting steps for one transaction: at most one per recipient (its row and markers appear once), within the action
    /// limit. A step whose marker became known while it waited (its original was committed just before) is answered now.
    /// </summary>
    private static List<StatusStep> TakeBatch(List<StatusStep> waiting, RecentKeys knownMarkers)
    {
        var batch = new List<StatusStep>();
        var recipients = new HashSet<string>(StringComparer.Ordinal);
        var actions = 1; // the counter delta
        for (var i = 0; i < waiting.Count; i++)
        {
            var step = waiting[i];
            if (step.Marker is { } marker && knownMarkers.Contains(marker))
            {
                waiting.RemoveAt(i--);
                step.Done!.TrySetResult(Outcome.AlreadyThere);
                continue;
            }
            if (actions + step.Plan!.Actions.Count > MaxActions || !recipients.Add(step.RecipientKey))
                continue;
            actions += step.Plan.Actions.Count;
            batch.Add(step);
            waiting.RemoveAt(i--);
        }
        return batch;
    }

    /// <summary>
    /// One transaction for the batch. When one step's guess or ETag fails, storage names its action: that step goes back
    /// to its caller to be planned again and the others are submitted again without it.
    /// </summary>
    private async Task SubmitAsync(string partition, List<StatusStep> batch)
    {
        while (batch.Count > 0)
        {
            var counts = new CampaignCounts();
            var actions = new List<TableTransactionAction>();
            var owners = new List<StatusStep>();
            foreach (var step in batch)
            {
                counts.Add(step.Plan!.Counts);
                actions.AddRange(step.Plan.Actions);
                owners.AddRange(step.Plan.Actions.Select(_ => step));
            }
            var delta = counts.IsEmpty ? null : NextDelta(partition, counts);
            if (delta is not null)
                actions.Add(delta.Action);
            var committing = Stopwatch.GetTimestamp();
            try
            {
                var response = await table.SubmitTransactionAsync(actions, CancellationToken.None).ConfigureAwait(false);
                Transactions.Add(1, new KeyValuePair<string, object?>("oneclick.outcome", "committed"));
                if (delta is not null)
                    KeepDelta(partition, delta, response.Value[^1].Headers.ETag);
                NoteRows(partition, batch, response.Value);
                TransactionSize.Record(batch.Count);
                var commit = Stopwatch.GetElapsedTime(committing).TotalMilliseconds;
                foreach (var _ in batch)
                    StepDuration.Record(commit, PhaseTags[(int)Phase.Commit]);
                // Markers exist for every level up to the row's status, so a committed step's level and those below.
                foreach (var step in batch)
                {
                    for (var level = 1; level <= step.Level; level++)
                        _knownMarkers.Add(step.MarkerAt(level));
                }
                foreach (var step in batch)
                    step.Done!.TrySetResult(Outcome.Applied);
                return;
            }
            catch (TableTransactionFailedException e) when (e.FailedTransactionActionIndex is int index && index < owners.Count)
            {
                var failed = owners[index];
                batch.Remove(failed);
                var outcome = Classify(failed, actions[index], e.Status);
                Transactions.Add(1, new KeyValuePair<string, object?>("oneclick.outcome", outcome == Outcome.AlreadyThere ? "already_applied" : "replanned"));
                failed.Done!.TrySetResult(outcome);
            }
            catch (TableTransactionFailedException e) when (delta is { Rewrites: true } && e.FailedTransactionActionIndex == owners.Count)
            {
                // The running delta is not as this writer left it (deleted, or written by a transaction whose answer never
                // came back): nothing was written, so the same steps go again with a new running delta.
                ForgetDelta(partition);
                Transactions.Add(1, new KeyValuePair<string, object?>("oneclick.outcome", "new_delta"));
            }
            catch (Exception e)
            {
                // Not one step's conflict (storage unreachable, throttled, …): every caller fails and its queue message is retried.
                // Whether the transaction was stored is unknown, so the running delta's ETag may be stale: the next one starts anew.
                ForgetDelta(partition);
                foreach (var step in batch)
                    step.Done!.TrySetException(e);
                return;
            }
        }
    }

    /// <summary>The action that adds <paramref name="counts"/> to the shard's running delta, or starts one holding them.</summary>
    private DeltaWrite NextDelta(string partition, CampaignCounts counts)
    {
        RunningDelta? running;
        lock (_runningDeltas)
            _runningDeltas.TryGetValue(partition, out running);
        var total = new CampaignCounts();
        if (running is not null)
            total.Add(running.Counts);
        total.Add(counts);
        var row = new CampaignCounterEntity
        {
            PartitionKey = partition,
            RowKey = running?.RowKey ?? CampaignCounterEntity.NewRunningDeltaRowKey(),
            CountsJson = total.ToJson(),
        };
        return running is null
            ? new(new(TableTransactionActionType.Add, row), total, Rewrites: false)
            : new(new(TableTransactionActionType.UpdateReplace, row, running.ETag), total, Rewrites: true);
    }

    private void KeepDelta(string partition, DeltaWrite written, ETag? etag)
    {
        lock (_runningDeltas)
        {
            if (etag is not { } known)
            {
                _runningDeltas.Remove(partition);
                return;
            }
            if (_runningDeltas.Count >= RememberedDeltas && !_runningDeltas.ContainsKey(partition))
                _runningDeltas.Clear();
            _runningDeltas[partition] = new RunningDelta(written.Action.Entity.RowKey, known, written.Total);
        }
    }

    private void ForgetDelta(string partition)
    {
        lock (_runningDeltas)
            _runningDeltas.Remove(partition);
    }

    /// <summary>Remembers each committed row's status and new ETag, so the send's next status needs no read.</summary>
    private void NoteRows(string partition, List<StatusStep> batch, IReadOnlyList<Response> responses)
    {
        var offset = 0;
        foreach (var step in batch)
        {
            var row = step.Plan!.Actions.FindIndex(a => a.Entity.RowKey == step.RecipientKey);
            if (step.Plan.RowStatus is { } status && row >= 0 && offset + row < responses.Count && responses[offset + row].Headers.ETag is { } etag)
                rowsWrittenHere.Note(partition, step.RecipientKey, step.Status.Id, status, etag);
            offset += step.Plan.Actions.Count;
        }
    }

    /// <summary>What a failed action says: the blind step's own marker exists (duplicate or stale), or a guess or ETag no longer holds.</summary>
    private static Outcome Classify(StatusStep step, TableTransactionAction action, int status) =>
        step.Plan!.IsBlind && status == 409 && ReferenceEquals(action, step.Plan.Actions[0]) ? Outcome.AlreadyThere : Outcome.PlanAgain;

    private enum Phase { Total, Read, Wait, Commit }

    private static readonly KeyValuePair<string, object?>[] PhaseTags =
        [.. Enum.GetNames<Phase>().Select(name => new KeyValuePair<string, object?>("oneclick.phase", name.ToLowerInvariant()))];

    private static void Record(Phase phase, long since) =>
        StepDuration.Record(Stopwatch.GetElapsedTime(since).TotalMilliseconds, PhaseTags[(int)phase]);

    private string DetailOf(StatusUpdate status) =>
        status.Timestamp is { } t ? $"{status.Status} at {DateTimeOffset.FromUnixTimeSeconds(t):O}" : $"{status.Status} at {clock.GetUtcNow():O}";

    /// <summary>A shard's running delta: its row key, the ETag of this writer's last write and the counts it holds.</summary>
    private sealed record RunningDelta(string RowKey, ETag ETag, CampaignCounts Counts);

    /// <param name="Rewrites">True when the action rewrites a running delta under its ETag, false when it adds a new one.</param>
    private sealed record DeltaWrite(TableTransactionAction Action, CampaignCounts Total, bool Rewrites);

    private sealed class ShardQueue(string partition)
    {
        public string Partition { get; } = partition;
        public List<StatusStep> Waiting { get; } = [];
        public bool Flushing { get; set; }
    }

    private sealed class StatusStep(string partition, string recipientKey, StatusUpdate status, string detail)
    {
        public string Partition { get; } = partition;
        public string RecipientKey { get; } = recipientKey;
        public StatusUpdate Status { get; } = status;
        /// <summary>The step's place on the ladder (sent 1 … played 4); 0 for failed and other statuses.</summary>
        public int Level { get; } = StatusMarkers.Level(status.Status!);

        /// <summary>"{partition}|{marker row key}" of the step's own marker; null off the ladder.</summary>
        public string? Marker => Level > 0 ? MarkerAt(Level) : null;

        public string MarkerAt(int level) => Partition + "|" + StatusMarkers.RowKey(RecipientKey, Status.Id!, level);
        public string Detail { get; } = detail;
        public Plan? Plan { get; set; }
        public TaskCompletionSource<Outcome>? Done { get; set; }
        /// <summary>When the step joined its shard's queue (<see cref="Stopwatch.GetTimestamp"/>).</summary>
        public long QueuedAt { get; set; }
        public int RetryBelowAttempts { get; init; }
        /// <summary>Set by planning when the recipient goes (or still waits) back to the queue for a new send.</summary>
        public CampaignRecipientEntity? Requeued { get; set; }
    }

    /// <param name="Actions">The step's actions; for a blind step the first is its own marker's insert.</param>
    /// <param name="RowStatus">The row's status once committed, to remember with its new ETag; null to remember nothing.</param>
    private sealed record Plan(List<TableTransactionAction> Actions, CampaignCounts Counts, bool IsBlind, string? RowStatus)
    {
        /// <summary>"The recipient is one level below": add this level's marker, assert the one below, merge the row, move the count.</summary>
        public static Plan Blind(StatusStep step, DateTimeOffset now)
        {
            var status = step.Status;
            var below = StatusMarkers.BlindGuess(status.Status!)!;
            return new Plan(
                [
                    StatusMarkers.Add(step.Partition, step.RecipientKey, status.Id!, step.Level),
                    StatusMarkers.Assert(step.Partition, step.RecipientKey, status.Id!, StatusMarkers.Level(below)),
                    MergeStatus(step, now, ETag.All),
                ],
                Moved(below, status.Status!), IsBlind: true, status.Status);
        }

        /// <summary>
        /// "The row is as this instance wrote it": add this level's marker and any between, merge the row under the known
        /// ETag, move the count. Null when the step does not move the known status forward (a duplicate or a stale step,
        /// which the row, read, settles).
        /// </summary>
        public static Plan? FromKnown(StatusStep step, RowVersions.Version known, DateTimeOffset now)
        {
            var from = StatusMarkers.Level(known.Status); // accepted is 0
            if (step.Level <= from)
                return null;
            // Its own marker first: storage names the first action that fails, and only that one means "already there".
            var actions = new List<TableTransactionAction> { StatusMarkers.Add(step.Partition, step.RecipientKey, step.Status.Id!, step.Level) };
            actions.AddRange(StatusMarkers.Changes(step.Partition, step.RecipientKey, step.Status.Id!, from, step.Level - 1));
            actions.Add(MergeStatus(step, now, known.ETag));
            return new Plan(actions, Moved(known.Status, step.Status.Status!), IsBlind: true, step.Status.Status);
        }

        private static TableTransactionAction MergeStatus(StatusStep step, DateTimeOffset now, ETag etag) =>
            new(TableTransactionActionType.UpdateMerge, new TableEntity(step.Partition, step.RecipientKey)
            {
                [nameof(CampaignRecipientEntity.Status)] = step.Status.Status,
                [nameof(CampaignRecipientEntity.Detail)] = step.Detail,
                [nameof(CampaignRecipientEntity.UpdatedAt)] = now,
            }, etag);

        private static CampaignCounts Moved(string from, string to)
        {
            var counts = new CampaignCounts();
            counts.Move(from, to);
            return counts;
        }
    }
}

internal enum Outcome
{
    Applied,
    /// <summary>The recipient already reached this status: a duplicate, or a status that came after a later one.</summary>
    AlreadyThere,
    /// <summary>A guess or ETag did not hold: read the row and plan again.</summary>
    PlanAgain,
}

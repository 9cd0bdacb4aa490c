using OneClick.Core.Messages.Content;
using System.Text.Json.Nodes;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using OneClick.Core.Messages;
using OneClick.Core.Storage;

namespace OneClick.Core.Campaigns;

/// <summary>
/// The dispatch queue job: one invocation expands audience pages into recipient rows and one send batch per page
/// for at most a few seconds, then queues its position (source and continuation) for the next invocation.
/// Nothing holds the audience in memory and no step runs long. Rows are
/// keyed by contact, so a contact in two sources is one recipient; a retried step finds its own rows and
/// queues them again (the send claim makes a second copy harmless).
/// </summary>
public sealed partial class CampaignDispatcher(
    CampaignStore campaigns,
    CampaignRecipientStore recipients,
    AudienceReader audience,
    CampaignProgress progress,
    QueuePublisher queue,
    IEnumerable<ICampaignFaultPoint> faults,
    Microsoft.Extensions.Options.IOptions<CampaignOptions> options,
    TimeProvider clock,
    ILogger<CampaignDispatcher> logger)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);
    /// <summary>How long one dispatch invocation keeps reading pages before passing on (no step runs long).</summary>
    public static readonly TimeSpan StepBudget = TimeSpan.FromSeconds(3);
    private const int PagesInFlight = 4;

    /// <summary>How long a dispatch or watch step keeps trying through a storage outage before it fails.</summary>
    public static readonly TimeSpan OutagePatience = TimeSpan.FromMinutes(1);

    /// <summary>
    /// One step of an occurrence's dispatch or watch chain. Each chain is one message at a time, so a step that failed
    /// while storage was down could not be released either: its message, and the whole occurrence with it, would
    /// wait out the host's 10-minute lease. Steps are idempotent, so one is tried again in place instead.
    /// </summary>
    public Task DispatchAsync(DispatchCampaignCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        return StorageOutage.RetryAsync(() => StepAsync(command, cancellationToken), OutagePatience, clock, cancellationToken);
    }

    private async Task StepAsync(DispatchCampaignCommand command, CancellationToken cancellationToken)
    {
        if (command.Watch)
        {
            await progress.WatchAsync(command.TenantId, command.CampaignId, command.Occurrence, command.CorrelationId, cancellationToken, command.Continuation).ConfigureAwait(false);
            return;
        }
        var campaign = await campaigns.GetAsync(command.TenantId, command.CampaignId, cancellationToken).ConfigureAwait(false);
        if (campaign is null)
            return;
        var spec = CampaignJson.Read<AudienceSpec>(campaign.AudienceJson);
        var sources = AudienceReader.Sources(spec);
        if (campaign.Status == CampaignStatus.Cancelled || command.Source >= sources.Count)
        {
            await campaigns.UpdateOccurrenceAsync(command.TenantId, command.CampaignId, command.Occurrence, o => !o.DispatchDone && (o.DispatchDone = true), cancellationToken).ConfigureAwait(false);
            await progress.WatchAsync(command.TenantId, command.CampaignId, command.Occurrence, command.CorrelationId, cancellationToken).ConfigureAwait(false);
            return;
        }

        // One invocation works for at most StepBudget, reading page after page while up to PagesInFlight earlier
        // pages are expanded and stored; then it hands its position to the next invocation through the queue.
        var deadline = clock.GetUtcNow() + StepBudget;
        var (source, continuation) = (command.Source, command.Continuation);
        var inFlight = new List<Task>();
        string? held = null;
        while (source < sources.Count && clock.GetUtcNow() < deadline)
        {
            if ((held = await HoldAsync(campaign, command, cancellationToken).ConfigureAwait(false)) is not null)
                break;
            var step = command with { Source = source, Continuation = continuation };
            var page = await audience.PageAsync(command.TenantId, spec, sources[source], continuation, cancellationToken).ConfigureAwait(false);
            inFlight.Add(ExpandPageAsync(campaign, spec, step, page.Keys, cancellationToken));
            if (inFlight.Count >= PagesInFlight)
            {
                var done = await Task.WhenAny(inFlight).ConfigureAwait(false);
                inFlight.Remove(done);
                await done.ConfigureAwait(false);
            }
            (source, continuation) = page.Next is null ? (source + 1, null) : (source, page.Next);
        }
        await Task.WhenAll(inFlight).ConfigureAwait(false);

        if (source < sources.Count)
        {
            // Held far enough ahead of the sends: look again in a second (longer while paused, when nothing drains).
            var wait = held is null ? (TimeSpan?)null : campaign.Status == CampaignStatus.Paused ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(1);
            await queue.SendAsync(QueueNames.CampaignDispatch, command with { Source = source, Continuation = continuation, Held = held }, wait, cancellationToken).ConfigureAwait(false);
            return;
        }
        // Every page of every source is stored (this invocation's and, the chain being sequential, all earlier ones).
        await campaigns.UpdateOccurrenceAsync(command.TenantId, command.CampaignId, command.Occurrence, o => !o.DispatchDone && (o.DispatchDone = true), cancellationToken).ConfigureAwait(false);
        await progress.WatchAsync(command.TenantId, command.CampaignId, command.Occurrence, command.CorrelationId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Null when dispatch may store the next page; else why it waits, "{queued}:{since, ticks}", carried in the next
    /// step's message. It waits while the occurrence has more recipients queued or being sent than
    /// <see cref="CampaignOptions.MaxQueuedAhead"/>, but never for ever: a surplus that has not moved for
    /// <see cref="CampaignOptions.MaxDispatchHold"/> is not draining (rows stored by a step that died before queueing
    /// them, which only dispatch queues again), so it goes on. While paused it always waits.
    /// </summary>
    private async Task<string?> HoldAsync(CampaignEntity campaign, DispatchCampaignCommand command, CancellationToken cancellationToken)
    {
        var partition = CampaignRecipientEntity.PartitionFor(command.TenantId, command.CampaignId, command.Occurrence);
        var queued = (await recipients.ReadCountsAsync(partition, cancellationToken).ConfigureAwait(false))[CampaignCounts.QueuedBucket];
        if (queued <= options.Value.MaxQueuedAhead)
            return null;
        var now = clock.GetUtcNow();
        var since = UnchangedSince.Since(command.Held, queued, now);
        return campaign.Status != CampaignStatus.Paused && now - since >= options.Value.MaxDispatchHold ? null : UnchangedSince.Marker(queued, since);
    }

    private async Task ExpandPageAsync(CampaignEntity campaign, AudienceSpec spec, DispatchCampaignCommand command, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var step = StepKey(command);
        var rows = await RecipientsAsync(campaign, spec, command, keys, step, cancellationToken).ConfigureAwait(false);
        // A page is up to 1,000 keys (one storage query); its rows are stored and sent in transaction-sized batches, one shard each.
        var partition = CampaignRecipientEntity.PartitionFor(command.TenantId, command.CampaignId, command.Occurrence);
        var stored = await Task.WhenAll(CampaignRecipientStore.Batches(partition, rows).Select(batch => StoreAndQueueAsync(command, partition, step, batch, cancellationToken))).ConfigureAwait(false);
        LogPage(logger, command.CampaignId, command.Source, keys.Count, stored.Sum(s => s.Added), stored.Sum(s => s.Queued));
    }

    private async Task<(int Added, int Queued)> StoreAndQueueAsync(
        DispatchCampaignCommand command, string partition, string step, IReadOnlyList<CampaignRecipientEntity> rows, CancellationToken cancellationToken)
    {
        var (added, existing) = await recipients.InsertAsync(partition, rows, cancellationToken).ConfigureAwait(false);
        await FaultAsync("dispatch.inserted", command.CampaignId, cancellationToken).ConfigureAwait(false);

        var toSend = added.Concat(existing.Where(r => r.Step == step)).Where(r => r.Status == MessageStatus.Queued).ToList();
        if (toSend.Count > 0)
            await queue.SendAsync(QueueNames.CampaignSends, new SendCampaignBatchCommand(SendCampaignBatchCommand.CurrentVersion,
                command.TenantId, command.CampaignId, command.Occurrence, toSend.Select(r => r.RowKey).ToList(), command.CorrelationId, Snapshots(toSend)),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        return (added.Count, toSend.Count);
    }

    /// <summary>The rows for the sender to claim without reading them again, when all have one and they fit a queue message well.</summary>
    private static List<RecipientSnapshot>? Snapshots(List<CampaignRecipientEntity> rows)
    {
        const int MaxContentChars = 24_000; // a queue message holds 64 KB; the rest of a snapshot is ~250 bytes a row
        var snapshots = rows.Select(RecipientSnapshot.Of).OfType<RecipientSnapshot>().ToList();
        return snapshots.Count == rows.Count && snapshots.Sum(s => s.Content?.Length ?? 0) <= MaxContentChars ? snapshots : null;
    }

    private async Task<List<CampaignRecipientEntity>> RecipientsAsync(
        CampaignEntity campaign, AudienceSpec spec, DispatchCampaignCommand command, IReadOnlyList<string> keys, string step, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var contactIds = keys.Where(k => !k.StartsWith(CampaignRecipientEntity.GroupPrefix, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        var contacts = await audience.ContactsAsync(command.TenantId, contactIds, cancellationToken).ConfigureAwait(false);
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var list in spec.ExcludeLists ?? [])
            excluded.UnionWith(await audience.MembersAmongAsync(command.TenantId, list, contactIds, cancellationToken).ConfigureAwait(false));

        var personalise = Personalizer.HasPlaceholders(campaign.ContentJson);
        var rows = new List<CampaignRecipientEntity>();
        foreach (var key in keys.Distinct(StringComparer.Ordinal))
        {
            // The store puts each row in its shard partition when it inserts it.
            var row = new CampaignRecipientEntity { RowKey = key, Step = step, UpdatedAt = now };
            if (key.StartsWith(CampaignRecipientEntity.GroupPrefix, StringComparison.Ordinal))
            {
                row.RecipientType = "group";
                row.To = Uri.UnescapeDataString(key[CampaignRecipientEntity.GroupPrefix.Length..]);
                rows.Add(row);
                continue;
            }
            if (excluded.Contains(key))
                continue; // excluded people are not recipients at all
            if (!contacts.TryGetValue(key, out var contact))
            {
                Skip(row, "contact_not_found", "The contact no longer exists.");
            }
            else
            {
                row.To = MetaRecipient.AddressOf(contact); // the phone, or the BSUID of a person known without one
                if (contact.IsOptedOut)
                    Skip(row, "opted_out", "The contact opted out of marketing messages.");
                else if (campaign.IsFreeForm && (contact.LastInboundAt is null || now - contact.LastInboundAt >= Window))
                    Skip(row, "outside_window", "A free-form message needs the contact's last message to be under 24 hours old.");
                else if (personalise)
                {
                    // Per recipient only when the message has placeholders; everyone else gets the campaign's content.
                    var personalised = Personalizer.Resolve(campaign.MessageType, JsonNode.Parse(campaign.ContentJson), contact);
                    if (personalised.Resolved)
                        row.ContentJson = personalised.Content!.ToJsonString();
                    else
                        Skip(row, personalised.SkipReason!, personalised.Detail);
                }
            }
            rows.Add(row);
        }
        return rows;
    }

    private static void Skip(CampaignRecipientEntity row, string reason, string detail)
    {
        row.Status = MessageStatus.Skipped;
        row.SkipReason = reason;
        row.Detail = detail;
    }

    /// <summary>The same page of the same source always gets the same key.</summary>
    private static string StepKey(DispatchCampaignCommand command) =>
        $"{command.Source}:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(command.Continuation ?? "")))[..16]}";

    private async Task FaultAsync(string step, string campaignId, CancellationToken cancellationToken)
    {
        foreach (var fault in faults)
            await fault.AtAsync(step, campaignId, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(LogLevel.Information, "Campaign {CampaignId} source {Source}: {Read} read, {Added} new recipients, {Queued} queued to send")]
    private static partial void LogPage(ILogger logger, string campaignId, int source, int read, int added, int queued);
}

using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using OneClick.Core.Messages;
using OneClick.Core.Storage;

namespace OneClick.Core.Campaigns;

/// <summary>
/// The dispatch queue job: one invocation expands one page of one audience source into recipient rows and one
/// send batch, then queues the next page. Nothing holds the audience in memory and no step runs long. Rows are
/// keyed by contact, so a contact in two sources is one recipient; a retried step finds its own rows and
/// queues them again (the send claim makes a second copy harmless).
/// </summary>
public sealed partial class CampaignDispatcher(
    CampaignStore campaigns,
    CampaignRecipientStore recipients,
    AudienceReader audience,
    CampaignProgress progress,
    QueuePublisher queue,
    IEnumerable<ICampaignPersonalizer> personalizers,
    IEnumerable<ICampaignFaultPoint> faults,
    TimeProvider clock,
    ILogger<CampaignDispatcher> logger)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    public async Task DispatchAsync(DispatchCampaignCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var campaign = await campaigns.GetAsync(command.TenantId, command.CampaignId, cancellationToken).ConfigureAwait(false);
        if (campaign is null)
            return;
        var spec = CampaignJson.Read<AudienceSpec>(campaign.AudienceJson);
        var sources = AudienceReader.Sources(spec);
        if (campaign.Status == CampaignStatus.Cancelled || command.Source >= sources.Count)
        {
            await campaigns.UpdateOccurrenceAsync(command.TenantId, command.CampaignId, command.Occurrence, o => !o.DispatchDone && (o.DispatchDone = true), cancellationToken).ConfigureAwait(false);
            await progress.CheckCompletionAsync(command.TenantId, command.CampaignId, command.Occurrence, cancellationToken).ConfigureAwait(false);
            return;
        }

        var source = sources[command.Source];
        var page = await audience.PageAsync(command.TenantId, spec, source, command.Continuation, cancellationToken).ConfigureAwait(false);
        var step = StepKey(command);
        var rows = await RecipientsAsync(campaign, spec, command, page.Keys, step, cancellationToken).ConfigureAwait(false);
        var partition = CampaignRecipientEntity.PartitionFor(command.TenantId, command.CampaignId, command.Occurrence);
        var (added, existing) = await recipients.InsertAsync(partition, rows, cancellationToken).ConfigureAwait(false);
        await FaultAsync("dispatch.inserted", command.CampaignId, cancellationToken).ConfigureAwait(false);

        var toSend = added.Concat(existing.Where(r => r.Step == step)).Where(r => r.Status == MessageStatus.Queued).Select(r => r.RowKey).ToList();
        if (toSend.Count > 0)
            await queue.SendAsync(QueueNames.CampaignSends, new SendCampaignBatchCommand(SendCampaignBatchCommand.CurrentVersion,
                command.TenantId, command.CampaignId, command.Occurrence, toSend, command.CorrelationId), cancellationToken: cancellationToken).ConfigureAwait(false);
        LogPage(logger, command.CampaignId, command.Source, page.Keys.Count, added.Count, toSend.Count);

        var next = page.Next is null ? command with { Source = command.Source + 1, Continuation = null } : command with { Continuation = page.Next };
        await queue.SendAsync(QueueNames.CampaignDispatch, next, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<CampaignRecipientEntity>> RecipientsAsync(
        CampaignEntity campaign, AudienceSpec spec, DispatchCampaignCommand command, IReadOnlyList<string> keys, string step, CancellationToken cancellationToken)
    {
        var partition = CampaignRecipientEntity.PartitionFor(command.TenantId, command.CampaignId, command.Occurrence);
        var now = clock.GetUtcNow();
        var contactIds = keys.Where(k => !k.StartsWith(CampaignRecipientEntity.GroupPrefix, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        var contacts = await audience.ContactsAsync(command.TenantId, contactIds, cancellationToken).ConfigureAwait(false);
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var list in spec.ExcludeLists ?? [])
            excluded.UnionWith(await audience.MembersAmongAsync(command.TenantId, list, contactIds, cancellationToken).ConfigureAwait(false));

        var rows = new List<CampaignRecipientEntity>();
        foreach (var key in keys.Distinct(StringComparer.Ordinal))
        {
            var row = new CampaignRecipientEntity { PartitionKey = partition, RowKey = key, Step = step, UpdatedAt = now };
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
                row.To = contact.PhoneNumber;
                if (contact.IsOptedOut)
                    Skip(row, "opted_out", "The contact opted out of marketing messages.");
                else if (campaign.IsFreeForm && (contact.LastInboundAt is null || now - contact.LastInboundAt >= Window))
                    Skip(row, "outside_window", "A free-form message needs the contact's last message to be under 24 hours old.");
                else
                {
                    foreach (var personalizer in personalizers)
                        row.ContentJson = personalizer.Personalize(campaign, contact)?.ToJsonString() ?? row.ContentJson;
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

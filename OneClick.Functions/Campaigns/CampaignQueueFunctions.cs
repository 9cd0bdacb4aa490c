using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Campaigns;
using OneClick.Core.Storage;
using OneClick.Functions.Hosting;

namespace OneClick.Functions.Campaigns;

/// <summary>
/// The campaign engine's two queue functions: dispatch expands an occurrence's audience a page per message and
/// queues send batches; each batch sends to its recipients, claiming each before its Meta call.
/// </summary>
public sealed class CampaignQueueFunctions(CampaignDispatcher dispatcher, CampaignBatchSender sender)
{
    [Function(nameof(DispatchCampaign))]
    public async Task DispatchCampaign(
        [QueueTrigger(QueueNames.CampaignDispatch, Connection = QueueTriggers.Connection)] DispatchCampaignCommand command, CancellationToken cancellationToken)
    {
        QueueTriggers.Require(command, c => c.V == DispatchCampaignCommand.CurrentVersion && c.TenantId is not null && c.CampaignId is not null && c.Occurrence is not null && c.Source >= 0);
        await dispatcher.DispatchAsync(command, cancellationToken);
    }

    [Function(nameof(SendCampaignBatch))]
    public async Task SendCampaignBatch(
        [QueueTrigger(QueueNames.CampaignSends, Connection = QueueTriggers.Connection)] SendCampaignBatchCommand command, CancellationToken cancellationToken)
    {
        QueueTriggers.Require(command, c => c.V == SendCampaignBatchCommand.CurrentVersion && c.TenantId is not null && c.CampaignId is not null && c.Occurrence is not null
            && c.Recipients is { Count: > 0 and <= CampaignRecipientStore.BatchSize });
        await sender.SendAsync(command, cancellationToken);
    }
}

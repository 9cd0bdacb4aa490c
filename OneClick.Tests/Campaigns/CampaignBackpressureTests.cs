using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Campaigns;
using OneClick.Core.Messages;
using OneClick.Core.Storage;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

[Collection(CampaignFaultsShared.Name)]
public sealed class CampaignBackpressureTests(CampaignFaultEnvironment env)
{
    [Fact]
    public async Task Dispatch_waits_while_the_occurrence_has_more_queued_than_it_may_run_ahead_but_not_for_a_surplus_that_never_drains()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(3);
        var id = (await tenant.CampaignAsync(new { contacts = people.Select(p => p.Id) }, launch: false))["id"]!.GetValue<string>();
        const string Occurrence = "0000000000000000001";
        var partition = CampaignRecipientEntity.PartitionFor(tenant.Id, id, Occurrence);
        var table = env.Storage.Table(TableNames.CampaignRecipients);
        // The occurrence already has more recipients queued than dispatch may run ahead of the sends (5 here).
        await table.AddEntityAsync(new CampaignCounterEntity { PartitionKey = CampaignRecipientStore.PartitionOf(partition, "any"), RowKey = CampaignCounterEntity.DeltaPrefix + "1", CountsJson = """{"queued":6}""" });

        var dispatcher = env.App.Services.GetRequiredService<CampaignDispatcher>();
        await dispatcher.DispatchAsync(new DispatchCampaignCommand(DispatchCampaignCommand.CurrentVersion, tenant.Id, id, Occurrence, 0, null, "backpressure"), CancellationToken.None);
        // The step queued itself for a second later, where the host ran it and found the same; a step that sends
        // nothing leaves no record to wait for, and the shared dispatch queue cannot say it has run.
        await Task.Delay(2000);
        var recipients = env.App.Services.GetRequiredService<CampaignRecipientStore>();
        Assert.Empty((await recipients.PageAsync(partition, null, null, 10, CancellationToken.None)).Items);
        Assert.Empty(await env.SandboxMessagesAsync(tenant));

        // The surplus has not moved for the longest hold (5 s here): like rows stored by a step that died before
        // queueing them, it will not drain by waiting, so dispatch carries on and every contact gets the message once.
        await Eventually.Async(async () => (await env.SandboxMessagesAsync(tenant)).Count, sent => sent >= 3, "the three sends", poll: TimeSpan.FromMilliseconds(200));
        await Task.Delay(500); // a duplicate would come from another dispatch step, which leaves no signal to wait for
        var byRecipient = await env.AcceptedByRecipientAsync(tenant);
        Assert.Equal(3, byRecipient.Count);
        Assert.All(byRecipient.Values, sends => Assert.Single(sends));
        // One read of every row: status webhooks keep moving rows on (accepted → sent → …), so a query per status
        // could find one row in two of them.
        var rows = (await recipients.PageAsync(partition, null, null, 10, CancellationToken.None)).Items;
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Contains(r.Status, new[] { MessageStatus.Accepted, MessageStatus.Sent, MessageStatus.Delivered, MessageStatus.Read }));
    }
}

using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Campaigns;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

/// <summary>The real environment with a stall noticed after 2 s of no movement instead of 10 minutes.</summary>
public sealed class CampaignStallEnvironment : OneClickEnvironment
{
    protected override void Configure(FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration["Campaigns:StallAfter"] = "00:00:02";
    }
}

public sealed class CampaignStallTests(CampaignStallEnvironment env) : IClassFixture<CampaignStallEnvironment>
{
    [Fact]
    public async Task Recipients_whose_send_batch_was_lost_are_queued_again_once_nothing_has_moved_for_a_while_and_sent_once()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(3);
        // An occurrence whose dispatch stored its recipients, but whose send batch never ran (poisoned and set aside).
        const string Occurrence = "0000000000000000002";
        var services = env.App.Services;
        var id = await tenant.RunningOccurrenceAsync(services, people, Occurrence);
        var now = DateTimeOffset.UtcNow;
        var partition = CampaignRecipientEntity.PartitionFor(tenant.Id, id, Occurrence);
        await services.GetRequiredService<CampaignRecipientStore>().InsertAsync(partition,
            people.Select(p => new CampaignRecipientEntity { RowKey = p.Id, To = p.PhoneNumber, Step = "lost", UpdatedAt = now }).ToList(), CancellationToken.None);

        // The completion watch finds three queued and nothing moving: after 2 s it queues them again.
        await services.GetRequiredService<CampaignProgress>().WatchAsync(tenant.Id, id, Occurrence, "stall", CancellationToken.None);
        await tenant.WaitForCampaignAsync(id, "completed", TimeSpan.FromSeconds(30));
        var stats = await tenant.WaitForStatsAsync(id, s => s.L("read") == 3);
        CampaignTestKit.AssertAccountedFor(stats);
        var byRecipient = await env.AcceptedByRecipientAsync(tenant);
        Assert.Equal(3, byRecipient.Count);
        Assert.All(byRecipient.Values, sends => Assert.Single(sends));
    }
}

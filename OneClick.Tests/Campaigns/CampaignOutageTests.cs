using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Campaigns;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

/// <summary>The in-process environment with Azurite's data on disk, so storage can be stopped and started again.</summary>
public sealed class StorageOutageEnvironment : OneClickEnvironment
{
    protected override bool StorageOnDisk => true;
}

public sealed class CampaignOutageTests(StorageOutageEnvironment env) : IClassFixture<StorageOutageEnvironment>
{
    /// <summary>Longer than the storage SDK's own retries (three, about 6 s in all), shorter than the step's patience.</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(12);

    /// <summary>
    /// The completion watch is one message at a time: had its step failed while storage was down, the host could not
    /// have released the message either, and the campaign would have stayed running for the host's 10-minute lease.
    /// </summary>
    [Fact]
    public async Task A_watch_step_that_meets_a_storage_outage_completes_the_campaign_once_storage_is_back()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(1);
        // An occurrence whose dispatch is done and whose one recipient was never stored: the next watch completes it.
        const string Occurrence = "0000000000000000003";
        var services = env.App.Services;
        var id = await tenant.RunningOccurrenceAsync(services, people, Occurrence);

        await env.Azurite.StopAsync();
        var watch = services.GetRequiredService<CampaignDispatcher>().DispatchAsync(
            new DispatchCampaignCommand(DispatchCampaignCommand.CurrentVersion, tenant.Id, id, Occurrence, 0, null, "outage", Watch: true), CancellationToken.None);
        await Task.Delay(Outage);
        Assert.False(watch.IsCompleted, $"The watch step ended while storage was down: {watch.Exception?.InnerException?.Message}");
        await env.Azurite.RestartAsync();

        await watch.WaitAsync(TimeSpan.FromSeconds(30));
        var campaign = await tenant.GetJsonAsync($"api/campaigns/{id}");
        Assert.Equal("completed", campaign["status"]!.GetValue<string>());
    }
}

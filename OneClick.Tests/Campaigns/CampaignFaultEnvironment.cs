using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Campaigns;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

/// <summary>
/// The real environment plus a fault point in the send path (a process dying at a chosen step cannot be arranged
/// otherwise), a short send lease so a dead claim is recognised within seconds, two attempts per recipient, and a
/// dispatch allowed only 5 recipients ahead of the sends (so running ahead can be shown with a few), waiting at most
/// 5 s for a surplus that does not drain.
/// </summary>
public sealed class CampaignFaultEnvironment : OneClickEnvironment
{
    public FaultInjector Faults { get; } = new();

    protected override void Configure(FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration["Campaigns:SendLease"] = "00:00:02";
        builder.Configuration["Campaigns:MaxAttempts"] = "2";
        builder.Configuration["Campaigns:MaxQueuedAhead"] = "5";
        builder.Configuration["Campaigns:MaxDispatchHold"] = "00:00:05";
        builder.Services.AddSingleton<ICampaignFaultPoint>(Faults);
    }
}

[CollectionDefinition(Name)]
public sealed class CampaignFaultsShared : ICollectionFixture<CampaignFaultEnvironment>
{
    public const string Name = "CampaignFaults";
}

/// <summary>Throws ("the process dies here") the next time a campaign reaches the armed point.</summary>
public sealed class FaultInjector : ICampaignFaultPoint
{
    private readonly Lock _gate = new();
    private string? _point;
    private string? _campaignId;
    private int _remaining;

    public int Fired { get; private set; }

    public void Arm(string point, string? campaignId, int times = 1)
    {
        lock (_gate)
            (_point, _campaignId, _remaining, Fired) = (point, campaignId, times, 0);
    }

    public ValueTask AtAsync(string point, string campaignId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (point != _point || _remaining == 0 || (_campaignId is not null && _campaignId != campaignId))
                return ValueTask.CompletedTask;
            _remaining--;
            Fired++;
        }
        throw new InvalidOperationException($"Simulated crash at {point}.");
    }
}

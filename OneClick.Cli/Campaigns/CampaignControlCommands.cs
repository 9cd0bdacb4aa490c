using System.ComponentModel;
using OneClick.Cli.Infrastructure;
using OneClick.Client;
using OneClick.Client.Api.Campaigns.Item;
using OneClick.Client.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace OneClick.Cli.Campaigns;

internal sealed class CampaignIdSettings : ApiSettings
{
    [CommandArgument(0, "<CAMPAIGN_ID>")]
    [Description("The campaign's id.")]
    public string Id { get; set; } = "";
}

/// <summary>launch, pause, resume and cancel: one POST each, answering the campaign and how many recipients it moved.</summary>
internal abstract class CampaignControlCommand : ApiCommand<CampaignIdSettings>
{
    protected abstract string Verb { get; }

    protected abstract Task<CampaignControlView?> SendAsync(WithCampaignItemRequestBuilder campaign, CancellationToken cancellationToken);

    protected override async Task<int> RunAsync(OneClickApiClient api, CampaignIdSettings settings, CancellationToken cancellationToken)
    {
        var result = (await SendAsync(api.Api.Campaigns[settings.Id], cancellationToken))!;
        if (settings.Json)
            await Output.JsonAsync(result, cancellationToken);
        else
            AnsiConsole.MarkupLineInterpolated($"Campaign [blue]{settings.Id}[/] {Verb}: now {result.Campaign?.Status}{(result.Affected is { } n ? $" ({n} recipients affected)" : "")}.");
        return ExitCodes.Ok;
    }
}

internal sealed class CampaignLaunchCommand : CampaignControlCommand
{
    protected override string Verb => "launched";

    protected override Task<CampaignControlView?> SendAsync(WithCampaignItemRequestBuilder campaign, CancellationToken cancellationToken) =>
        campaign.Launch.PostAsync(cancellationToken: cancellationToken);
}

internal sealed class CampaignPauseCommand : CampaignControlCommand
{
    protected override string Verb => "paused";

    protected override Task<CampaignControlView?> SendAsync(WithCampaignItemRequestBuilder campaign, CancellationToken cancellationToken) =>
        campaign.Pause.PostAsync(cancellationToken: cancellationToken);
}

internal sealed class CampaignResumeCommand : CampaignControlCommand
{
    protected override string Verb => "resumed";

    protected override Task<CampaignControlView?> SendAsync(WithCampaignItemRequestBuilder campaign, CancellationToken cancellationToken) =>
        campaign.Resume.PostAsync(cancellationToken: cancellationToken);
}

internal sealed class CampaignCancelCommand : CampaignControlCommand
{
    protected override string Verb => "cancelled";

    protected override Task<CampaignControlView?> SendAsync(WithCampaignItemRequestBuilder campaign, CancellationToken cancellationToken) =>
        campaign.Cancel.PostAsync(cancellationToken: cancellationToken);
}

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

/// <summary>One control POST on a campaign and the past-tense verb the CLI reports it with.</summary>
internal sealed record CampaignAction(string Verb, Func<WithCampaignItemRequestBuilder, CancellationToken, Task<CampaignControlView?>> SendAsync)
{
    public static readonly CampaignAction Launch = new("launched", (campaign, ct) => campaign.Launch.PostAsync(cancellationToken: ct));
    public static readonly CampaignAction Pause = new("paused", (campaign, ct) => campaign.Pause.PostAsync(cancellationToken: ct));
    public static readonly CampaignAction Resume = new("resumed", (campaign, ct) => campaign.Resume.PostAsync(cancellationToken: ct));
    public static readonly CampaignAction Cancel = new("cancelled", (campaign, ct) => campaign.Cancel.PostAsync(cancellationToken: ct));
}

/// <summary>
/// launch, pause, resume and cancel (the <see cref="CampaignAction"/> comes from the command line's WithData): one POST
/// each, answering the campaign and how many recipients it moved.
/// </summary>
internal sealed class CampaignActionCommand : ApiCommand<CampaignIdSettings>
{
    protected override async Task<int> RunAsync(OneClickApiClient api, CampaignIdSettings settings, CancellationToken cancellationToken)
    {
        var action = (CampaignAction)Data!;
        var result = (await action.SendAsync(api.Api.Campaigns[settings.Id], cancellationToken))!;
        if (settings.Json)
            await Output.JsonAsync(result, cancellationToken);
        else
            AnsiConsole.MarkupLineInterpolated($"Campaign [blue]{settings.Id}[/] {action.Verb}: now {result.Campaign?.Status}{(result.Affected is { } n ? $" ({n} recipients affected)" : "")}.");
        return ExitCodes.Ok;
    }
}

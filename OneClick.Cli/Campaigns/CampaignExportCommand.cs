using System.ComponentModel;
using OneClick.Cli.Infrastructure;
using OneClick.Client;
using Spectre.Console.Cli;

namespace OneClick.Cli.Campaigns;

/// <summary>`oneclick campaigns export &lt;id&gt; -o recipients.csv`: the campaign's recipients, streamed to a file.</summary>
internal sealed class CampaignExportCommand : ApiCommand<CampaignExportCommand.Settings>
{
    internal sealed class Settings : ApiSettings
    {
        [CommandArgument(0, "<CAMPAIGN_ID>")]
        public string Id { get; set; } = "";

        [CommandOption("-o|--output <FILE>", isRequired: true)]
        [Description("Where to write the CSV.")]
        public string Output { get; set; } = "";

        [CommandOption("--status <STATUS>")]
        [Description("Only recipients in this status (e.g. failed).")]
        public string? Status { get; set; }

        [CommandOption("--occurrence <ID>")]
        [Description("A recurring campaign's occurrence (default: the latest).")]
        public string? Occurrence { get; set; }
    }

    protected override async Task<int> RunAsync(OneClickApiClient api, Settings settings, CancellationToken cancellationToken)
    {
        var body = await api.Api.Campaigns[settings.Id].Export.GetAsync(c =>
        {
            c.QueryParameters.Status = settings.Status;
            c.QueryParameters.Occurrence = settings.Occurrence;
        }, cancellationToken);
        return await FileExport.SaveAsync(body, settings.Output, settings.Json, cancellationToken);
    }
}

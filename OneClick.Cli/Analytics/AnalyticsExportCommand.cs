using System.ComponentModel;
using OneClick.Cli.Infrastructure;
using OneClick.Client;
using Spectre.Console.Cli;

namespace OneClick.Cli.Analytics;

/// <summary>`oneclick analytics export -o events.csv [--from D --to D --type T --campaign ID]`: raw message events to a file.</summary>
internal sealed class AnalyticsExportCommand : ApiCommand<AnalyticsExportCommand.Settings>
{
    internal sealed class Settings : ApiSettings
    {
        [CommandOption("-o|--output <FILE>", isRequired: true)]
        [Description("Where to write the export.")]
        public string Output { get; set; } = "";

        [CommandOption("--from <DATE>")]
        [Description("First day (yyyy-MM-dd).")]
        public string? From { get; set; }

        [CommandOption("--to <DATE>")]
        [Description("Last day (yyyy-MM-dd).")]
        public string? To { get; set; }

        [CommandOption("--type <TYPE>")]
        [Description("Only events of this type.")]
        public string? Type { get; set; }

        [CommandOption("--campaign <ID>")]
        [Description("Only this campaign's events.")]
        public string? Campaign { get; set; }
    }

    protected override async Task<int> RunAsync(OneClickApiClient api, Settings settings, CancellationToken cancellationToken)
    {
        var body = await api.Api.Analytics.Export.GetAsync(c =>
        {
            c.QueryParameters.From = settings.From;
            c.QueryParameters.To = settings.To;
            c.QueryParameters.Type = settings.Type;
            c.QueryParameters.CampaignId = settings.Campaign;
        }, cancellationToken);
        return await FileExport.SaveAsync(body, settings.Output, settings.Json, cancellationToken);
    }
}

using System.ComponentModel;
using System.Globalization;
using OneClick.Cli.Infrastructure;
using OneClick.Client;
using OneClick.Client.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace OneClick.Cli.Campaigns;

/// <summary>
/// `oneclick campaigns watch &lt;id&gt;`: a live view of the campaign's funnel, refreshed until it completes or is
/// cancelled (exit 0). A draft or scheduled campaign is watched too, so one can start watching before launching.
/// </summary>
internal sealed class CampaignWatchCommand : ApiCommand<CampaignWatchCommand.Settings>
{
    internal sealed class Settings : ApiSettings
    {
        [CommandArgument(0, "<CAMPAIGN_ID>")]
        [Description("The campaign's id.")]
        public string Id { get; set; } = "";

        [CommandOption("--interval <MS>")]
        [Description("Milliseconds between refreshes (default 1000).")]
        [DefaultValue(1000)]
        public int IntervalMs { get; set; } = 1000;

        public override ValidationResult Validate() =>
            IntervalMs is < 100 or > 60_000 ? ValidationResult.Error("--interval is 100 to 60000 ms.") : ValidationResult.Success();
    }

    protected override async Task<int> RunAsync(OneClickApiClient api, Settings settings, CancellationToken cancellationToken)
    {
        var item = api.Api.Campaigns[settings.Id];
        var interval = TimeSpan.FromMilliseconds(settings.IntervalMs);
        async Task<(CampaignView, CampaignStatsView)> ReadAsync() =>
            ((await item.GetAsync(cancellationToken: cancellationToken))!, (await item.Stats.GetAsync(cancellationToken: cancellationToken))!);

        var (campaign, stats) = await ReadAsync();
        if (settings.Json || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            while (!IsFinal(campaign))
            {
                await Task.Delay(interval, cancellationToken);
                (campaign, stats) = await ReadAsync();
            }
            if (settings.Json)
                await Output.JsonAsync(stats, cancellationToken);
            else
                AnsiConsole.Write(Render(campaign, stats));
            return ExitCodes.Ok;
        }

        await AnsiConsole.Live(Render(campaign, stats)).StartAsync(async live =>
        {
            while (!IsFinal(campaign))
            {
                await Task.Delay(interval, cancellationToken);
                (campaign, stats) = await ReadAsync();
                live.UpdateTarget(Render(campaign, stats));
            }
        });
        return ExitCodes.Ok;
    }

    /// <summary>Kiota keeps a free-form map's numbers as untyped nodes (or CLR numbers, depending on the parser).</summary>
    private static int CountOf(object value) => value switch
    {
        Microsoft.Kiota.Abstractions.Serialization.UntypedInteger i => i.GetValue(),
        Microsoft.Kiota.Abstractions.Serialization.UntypedLong l => (int)l.GetValue(),
        Microsoft.Kiota.Abstractions.Serialization.UntypedDouble d => (int)d.GetValue(),
        Microsoft.Kiota.Abstractions.Serialization.UntypedDecimal m => (int)m.GetValue(),
        IConvertible c => c.ToInt32(CultureInfo.InvariantCulture),
        _ => 0,
    };

    private static bool IsFinal(CampaignView campaign) => campaign.Status is "completed" or "cancelled";

    private static Table Render(CampaignView campaign, CampaignStatsView stats)
    {
        var targeted = Math.Max(stats.Targeted ?? 0, 1);
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"{Markup.Escape(campaign.Name ?? "")} [grey]({Markup.Escape(campaign.Id ?? "")})[/]")
            .Caption($"status: [bold]{Markup.Escape(campaign.Status ?? "?")}[/]{(campaign.StatusReason is { } reason ? " – " + Markup.Escape(reason) : "")}")
            .AddColumn("Stage").AddColumn(new TableColumn("Count").RightAligned()).AddColumn(new TableColumn("").Width(30));
        void Row(string stage, int? count, Color color)
        {
            var n = count ?? 0;
            var width = (int)Math.Round(30.0 * Math.Min(n, targeted) / targeted);
            table.AddRow(new Markup(stage), new Markup(n.ToString("N0", CultureInfo.InvariantCulture)), new Markup($"[{color.ToMarkup()}]{new string('█', width)}[/]"));
        }
        Row("targeted", stats.Targeted, Color.Grey);
        Row("queued", stats.Queued, Color.Blue);
        Row("accepted", stats.Accepted, Color.SteelBlue);
        Row("sent", stats.Sent, Color.Aqua);
        Row("delivered", stats.Delivered, Color.Green);
        Row("read", stats.Read, Color.Green3);
        Row("replied", stats.Replied, Color.Yellow);
        Row("failed", stats.Failed?.Total, Color.Red);
        foreach (var (code, count) in stats.Failed?.ByCode?.AdditionalData ?? new Dictionary<string, object>())
            Row($"  [red]code {Markup.Escape(code)}[/]", CountOf(count), Color.Red);
        Row("unknown", stats.Unknown, Color.Orange1);
        return table;
    }
}

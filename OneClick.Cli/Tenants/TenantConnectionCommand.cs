using System.ComponentModel;
using System.Globalization;
using OneClick.Cli.Infrastructure;
using OneClick.Client;
using Spectre.Console;
using Spectre.Console.Cli;

namespace OneClick.Cli.Tenants;

/// <summary>`oneclick tenants connection &lt;id&gt;`: the tenant's WhatsApp number as Meta reports it.</summary>
internal sealed class TenantConnectionCommand : ApiCommand<TenantConnectionCommand.Settings>
{
    internal sealed class Settings : ApiSettings
    {
        [CommandArgument(0, "<TENANT_ID>")]
        [Description("The tenant's id.")]
        public string Id { get; set; } = "";
    }

    protected override async Task<int> RunAsync(OneClickApiClient api, Settings settings, CancellationToken cancellationToken)
    {
        var report = (await api.Api.Tenants[settings.Id].Connection.GetAsync(cancellationToken: cancellationToken))!;
        if (settings.Json)
        {
            await Output.JsonAsync(report, cancellationToken);
            return ExitCodes.Ok;
        }
        AnsiConsole.MarkupLine(report.Healthy == true ? "[green]Healthy[/]" : "[red]Not healthy[/]");
        var table = new Table().HideHeaders().AddColumns("", "");
        void Row(string name, object? value) => table.AddRow(name, Markup.Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "-"));
        Row("status", report.Status);
        Row("problem", report.Problem);
        Row("display number", report.DisplayPhoneNumber);
        Row("verified name", report.VerifiedName);
        Row("name status", report.NameStatus);
        Row("quality rating", report.QualityRating);
        Row("messaging limit", report.MessagingLimit);
        Row("throughput", report.ThroughputLevel);
        Row("messages/second", report.MessagesPerSecond);
        if (report.MetaError is { } error)
            Row("Meta error", $"{error.Title} {error.Details}");
        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }
}

using System.ComponentModel;
using System.Globalization;
using Microsoft.Kiota.Abstractions.Serialization;
using OneClick.Cli.Infrastructure;
using OneClick.Client;
using OneClick.Client.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace OneClick.Cli.Tenants;

internal sealed class TenantIdSettings : ApiSettings
{
    [CommandArgument(0, "<TENANT_ID>")]
    [Description("The tenant's id.")]
    public string Id { get; set; } = "";
}

/// <summary>One GET about a tenant and how to show its answer without --json.</summary>
internal sealed record TenantRead(Func<OneClickApiClient, string, CancellationToken, Task<IParsable>> FetchAsync, Action<IParsable> Render)
{
    /// <summary>`oneclick tenants show &lt;id&gt;`.</summary>
    public static readonly TenantRead Show = Of(
        (api, id, ct) => api.Api.Tenants[id].GetAsync(cancellationToken: ct),
        tenant => AnsiConsole.Write(Describe(tenant)));

    /// <summary>`oneclick tenants connection &lt;id&gt;`: the tenant's WhatsApp number as Meta reports it.</summary>
    public static readonly TenantRead Connection = Of(
        (api, id, ct) => api.Api.Tenants[id].Connection.GetAsync(cancellationToken: ct),
        report =>
        {
            AnsiConsole.MarkupLine(report.Healthy == true ? "[green]Healthy[/]" : "[red]Not healthy[/]");
            var rows = new List<(string, object?)>
            {
                ("status", report.Status),
                ("problem", report.Problem),
                ("display number", report.DisplayPhoneNumber),
                ("verified name", report.VerifiedName),
                ("name status", report.NameStatus),
                ("quality rating", report.QualityRating),
                ("messaging limit", report.MessagingLimit),
                ("throughput", report.ThroughputLevel),
                ("messages/second", report.MessagesPerSecond),
            };
            if (report.MetaError is { } error)
                rows.Add(("Meta error", $"{error.Title} {error.Details}"));
            AnsiConsole.Write(KeyValueTable(rows));
        });

    private static TenantRead Of<T>(Func<OneClickApiClient, string, CancellationToken, Task<T?>> fetchAsync, Action<T> render) where T : class, IParsable =>
        new(async (api, id, ct) => (await fetchAsync(api, id, ct))!, value => render((T)value));

    internal static Table Describe(TenantView tenant) => KeyValueTable(
    [
        ("id", tenant.Id),
        ("name", tenant.Name),
        ("default region", tenant.DefaultRegion),
        ("WABA id", tenant.WabaId),
        ("phone number id", tenant.PhoneNumberId),
        ("Meta app", tenant.MetaApp),
        ("messages/second", tenant.MessagesPerSecond),
        ("webhook URL", tenant.WebhookUrl),
        ("created", tenant.CreatedAt),
        ("credentials updated", tenant.CredentialsUpdatedAt),
    ]);

    private static Table KeyValueTable(IEnumerable<(string Name, object? Value)> rows)
    {
        var table = new Table().HideHeaders().AddColumns("", "");
        foreach (var (name, value) in rows)
            table.AddRow(name, Markup.Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "-"));
        return table;
    }
}

/// <summary>show and connection (the <see cref="TenantRead"/> comes from the command line's WithData).</summary>
internal sealed class TenantReadCommand : ApiCommand<TenantIdSettings>
{
    protected override async Task<int> RunAsync(OneClickApiClient api, TenantIdSettings settings, CancellationToken cancellationToken)
    {
        var read = (TenantRead)Data!;
        var answer = await read.FetchAsync(api, settings.Id, cancellationToken);
        if (settings.Json)
            await Output.JsonAsync(answer, cancellationToken);
        else
            read.Render(answer);
        return ExitCodes.Ok;
    }
}

using System.ComponentModel;
using System.Globalization;
using OneClick.Cli.Infrastructure;
using OneClick.Client;
using OneClick.Client.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace OneClick.Cli.Tenants;

/// <summary>`oneclick tenants show &lt;id&gt;`.</summary>
internal sealed class TenantShowCommand : ApiCommand<TenantShowCommand.Settings>
{
    internal sealed class Settings : ApiSettings
    {
        [CommandArgument(0, "<TENANT_ID>")]
        [Description("The tenant's id.")]
        public string Id { get; set; } = "";
    }

    protected override async Task<int> RunAsync(OneClickApiClient api, Settings settings, CancellationToken cancellationToken)
    {
        var tenant = await api.Api.Tenants[settings.Id].GetAsync(cancellationToken: cancellationToken);
        if (settings.Json)
            await Output.JsonAsync(tenant!, cancellationToken);
        else
            AnsiConsole.Write(Describe(tenant!));
        return ExitCodes.Ok;
    }

    internal static Table Describe(TenantView tenant)
    {
        var table = new Table().HideHeaders().AddColumns("", "");
        void Row(string name, object? value) => table.AddRow(name, Markup.Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "-"));
        Row("id", tenant.Id);
        Row("name", tenant.Name);
        Row("default region", tenant.DefaultRegion);
        Row("WABA id", tenant.WabaId);
        Row("phone number id", tenant.PhoneNumberId);
        Row("messages/second", tenant.MessagesPerSecond);
        Row("webhook URL", tenant.WebhookUrl);
        Row("created", tenant.CreatedAt);
        Row("credentials updated", tenant.CredentialsUpdatedAt);
        return table;
    }
}

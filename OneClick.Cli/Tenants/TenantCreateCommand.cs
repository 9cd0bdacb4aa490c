using System.ComponentModel;
using OneClick.Cli.Infrastructure;
using OneClick.Client;
using OneClick.Client.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace OneClick.Cli.Tenants;

/// <summary>`oneclick tenants create --name X` (with the admin key): prints the tenant and its API key, shown only once.</summary>
internal sealed class TenantCreateCommand : ApiCommand<TenantCreateCommand.Settings>
{
    internal sealed class Settings : ApiSettings
    {
        [CommandOption("--name <NAME>", isRequired: true)]
        [Description("The tenant's display name.")]
        public string Name { get; set; } = "";

        [CommandOption("--id <ID>")]
        [Description("Optional: the tenant id (else the app picks one).")]
        public string? Id { get; set; }
    }

    protected override async Task<int> RunAsync(OneClickApiClient api, Settings settings, CancellationToken cancellationToken)
    {
        var created = await api.Api.Tenants.PostAsync(new CreateTenantRequest { Name = settings.Name, Id = settings.Id }, cancellationToken: cancellationToken);
        if (settings.Json)
        {
            await Output.JsonAsync(created!, cancellationToken);
            return ExitCodes.Ok;
        }
        AnsiConsole.Write(TenantRead.Describe(created!.Tenant!));
        AnsiConsole.MarkupLineInterpolated($"API key (shown once, keep it): [bold yellow]{created.ApiKey}[/]");
        return ExitCodes.Ok;
    }
}

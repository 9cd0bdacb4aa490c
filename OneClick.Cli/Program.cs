using OneClick.Cli.Analytics;
using OneClick.Cli.Campaigns;
using OneClick.Cli.Config;
using OneClick.Cli.Contacts;
using OneClick.Cli.Infrastructure;
using OneClick.Cli.Tenants;
using Spectre.Console;
using Spectre.Console.Cli;

// `oneclick`: the operator CLI on the generated API client (docs/cli.md).
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("oneclick");
    // Parse and validation errors are usage errors (2); API refusals and unreachable apps are handled per command.
    config.SetExceptionHandler((exception, _) =>
    {
        switch (exception)
        {
            case CommandParseException or CommandRuntimeException or CommandConfigurationException:
                Output.Error.MarkupLineInterpolated($"[red]{exception.Message}[/]");
                return ExitCodes.Usage;
            case HttpRequestException:
                Output.Error.MarkupLineInterpolated($"[red]Cannot reach the app:[/] {exception.Message}");
                return ExitCodes.Unreachable;
            default:
                Output.Error.WriteException(exception, ExceptionFormats.ShortenEverything);
                return ExitCodes.Refused;
        }
    });
    config.AddBranch("config", c =>
    {
        c.SetDescription("Where the app is and which key to use.");
        c.AddCommand<ConfigSetCommand>("set").WithDescription("Save the URL and/or key to the per-user config file.").WithExample("config", "set", "--url", "http://127.0.0.1:7071", "--key", "<KEY>");
        c.AddCommand<ConfigShowCommand>("show").WithDescription("Show the URL and masked key in effect, and where each comes from.");
    });
    config.AddBranch("tenants", t =>
    {
        t.SetDescription("Tenants (create needs the admin key).");
        t.AddCommand<TenantCreateCommand>("create").WithDescription("Create a tenant; prints its API key once.");
        t.AddCommand<TenantReadCommand>("show").WithData(TenantRead.Show).WithDescription("Show a tenant.");
        t.AddCommand<TenantReadCommand>("connection").WithData(TenantRead.Connection).WithDescription("The tenant's WhatsApp number health, as Meta reports it.");
    });
    config.AddBranch("contacts", c =>
    {
        c.SetDescription("Contacts.");
        c.AddCommand<ContactsImportCommand>("import").WithDescription("Import a CSV with a live progress bar, then list the rejected rows.");
    });
    config.AddBranch("campaigns", c =>
    {
        c.SetDescription("Campaigns.");
        c.AddCommand<CampaignCreateCommand>("create").WithDescription("Create a draft campaign.");
        c.AddCommand<CampaignActionCommand>("launch").WithData(CampaignAction.Launch).WithDescription("Launch a campaign.");
        c.AddCommand<CampaignActionCommand>("pause").WithData(CampaignAction.Pause).WithDescription("Pause a running campaign.");
        c.AddCommand<CampaignActionCommand>("resume").WithData(CampaignAction.Resume).WithDescription("Resume a paused campaign.");
        c.AddCommand<CampaignActionCommand>("cancel").WithData(CampaignAction.Cancel).WithDescription("Cancel a campaign.");
        c.AddCommand<CampaignWatchCommand>("watch").WithDescription("Watch the funnel live until the campaign completes or is cancelled.");
        c.AddCommand<CampaignExportCommand>("export").WithDescription("Export the recipients to a CSV file.");
    });
    config.AddBranch("analytics", a =>
    {
        a.SetDescription("Analytics.");
        a.AddCommand<AnalyticsExportCommand>("export").WithDescription("Export message events to a file.");
    });
});
return await app.RunAsync(args);

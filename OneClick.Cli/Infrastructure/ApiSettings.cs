using System.ComponentModel;
using Spectre.Console.Cli;

namespace OneClick.Cli.Infrastructure;

/// <summary>Options every API command takes: where the app is, which key, and how to print.</summary>
internal class ApiSettings : CommandSettings
{
    [CommandOption("--url <URL>")]
    [Description("The app's base URL (else ONECLICK_URL, else the config file).")]
    public string? Url { get; set; }

    [CommandOption("--key <KEY>")]
    [Description("The API key, a tenant's or the admin's (else ONECLICK_API_KEY, else the config file).")]
    public string? Key { get; set; }

    [CommandOption("--json")]
    [Description("Print the API's JSON result instead of the human view.")]
    public bool Json { get; set; }
}

using System.ComponentModel;
using OneClick.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace OneClick.Cli.Config;

/// <summary>`oneclick config set --url U --key K`: remembers the app and key in the per-user file.</summary>
internal sealed class ConfigSetCommand : Command<ConfigSetCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--url <URL>")]
        [Description("The app's base URL, e.g. http://127.0.0.1:7071.")]
        public string? Url { get; set; }

        [CommandOption("--key <KEY>")]
        [Description("The API key to send.")]
        public string? Key { get; set; }

        public override ValidationResult Validate() =>
            Url is null && Key is null ? ValidationResult.Error("Give --url, --key or both.")
            : Url is not null && !Uri.TryCreate(Url, UriKind.Absolute, out _) ? ValidationResult.Error($"Not an absolute URL: {Url}")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var current = CliConfig.Load();
        var updated = new CliConfig(settings.Url ?? current.Url, settings.Key ?? current.Key);
        updated.Save();
        AnsiConsole.MarkupLineInterpolated($"Saved to [blue]{CliConfig.FilePath}[/]: url {updated.Url}, key {CliConfig.Mask(updated.Key)}");
        return ExitCodes.Ok;
    }
}

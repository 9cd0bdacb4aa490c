using System.Text.Json;
using OneClick.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace OneClick.Cli.Config;

/// <summary>`oneclick config show`: the URL and (masked) key in effect, and where each came from.</summary>
internal sealed class ConfigShowCommand : Command<ApiSettings>
{
    public override int Execute(CommandContext context, ApiSettings settings, CancellationToken cancellationToken)
    {
        var (url, key) = CliConfig.Resolve(settings);
        if (settings.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                url = url.Value, urlSource = url.Source, key = CliConfig.Mask(key.Value), keySource = key.Source, file = CliConfig.FilePath,
            }));
            return ExitCodes.Ok;
        }
        var table = new Table().AddColumns("Setting", "Value", "From");
        table.AddRow("url", Markup.Escape(url.Value ?? "-"), Markup.Escape(url.Source));
        table.AddRow("key", Markup.Escape(CliConfig.Mask(key.Value) is { Length: > 0 } masked ? masked : "-"), Markup.Escape(key.Source));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"Config file: [blue]{CliConfig.FilePath}[/]");
        return ExitCodes.Ok;
    }
}

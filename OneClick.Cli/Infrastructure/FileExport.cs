using System.Text.Json;
using Spectre.Console;

namespace OneClick.Cli.Infrastructure;

/// <summary>Writes an export's body to a file; the JSON result is where it went and how big it is.</summary>
internal static class FileExport
{
    public static async Task<int> SaveAsync(Stream? body, string path, bool json, CancellationToken cancellationToken)
    {
        long bytes = 0;
        await using (var file = File.Create(path))
        {
            if (body is not null)
            {
                await using (body)
                    await body.CopyToAsync(file, cancellationToken);
            }
            bytes = file.Length;
        }
        if (json)
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new { file = Path.GetFullPath(path), bytes }));
        else
            AnsiConsole.MarkupLineInterpolated($"Wrote {bytes:N0} bytes to [blue]{path}[/].");
        return ExitCodes.Ok;
    }
}

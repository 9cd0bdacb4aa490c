using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace OneClick.FunctionsHost;

/// <summary>
/// The command line, like <c>func start</c> for a build output:
/// <c>dotnet run --project OneClick.FunctionsHost -- --script-root &lt;dir&gt; [--port 7071] [--host 127.0.0.1] [--local-settings &lt;file&gt;]</c>.
/// </summary>
internal static class FunctionsHostProgram
{
    private const string Usage =
        "Usage: OneClick.FunctionsHost --script-root <dir with functions.metadata, worker.config.json, host.json> " +
        "[--port 7071] [--host 127.0.0.1] [--local-settings <path to local.settings.json>]";

    public static async Task<int> Main(string[] args)
    {
        if (!TryParse(args, out var options, out var error))
        {
            await Console.Error.WriteLineAsync(error + Environment.NewLine + Usage).ConfigureAwait(false);
            return 2;
        }

        using var loggerFactory = LoggerFactory.Create(logging => logging
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
            })
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddFilter("System", LogLevel.Warning));

        using var shutdown = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true; // Stop cleanly (and stop the worker) instead of dying at once.
            shutdown.Cancel();
        };
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            shutdown.Cancel();
        });

        await using var host = new LocalFunctionsHost(options, loggerFactory);
        try
        {
            await host.StartAsync(shutdown.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (!shutdown.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"The local Functions host could not start: {exception.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }

        Console.WriteLine();
        Console.WriteLine("Functions:");
        foreach (var function in host.Functions)
            Console.WriteLine($"  {function}");
        Console.WriteLine();
        Console.WriteLine("Press Ctrl+C to stop.");

        try
        {
            await Task.Delay(Timeout.Infinite, shutdown.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or SIGTERM.
        }
        await host.StopAsync().ConfigureAwait(false);
        return 0;
    }

    private static bool TryParse(string[] args, out LocalFunctionsHostOptions options, out string error)
    {
        string? scriptRoot = null, localSettings = null, host = null;
        var port = 7071;
        error = "";
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
                break;
            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value.";
                break;
            }
            var value = args[++i];
            switch (name)
            {
                case "--script-root":
                    scriptRoot = value;
                    break;
                case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed <= 65535:
                    port = parsed;
                    break;
                case "--host":
                    host = value;
                    break;
                case "--local-settings":
                    localSettings = value;
                    break;
                default:
                    error = $"Unknown option or bad value: {name} {value}";
                    break;
            }
        }
        if (error.Length == 0 && scriptRoot is null)
            error = "--script-root is required.";
        options = new LocalFunctionsHostOptions
        {
            ScriptRoot = scriptRoot ?? ".",
            HttpPort = port,
            HttpHost = host ?? "127.0.0.1",
            LocalSettingsPath = localSettings,
        };
        return error.Length == 0;
    }
}

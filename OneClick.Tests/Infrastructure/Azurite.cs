using System.Diagnostics;

namespace OneClick.Tests.Infrastructure;

/// <summary>
/// A real Azurite (Azure Storage emulator, installed from npm by the test command) on free ports, in memory, or on
/// disk in <see cref="Location"/> so that it can be stopped and started again with its data (a storage outage).
/// If ONECLICK_TEST_STORAGE holds a connection string, that account is used instead.
/// </summary>
public sealed partial class Azurite : IAsyncDisposable
{
    private readonly (int Blob, int Queue, int Table) _ports;
    private Process? _process;

    public string ConnectionString { get; }

    /// <summary>Azurite's process (for a benchmark's CPU figures); null for an external account or while stopped.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>Where Azurite keeps its data; null when in memory.</summary>
    public string? Location { get; }

    private Azurite(string connectionString, Process? process, (int, int, int) ports, string? location)
    {
        ConnectionString = connectionString;
        _process = process;
        _ports = ports;
        Location = location;
    }

    /// <param name="location">A folder to keep the data in (survives <see cref="StopAsync"/>); null keeps it in memory.</param>
    public static async Task<Azurite> StartAsync(string? location = null)
    {
        var external = Environment.GetEnvironmentVariable("ONECLICK_TEST_STORAGE");
        if (!string.IsNullOrEmpty(external))
            return new Azurite(external, null, default, null);

        // Port 0: each service takes the port the system gives it and says which. A port found free beforehand could be
        // taken (by another test's listener, or a client socket's ephemeral port) before Azurite bound it.
        var (process, ports) = await LaunchAsync((0, 0, 0), location);

        const string account = "devstoreaccount1";
        const string key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        var connectionString =
            $"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={key};" +
            $"BlobEndpoint=http://127.0.0.1:{ports.Blob}/{account};QueueEndpoint=http://127.0.0.1:{ports.Queue}/{account};TableEndpoint=http://127.0.0.1:{ports.Table}/{account};";
        return new Azurite(connectionString, process, ports, location);
    }

    /// <summary>Starts Azurite and waits until each service says where it listens.</summary>
    private static async Task<(Process, (int Blob, int Queue, int Table))> LaunchAsync((int Blob, int Queue, int Table) ports, string? location)
    {
        var executable = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
            throw new InvalidOperationException($"Azurite is not installed at {executable}: run the README's test command (it runs npm ci).");
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (location is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(location);
        }
        foreach (var argument in new[]
        {
            // No telemetry: Azurite would otherwise report to Application Insights (unreachable here), and its pending
            // calls keep the process alive after SIGTERM.
            "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--disableProductStyleUrl",
            "--blobHost", "127.0.0.1", "--blobPort", ports.Blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", ports.Queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", ports.Table.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        var listening = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>(); // what it said, for the error if it fails to start
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
                return;
            if (output.Count < 50)
                output.Enqueue(line.Data);
            // "Azurite Table service is successfully listening at http://127.0.0.1:36527"
            if (ListeningLine().Match(line.Data) is { Success: true } listen)
                listening[listen.Groups["service"].Value] = int.Parse(listen.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (line.Data.Contains("successfully closed", StringComparison.Ordinal))
                ClosedServices.AddOrUpdate(process.Id, 1, (_, n) => n + 1);
        };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null && output.Count < 50)
                output.Enqueue(line.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (listening.Count < 3)
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var exited = process.HasExited ? $"exited with code {process.ExitCode}" : "did not open its three ports within 30 s";
                if (!process.HasExited)
                    process.Kill(entireProcessTree: true);
                process.WaitForExit(); // the rest of its output
                process.Dispose();
                throw new InvalidOperationException($"Azurite {exited}:{Environment.NewLine}{string.Join(Environment.NewLine, output)}");
            }
            await Task.Delay(50);
        }
        return (process, (listening["Blob"], listening["Queue"], listening["Table"]));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service is successfully listening at http://[^\s]+:(?<port>\d+)")]
    private static partial System.Text.RegularExpressions.Regex ListeningLine();

    /// <summary>Services that said they closed (and saved their data), by Azurite process id.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> ClosedServices = new();

    /// <summary>
    /// Stops Azurite as an operator would: SIGTERM, on which each of its three services stops taking requests and saves
    /// its data; then, once all three say so, the process is ended without waiting for requests still in flight.
    /// </summary>
    public async Task StopAsync()
    {
        if (Location is null || _process is null)
            throw new InvalidOperationException("Only an Azurite with a data location can be stopped and started again.");
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await term.WaitForExitAsync();
        var process = _process;
        await Eventually.Async(
            () => Task.FromResult(ClosedServices.GetValueOrDefault(process.Id) >= 3 || process.HasExited),
            () => "Azurite did not close its services within 30 s of SIGTERM.", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    /// <summary>Starts Azurite again on the same ports with the data it kept.</summary>
    public async Task RestartAsync()
    {
        if (Location is null || _process is not null)
            throw new InvalidOperationException("Stop it first (and only an Azurite with a data location).");
        (_process, _) = await LaunchAsync(_ports, Location);
    }

    public async ValueTask DisposeAsync()
    {
        if (Location is not null)
        {
            try
            {
                await DisposeProcessAsync();
            }
            finally
            {
                if (Directory.Exists(Location))
                    Directory.Delete(Location, recursive: true);
            }
            return;
        }
        await DisposeProcessAsync();
    }

    private async Task DisposeProcessAsync()
    {
        if (_process is null)
            return;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

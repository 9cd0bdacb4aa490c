using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OneClick.Tests.Infrastructure;

/// <summary>
/// A real Azurite (Azure Storage emulator, installed from npm by the test command) on free ports, in memory, or on
/// disk in <see cref="Location"/> so that it can be stopped and started again with its data (a storage outage).
/// If ONECLICK_TEST_STORAGE holds a connection string, that account is used instead.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    private readonly (int Blob, int Queue, int Table) _ports;
    private Process? _process;

    public string ConnectionString { get; }

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
    public static Task<Azurite> StartAsync(string? location = null) => StartAsync(location, FreePorts);

    /// <param name="choosePorts">Where each attempt listens (a test takes one of them first).</param>
    internal static async Task<Azurite> StartAsync(string? location, Func<(int, int, int)> choosePorts)
    {
        var external = Environment.GetEnvironmentVariable("ONECLICK_TEST_STORAGE");
        if (!string.IsNullOrEmpty(external))
            return new Azurite(external, null, default, null);

        // A port found free can be taken before Azurite binds it (by a client socket's ephemeral port, with the whole
        // suite running): Azurite then exits at once, and it is started again on other ports.
        (int, int, int) ports;
        Process process;
        for (var attempt = 1; ; attempt++)
        {
            ports = choosePorts();
            try
            {
                process = await LaunchAsync(ports, location);
                break;
            }
            catch (AzuriteExitedException) when (attempt < 5)
            {
            }
        }

        const string account = "devstoreaccount1";
        const string key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        var connectionString =
            $"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={key};" +
            $"BlobEndpoint=http://127.0.0.1:{ports.Item1}/{account};QueueEndpoint=http://127.0.0.1:{ports.Item2}/{account};TableEndpoint=http://127.0.0.1:{ports.Item3}/{account};";
        return new Azurite(connectionString, process, ports, location);
    }

    private static async Task<Process> LaunchAsync((int Blob, int Queue, int Table) ports, string? location)
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
            "--silent", "--skipApiVersionCheck", "--disableProductStyleUrl",
            "--blobHost", "127.0.0.1", "--blobPort", ports.Blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", ports.Queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", ports.Table.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        // Its last lines, for the error when it exits while starting (it says why on standard output).
        var lastLines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Keep(string? line)
        {
            if (line is null)
                return;
            lastLines.Enqueue(line);
            while (lastLines.Count > 20)
                lastLines.TryDequeue(out _);
        }
        process.OutputDataReceived += (_, line) =>
        {
            Keep(line.Data);
            if (line.Data?.Contains("successfully closed", StringComparison.Ordinal) == true)
                ClosedServices.AddOrUpdate(process.Id, 1, (_, n) => n + 1);
        };
        process.ErrorDataReceived += (_, line) => Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        foreach (var port in new[] { ports.Blob, ports.Queue, ports.Table })
            await WaitForPortAsync(port, process, lastLines);
        return process;
    }

    /// <summary>Services that said they closed (and saved their data), by Azurite process id.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> ClosedServices = new();

    /// <summary>
    /// Stops Azurite as an operator would: SIGTERM, on which each of its three services stops taking requests and saves
    /// its data; then, once all three say so, the process is ended (it would otherwise linger on clients' open
    /// keep-alive connections).
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
        _process = await LaunchAsync(_ports, Location);
    }

    /// <summary>Three distinct free ports (all held open while choosing, so none is picked twice).</summary>
    private static (int, int, int) FreePorts()
    {
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var listener in listeners)
                listener.Start();
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
            return (ports[0], ports[1], ports[2]);
        }
        finally
        {
            foreach (var listener in listeners)
                listener.Dispose();
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port, Process process, IEnumerable<string> lastLines)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                process.WaitForExit(); // the rest of its output
                throw new AzuriteExitedException($"Azurite exited with code {process.ExitCode}: {string.Join(Environment.NewLine, lastLines)}");
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"Azurite did not open port {port}.");
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

/// <summary>Azurite ended while starting (most often: one of its ports was taken in the meantime).</summary>
public sealed class AzuriteExitedException(string message) : InvalidOperationException(message);

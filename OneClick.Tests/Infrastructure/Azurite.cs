using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OneClick.Tests.Infrastructure;

/// <summary>
/// A real Azurite (Azure Storage emulator, installed from npm by the test command) on free ports, in memory.
/// If ONECLICK_TEST_STORAGE holds a connection string, that account is used instead.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    private readonly Process? _process;

    public string ConnectionString { get; }

    private Azurite(string connectionString, Process? process)
    {
        ConnectionString = connectionString;
        _process = process;
    }

    public static async Task<Azurite> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable("ONECLICK_TEST_STORAGE");
        if (!string.IsNullOrEmpty(external))
            return new Azurite(external, null);

        var executable = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
            throw new InvalidOperationException($"Azurite is not installed at {executable}: run the README's test command (it runs npm ci).");

        var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList =
            {
                "--inMemoryPersistence", "--silent", "--skipApiVersionCheck", "--disableProductStyleUrl",
                "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--tableHost", "127.0.0.1", "--tablePort", table.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        foreach (var port in new[] { blob, queue, table })
            await WaitForPortAsync(port, process);

        const string account = "devstoreaccount1";
        const string key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        var connectionString =
            $"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={key};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/{account};QueueEndpoint=http://127.0.0.1:{queue}/{account};TableEndpoint=http://127.0.0.1:{table}/{account};";
        return new Azurite(connectionString, process);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"Azurite exited with code {process.ExitCode}.");
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

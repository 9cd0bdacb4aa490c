using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OneClick.Functions;
using OneClick.FunctionsHost;

namespace OneClick.Tests.Infrastructure;

/// <summary>
/// Runs OneClick's worker inside the test process, connected to a local Functions host over gRPC exactly as the
/// worker process would be. Two things differ from a process, and only those are arranged here: the worker reads
/// its host endpoint from the configuration the host hands over (a process reads it from its command line), and
/// the ASP.NET Core integration picks its HTTP port once per process, so each worker gets its own.
/// </summary>
public static class InProcessWorker
{
    /// <summary>This test's output folder: OneClick.Functions.dll and host.json as the build copied them.</summary>
    public static string ScriptRoot { get; } = AppContext.BaseDirectory;

    static InProcessWorker()
    {
        // The worker finds its app folder (host.json, the function assembly) from the host's environment variables.
        Environment.SetEnvironmentVariable("FUNCTIONS_APPLICATION_DIRECTORY", ScriptRoot);
        Environment.SetEnvironmentVariable("FUNCTIONS_WORKER_DIRECTORY", ScriptRoot);
    }

    public static async Task<IAsyncDisposable> StartAsync(
        WorkerStartContext context, IDictionary<string, string?> settings, Action<FunctionsApplicationBuilder> configure, Action<IHost> built,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentNullException.ThrowIfNull(built);
        var builder = OneClickApp.CreateBuilder(context.Arguments);
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), s.Value)));
        builder.Configuration.AddInMemoryCollection(context.Configuration.Select(c => KeyValuePair.Create(c.Key, (string?)c.Value)));

        var httpUri = new Uri($"http://127.0.0.1:{FreePort()}/");
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Listen(IPAddress.Loopback, httpUri.Port));
        builder.Services.PostConfigure<WorkerOptions>(options => options.Capabilities["HttpUri"] = httpUri.ToString());
        configure(builder);

        var worker = builder.Build();
        built(worker);
        await worker.StartAsync(cancellationToken);
        return new Running(worker);
    }

    /// <summary>
    /// A port free now. The worker must name its HTTP port to the host before Kestrel binds it, so port 0 will not do;
    /// the port could in principle be taken in between.
    /// </summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Running(IHost worker) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await worker.StopAsync(timeout.Token);
            worker.Dispose();
        }
    }
}

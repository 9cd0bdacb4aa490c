using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OneClick.FunctionsHost.Configuration;
using OneClick.FunctionsHost.Metadata;
using OneClick.FunctionsHost.Worker;
using Yarp.ReverseProxy.Forwarder;

namespace OneClick.FunctionsHost.Http;

/// <summary>The listener for HTTP triggers (default 127.0.0.1:7071): every request goes to <see cref="HttpTriggerHandler"/>.</summary>
internal sealed class HttpFrontEnd : IAsyncDisposable
{
    /// <summary>The host's default request body limit (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT overrides it).</summary>
    private const long DefaultMaxRequestBodySize = 104_857_600;

    private readonly WebApplication _app;
    private readonly HttpTriggerHandler _handler;
    private readonly TimeSpan _shutdownTimeout;

    private HttpFrontEnd(WebApplication app, HttpTriggerHandler handler, HttpRouteTable routes, Uri baseAddress, TimeSpan shutdownTimeout)
    {
        _app = app;
        _handler = handler;
        Routes = routes;
        BaseAddress = baseAddress;
        _shutdownTimeout = shutdownTimeout;
    }

    public Uri BaseAddress { get; }

    public HttpRouteTable Routes { get; }

    public static async Task<HttpFrontEnd> StartAsync(LocalFunctionsHostOptions options, AppSettings settings, HostJson hostJson,
        IReadOnlyList<FunctionDefinition> functions, WorkerSupervisor supervisor, FunctionInvoker invoker, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory)).AddFilter("Microsoft", LogLevel.Warning).AddFilter("Yarp", LogLevel.Warning);
        var maxBody = settings.Get("FUNCTIONS_REQUEST_BODY_SIZE_LIMIT") is { } limit ? long.Parse(limit, CultureInfo.InvariantCulture) : DefaultMaxRequestBodySize;
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = maxBody;
            kestrel.AddServerHeader = false;
            Listen(kestrel, options.HttpHost, options.HttpPort);
        });
        builder.Services.AddRouting();
        builder.Services.AddHttpForwarder();
        var app = builder.Build();

        var routes = HttpRouteTable.Build(functions, hostJson.RoutePrefix, app.Services.GetRequiredService<IInlineConstraintResolver>());
        var handler = new HttpTriggerHandler(routes, supervisor, invoker, app.Services.GetRequiredService<IHttpForwarder>(), options, loggerFactory);
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new HttpFrontEnd(app, handler, routes, new Uri(address.EndsWith('/') ? address : address + "/"), options.ShutdownTimeout);
    }

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, string host, int port)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            kestrel.ListenLocalhost(port);
        else if (host is "*" or "+" or "0.0.0.0")
            kestrel.ListenAnyIP(port);
        else
            kestrel.Listen(IPAddress.Parse(host), port);
    }

    /// <summary>Stops taking requests and gives those in flight the shutdown timeout to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(_shutdownTimeout).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _handler.Dispose();
    }
}

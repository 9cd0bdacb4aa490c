using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OneClick.Tests.Conversations;

/// <summary>An external system that automations call: a real HTTP server that records what it gets and answers as told.</summary>
public sealed class HookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<int, int> _statusForAttempt;
    private int _count;

    public ConcurrentQueue<(string Body, IHeaderDictionary Headers)> Received { get; } = new();
    public Uri Url { get; private set; } = null!;

    private HookReceiver(Func<int, int> statusForAttempt)
    {
        _statusForAttempt = statusForAttempt;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            Received.Enqueue((body, new HeaderDictionary(request.Headers.ToDictionary(h => h.Key, h => h.Value))));
            return Results.StatusCode(_statusForAttempt(Interlocked.Increment(ref _count)));
        });
    }

    /// <param name="statusForAttempt">The HTTP status for the n-th request (1-based).</param>
    public static async Task<HookReceiver> StartAsync(Func<int, int>? statusForAttempt = null)
    {
        var receiver = new HookReceiver(statusForAttempt ?? (_ => 200));
        await receiver._app.StartAsync();
        receiver.Url = new Uri(new Uri(receiver._app.Urls.First()), "hook");
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OneClick.Tests.Infrastructure;

/// <summary>
/// A real HTTP server standing in for whatever receives OneClick's webhooks (the sandbox's status webhooks, automation
/// webhook actions): records every POST (raw bytes and headers) and answers with the status it is told.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _attempts = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url => new(_app.Urls.First() + "/hook");

    /// <summary>Decides the HTTP status for the n-th POST (1-based); 200 by default.</summary>
    public Func<int, int> StatusFor { get; set; } = _ => StatusCodes.Status200OK;

    /// <summary>Every POST, whatever it was answered.</summary>
    public IReadOnlyList<ReceivedWebhook> Attempts => [.. _attempts];

    /// <summary>The POSTs answered with 2xx: what the receiver accepted.</summary>
    public IReadOnlyList<ReceivedWebhook> Received => [.. _attempts.Where(a => a.Accepted)];

    /// <param name="statusFor">The HTTP status for the n-th POST (1-based); 200 when null.</param>
    public static async Task<WebhookReceiver> StartAsync(Func<int, int>? statusFor = null)
    {
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        if (statusFor is not null)
            receiver.StatusFor = statusFor;
        var count = 0;
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var status = receiver.StatusFor(Interlocked.Increment(ref count));
            receiver._attempts.Enqueue(new ReceivedWebhook(
                buffer.ToArray(),
                new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value)),
                status is >= 200 and < 300));
            context.Response.StatusCode = status;
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits until the condition holds over what was accepted, and returns that.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> condition, int timeoutMs = 5000)
    {
        IReadOnlyList<ReceivedWebhook> received = [];
        await Eventually.Async(
            () => Task.FromResult(condition(received = Received)),
            () => $"Webhook condition not met within {timeoutMs} ms; received {received.Count}: {string.Join(" | ", received.Select(r => r.Text))}",
            TimeSpan.FromMilliseconds(timeoutMs),
            poll: TimeSpan.FromMilliseconds(10));
        return received;
    }

    /// <summary>Waits for n status webhooks about one message id and returns those, in arrival order.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForStatusesAsync(string messageId, int count, int timeoutMs = 5000)
    {
        var all = await WaitForAsync(all => all.Count(w => w.StatusMessageId == messageId) >= count, timeoutMs);
        return [.. all.Where(w => w.StatusMessageId == messageId)];
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal sealed record ReceivedWebhook(byte[] Body, IHeaderDictionary Headers, bool Accepted)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public string Signature => Headers["X-Hub-Signature-256"].ToString();

    public string? ContentType => Headers.ContentType;

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public JsonElement Value => Json.GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("value");

    public JsonElement? Status => Value.TryGetProperty("statuses", out var statuses) ? statuses[0] : null;

    public string? StatusMessageId => Status?.GetProperty("id").GetString();

    public string? StatusName => Status?.GetProperty("status").GetString();

    /// <summary>Verifies X-Hub-Signature-256 over the raw bytes, as a receiver must.</summary>
    public bool HasValidSignature(string appSecret)
    {
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), Body));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(Signature));
    }
}

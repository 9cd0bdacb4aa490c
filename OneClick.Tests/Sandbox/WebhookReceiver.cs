using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OneClick.Tests.Sandbox;

/// <summary>A tiny HTTP server that records every webhook POST (raw body bytes and headers).</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url => new(_app.Urls.First() + "/hook");

    /// <summary>Decides the HTTP status for the n-th POST (1-based); 200 by default.</summary>
    public Func<int, int> StatusFor { get; set; } = _ => StatusCodes.Status200OK;

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        var count = 0;
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var number = Interlocked.Increment(ref count);
            var status = receiver.StatusFor(number);
            if (status is >= 200 and < 300)
            {
                receiver._received.Enqueue(new ReceivedWebhook(
                    buffer.ToArray(),
                    context.Request.Headers["X-Hub-Signature-256"].ToString(),
                    context.Request.ContentType));
            }

            context.Response.StatusCode = status;
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Polls until the condition holds over what was received, or fails after the timeout.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> condition, int timeoutMs = 5000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var received = Received;
            if (condition(received))
            {
                return received;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Webhook condition not met within {timeoutMs} ms; received {received.Count}: {string.Join(" | ", received.Select(r => r.Text))}");
            }

            await Task.Delay(10);
        }
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

internal sealed record ReceivedWebhook(byte[] Body, string Signature, string? ContentType)
{
    public string Text => Encoding.UTF8.GetString(Body);

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

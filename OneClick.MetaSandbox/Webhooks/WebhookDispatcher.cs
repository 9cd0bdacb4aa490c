using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using OneClick.MetaSandbox.Registry;

namespace OneClick.MetaSandbox.Webhooks;

/// <summary>
/// Delivers webhooks in the background so sends answer at once. A due delivery goes into a channel; a few workers
/// POST from it. Waiting is done with timers (Task.Delay), never a thread per message. Failed POSTs are retried with
/// exponential backoff over a long horizon, as Meta does (<see cref="WebhookDeliveryOptions"/>), then dropped and counted.
/// The status webhooks of one message form a sequence: each step waits for its due time and for the previous step
/// to be delivered (or given up), so they arrive in the planned order even when the machine is busy.
/// </summary>
internal sealed partial class WebhookDispatcher(
    IHttpClientFactory httpClients,
    IOptions<WebhookDeliveryOptions> options,
    WebhookDeliveryStats stats,
    TimeProvider time,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";

    private readonly Channel<WebhookDelivery> _due = Channel.CreateUnbounded<WebhookDelivery>();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _holdGate = new();
    private TaskCompletionSource _released = NewReleased(released: true);

    // One client for every delivery; the factory owns its handler and connection pool.
    private readonly HttpClient _client = httpClients.CreateClient(HttpClientName);

    /// <summary>Signs <paramref name="body"/> with the number's app secret and POSTs it to its webhook URL after the delay.</summary>
    public void Schedule(PhoneNumberRegistration number, string kind, string? messageId, byte[] body, TimeSpan delay)
    {
        if (number.WebhookUrl is null)
        {
            return;
        }

        var delivery = NewDelivery(number, kind, messageId, body, completion: null);
        stats.Scheduled(delivery);
        EnqueueWhenDue(delivery, delay);
    }

    /// <summary>Schedules webhooks about one message that must arrive in the given order (see the class summary).</summary>
    public void ScheduleSequence(PhoneNumberRegistration number, string messageId, IReadOnlyList<SequencedWebhook> steps)
    {
        if (number.WebhookUrl is null || steps.Count == 0)
        {
            return;
        }

        var deliveries = steps
            .Select(step => (step.Due, Copies: Enumerable.Range(0, step.Copies)
                .Select(_ => NewDelivery(number, step.Kind, messageId, step.Body, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)))
                .ToList()))
            .ToList();
        foreach (var delivery in deliveries.SelectMany(step => step.Copies))
        {
            stats.Scheduled(delivery);
        }

        _ = RunSequenceAsync(deliveries, time.GetTimestamp());
    }

    /// <summary>Due webhooks wait (none is lost) until <see cref="Release"/>.</summary>
    public void Hold()
    {
        lock (_holdGate)
        {
            if (_released.Task.IsCompleted)
            {
                _released = NewReleased(released: false);
            }
        }
    }

    public void Release()
    {
        lock (_holdGate)
        {
            _released.TrySetResult();
        }
    }

    private static TaskCompletionSource NewReleased(bool released)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (released)
        {
            gate.SetResult();
        }

        return gate;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = Math.Max(1, options.Value.Concurrency);
        return Task.WhenAll(Enumerable.Range(0, workers).Select(_ => WorkAsync(stoppingToken)));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _shutdown.CancelAsync();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _shutdown.Dispose();
        base.Dispose();
    }

    private WebhookDelivery NewDelivery(PhoneNumberRegistration number, string kind, string? messageId, byte[] body, TaskCompletionSource? completion) =>
        new(number.PhoneNumberId, number.WebhookUrl!, kind, messageId, body, WebhookSignature.Compute(body, number.AppSecret), stats.Generation, completion);

    private async Task RunSequenceAsync(List<(TimeSpan Due, List<WebhookDelivery> Copies)> steps, long scheduledAt)
    {
        try
        {
            foreach (var (due, copies) in steps)
            {
                var wait = due - time.GetElapsedTime(scheduledAt);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, _shutdown.Token);
                }

                foreach (var copy in copies)
                {
                    _due.Writer.TryWrite(copy);
                }

                await Task.WhenAll(copies.Select(copy => copy.Completion!.Task)).WaitAsync(_shutdown.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private void EnqueueWhenDue(WebhookDelivery delivery, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            _due.Writer.TryWrite(delivery);
            return;
        }

        _ = EnqueueLaterAsync(delivery, delay);
    }

    private async Task EnqueueLaterAsync(WebhookDelivery delivery, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, time, _shutdown.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        _due.Writer.TryWrite(delivery);
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var delivery in _due.Reader.ReadAllAsync(stoppingToken))
            {
                Task released;
                lock (_holdGate)
                {
                    released = _released.Task;
                }

                await released.WaitAsync(stoppingToken);
                // Scheduled before a reset: the sandbox "keeps nothing", so it is silently dropped.
                if (delivery.Generation == stats.Generation)
                {
                    await DeliverAsync(delivery, stoppingToken);
                }
                else
                {
                    delivery.Completion?.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task DeliverAsync(WebhookDelivery delivery, CancellationToken stoppingToken)
    {
        var triedAt = time.GetTimestamp();
        string error;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url);
            request.Content = new ByteArrayContent(delivery.Body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, delivery.Signature);
            request.Headers.UserAgent.ParseAdd("facebookexternalua");

            using var response = await _client.SendAsync(request, stoppingToken);
            if (response.IsSuccessStatusCode)
            {
                stats.Delivered(delivery);
                delivery.Completion?.TrySetResult();
                return;
            }

            error = $"HTTP {(int)response.StatusCode} from {delivery.Url}";
        }
        catch (HttpRequestException exception)
        {
            error = $"{exception.Message} ({delivery.Url})";
        }
        catch (TaskCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            error = $"Timed out after {options.Value.TimeoutMs} ms ({delivery.Url})";
        }

        // Retried as Meta does, over a long horizon: an app that is down for a while gets everything afterwards.
        var firstTriedAt = delivery.FirstTriedAt ?? triedAt;
        if (options.Value.BackoffBefore(delivery.Attempt + 1, time.GetElapsedTime(firstTriedAt), Random.Shared.NextDouble()) is { } backoff)
        {
            stats.Retrying(delivery, error);
            EnqueueWhenDue(delivery with { Attempt = delivery.Attempt + 1, FirstTriedAt = firstTriedAt }, backoff);
            return;
        }

        stats.Failed(delivery, error);
        delivery.Completion?.TrySetResult();
        LogDropped(delivery.Kind, delivery.PhoneNumberId, delivery.Attempt, error);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped webhook {Kind} for phone number {PhoneNumberId} after {Attempts} attempts: {Error}")]
    private partial void LogDropped(string kind, string phoneNumberId, int attempts, string error);
}

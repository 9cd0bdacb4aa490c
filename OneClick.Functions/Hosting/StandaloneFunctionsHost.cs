using System.Net.Http.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Cronos;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OneClick.Core.Storage;

namespace OneClick.Functions.Hosting;

/// <summary>
/// Plays the Functions host's part when there is no host (local development, tests): it reads the same
/// function.json files, fires timers on their schedules and polls the queues, and invokes each function
/// through the same /{FunctionName} endpoint with the host's payload shape. Queue semantics follow the host:
/// a failed invocation makes the message visible again after visibilityTimeout, and after maxDequeueCount
/// tries it moves to {queue}-poison.
/// </summary>
public sealed partial class StandaloneFunctionsHost(
    IServer server,
    IHostApplicationLifetime lifetime,
    StorageAccount storage,
    HostSettings settings,
    IReadOnlyList<FunctionDefinition> functions,
    IHttpClientFactory httpClientFactory,
    TimeProvider clock,
    ILogger<StandaloneFunctionsHost> logger) : BackgroundService
{
    /// <summary>How long a received message stays invisible while its invocation runs.</summary>
    private static readonly TimeSpan ProcessingVisibility = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await WaitForStartAsync(stoppingToken).ConfigureAwait(false))
            return;
        var baseAddress = OwnAddress();
        LogStarting(logger, baseAddress, functions.Count(f => !f.IsHttp));
        var loops = functions.Where(f => f.IsTimer).Select(f => RunTimerAsync(f, baseAddress, stoppingToken))
            .Concat(functions.Where(f => f.IsQueue).Select(f => PollQueueAsync(f, baseAddress, stoppingToken)));
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    private async Task RunTimerAsync(FunctionDefinition function, Uri baseAddress, CancellationToken stoppingToken)
    {
        var schedule = CronExpression.Parse(function.Trigger.Schedule ?? throw new InvalidOperationException($"{function.Name} has no schedule"), CronFormat.IncludeSeconds);
        DateTimeOffset? last = null;
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var next = schedule.GetNextOccurrence(now, TimeZoneInfo.Utc) ?? now.AddMinutes(1);
            if (!(first && function.Trigger.RunOnStartup))
                await Task.Delay(next - now, clock, stoppingToken).ConfigureAwait(false);
            first = false;
            var payload = new
            {
                Data = new Dictionary<string, object>
                {
                    [function.Trigger.Name] = new
                    {
                        Schedule = new { AdjustForDST = true },
                        ScheduleStatus = new { Last = last, Next = schedule.GetNextOccurrence(clock.GetUtcNow(), TimeZoneInfo.Utc), LastUpdated = clock.GetUtcNow() },
                        IsPastDue = clock.GetUtcNow() - next > TimeSpan.FromSeconds(5),
                    },
                },
                Metadata = new Dictionary<string, object> { ["sys"] = Sys(function.Name) },
            };
            await InvokeAsync(function, baseAddress, payload, stoppingToken).ConfigureAwait(false);
            last = next;
        }
    }

    private async Task PollQueueAsync(FunctionDefinition function, Uri baseAddress, CancellationToken stoppingToken)
    {
        var queue = storage.Queue(function.Trigger.QueueName!);
        var poison = storage.Queue(QueueNames.Poison(function.Trigger.QueueName!));
        await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
        await poison.CreateIfNotExistsAsync(cancellationToken: stoppingToken).ConfigureAwait(false);

        var inFlight = new List<Task>();
        var idleDelay = MinPollingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            inFlight.RemoveAll(t => t.IsCompleted);
            // Like the host: fetch a new batch once the running ones drop to newBatchThreshold.
            if (inFlight.Count > settings.NewBatchThreshold)
            {
                await Task.WhenAny(inFlight).ConfigureAwait(false);
                continue;
            }

            QueueMessage[] batch;
            try
            {
                batch = (await queue.ReceiveMessagesAsync(settings.BatchSize, ProcessingVisibility, stoppingToken).ConfigureAwait(false)).Value;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPollFailed(logger, e, function.Name);
                batch = [];
            }

            if (batch.Length == 0)
            {
                try
                {
                    await Task.Delay(idleDelay, clock, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, settings.MaxPollingInterval.Ticks));
                continue;
            }
            idleDelay = MinPollingInterval;
            inFlight.AddRange(batch.Select(m => ProcessAsync(function, baseAddress, queue, poison, m, stoppingToken)));
        }
        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private async Task ProcessAsync(
        FunctionDefinition function, Uri baseAddress, QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken stoppingToken)
    {
        try
        {
            var succeeded = message.DequeueCount <= settings.MaxDequeueCount && await InvokeAsync(function, baseAddress, new
            {
                Data = new Dictionary<string, object> { [function.Trigger.Name] = message.Body.ToString() },
                Metadata = new Dictionary<string, object?>
                {
                    ["DequeueCount"] = message.DequeueCount,
                    ["Id"] = message.MessageId,
                    ["InsertionTime"] = message.InsertedOn,
                    ["ExpirationTime"] = message.ExpiresOn,
                    ["NextVisibleTime"] = message.NextVisibleOn,
                    ["PopReceipt"] = message.PopReceipt,
                    ["sys"] = Sys(function.Name),
                },
            }, stoppingToken).ConfigureAwait(false);

            if (succeeded)
            {
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None).ConfigureAwait(false);
            }
            else if (message.DequeueCount >= settings.MaxDequeueCount)
            {
                // Copy first, then delete: a crash in between leaves a duplicate in poison, never a loss.
                await poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None).ConfigureAwait(false);
                LogPoisoned(logger, function.Name, message.MessageId, message.DequeueCount);
            }
            else
            {
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: settings.VisibilityTimeout, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The message stays invisible until ProcessingVisibility ends and then comes back: nothing is lost.
            LogSettleFailed(logger, e, function.Name, message.MessageId);
        }
    }

    /// <returns>Whether the invocation succeeded (a 2xx answer).</returns>
    private async Task<bool> InvokeAsync(FunctionDefinition function, Uri baseAddress, object payload, CancellationToken stoppingToken)
    {
        try
        {
            using var response = await httpClientFactory.CreateClient(nameof(StandaloneFunctionsHost))
                .PostAsJsonAsync(new Uri(baseAddress, function.Name), payload, stoppingToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                LogInvocationFailed(logger, function.Name, (int)response.StatusCode);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException e)
        {
            LogInvocationError(logger, e, function.Name);
            return false;
        }
        catch (TaskCanceledException e) when (!stoppingToken.IsCancellationRequested)
        {
            // The invocation outlived the HTTP timeout: a failed invocation, as a function timeout is for the host,
            // so the message comes back after visibilityTimeout instead of staying hidden for the whole lease.
            LogInvocationError(logger, e, function.Name);
            return false;
        }
    }

    private Dictionary<string, object> Sys(string methodName) => new()
    {
        ["MethodName"] = methodName,
        ["UtcNow"] = clock.GetUtcNow(),
        ["RandGuid"] = Guid.NewGuid(),
    };

    private async Task<bool> WaitForStartAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var onStarted = lifetime.ApplicationStarted.Register(started.SetResult);
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled());
        try
        {
            await started.Task.ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private Uri OwnAddress()
    {
        var address = server.Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new UriBuilder(address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "localhost")
            uri.Host = "127.0.0.1";
        uri.Path = "/";
        return uri.Uri;
    }

    [LoggerMessage(LogLevel.Information, "Standalone mode: driving {Count} timer and queue functions through {BaseAddress}")]
    private static partial void LogStarting(ILogger logger, Uri baseAddress, int count);

    [LoggerMessage(LogLevel.Warning, "Polling the queue of {Function} failed")]
    private static partial void LogPollFailed(ILogger logger, Exception e, string function);

    [LoggerMessage(LogLevel.Error, "{Function}: message {MessageId} moved to the poison queue after {DequeueCount} tries")]
    private static partial void LogPoisoned(ILogger logger, string function, string messageId, long dequeueCount);

    [LoggerMessage(LogLevel.Warning, "{Function}: could not settle message {MessageId}; it will reappear")]
    private static partial void LogSettleFailed(ILogger logger, Exception e, string function, string messageId);

    [LoggerMessage(LogLevel.Warning, "Invocation of {Function} failed with HTTP {Status}")]
    private static partial void LogInvocationFailed(ILogger logger, string function, int status);

    [LoggerMessage(LogLevel.Warning, "Invocation of {Function} could not be made")]
    private static partial void LogInvocationError(ILogger logger, Exception e, string function);
}

using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using OneClick.FunctionsHost.Configuration;
using OneClick.FunctionsHost.Metadata;
using OneClick.FunctionsHost.Worker;

namespace OneClick.FunctionsHost.Queues;

/// <summary>
/// Drives one queue-triggered function with the host's queue semantics (host.json extensions.queues):
/// polls in batches of batchSize, fetches again once fewer than newBatchThreshold messages run, backs off from 100 ms
/// to maxPollingInterval while the queue is empty; a message stays invisible while it runs (10 minutes, renewed halfway);
/// on success it is deleted, on failure it becomes visible again after visibilityTimeout, and after maxDequeueCount
/// tries it is copied to "&lt;queue&gt;-poison" and then deleted.
/// </summary>
internal sealed class QueueListener
{
    /// <summary>The host's lease on a running message; renewed at half of it.</summary>
    private static readonly TimeSpan RunningVisibility = TimeSpan.FromMinutes(10);

    private readonly FunctionDefinition _function;
    private readonly TriggerBinding _trigger;
    private readonly QueueClient _queue;
    private readonly QueueClient _poisonQueue;
    private readonly QueuesOptions _options;
    private readonly WorkerSupervisor _supervisor;
    private readonly FunctionInvoker _invoker;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<Task> _running = [];
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public QueueListener(FunctionDefinition function, QueueServiceClient service, string queueName, QueuesOptions options,
        WorkerSupervisor supervisor, FunctionInvoker invoker, TimeProvider time, ILogger logger)
    {
        _function = function;
        _trigger = function.Trigger!;
        _queue = service.GetQueueClient(queueName);
        _poisonQueue = service.GetQueueClient(queueName + "-poison");
        _options = options;
        _supervisor = supervisor;
        _invoker = invoker;
        _time = time;
        _logger = logger;
    }

    public string QueueName => _queue.Name;

    /// <summary>Completes once the queues exist and polling has begun.</summary>
    public Task Listening => _listening.Task;

    public async Task RunAsync(CancellationToken stopping)
    {
        await _queue.CreateIfNotExistsAsync(cancellationToken: stopping).ConfigureAwait(false);
        await _poisonQueue.CreateIfNotExistsAsync(cancellationToken: stopping).ConfigureAwait(false);
        Log.QueueListening(_logger, _function.Name, _queue.Name);
        _listening.TrySetResult();

        var delay = QueuesOptions.MinPollingInterval;
        while (!stopping.IsCancellationRequested)
        {
            // Take no message that no worker could run.
            await _supervisor.WaitForReadyAsync(Timeout.InfiniteTimeSpan, stopping).ConfigureAwait(false);
            QueueMessage[] batch;
            try
            {
                batch = (await _queue.ReceiveMessagesAsync(_options.BatchSize, RunningVisibility, stopping).ConfigureAwait(false)).Value;
            }
            catch (Exception exception) when (IsStorageFailure(exception))
            {
                // Storage unreachable (the SDK gives up with an AggregateException) or failing: keep polling, backing off.
                Log.QueuePollFailed(_logger, _queue.Name, exception);
                batch = [];
            }

            if (batch.Length == 0)
            {
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxPollingInterval.Ticks));
                continue;
            }
            delay = QueuesOptions.MinPollingInterval;
            lock (_running)
                _running.AddRange(batch.Select(message => ProcessAsync(message, stopping)));
            await WaitForNewBatchThresholdAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Waits (up to <paramref name="timeout"/>) for the messages still running.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        Task[] running;
        lock (_running)
            running = [.. _running];
        try
        {
            await Task.WhenAll(running).WaitAsync(timeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Shutdown goes on; unfinished messages become visible again when their lease runs out.
        }
    }

    private async Task WaitForNewBatchThresholdAsync()
    {
        while (true)
        {
            Task[] running;
            lock (_running)
            {
                _running.RemoveAll(task => task.IsCompleted);
                if (_running.Count <= _options.NewBatchThreshold)
                    return;
                running = [.. _running];
            }
            await Task.WhenAny(running).ConfigureAwait(false);
        }
    }

    private async Task ProcessAsync(QueueMessage message, CancellationToken stopping)
    {
        var lease = new MessageLease(message.MessageId, message.PopReceipt);
        try
        {
            if (message.DequeueCount > _options.MaxDequeueCount)
            {
                await MoveToPoisonAsync(message, lease).ConfigureAwait(false);
                return;
            }
            if (!TryDecode(message, out var body))
            {
                Log.UndecodableMessage(_logger, message.MessageId, _queue.Name);
                await MoveToPoisonAsync(message, lease).ConfigureAwait(false);
                return;
            }

            InvocationOutcome outcome;
            using (var renewing = new CancellationTokenSource())
            {
                var renewal = RenewLeaseAsync(lease, renewing.Token);
                var worker = await _supervisor.WaitForReadyAsync(Timeout.InfiniteTimeSpan, stopping).ConfigureAwait(false);
                var request = QueueInvocationRequest.Create(_function, _trigger, message, body, lease.PopReceipt, _time.GetUtcNow());
                outcome = await _invoker.InvokeAsync(worker, _function, $"New queue message detected on '{_queue.Name}'.", request, CancellationToken.None).ConfigureAwait(false);
                await renewing.CancelAsync().ConfigureAwait(false);
                await renewal.ConfigureAwait(false);
            }

            if (outcome.Succeeded)
                await _queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt, CancellationToken.None).ConfigureAwait(false);
            else if (message.DequeueCount >= _options.MaxDequeueCount)
                await MoveToPoisonAsync(message, lease).ConfigureAwait(false);
            else
                await _queue.UpdateMessageAsync(message.MessageId, lease.PopReceipt, visibilityTimeout: _options.VisibilityTimeout, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await ReleaseQuietlyAsync(lease).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsStorageFailure(exception))
        {
            // E.g. the pop receipt no longer matches (someone else owns the message now), or storage is down: the
            // message becomes visible again when its lease runs out.
            Log.QueueCompleteFailed(_logger, message.MessageId, _queue.Name, exception);
        }
    }

    private bool TryDecode(QueueMessage message, out BinaryData body)
    {
        if (!_options.Base64Encoding)
        {
            body = message.Body;
            return true;
        }
        try
        {
            body = BinaryData.FromBytes(Convert.FromBase64String(message.Body.ToString()));
            return true;
        }
        catch (FormatException)
        {
            body = message.Body;
            return false;
        }
    }

    /// <summary>Copy first, then delete: a crash in between leaves a duplicate, never a loss.</summary>
    private async Task MoveToPoisonAsync(QueueMessage message, MessageLease lease)
    {
        Log.MovingToPoison(_logger, message.MessageId, _options.MaxDequeueCount, _poisonQueue.Name);
        await _poisonQueue.CreateIfNotExistsAsync().ConfigureAwait(false);
        await _poisonQueue.SendMessageAsync(message.Body).ConfigureAwait(false);
        await _queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt).ConfigureAwait(false);
    }

    private async Task RenewLeaseAsync(MessageLease lease, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(RunningVisibility / 2, _time, stop).ConfigureAwait(false);
                var receipt = await _queue.UpdateMessageAsync(lease.MessageId, lease.PopReceipt, visibilityTimeout: RunningVisibility, cancellationToken: stop).ConfigureAwait(false);
                lease.PopReceipt = receipt.Value.PopReceipt;
            }
        }
        catch (OperationCanceledException)
        {
            // The invocation is over.
        }
        catch (Exception exception) when (IsStorageFailure(exception))
        {
            Log.QueueCompleteFailed(_logger, lease.MessageId, _queue.Name, exception);
        }
    }

    private async Task ReleaseQuietlyAsync(MessageLease lease)
    {
        try
        {
            await _queue.UpdateMessageAsync(lease.MessageId, lease.PopReceipt, visibilityTimeout: TimeSpan.Zero).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsStorageFailure(exception))
        {
            // Best effort at shutdown: otherwise it reappears when its lease runs out.
        }
    }

    /// <summary>A failed storage request, or storage out of reach after the SDK's own retries.</summary>
    private static bool IsStorageFailure(Exception exception) =>
        exception is RequestFailedException or HttpRequestException or IOException || (exception is AggregateException aggregate && aggregate.InnerExceptions.All(IsStorageFailure));

    /// <summary>The current pop receipt of a running message (each lease renewal replaces it).</summary>
    private sealed class MessageLease(string messageId, string popReceipt)
    {
        public string MessageId { get; } = messageId;

        public string PopReceipt { get; set; } = popReceipt;
    }
}

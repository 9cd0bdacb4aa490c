using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using OneClick.FunctionsHost.Rpc;

namespace OneClick.FunctionsHost.Worker;

/// <summary>
/// The host's end of one worker's EventStream: sends requests, matches responses to them and forwards the worker's logs.
/// It lives as long as the stream; when the stream ends, everything still waiting on it fails with <see cref="WorkerGoneException"/>.
/// </summary>
internal sealed class WorkerChannel : IDisposable
{
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<WorkerGoneException> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closing = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new();
    private readonly ILoggerFactory _loggerFactory;

    public WorkerChannel(string workerId, ILoggerFactory loggerFactory)
    {
        WorkerId = workerId;
        _loggerFactory = loggerFactory;
    }

    public string WorkerId { get; }

    /// <summary>Completes when the worker has opened its stream and said StartStream.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Completes (never faults) when the stream is over, with the reason.</summary>
    public Task<WorkerGoneException> Closed => _closed.Task;

    /// <summary>The invocations sent and not yet answered.</summary>
    public int InvocationsInFlight => _pending.Keys.Count(key => key.StartsWith(InvocationKeyPrefix, StringComparison.Ordinal));

    private const string InvocationKeyPrefix = "invocation:";

    /// <summary>Serves the stream until it ends or the channel closes. Called by the gRPC service after StartStream.</summary>
    public async Task RunAsync(IAsyncStreamReader<StreamingMessage> fromWorker, IServerStreamWriter<StreamingMessage> toWorker, CancellationToken callAborted)
    {
        if (!_connected.TrySetResult())
            return; // One stream per worker.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(callAborted, _closing.Token);
        var writing = WriteAsync(toWorker, stop.Token);
        try
        {
            while (await fromWorker.MoveNext(stop.Token).ConfigureAwait(false))
                Dispatch(fromWorker.Current);
            Close(new WorkerGoneException($"Worker {WorkerId} closed its gRPC stream."));
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or Grpc.Core.RpcException or InvalidOperationException)
        {
            Close(new WorkerGoneException($"The gRPC stream of worker {WorkerId} broke: {exception.Message}", exception));
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await writing.ConfigureAwait(false);
        }
    }

    /// <summary>Ends the channel: the stream closes and everything pending fails with <paramref name="reason"/>.</summary>
    public void Close(WorkerGoneException reason)
    {
        if (!_closed.TrySetResult(reason))
            return;
        _outbound.Writer.TryComplete();
        _closing.Cancel();
        foreach (var key in _pending.Keys)
            if (_pending.TryRemove(key, out var waiter))
                waiter.TrySetException(reason);
    }

    /// <summary>Sends a request and waits for the response that the key picks out.</summary>
    public Task<StreamingMessage> RequestAsync(string responseKey, StreamingMessage request, CancellationToken cancellationToken) =>
        AwaitResponseAsync(responseKey, request, cancellationToken);

    /// <summary>Waits for a response to a request sent some other way (e.g. one of a FunctionLoadRequestCollection).</summary>
    public Task<StreamingMessage> ExpectAsync(string responseKey, CancellationToken cancellationToken) =>
        AwaitResponseAsync(responseKey, null, cancellationToken);

    private async Task<StreamingMessage> AwaitResponseAsync(string responseKey, StreamingMessage? request, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(responseKey, waiter))
            throw new InvalidOperationException($"A request for '{responseKey}' is already waiting.");
        if (Closed.IsCompleted)
            Fail(responseKey, Closed.Result);
        else if (request is not null)
            Send(request);
        using var registration = cancellationToken.Register(() =>
        {
            if (_pending.TryRemove(responseKey, out var canceled))
                canceled.TrySetCanceled(cancellationToken);
        });
        return await waiter.Task.ConfigureAwait(false);
    }

    public static string InvocationKey(string invocationId) => InvocationKeyPrefix + invocationId;

    public static string LoadKey(string functionId) => "load:" + functionId;

    public const string InitKey = "init";

    public const string MetadataKey = "metadata";

    public void Dispose() => _closing.Dispose();

    public void Send(StreamingMessage message) => _outbound.Writer.TryWrite(message);

    /// <summary>Asks the worker to stop (it answers by ending its host).</summary>
    public void Terminate(TimeSpan gracePeriod) =>
        Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(gracePeriod) } });

    private void Fail(string key, Exception reason)
    {
        if (_pending.TryRemove(key, out var waiter))
            waiter.TrySetException(reason);
    }

    private void Dispatch(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.RpcLog:
                ForwardLog(message.RpcLog);
                break;
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                Complete(InvocationKey(message.InvocationResponse.InvocationId), message);
                break;
            case StreamingMessage.ContentOneofCase.WorkerInitResponse:
                Complete(InitKey, message);
                break;
            case StreamingMessage.ContentOneofCase.FunctionMetadataResponse:
                Complete(MetadataKey, message);
                break;
            case StreamingMessage.ContentOneofCase.FunctionLoadResponse:
                Complete(LoadKey(message.FunctionLoadResponse.FunctionId), message);
                break;
            case StreamingMessage.ContentOneofCase.FunctionLoadResponseCollection:
                foreach (var response in message.FunctionLoadResponseCollection.FunctionLoadResponses)
                    Complete(LoadKey(response.FunctionId), new StreamingMessage { FunctionLoadResponse = response });
                break;
            default:
                break; // Messages the local host does not use (e.g. status responses).
        }
    }

    private void Complete(string key, StreamingMessage message)
    {
        if (_pending.TryRemove(key, out var waiter))
            waiter.TrySetResult(message);
    }

    private void ForwardLog(RpcLog log)
    {
        var logger = _loggerFactory.CreateLogger(string.IsNullOrEmpty(log.Category) ? "Worker" : log.Category);
        var level = log.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };
        if (level == LogLevel.None || !logger.IsEnabled(level))
            return;
        using var scope = string.IsNullOrEmpty(log.InvocationId)
            ? null
            : logger.BeginScope(new Dictionary<string, object> { ["InvocationId"] = log.InvocationId });
        var exception = WorkerException.From(log.Exception);
        Log.WorkerLog(logger, level, log.Message, exception);
    }

    private async Task WriteAsync(IServerStreamWriter<StreamingMessage> toWorker, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _outbound.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                await toWorker.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The stream is over; the read side reports why.
        }
    }
}

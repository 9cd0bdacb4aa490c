using Microsoft.Extensions.Logging;

namespace OneClick.FunctionsHost;

/// <summary>The host's log messages (source-generated).</summary>
internal static partial class Log
{
    // The host

    [LoggerMessage(1, LogLevel.Information, "Local Functions host ready at {BaseAddress} with {FunctionCount} functions.")]
    public static partial void HostReady(ILogger logger, Uri baseAddress, int functionCount);

    [LoggerMessage(2, LogLevel.Warning, "Function '{FunctionName}' has a '{TriggerType}' trigger, which the local host does not drive; it will not run.")]
    public static partial void UnsupportedTrigger(ILogger logger, string functionName, string triggerType);

    [LoggerMessage(3, LogLevel.Information, "Stopping the local Functions host.")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(4, LogLevel.Warning, "Function '{FunctionName}' returns output bindings of type '{BindingType}', which the local host does not write; they are ignored.")]
    public static partial void OutputBindingIgnored(ILogger logger, string functionName, string bindingType);

    [LoggerMessage(5, LogLevel.Error, "The trigger listener of function '{FunctionName}' failed; it starts again in 5 s.")]
    public static partial void ListenerFailed(ILogger logger, string functionName, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "Not every queue trigger could reach its queue within {Timeout}; they keep trying.")]
    public static partial void QueuesNotReady(ILogger logger, TimeSpan timeout);

    // The worker

    [LoggerMessage(10, LogLevel.Information, "Starting worker {WorkerId}: {CommandLine}")]
    public static partial void StartingWorker(ILogger logger, string workerId, string commandLine);

    [LoggerMessage(11, LogLevel.Information, "{Line}")]
    public static partial void WorkerStdout(ILogger logger, string line);

    [LoggerMessage(12, LogLevel.Warning, "{Line}")]
    public static partial void WorkerStderr(ILogger logger, string line);

    [LoggerMessage(13, LogLevel.Error, "Worker process {ProcessId} (worker {WorkerId}) exited with code {ExitCode}.")]
    public static partial void WorkerProcessExited(ILogger logger, int processId, string workerId, int exitCode);

    [LoggerMessage(14, LogLevel.Error, "Worker {WorkerId} is gone: {Reason}")]
    public static partial void WorkerGone(ILogger logger, string workerId, string reason);

    [LoggerMessage(15, LogLevel.Warning, "Restarting the worker in {Delay}.")]
    public static partial void RestartingWorker(ILogger logger, TimeSpan delay);

    [LoggerMessage(16, LogLevel.Information, "Worker {WorkerId} loaded {FunctionCount} functions in {ElapsedMilliseconds} ms.")]
    public static partial void WorkerReady(ILogger logger, string workerId, int functionCount, long elapsedMilliseconds);

    [LoggerMessage(17, LogLevel.Error, "The worker failed to start.")]
    public static partial void WorkerStartFailed(ILogger logger, Exception exception);

    [LoggerMessage(18, LogLevel.Error, "The worker failed to load function '{FunctionName}': {Error}")]
    public static partial void FunctionLoadFailed(ILogger logger, string functionName, string error);

    [LoggerMessage(19, LogLevel.Warning, "A gRPC stream opened for unknown worker '{WorkerId}'; closing it.")]
    public static partial void UnknownWorkerStream(ILogger logger, string workerId);

    [LoggerMessage(EventId = 20, Message = "{Message}")]
    public static partial void WorkerLog(ILogger logger, LogLevel level, string message, Exception? exception);

    [LoggerMessage(21, LogLevel.Warning, "The worker did not exit within {Timeout} of WorkerTerminate; killing it.")]
    public static partial void KillingWorker(ILogger logger, TimeSpan timeout);

    // Invocations

    [LoggerMessage(30, LogLevel.Information, "Executing 'Functions.{FunctionName}' (Reason='{Reason}', Id={InvocationId})")]
    public static partial void Executing(ILogger logger, string functionName, string reason, string invocationId);

    [LoggerMessage(31, LogLevel.Information, "Executed 'Functions.{FunctionName}' (Succeeded, Id={InvocationId}, Duration={DurationMilliseconds}ms)")]
    public static partial void Executed(ILogger logger, string functionName, string invocationId, long durationMilliseconds);

    [LoggerMessage(32, LogLevel.Error, "Executed 'Functions.{FunctionName}' (Failed, Id={InvocationId}, Duration={DurationMilliseconds}ms): {Error}")]
    public static partial void ExecutionFailed(ILogger logger, string functionName, string invocationId, long durationMilliseconds, string error);

    // HTTP

    [LoggerMessage(40, LogLevel.Warning, "Forwarding the request for invocation {InvocationId} to the worker failed: {ForwarderError}")]
    public static partial void ForwardingFailed(ILogger logger, string invocationId, string forwarderError, Exception? exception);

    [LoggerMessage(41, LogLevel.Warning, "Refused request path '{RawPath}': it has '.' or '..' segments or backslashes, plainly or encoded.")]
    public static partial void UnsafePathRefused(ILogger logger, string rawPath);

    [LoggerMessage(42, LogLevel.Debug, "Retrying the request to the worker in {Delay} ms (attempt {Attempt}).")]
    public static partial void RetryingWorkerRequest(ILogger logger, int delay, int attempt, Exception exception);

    // Queues

    [LoggerMessage(50, LogLevel.Debug, "Function '{FunctionName}' listens to queue '{QueueName}'.")]
    public static partial void QueueListening(ILogger logger, string functionName, string queueName);

    [LoggerMessage(51, LogLevel.Warning, "Polling queue '{QueueName}' failed.")]
    public static partial void QueuePollFailed(ILogger logger, string queueName, Exception exception);

    [LoggerMessage(52, LogLevel.Warning, "Message '{MessageId}' has reached MaxDequeueCount of {MaxDequeueCount}. Moving message to queue '{PoisonQueueName}'.")]
    public static partial void MovingToPoison(ILogger logger, string messageId, int maxDequeueCount, string poisonQueueName);

    [LoggerMessage(53, LogLevel.Warning, "Message '{MessageId}' on queue '{QueueName}' is not valid base64; moving it to the poison queue.")]
    public static partial void UndecodableMessage(ILogger logger, string messageId, string queueName);

    [LoggerMessage(54, LogLevel.Warning, "Could not complete message '{MessageId}' on queue '{QueueName}'.")]
    public static partial void QueueCompleteFailed(ILogger logger, string messageId, string queueName, Exception exception);

    // Timers

    [LoggerMessage(60, LogLevel.Information, "Function '{FunctionName}' runs on schedule '{Schedule}'; next at {Next:o}.")]
    public static partial void TimerScheduled(ILogger logger, string functionName, string schedule, DateTimeOffset next);

    [LoggerMessage(61, LogLevel.Error, "The timer of function '{FunctionName}' failed.")]
    public static partial void TimerFailed(ILogger logger, string functionName, Exception exception);
}

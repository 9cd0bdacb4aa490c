using Microsoft.Extensions.Logging;
using OneClick.FunctionsHost.Metadata;
using OneClick.FunctionsHost.Rpc;

namespace OneClick.FunctionsHost.Worker;

/// <summary>How an invocation ended. <see cref="WorkerGone"/> is set when the worker died while it ran.</summary>
internal sealed record InvocationOutcome(bool Succeeded, string? Error, WorkerGoneException? WorkerGone = null);

/// <summary>Sends InvocationRequests and waits for their InvocationResponse, logging each as the host does.</summary>
internal sealed class FunctionInvoker(ILoggerFactory loggerFactory, TimeProvider time)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("OneClick.FunctionsHost.Invocations");

    public async Task<InvocationOutcome> InvokeAsync(ReadyWorker worker, FunctionDefinition function, string reason, InvocationRequest request, CancellationToken cancellationToken)
    {
        request.FunctionId = function.Id;
        if (string.IsNullOrEmpty(request.InvocationId))
            request.InvocationId = Guid.NewGuid().ToString();
        request.TraceContext ??= new RpcTraceContext();
        var invocationId = request.InvocationId;

        Log.Executing(_logger, function.Name, reason, invocationId);
        var started = time.GetTimestamp();
        try
        {
            var message = new StreamingMessage { RequestId = Guid.NewGuid().ToString(), InvocationRequest = request };
            var response = (await worker.Channel.RequestAsync(WorkerChannel.InvocationKey(invocationId), message, cancellationToken).ConfigureAwait(false)).InvocationResponse;
            var duration = (long)time.GetElapsedTime(started).TotalMilliseconds;
            if (response.Result?.Status == StatusResult.Types.Status.Success)
            {
                Log.Executed(_logger, function.Name, invocationId, duration);
                return new InvocationOutcome(true, null);
            }
            var error = response.Result?.Exception?.Message ?? response.Result?.Result ?? "The worker reported no result.";
            Log.ExecutionFailed(_logger, function.Name, invocationId, duration, error);
            return new InvocationOutcome(false, error);
        }
        catch (WorkerGoneException gone)
        {
            Log.ExecutionFailed(_logger, function.Name, invocationId, (long)time.GetElapsedTime(started).TotalMilliseconds, gone.Message);
            return new InvocationOutcome(false, gone.Message, gone);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.ExecutionFailed(_logger, function.Name, invocationId, (long)time.GetElapsedTime(started).TotalMilliseconds, "Canceled by the caller.");
            if (worker.Capabilities.ContainsKey("HandlesInvocationCancelMessage"))
                worker.Channel.Send(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = invocationId } });
            throw;
        }
    }
}

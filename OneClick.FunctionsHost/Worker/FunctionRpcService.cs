using Grpc.Core;
using Microsoft.Extensions.Logging;
using OneClick.FunctionsHost.Rpc;

namespace OneClick.FunctionsHost.Worker;

/// <summary>The gRPC service a worker connects to: the first message names the worker, whose channel then serves the stream.</summary>
internal sealed class FunctionRpcService(WorkerConnections connections, ILogger<FunctionRpcService> logger) : FunctionRpc.FunctionRpcBase
{
    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
            return;
        var workerId = requestStream.Current.StartStream?.WorkerId ?? "";
        if (connections.Find(workerId) is not { } channel)
        {
            Log.UnknownWorkerStream(logger, workerId);
            return;
        }
        await channel.RunAsync(requestStream, responseStream, context.CancellationToken).ConfigureAwait(false);
    }
}

using Microsoft.Extensions.Logging;
using OneClick.FunctionsHost.Configuration;
using OneClick.FunctionsHost.Metadata;
using OneClick.FunctionsHost.Rpc;

namespace OneClick.FunctionsHost.Worker;

/// <summary>
/// The start of the protocol, after the worker's StartStream: WorkerInitRequest, FunctionsMetadataRequest, then loading
/// each function (one FunctionLoadRequestCollection if the worker supports it, else one FunctionLoadRequest each).
/// </summary>
internal sealed class WorkerInitializer(string scriptRoot, HostJson hostJson, ILogger logger)
{
    /// <summary>The host version the worker is told (a Functions v4 host).</summary>
    public const string HostVersion = "4.1000.0";

    public async Task<ReadyWorker> InitializeAsync(WorkerChannel channel, CancellationToken cancellationToken)
    {
        var init = (await channel.RequestAsync(WorkerChannel.InitKey, new StreamingMessage
        {
            RequestId = Guid.NewGuid().ToString(),
            WorkerInitRequest = new WorkerInitRequest { HostVersion = HostVersion, WorkerDirectory = scriptRoot, FunctionAppDirectory = scriptRoot },
        }, cancellationToken).ConfigureAwait(false)).WorkerInitResponse;
        ThrowIfFailed(init.Result, "initialize");
        var capabilities = init.Capabilities.ToDictionary(StringComparer.OrdinalIgnoreCase);

        var indexed = (await channel.RequestAsync(WorkerChannel.MetadataKey, new StreamingMessage
        {
            RequestId = Guid.NewGuid().ToString(),
            FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = scriptRoot },
        }, cancellationToken).ConfigureAwait(false)).FunctionMetadataResponse;
        ThrowIfFailed(indexed.Result, "index its functions");

        var functions = indexed.UseDefaultMetadataIndexing
            ? FunctionsMetadataFile.Read(scriptRoot)
            : IndexedFunctions(indexed);
        if (hostJson.FunctionAllowList is { } allowed)
            functions = functions.Where(f => allowed.Contains(f.Name, StringComparer.OrdinalIgnoreCase)).ToList();

        var loaded = await LoadAsync(channel, functions, capabilities.ContainsKey("SupportsLoadResponseCollection"), cancellationToken).ConfigureAwait(false);
        return new ReadyWorker(channel, loaded, capabilities);
    }

    private List<FunctionDefinition> IndexedFunctions(FunctionMetadataResponse indexed)
    {
        var functions = new List<FunctionDefinition>();
        foreach (var metadata in indexed.FunctionMetadataResults)
        {
            if (metadata.Status is { Status: StatusResult.Types.Status.Failure } status)
                Log.FunctionLoadFailed(logger, metadata.Name, status.Exception?.Message ?? status.Result);
            else
                functions.Add(FunctionDefinition.FromWorker(metadata));
        }
        return functions;
    }

    private async Task<List<FunctionDefinition>> LoadAsync(WorkerChannel channel, List<FunctionDefinition> functions, bool asCollection, CancellationToken cancellationToken)
    {
        var requests = functions.Select(f => new FunctionLoadRequest { FunctionId = f.Id, Metadata = f.LoadMetadata }).ToList();
        List<Task<StreamingMessage>> responses;
        if (asCollection)
        {
            responses = functions.Select(f => channel.ExpectAsync(WorkerChannel.LoadKey(f.Id), cancellationToken)).ToList();
            var collection = new FunctionLoadRequestCollection();
            collection.FunctionLoadRequests.Add(requests);
            channel.Send(new StreamingMessage { RequestId = Guid.NewGuid().ToString(), FunctionLoadRequestCollection = collection });
        }
        else
        {
            responses = requests.Select(request => channel.RequestAsync(WorkerChannel.LoadKey(request.FunctionId),
                new StreamingMessage { RequestId = Guid.NewGuid().ToString(), FunctionLoadRequest = request }, cancellationToken)).ToList();
        }

        var loaded = new List<FunctionDefinition>();
        for (var i = 0; i < functions.Count; i++)
        {
            var result = (await responses[i].ConfigureAwait(false)).FunctionLoadResponse.Result;
            if (result.Status == StatusResult.Types.Status.Success)
                loaded.Add(functions[i]);
            else
                Log.FunctionLoadFailed(logger, functions[i].Name, result.Exception?.Message ?? result.Result);
        }
        return loaded;
    }

    private static void ThrowIfFailed(StatusResult? result, string what)
    {
        if (result is { Status: not StatusResult.Types.Status.Success })
            throw new InvalidOperationException($"The worker failed to {what}: {result.Exception?.Message ?? result.Result}", WorkerException.From(result.Exception));
    }
}

using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using OneClick.FunctionsHost.Configuration;

namespace OneClick.FunctionsHost.Worker;

/// <summary>Starts workers as the host does for the build output (worker.config.json), or through the caller's StartWorker.</summary>
internal sealed class WorkerLauncher(LocalFunctionsHostOptions options, string scriptRoot, AppSettings settings, Uri grpcUri, ILoggerFactory loggerFactory)
{
    /// <summary>As the real host: no practical limit (large payloads pass).</summary>
    public const int MaxMessageLength = int.MaxValue;

    private readonly ILogger _logger = loggerFactory.CreateLogger("OneClick.FunctionsHost.Worker");
    private readonly WorkerConfig? _config = options.StartWorker is null ? WorkerConfig.Load(scriptRoot) : null;

    public WorkerStartContext CreateContext(string workerId)
    {
        var requestId = Guid.NewGuid().ToString();
        var length = MaxMessageLength.ToString(CultureInfo.InvariantCulture);
        string[] grpcArguments =
        [
            // The older switches and the "functions-" ones, both, as the host passes them.
            "--host", grpcUri.Host, "--port", grpcUri.Port.ToString(CultureInfo.InvariantCulture),
            "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", length,
            "--functions-uri", grpcUri.AbsoluteUri, "--functions-worker-id", workerId,
            "--functions-request-id", requestId, "--functions-grpc-max-message-length", length,
        ];
        var configuration = new Dictionary<string, string>
        {
            ["Functions:Worker:HostEndpoint"] = grpcUri.AbsoluteUri,
            ["Functions:Worker:WorkerId"] = workerId,
            ["Functions:Worker:RequestId"] = requestId,
            ["Functions:Worker:GrpcMaxMessageLength"] = length,
        };
        var environment = new Dictionary<string, string>(settings.ForWorker, StringComparer.OrdinalIgnoreCase)
        {
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            ["FUNCTIONS_APPLICATION_DIRECTORY"] = scriptRoot,
            ["FUNCTIONS_WORKER_DIRECTORY"] = scriptRoot,
            ["AzureWebJobsScriptRoot"] = scriptRoot,
        };
        return new WorkerStartContext(grpcUri, workerId, requestId, MaxMessageLength,
            [.. _config?.WorkerArguments ?? [], .. grpcArguments], configuration, environment, scriptRoot);
    }

    public async Task<IWorkerHandle> StartAsync(WorkerStartContext context, CancellationToken cancellationToken)
    {
        if (options.StartWorker is { } startWorker)
        {
            Log.StartingWorker(_logger, context.WorkerId, "in-process (StartWorker)");
            return new CallbackWorkerHandle(await startWorker(context, cancellationToken).ConfigureAwait(false));
        }

        var config = _config!;
        var start = new ProcessStartInfo(config.ExecutablePath) { WorkingDirectory = scriptRoot };
        foreach (var argument in config.ExecutableArguments)
            start.ArgumentList.Add(Environment.ExpandEnvironmentVariables(argument));
        if (!string.IsNullOrEmpty(config.WorkerPath))
            start.ArgumentList.Add(config.WorkerPath);
        foreach (var argument in context.Arguments)
            start.ArgumentList.Add(Environment.ExpandEnvironmentVariables(argument));
        foreach (var (name, value) in context.EnvironmentVariables)
            start.Environment[name] = value;

        Log.StartingWorker(_logger, context.WorkerId, string.Join(' ', [start.FileName, .. start.ArgumentList.Select(Quote)]));
        return ProcessWorkerHandle.Start(start, loggerFactory.CreateLogger("Worker.Console"), options.ShutdownTimeout);
    }

    private static string Quote(string argument) => argument.Contains(' ', StringComparison.Ordinal) ? $"\"{argument}\"" : argument;
}

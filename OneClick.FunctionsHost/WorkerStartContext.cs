namespace OneClick.FunctionsHost;

/// <summary>What a worker needs to connect back to the host, for <see cref="LocalFunctionsHostOptions.StartWorker"/>.</summary>
/// <param name="GrpcUri">The host's gRPC endpoint.</param>
/// <param name="WorkerId">The id the worker must send in its StartStream message.</param>
/// <param name="RequestId">The start request's id.</param>
/// <param name="MaxMessageLength">The largest gRPC message either side may send.</param>
/// <param name="Arguments">The command-line arguments a worker process would get, after its own path.</param>
/// <param name="Configuration">
/// The same values under the configuration keys the worker reads (Functions:Worker:HostEndpoint, ...).
/// An in-process worker should add these to its configuration: the worker maps the command-line switches
/// only from <see cref="Environment.GetCommandLineArgs"/>, which in-process are the test runner's.
/// </param>
/// <param name="EnvironmentVariables">The environment a worker process would get on top of the host's own.</param>
/// <param name="ScriptRoot">The function app directory.</param>
public sealed record WorkerStartContext(
    Uri GrpcUri,
    string WorkerId,
    string RequestId,
    int MaxMessageLength,
    string[] Arguments,
    IReadOnlyDictionary<string, string> Configuration,
    IReadOnlyDictionary<string, string> EnvironmentVariables,
    string ScriptRoot);

using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using OneClick.FunctionsHost;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.LocalHost;

/// <summary>
/// Azurite, and the local Functions host running the sample worker (OneClick.FunctionsHost.SampleWorker) as a real process,
/// with HTTP on a free port. Shared by the tests of one class, which run one after another.
/// </summary>
public sealed class LocalHostEnvironment : IAsyncLifetime
{
    private Azurite? _azurite;

    public LocalFunctionsHost Host { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public CapturedLogs Logs { get; } = new();

    public string StorageConnectionString => _azurite!.ConnectionString;

    /// <summary>The sample worker's build output: functions.metadata, worker.config.json, host.json.</summary>
    public static string SampleWorkerOutput { get; } = FindSampleWorkerOutput();

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        Host = new LocalFunctionsHost(Options(TicksQueue), LoggerFactory.Create(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug)));
        await Host.StartAsync();
        Http = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Where this environment's host records its timer runs.</summary>
    public const string TicksQueue = "ticks";

    /// <summary>
    /// Options for a host of the sample worker (tests that need a second host change what they need). A second host runs
    /// the timer too, so its runs go to another queue than this environment's <see cref="TicksQueue"/>.
    /// </summary>
    public LocalFunctionsHostOptions Options(string ticksQueue = "ticks-second-host") => new()
    {
        ScriptRoot = SampleWorkerOutput,
        HttpPort = 0,
        Settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = _azurite!.ConnectionString,
            ["TypedQueueName"] = "typed-in",
            ["TicksQueueName"] = ticksQueue,
        },
        RestartDelay = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>A client for a trigger queue: the sample's host.json says messageEncoding base64.</summary>
    public QueueClient TriggerQueue(string name) =>
        new(StorageConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>A client for a queue the sample worker writes plain JSON to ("results", "attempts", "ticks").</summary>
    public QueueClient PlainQueue(string name) => new(StorageConnectionString, name);

    /// <summary>Every message in a plain queue, parsed (peeked, so they stay).</summary>
    public async Task<List<JsonElement>> PeekAllAsync(string queueName)
    {
        var queue = PlainQueue(queueName);
        if (!await queue.ExistsAsync())
            return [];
        var messages = (await queue.PeekMessagesAsync(maxMessages: 32)).Value;
        return messages.Select(m => JsonDocument.Parse(m.MessageText).RootElement.Clone()).ToList();
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Host is not null)
            await Host.DisposeAsync();
        if (_azurite is not null)
            await _azurite.DisposeAsync();
    }

    private static string FindSampleWorkerOutput()
    {
        // Tests run from OneClick.Tests/bin/<Configuration>/<framework>/; the sample builds to the same place under its own folder.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(RepoPaths.Root, "OneClick.FunctionsHost.SampleWorker", "bin", testOutput.Parent!.Name, testOutput.Name);
        if (!File.Exists(Path.Combine(path, "functions.metadata")))
            throw new InvalidOperationException($"The sample worker is not built at {path} (the test project builds it through its ProjectReference).");
        return path;
    }
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneClick.Core.Scheduling;
using OneClick.Core.Secrets;
using OneClick.Core.Storage;
using OneClick.FunctionsHost;
using OneClick.MetaSandbox;

namespace OneClick.Tests.Infrastructure;

/// <summary>
/// Everything OneClick runs on, for real: Azurite, the Key Vault stand-in behind the real SecretClient, the
/// Meta sandbox over HTTP, and the function app as the real isolated worker, driven by the local Functions host
/// over the host's gRPC protocol (HTTP proxying, queue and timer triggers). The worker runs in this process so
/// that an environment can replace a service; it talks to the host exactly as a worker process would.
/// </summary>
public class OneClickEnvironment : IAsyncLifetime
{
    public const string AdminKey = "test-admin-key-0123456789";

    public Azurite Azurite { get; private set; } = null!;
    public KeyVaultStandIn KeyVault { get; private set; } = null!;
    public WebApplication Sandbox { get; private set; } = null!;
    public LocalFunctionsHost FunctionsHost { get; private set; } = null!;
    /// <summary>The worker (its services); replaced when the host restarts it.</summary>
    public IHost App { get; private set; } = null!;
    public Uri SandboxUrl { get; private set; } = null!;
    public Uri AppUrl { get; private set; } = null!;
    public CapturedLogs Logs { get; } = new();
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Extra configuration of the worker for one environment (settings or service replacements).</summary>
    protected virtual void Configure(FunctionsApplicationBuilder builder)
    {
    }

    /// <summary>The local Functions host's log level (its own lines: invocations, polling, the worker's life).</summary>
    protected virtual LogLevel HostLogLevel => LogLevel.Debug;

    /// <summary>
    /// Runs the worker as the host does in Azure, as its own process (OneClick.Functions' build output, started with
    /// worker.config.json's command line and restarted by the host when it dies), so a test can kill it. Such a worker's
    /// services cannot be replaced and <see cref="App"/> is not available; the secrets go to a development file store.
    /// </summary>
    protected virtual bool WorkerAsProcess => false;

    /// <summary>Added to the host's queue-trigger clients (their receives and deletes): a benchmark counts them.</summary>
    protected virtual Azure.Core.Pipeline.HttpPipelinePolicy? HostQueuePolicy => null;

    /// <summary>The build output a process worker runs (<see cref="FunctionsBuildOutput"/> unless an environment runs another build).</summary>
    protected virtual string FunctionsScriptRoot => FunctionsBuildOutput;

    /// <summary>Extra command-line settings of the sandbox (e.g. its webhook retry settings).</summary>
    protected virtual IEnumerable<string> SandboxArgs => [];

    /// <summary>Keeps Azurite's data on disk, so that it can be stopped and started again (<see cref="Azurite.StopAsync"/>).</summary>
    protected virtual bool StorageOnDisk => false;

    /// <summary>Extra app settings for one environment, seen by the host and the worker (e.g. host.json overrides).</summary>
    protected virtual void AddSettings(IDictionary<string, string?> settings)
    {
    }

    public async Task InitializeAsync()
    {
        var azurite = Azurite.StartAsync(StorageOnDisk ? Path.Combine(Path.GetTempPath(), "oneclick-azurite-" + Guid.NewGuid().ToString("N")) : null);
        var keyVault = KeyVaultStandIn.StartAsync();
        Sandbox = SandboxApp.Build(["--urls", "http://127.0.0.1:0", .. SandboxArgs]);
        await Sandbox.StartAsync();
        SandboxUrl = new Uri(Sandbox.Urls.First());
        Azurite = await azurite;
        KeyVault = await keyVault;

        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["AzureWebJobsStorage"] = Azurite.ConnectionString,
            ["OneClick__AdminApiKey"] = AdminKey,
            ["Meta__GraphBaseUrl"] = SandboxUrl.ToString(),
            // The sandbox does not enforce the 24-hour window; tests of the window guard turn it on (Conversations/).
            ["OneClick__Conversations__EnforceServiceWindow"] = "false",
            ["OneClick__Automations__AllowInternalWebhooks"] = "true", // the tests' webhook receivers listen on loopback over http
            // Every test calls from one address and the sandbox's webhooks come from it too: the rate limit tests set their own.
            ["OneClick__RateLimits__TenantPerMinute"] = "1000000",
            ["OneClick__RateLimits__IpPerMinute"] = "1000000",
            ["OneClick__RateLimits__WebhookIpPerMinute"] = "1000000",
        };
        if (WorkerAsProcess)
        {
            _secretsFile = Path.Combine(Path.GetTempPath(), $"oneclick-secrets-{Guid.NewGuid():N}.json");
            settings["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development";
            settings["OneClick__Secrets__Provider"] = "Local";
            settings["OneClick__Secrets__LocalPath"] = _secretsFile;
        }
        AddSettings(settings);
        _settings = settings;
        var loggers = LoggerFactory.Create(logging => logging.AddProvider(Logs).SetMinimumLevel(HostLogLevel));
        FunctionsHost = new LocalFunctionsHost(new LocalFunctionsHostOptions
        {
            ScriptRoot = WorkerAsProcess ? FunctionsScriptRoot : InProcessWorker.ScriptRoot,
            HttpPort = 0,
            Settings = settings,
            // A killed worker process is back within a second or two (the host's defaults back off up to 30 s).
            RestartDelay = WorkerAsProcess ? TimeSpan.FromMilliseconds(200) : new LocalFunctionsHostOptions { ScriptRoot = "" }.RestartDelay,
            MaxRestartDelay = WorkerAsProcess ? TimeSpan.FromSeconds(2) : new LocalFunctionsHostOptions { ScriptRoot = "" }.MaxRestartDelay,
            // Each (re)start of the worker replaces App, so tests reach the services of the worker the host talks to.
            StartWorker = WorkerAsProcess ? null : (context, cancellationToken) => InProcessWorker.StartAsync(context, settings, ConfigureWorker, worker => App = worker, cancellationToken),
            QueuePolicy = HostQueuePolicy,
        }, loggers);
        await FunctionsHost.StartAsync(CancellationToken.None);
        AppUrl = FunctionsHost.BaseAddress;
    }

    private void ConfigureWorker(FunctionsApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Services.AddSingleton<ISecretStore>(new KeyVaultSecretStore(KeyVault.CreateClient()));
        Configure(builder);
    }

    /// <summary>
    /// What the EnqueueDueSchedules timer does when it fires, done now rather than at the next whole minute
    /// (the host firing the timer on its schedule has its own test).
    /// </summary>
    public Task<int> RunDueSchedulesAsync() =>
        App.Services.GetRequiredService<DueScheduleDispatcher>().EnqueueDueAsync(CancellationToken.None);

    public StorageAccount Storage => WorkerAsProcess
        ? _storage ??= new StorageAccount(new ConfigurationBuilder().AddInMemoryCollection(_settings).Build(), Azure.Storage.Queues.QueueMessageEncoding.Base64)
        : App.Services.GetRequiredService<StorageAccount>();

    private Dictionary<string, string?> _settings = [];
    private StorageAccount? _storage;
    private string? _secretsFile;

    /// <summary>OneClick.Functions' build output (the same configuration as these tests): what a Functions host runs.</summary>
    public static string FunctionsBuildOutput
    {
        get
        {
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var path = Path.Combine(RepoPaths.Root, "OneClick.Functions", "bin", testOutput.Parent!.Name, testOutput.Name);
            return File.Exists(Path.Combine(path, "worker.config.json"))
                ? path
                : throw new InvalidOperationException($"OneClick.Functions is not built at {path}.");
        }
    }

    /// <summary>The platform app's secrets in every environment (<see cref="UsePlatformAppAsync"/>); one pair, so tests never race to change it.</summary>
    public const string PlatformAppSecret = "platform-app-secret-0123456789abcdef";
    public const string PlatformVerifyToken = "platform-verify-0123456789";

    /// <summary>Configures the operator's platform app through the admin API (idempotent).</summary>
    public async Task UsePlatformAppAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(AppUrl, "api/admin/platform-app"))
        {
            Content = JsonContent.Create(new { appSecret = PlatformAppSecret, verifyToken = PlatformVerifyToken }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// A new tenant with its own sandbox phone number, wired for webhooks, through the public API. With
    /// <paramref name="platformApp"/> it uses the operator's platform app: the sandbox signs its number's webhooks with the
    /// platform secret and sends them to the app-level callback, as Meta does for every WABA subscribed to that app.
    /// </summary>
    public async Task<TestTenant> CreateTenantAsync(string? name = null, bool platformApp = false)
    {
        if (platformApp)
            await UsePlatformAppAsync();
        using var create = new HttpRequestMessage(HttpMethod.Post, new Uri(AppUrl, "api/tenants"))
        {
            Content = JsonContent.Create(new { name = name ?? "Test tenant" }),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var created = await Http.SendAsync(create);
        created.EnsureSuccessStatusCode();
        var body = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var tenant = new TestTenant(
            this,
            body["tenant"]!["id"]!.GetValue<string>(),
            body["apiKey"]!.GetValue<string>(),
            WabaId: Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
            PhoneNumberId: Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
            AccessToken: "EAAG" + Guid.NewGuid().ToString("N"),
            AppSecret: platformApp ? PlatformAppSecret : Guid.NewGuid().ToString("N"),
            VerifyToken: platformApp ? PlatformVerifyToken : "verify-" + Guid.NewGuid().ToString("N"),
            PlatformApp: platformApp);

        using var register = await Http.PostAsJsonAsync(new Uri(SandboxUrl, "_sandbox/phone-numbers"), new
        {
            phoneNumberId = tenant.PhoneNumberId,
            wabaId = tenant.WabaId,
            accessToken = tenant.AccessToken,
            appSecret = tenant.AppSecret,
            webhookUrl = new Uri(AppUrl, platformApp ? "api/webhooks/meta" : $"api/webhooks/meta/{tenant.Id}").ToString(),
            displayPhoneNumber = "15550100002",
            verifiedName = name ?? "Test tenant",
        });
        register.EnsureSuccessStatusCode();
        await SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });

        using var credentials = await tenant.PutAsync($"api/tenants/{tenant.Id}/credentials", platformApp
            ? new { wabaId = tenant.WabaId, phoneNumberId = tenant.PhoneNumberId, accessToken = tenant.AccessToken, metaApp = "platform" }
            : new
            {
                wabaId = tenant.WabaId,
                phoneNumberId = tenant.PhoneNumberId,
                accessToken = tenant.AccessToken,
                appSecret = tenant.AppSecret,
                webhookVerifyToken = tenant.VerifyToken,
            });
        credentials.EnsureSuccessStatusCode();
        return tenant;
    }

    public async Task SetBehaviourAsync(TestTenant tenant, object behaviour)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        using var response = await Http.PutAsJsonAsync(new Uri(SandboxUrl, $"_sandbox/phone-numbers/{tenant.PhoneNumberId}/behaviour"), behaviour);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>What the sandbox accepted from a phone number, in order.</summary>
    public async Task<JsonArray> SandboxMessagesAsync(TestTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var body = await Http.GetStringAsync(new Uri(SandboxUrl, $"_sandbox/messages?phoneNumberId={tenant.PhoneNumberId}"));
        return ParseSandboxMessages(body);
    }

    /// <summary>
    /// Reads the sandbox's <c>{ "count": n, "messages": [...] }</c>. Any other shape throws with the body: an empty
    /// list here would let "nothing was sent" assertions pass for the wrong reason.
    /// </summary>
    internal static JsonArray ParseSandboxMessages(string body)
    {
        var result = JsonNode.Parse(body) as JsonObject;
        return result?["messages"] as JsonArray
            ?? throw new InvalidOperationException($"GET /_sandbox/messages answered a shape the test kit does not know: {body}");
    }

    public async Task DisposeAsync()
    {
        // The app's log, for reading after a failed run.
        await File.WriteAllLinesAsync(Path.Combine(AppContext.BaseDirectory, $"app-{GetType().Name}-{Guid.NewGuid():N}.log"), Logs.Lines);
        // Each part may be missing when InitializeAsync failed part way (its error is the one to read).
        if (FunctionsHost is not null)
            await FunctionsHost.DisposeAsync();
        if (Sandbox is not null)
            await Sandbox.DisposeAsync();
        if (KeyVault is not null)
            await KeyVault.DisposeAsync();
        if (Azurite is not null)
            await Azurite.DisposeAsync();
        Http.Dispose();
        if (_secretsFile is not null && File.Exists(_secretsFile))
            File.Delete(_secretsFile);
    }
}

/// <summary>The shared environment for most integration tests; each test makes its own tenants.</summary>
[CollectionDefinition(Name)]
public sealed class SharedEnvironment : ICollectionFixture<OneClickEnvironment>
{
    public const string Name = "OneClick";
}

using System.Reflection;
using Azure.Core.Serialization;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OneClick.Core.Configuration;
using OneClick.Core.Contacts;
using OneClick.Core.Messages;
using OneClick.Core.Meta;
using OneClick.Core.Scheduling;
using OneClick.Core.Secrets;
using OneClick.Core.Sending;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Core.Webhooks;
using OneClick.Functions.Auth;
using OneClick.Functions.Campaigns;
using OneClick.Functions.Contacts;
using OneClick.Functions.Conversations;
using OneClick.Functions.Demo;
using OneClick.Functions.Groups;
using OneClick.Functions.Health;
using OneClick.Functions.Hosting;
using OneClick.Functions.Http;
using OneClick.Functions.Messages;
using OneClick.Functions.Problems;
using OneClick.Functions.Tenants;
using OneClick.Functions.Webhooks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;
using Microsoft.Azure.Functions.Worker.Invocation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace OneClick.Functions;

/// <summary>
/// Builds the function app: a .NET isolated worker with ASP.NET Core integration for HTTP. The Functions host
/// (Azure's, Core Tools' or OneClick.FunctionsHost locally) starts it and invokes its [Function]s over gRPC.
/// </summary>
public static class OneClickApp
{
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static FunctionsApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        if (Assembly.GetEntryAssembly() != typeof(OneClickApp).Assembly)
        {
            // Hosted by another program (the tests, the benchmarks): the worker looks for the SDK's generated
            // metadata provider and executor in the entry assembly only, so name this app's own.
            builder.Services.AddSingleton<IFunctionMetadataProvider, GeneratedFunctionMetadataProvider>();
            builder.Services.AddSingleton<IFunctionExecutor, DirectFunctionExecutor>();
        }
        builder.UseMiddleware<HttpFunctionMiddleware>();
        // Request logs carry query strings, and Meta's handshake puts the verify token in one: keep them off.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);

        Observability.OneClickTelemetry.AddOneClickTelemetry(builder);
        AddServices(builder);
        return builder;
    }

    private static void AddServices(FunctionsApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var hostSettings = HostSettings.Load(HostSettings.ScriptRoot);

        services.AddProblemDetails();
        // Queue messages are read with the same JSON options OneClick writes them with.
        services.Configure<WorkerOptions>(worker => worker.Serializer = new JsonObjectSerializer(QueueJson.Options));
        services.AddMemoryCache();
        services.AddSingleton(_ => new OneClick.Core.Caching.UnknownKeys());
        services.AddHttpClient();
        services.AddSingleton(TimeProvider.System);
        RateLimitOptions.Add(services, configuration);
        services.AddSingleton<OneClick.Core.Idempotency.IdempotencyStore>();
        services.AddSingleton<IdempotentRequests>();
        Automations.AutomationLimits.Add(services, configuration);
        Retention.RetentionFunctions.Add(services, configuration);

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Tenant, p => p.RequireClaim(ApiKeyAuthenticationHandler.TenantClaim))
            .AddPolicy(Policies.Admin, p => p.RequireRole(ApiKeyAuthenticationHandler.AdminRole))
            .AddPolicy(Policies.TenantOrAdmin, p => p.RequireAssertion(c =>
                c.User.IsInRole(ApiKeyAuthenticationHandler.AdminRole) || c.User.HasClaim(x => x.Type == ApiKeyAuthenticationHandler.TenantClaim)));

        services.AddSingleton(hostSettings);
        services.AddSingleton(_ => new StorageAccount(configuration, hostSettings.MessageEncoding));
        services.AddHostedService<StorageInitializer>();
        services.AddSingleton<QueuePublisher>();
        services.AddSingleton<TenantStore>();
        services.AddSingleton<ContactStore>();
        services.AddSingleton<OneClick.Core.Lists.ListStore>();
        services.AddSingleton<MessageStore>();
        services.AddSingleton<DueScheduleStore>();
        services.AddSingleton<MessageService>();
        services.AddSingleton<DueScheduleDispatcher>();
        services.AddSingleton<MessageSender>();
        services.AddSingleton<MessageResender>();
        services.AddSingleton<WebhookInbox>();
        services.AddSingleton<WebhookOwnership>();
        services.AddSingleton<WebhookRoutes>();
        services.AddSingleton<WebhookEventProcessor>();
        services.AddGroups();
        AddContentServices(services);
        services.AddConversationFeatures();
        AudienceServices.Add(services);
        services.AddCampaigns(configuration);
        Tenants.AccountHealthServices.AddAccountHealth(services);

        services.AddSingleton(SecretStoreFor(configuration, builder.Environment));
        services.AddSingleton<TenantSecrets>();
        services.AddSingleton<PlatformApp>();

        services.Configure<MetaOptions>(configuration.GetSection(MetaOptions.Section));
        AddMetaTransport(services);
        services.AddTransient<MetaGraphClient>();

        services.Configure<DemoOptions>(configuration.GetSection(DemoOptions.Section));
        if (configuration.GetValue<bool>($"{DemoOptions.Section}:Enabled"))
        {
            if (!builder.Environment.IsDevelopment())
                throw new InvalidOperationException("The demo tenant is for local development only; unset OneClick__Demo__Enabled.");
            services.AddHostedService<DemoTenantSeeder>();
        }
    }

    /// <summary>
    /// The one Graph transport (<see cref="MetaHttp"/>) every Meta client uses. Timeouts are per call (MetaOptions), so
    /// the HttpClient has none. Reads (GET) that fail transiently (5xx, 408, 429, no connection) are retried with
    /// exponential back-off and jitter; POST and DELETE never are: a send whose answer was lost may have happened
    /// at Meta, and only the send queue's own rules may decide to try again.
    /// </summary>
    internal static void AddMetaTransport(IServiceCollection services)
    {
        services.AddHttpClient<MetaHttp>(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("meta-reads", pipeline =>
            {
                var retry = new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = 3,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(200),
                };
                retry.DisableForUnsafeHttpMethods();
                pipeline.AddRetry(retry);
            });
    }

    /// <summary>Templates, message content and media (issue 3, content).</summary>
    private static void AddContentServices(IServiceCollection services)
    {
        services.AddSingleton<OneClick.Core.Templates.TemplateStore>();
        services.AddSingleton<OneClick.Core.Templates.TemplateService>();
        services.AddSingleton<OneClick.Core.Messages.Content.MessageContentPreparer>();
        services.AddSingleton<IWebhookChangeHandler, OneClick.Core.Templates.TemplateWebhookHandler>();
        services.AddSingleton<ISendGuard, OneClick.Core.Templates.TemplateSendGuard>();
        services.AddTransient<OneClick.Core.Templates.MetaTemplateClient>();
        services.AddTransient<OneClick.Core.Media.MetaContentClient>();
    }

    /// <summary>Key Vault in Azure; a local file only in Development (production settings must not fall back to it).</summary>
    private static Func<IServiceProvider, ISecretStore> SecretStoreFor(ConfigurationManager configuration, IHostEnvironment environment)
    {
        var provider = configuration[SettingNames.ConfigKey(SettingNames.SecretsProvider)] ?? "KeyVault";
        switch (provider)
        {
            case "Local":
                if (!environment.IsDevelopment())
                    throw new InvalidOperationException("The local secret store is refused outside Development: set OneClick__Secrets__Provider=KeyVault.");
                var path = Path.Combine(Directory.GetCurrentDirectory(),
                    configuration[SettingNames.ConfigKey(SettingNames.LocalSecretsPath)] ?? Path.Combine(".local", "secrets.json"));
                return _ => new LocalFileSecretStore(path);
            case "KeyVault":
                return _ =>
                {
                    var vault = configuration[SettingNames.ConfigKey(SettingNames.KeyVaultUri)]
                        ?? throw new InvalidOperationException($"Set {SettingNames.KeyVaultUri} to the vault's URI.");
                    var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
                    {
                        ManagedIdentityClientId = configuration[SettingNames.AzureClientId],
                    });
                    return new KeyVaultSecretStore(new SecretClient(new Uri(vault), credential));
                };
            default:
                throw new InvalidOperationException($"Unknown {SettingNames.SecretsProvider} '{provider}': use KeyVault or Local.");
        }
    }
}

/// <summary>Creates tables, queues and containers at startup so that a fresh account (or Azurite) just works.</summary>
internal sealed class StorageInitializer(StorageAccount storage) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => storage.EnsureCreatedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

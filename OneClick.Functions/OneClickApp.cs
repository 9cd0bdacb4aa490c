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
using OneClick.Functions.Messages;
using OneClick.Functions.Problems;
using OneClick.Functions.Tenants;
using OneClick.Functions.Webhooks;

namespace OneClick.Functions;

/// <summary>
/// Builds the function app. Under the Functions host (FUNCTIONS_CUSTOMHANDLER_PORT set) it is a custom
/// handler: HTTP requests are forwarded to it as they are, timer and queue invocations arrive as POSTs to
/// /{FunctionName}. Without the host it runs standalone and drives those functions itself.
/// </summary>
public static class OneClickApp
{
    public const string DefaultLocalUrl = "http://127.0.0.1:7071";
    public const long MaxRequestBodyBytes = 1024 * 1024;

    /// <param name="readLocalSettings">Tests pass false so a developer's local.settings.json cannot change them.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, bool readLocalSettings = true)
    {
        var localSettings = readLocalSettings ? LocalSettings.Load() : [];
        var environment = Environment.GetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT")
            ?? localSettings.GetValueOrDefault("AZURE_FUNCTIONS_ENVIRONMENT");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            EnvironmentName = environment,
            ContentRootPath = AppContext.BaseDirectory,
        });
        // local.settings.json sits below real environment variables and arguments, as with Core Tools.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = localSettings });

        var customHandlerPort = builder.Configuration["FUNCTIONS_CUSTOMHANDLER_PORT"];
        if (customHandlerPort is not null)
            builder.WebHost.UseUrls($"http://127.0.0.1:{customHandlerPort}");
        else if (builder.Configuration["urls"] is null)
            builder.WebHost.UseUrls(DefaultLocalUrl);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        // Request logs carry query strings, and Meta's handshake puts the verify token in one: keep them off.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);

        Observability.OneClickTelemetry.AddOneClickTelemetry(builder);
        AddServices(builder, standalone: customHandlerPort is null);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCorrelationId();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapHealthEndpoints();
        app.MapTenantEndpoints();
        app.MapContactEndpoints();
        ContactImports.ImportEndpoints.MapImportEndpoints(app);
        Lists.ListEndpoints.MapListEndpoints(app);
        app.MapMessageEndpoints();
        app.MapGroupEndpoints();
        Templates.TemplateEndpoints.MapTemplateEndpoints(app);
        Content.ContentEndpoints.MapContentEndpoints(app);
        app.MapMetaWebhookEndpoints();
        app.MapCampaignEndpoints();
        app.MapInvocationEndpoints();
        app.MapConversationFeatures();
        return app;
    }

    private static void AddServices(WebApplicationBuilder builder, bool standalone)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var scriptRoot = AppContext.BaseDirectory;
        var hostSettings = HostSettings.Load(scriptRoot);

        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddMemoryCache();
        services.AddHttpClient();
        services.AddSingleton(TimeProvider.System);

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
        services.AddSingleton<WebhookInbox>();
        services.AddSingleton<WebhookEventProcessor>();
        services.AddGroups();
        AddContentServices(services);
        services.AddConversationFeatures();
        AudienceServices.Add(services);
        services.AddCampaigns(configuration);

        services.AddSingleton(SecretStoreFor(configuration, builder.Environment));
        services.AddSingleton<TenantSecrets>();

        services.Configure<MetaOptions>(configuration.GetSection(MetaOptions.Section));
        services.AddHttpClient<MetaGraphClient>(http => http.Timeout = Timeout.InfiniteTimeSpan);

        if (standalone && configuration.GetValue("OneClick:LocalHost:Enabled", true))
        {
            services.AddSingleton<IReadOnlyList<FunctionDefinition>>(FunctionManifest.Load(scriptRoot));
            services.AddHostedService<StandaloneFunctionsHost>();
        }

        services.Configure<DemoOptions>(configuration.GetSection(DemoOptions.Section));
        if (configuration.GetValue<bool>($"{DemoOptions.Section}:Enabled"))
        {
            if (!builder.Environment.IsDevelopment())
                throw new InvalidOperationException("The demo tenant is for local development only; unset OneClick__Demo__Enabled.");
            services.AddHostedService<DemoTenantSeeder>();
        }
    }

    /// <summary>Templates, message content and media (issue 3, content).</summary>
    private static void AddContentServices(IServiceCollection services)
    {
        services.AddSingleton<OneClick.Core.Templates.TemplateStore>();
        services.AddSingleton<OneClick.Core.Templates.TemplateService>();
        services.AddSingleton<OneClick.Core.Messages.Content.MessageContentPreparer>();
        services.AddSingleton<IWebhookChangeHandler, OneClick.Core.Templates.TemplateWebhookHandler>();
        services.AddSingleton<ISendGuard, OneClick.Core.Templates.TemplateSendGuard>();
        services.AddHttpClient<OneClick.Core.Templates.MetaTemplateClient>(http => http.Timeout = Timeout.InfiniteTimeSpan);
        services.AddHttpClient<OneClick.Core.Media.MetaContentClient>(http => http.Timeout = Timeout.InfiniteTimeSpan);
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
                var path = Path.Combine(LocalSettings.Directory ?? Directory.GetCurrentDirectory(),
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

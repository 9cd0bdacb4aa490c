using Microsoft.Extensions.Options;
using OneClick.MetaSandbox.Control;
using OneClick.MetaSandbox.Faults;
using OneClick.MetaSandbox.Graph;
using OneClick.MetaSandbox.Inbound;
using OneClick.MetaSandbox.Media;
using OneClick.MetaSandbox.Messages;
using OneClick.MetaSandbox.PhoneNumbers;
using OneClick.MetaSandbox.Registry;
using OneClick.MetaSandbox.Templates;
using OneClick.MetaSandbox.Webhooks;

namespace OneClick.MetaSandbox;

/// <summary>
/// Builds the Meta WhatsApp Cloud API sandbox: a Graph API look-alike plus a control API under /_sandbox.
/// Tests host it in-process with <c>--urls http://127.0.0.1:0</c> and read the bound address from <c>app.Urls</c>.
/// </summary>
public static class SandboxApp
{
    /// <summary>Where the sandbox listens when nothing else is configured.</summary>
    public const string DefaultUrls = "http://localhost:7081";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // Tests host the sandbox inside the test runner; name the app explicitly so it does not become "testhost".
            ApplicationName = typeof(SandboxApp).Assembly.GetName().Name,
        });

        if (!HasConfiguredUrls(builder))
        {
            builder.WebHost.UseUrls(DefaultUrls);
        }

        // The HttpClient factory logs every webhook POST at Information; that drowns the console during a campaign.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        AddSandboxServices(builder);

        var app = builder.Build();
        MapSandboxEndpoints(app);
        return app;
    }

    /// <summary>--urls, ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS or Kestrel endpoints all win over the default port.</summary>
    private static bool HasConfiguredUrls(WebApplicationBuilder builder) =>
        !string.IsNullOrWhiteSpace(builder.Configuration["urls"])
        || !string.IsNullOrWhiteSpace(builder.Configuration["http_ports"])
        || !string.IsNullOrWhiteSpace(builder.Configuration["https_ports"])
        || builder.Configuration.GetSection("Kestrel:Endpoints").Exists();

    private static void AddSandboxServices(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);

        // State (all in memory, all thread-safe).
        services.AddSingleton<PhoneNumberRegistry>();
        services.AddSingleton<TemplateStore>();
        services.AddSingleton<BehaviourStore>();
        services.AddSingleton<ThroughputLimiter>();
        services.AddSingleton<MessageLog>();
        services.AddSingleton<MediaStore>();
        services.AddSingleton<TemplateWebhooks>();

        // Graph API.
        services.AddSingleton<GraphAuthenticator>();
        services.AddSingleton<SendRequestValidator>();
        services.AddSingleton<MessageSender>();

        // Webhooks: one dispatcher is both the scheduler used by senders and the hosted service that POSTs.
        services.Configure<WebhookDeliveryOptions>(builder.Configuration.GetSection(WebhookDeliveryOptions.SectionName));
        services.AddHttpClient(WebhookDispatcher.HttpClientName)
            .ConfigureHttpClient((provider, client) => client.Timeout =
                TimeSpan.FromMilliseconds(provider.GetRequiredService<IOptions<WebhookDeliveryOptions>>().Value.TimeoutMs));
        services.AddSingleton<WebhookDeliveryStats>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<WebhookDispatcher>());
        services.AddSingleton<StatusWebhooks>();
        services.AddSingleton<InboundMessages>();
        Groups.GroupsServices.AddGroups(services);
        services.AddSingleton<Media.InboundMediaStore>();
    }

    private static void MapSandboxEndpoints(WebApplication app)
    {
        // Sandbox-only control API.
        var control = app.MapGroup("/_sandbox");
        control.MapRegistryEndpoints();
        control.MapBehaviourEndpoints();
        control.MapInboundEndpoints();
        control.MapInboundAnyTypeEndpoints();
        control.MapMessageLogEndpoints();
        control.MapWebhookDeliveryEndpoints();
        control.MapResetEndpoint();
        Groups.GroupsEndpoints.MapGroupsControl(control);
        control.MapTemplateControl();
        control.MapMediaDownload();
        Webhooks.AccountEventEndpoints.MapAccountEventEndpoints(control);

        // Graph API look-alike: /{version}/..., version like v25.0.
        // Later features (templates CRUD under /{waba-id}/message_templates, media, Groups API) map here in their own folders.
        var graph = app.MapGroup(GraphRoutes.VersionPrefix);
        graph.MapPhoneNumberNode();
        graph.MapSendMessage();
        Groups.GroupsEndpoints.MapGroupsGraph(graph);
        graph.MapTemplateManagement();
        graph.MapMedia();
        graph.MapUnknownGraphPaths();
        Media.InboundMediaEndpoints.MapInboundMediaEndpoints(app);

        app.MapGet("/", () => Results.Json(new SandboxInfo(
            "OneClick Meta WhatsApp Cloud API sandbox",
            "POST /{version}/{phone-number-id}/messages; control API under /_sandbox; see OneClick.MetaSandbox/README.md")));
    }

    private sealed record SandboxInfo(string Name, string Usage);
}

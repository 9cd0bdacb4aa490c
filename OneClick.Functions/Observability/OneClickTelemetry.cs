using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using OneClick.Core.Configuration;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OneClick.Functions.Observability;

/// <summary>
/// OneClick's telemetry: the "OneClick" ActivitySource and Meter, the dimension names, and the OpenTelemetry
/// setup that exports them together with ASP.NET Core and HttpClient traces, metrics and logs. Application
/// Insights when APPLICATIONINSIGHTS_CONNECTION_STRING is set; the console only with OneClick__Telemetry__Console=true.
/// Activity tags and logging scopes use the same names, so one filter on customDimensions finds both.
/// </summary>
public static partial class OneClickTelemetry
{
    public const string Name = "OneClick";
    public const string ServiceName = "OneClick.Functions";
    public const string ConsoleSetting = OneClick.Core.Configuration.SettingNames.TelemetryConsole;
    /// <summary>Set by infra/: "ClientId=&lt;identity&gt;;Authorization=AAD" (the resource refuses instrumentation keys alone).</summary>
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
    public const string SamplerSetting = "OTEL_TRACES_SAMPLER";

    // Dimensions. Never a secret, never a phone number. OneClick.Core's WebhookEventProcessor uses the same strings.
    public const string TenantId = "oneclick.tenant_id";
    public const string MessageId = "oneclick.message_id";
    public const string CorrelationId = "oneclick.correlation_id";
    /// <summary>The id of one webhook delivery from Meta; statuses inside it carry their message's <see cref="CorrelationId"/>.</summary>
    public const string WebhookCorrelationId = "oneclick.webhook_correlation_id";
    public const string Outcome = "oneclick.outcome";
    public const string Status = "oneclick.status";
    public const string Destination = "messaging.destination.name";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);
    public static readonly Counter<long> MessagesSent =
        Meter.CreateCounter<long>("oneclick.messages.sent", "{message}", "Send invocations handled, by outcome (accepted, failed, retrylater, unknown, alreadyhandled).");

    /// <summary>Registers the scopes and tags (always: without a listener they cost next to nothing) and the exporters the settings ask for.</summary>
    public static IHostApplicationBuilder AddOneClickTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<InvocationTelemetry>();
        builder.Services.AddTransient<IStartupFilter, RequestTelemetry>();

        var exporters = TelemetryExporters.From(builder.Configuration);
        if (!exporters.Any)
            return builder; // tests and the plain local run: no SDK, nothing recorded or flushed

        // The worker's own integration: invocation spans and the host's trace context on every function.
        var telemetry = builder.Services.AddOpenTelemetry().UseFunctionsWorkerDefaults()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithTracing(tracing => tracing.AddSource(Name).AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation(http => http.EnrichWithHttpRequestMessage = (activity, _) => RedactTableKeys(activity)))
            .WithMetrics(metrics => metrics.AddMeter(Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation())
            .WithLogging(configureBuilder: null, configureOptions: options => options.IncludeScopes = true);
        if (exporters.AzureMonitorConnectionString is { } connectionString)
        {
            // Reads the standard sampler settings too: OTEL_TRACES_SAMPLER=microsoft.rate_limited or
            // microsoft.fixed_percentage, with OTEL_TRACES_SAMPLER_ARG.
            telemetry.UseAzureMonitorExporter();
            var keepEveryTrace = string.IsNullOrEmpty(builder.Configuration[SamplerSetting]);
            builder.Services.Configure<AzureMonitorExporterOptions>(options =>
            {
                options.ConnectionString = connectionString;
                options.Credential = exporters.AzureMonitorCredential;
                // Without a chosen sampler keep every trace, so that any message's journey can be found
                // (the exporter's own default is 5 traces a second).
                if (keepEveryTrace)
                    (options.SamplingRatio, options.TracesPerSecond) = (1.0F, null);
            });
        }
        if (exporters.Console)
        {
            telemetry
                .WithTracing(tracing => tracing.AddConsoleExporter())
                .WithMetrics(metrics => metrics.AddConsoleExporter())
                .WithLogging(logging => logging.AddConsoleExporter());
        }
        return builder;
    }

    /// <summary>
    /// Table Storage URLs name the entity, and some keys are sensitive (the contacts index is keyed by phone
    /// number, API keys by their hash): entity keys stay out of dependency telemetry. Query strings are already
    /// redacted by the HttpClient instrumentation.
    /// </summary>
    public static void RedactTableKeys(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        if (activity.GetTagItem("url.full") is string url && url.Contains("Key=", StringComparison.Ordinal))
            activity.SetTag("url.full", EntityKey().Replace(url, "$1='Redacted'"));
    }

    // Key values are percent-encoded in the URL, so a literal ',' or ')' ends one.
    [GeneratedRegex("(PartitionKey|RowKey)=[^,)]*")]
    private static partial Regex EntityKey();
}

/// <summary>Which exporters the settings turn on.</summary>
public sealed record TelemetryExporters(string? AzureMonitorConnectionString, TokenCredential? AzureMonitorCredential, bool Console)
{
    public bool Any => AzureMonitorConnectionString is not null || Console;

    public static TelemetryExporters From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[SettingNames.ApplicationInsightsConnectionString];
        return new TelemetryExporters(
            string.IsNullOrWhiteSpace(connectionString) ? null : connectionString,
            CredentialFor(configuration[OneClickTelemetry.AuthenticationStringSetting]),
            configuration.GetValue<bool>(SettingNames.ConfigKey(OneClickTelemetry.ConsoleSetting)));
    }

    /// <summary>
    /// The exporter itself does not read APPLICATIONINSIGHTS_AUTHENTICATION_STRING (the Functions host does), and the
    /// resource has local auth off: "Authorization=AAD" means Entra ID through the managed identity named by ClientId.
    /// </summary>
    public static TokenCredential? CredentialFor(string? authenticationString)
    {
        string? authorization = null, clientId = null;
        foreach (var part in (authenticationString ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (key, value) = part.Split('=', 2, StringSplitOptions.TrimEntries) is [var k, var v] ? (k, v) : (part, "");
            if (key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                authorization = value;
            else if (key.Equals("ClientId", StringComparison.OrdinalIgnoreCase))
                clientId = value;
        }
        if (!"AAD".Equals(authorization, StringComparison.OrdinalIgnoreCase))
            return null;
        return new ManagedIdentityCredential(string.IsNullOrEmpty(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId));
    }
}

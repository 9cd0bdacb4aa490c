using System.Diagnostics;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OneClick.Functions.Observability;
using OpenTelemetry.Trace;

namespace OneClick.Tests.Observability;

/// <summary>
/// Which exporters the settings turn on. Registrations and options only: building the providers would start
/// exporters that try to reach Azure.
/// </summary>
public sealed class TelemetrySetupTests
{
    // Loopback endpoints: nothing here may try to reach Azure.
    private const string ConnectionString =
        "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/;LiveEndpoint=https://127.0.0.1:9/";

    [Fact]
    public void Without_settings_no_OpenTelemetry_SDK_is_registered()
    {
        var services = Configure([]);

        Assert.DoesNotContain(services, d => d.ServiceType == typeof(TracerProvider));
        Assert.False(RegistersAzureMonitor(services));
        // The scopes and tags are there all the same.
        Assert.Contains(services, d => d.ServiceType == typeof(InvocationTelemetry));
    }

    [Fact]
    public void The_connection_string_registers_the_Azure_Monitor_exporter_with_it()
    {
        var services = Configure(new() { ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ConnectionString });

        Assert.True(RegistersAzureMonitor(services));
        Assert.Contains(services, d => d.ServiceType == typeof(TracerProvider));
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptionsMonitor<AzureMonitorExporterOptions>>().Get(Options.DefaultName);
        Assert.Equal(ConnectionString, options.ConnectionString);
        Assert.Null(options.Credential); // no APPLICATIONINSIGHTS_AUTHENTICATION_STRING: instrumentation key only
        // Every trace is kept unless the operator asks for sampling.
        Assert.Equal(1.0F, options.SamplingRatio);
        Assert.Null(options.TracesPerSecond);
    }

    [Fact]
    public void The_standard_sampler_settings_override_keeping_every_trace()
    {
        var services = Configure(new()
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ConnectionString,
            ["OTEL_TRACES_SAMPLER"] = "microsoft.rate_limited",
            ["OTEL_TRACES_SAMPLER_ARG"] = "5",
        });

        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptionsMonitor<AzureMonitorExporterOptions>>().Get(Options.DefaultName);
        Assert.Equal(5, options.TracesPerSecond);
    }

    [Fact]
    public void The_console_setting_alone_exports_to_the_console_only()
    {
        var services = Configure(new() { ["OneClick:Telemetry:Console"] = "true" });

        Assert.Contains(services, d => d.ServiceType == typeof(TracerProvider));
        Assert.False(RegistersAzureMonitor(services));
    }

    [Fact]
    public void Entra_ID_authentication_uses_the_managed_identity_it_names()
    {
        var exporters = TelemetryExporters.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ConnectionString,
            ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD",
        }).Build());

        Assert.Equal(ConnectionString, exporters.AzureMonitorConnectionString);
        Assert.IsType<ManagedIdentityCredential>(exporters.AzureMonitorCredential);
        Assert.False(exporters.Console);
        Assert.IsType<ManagedIdentityCredential>(TelemetryExporters.CredentialFor("Authorization=AAD"));
        Assert.Null(TelemetryExporters.CredentialFor(null));
        Assert.Null(TelemetryExporters.CredentialFor("ClientId=abc"));
    }

    [Fact]
    public void Dependency_urls_keep_no_table_entity_key()
    {
        // The contacts index is keyed by phone number.
        using var activity = new Activity("GET");
        activity.SetTag("url.full", "http://127.0.0.1:10002/devstoreaccount1/contacts(PartitionKey='acme',RowKey='phone%7C%2B14155550123')?*");

        OneClickTelemetry.RedactTableKeys(activity);

        Assert.Equal("http://127.0.0.1:10002/devstoreaccount1/contacts(PartitionKey='Redacted',RowKey='Redacted')?*", activity.GetTagItem("url.full"));
    }

    private static IServiceCollection Configure(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddOneClickTelemetry();
        return builder.Services;
    }

    private static bool RegistersAzureMonitor(IServiceCollection services) =>
        services.Any(d => d.ServiceType == typeof(IConfigureOptions<AzureMonitorExporterOptions>));
}

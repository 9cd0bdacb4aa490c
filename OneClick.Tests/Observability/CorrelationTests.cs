using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OneClick.Functions.Observability;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Observability;

/// <summary>
/// The X-Correlation-Id given to the API follows the message through the send queue to Meta and comes back
/// with each status webhook, on the "OneClick" activities and in the logs' scopes. Other tests run at the
/// same time against the same app, so everything is filtered by this test's tenant.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class CorrelationTests : IDisposable
{
    private readonly OneClickEnvironment _env;
    private readonly ConcurrentQueue<Activity> _activities = new();
    private readonly ActivityListener _listener;
    private readonly ScopedLogRecorder _logs = new();

    public CorrelationTests(OneClickEnvironment env)
    {
        _env = env;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == OneClickTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _activities.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        // CapturedLogs (env.Logs) drops scopes, so record lines with their scopes here; the factory owns it from now on.
        env.App.Services.GetRequiredService<ILoggerFactory>().AddProvider(_logs);
    }

    [Fact]
    public async Task The_send_and_every_status_webhook_carry_the_api_correlation_id_and_the_tenant()
    {
        var tenant = await _env.CreateTenantAsync();
        var correlationId = NewCorrelationId();
        var id = await SendAsync(tenant, correlationId);
        await tenant.WaitForStatusAsync(id, "read");

        var send = await EventuallyAsync(() => Mine(tenant, id).FirstOrDefault(a => a.OperationName == "SendMessage"), "the SendMessage activity");
        Assert.Equal(correlationId, send.GetTagItem(OneClickTelemetry.CorrelationId));
        Assert.Equal("outbound-messages", send.GetTagItem(OneClickTelemetry.Destination));
        Assert.Equal("accepted", send.GetTagItem(OneClickTelemetry.Outcome));

        var read = await EventuallyAsync(() => Mine(tenant, id).FirstOrDefault(a => a.OperationName == "ApplyWebhookStatus" && "read".Equals(a.GetTagItem(OneClickTelemetry.Status))), "the read status activity");
        Assert.Equal(correlationId, read.GetTagItem(OneClickTelemetry.CorrelationId));
        // Every status that came back for this message links to the API request, applied or not.
        Assert.All(Mine(tenant, id).Where(a => a.OperationName == "ApplyWebhookStatus"),
            status => Assert.Equal(correlationId, status.GetTagItem(OneClickTelemetry.CorrelationId)));

        // The status sits inside the processing of the webhook delivery, which has its own id. That activity
        // stops only after every feature's webhook handler has run, so wait for it.
        var delivery = await EventuallyAsync(() => _activities.FirstOrDefault(a => a.SpanId == read.ParentSpanId), "the webhook delivery activity");
        Assert.Single(_activities, a => a.SpanId == read.ParentSpanId);
        Assert.Equal("ProcessWebhookEvent", delivery.OperationName);
        Assert.Equal(tenant.Id, delivery.GetTagItem(OneClickTelemetry.TenantId));
        Assert.Equal("webhook-events", delivery.GetTagItem(OneClickTelemetry.Destination));
        Assert.NotEqual(correlationId, delivery.GetTagItem(OneClickTelemetry.WebhookCorrelationId));
    }

    [Fact]
    public async Task The_logs_of_the_send_and_of_each_applied_status_carry_the_correlation_id_and_the_tenant_in_their_scopes()
    {
        var tenant = await _env.CreateTenantAsync();
        var correlationId = NewCorrelationId();
        var id = await SendAsync(tenant, correlationId);
        await tenant.WaitForStatusAsync(id, "read");

        var sent = await EventuallyAsync(() => _logs.Lines.FirstOrDefault(l => l.Contains($"Send of message {id}: accepted", StringComparison.Ordinal)), "the send log line");
        Assert.Contains($"{OneClickTelemetry.CorrelationId}={correlationId}", sent, StringComparison.Ordinal);
        Assert.Contains($"{OneClickTelemetry.TenantId}={tenant.Id}", sent, StringComparison.Ordinal);
        Assert.Contains($"{OneClickTelemetry.MessageId}={id}", sent, StringComparison.Ordinal);

        var read = await EventuallyAsync(() => _logs.Lines.FirstOrDefault(l => l.Contains($"Status read applied to message {id}", StringComparison.Ordinal)), "the read status log line");
        Assert.Contains($"{OneClickTelemetry.CorrelationId}={correlationId}", read, StringComparison.Ordinal);
        Assert.Contains($"{OneClickTelemetry.TenantId}={tenant.Id}", read, StringComparison.Ordinal);
        Assert.Contains(OneClickTelemetry.WebhookCorrelationId + "=", read, StringComparison.Ordinal);
        // Exactly once: a repeated key in nested scopes would be renamed by the Application Insights exporter.
        Assert.Single(read.Split(OneClickTelemetry.CorrelationId + "=").Skip(1));
    }

    [Fact]
    public async Task The_api_answers_with_the_correlation_id_it_was_given_and_stores_it_on_the_message()
    {
        var tenant = await _env.CreateTenantAsync();
        var correlationId = NewCorrelationId();
        var id = await SendAsync(tenant, correlationId);

        var message = await tenant.GetJsonAsync($"api/messages/{id}");

        Assert.Equal(correlationId, message["correlationId"]!.GetValue<string>());
    }

    private static string NewCorrelationId() => "test-corr-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>POST /api/messages with our own X-Correlation-Id (TestTenant sends no custom headers).</summary>
    private async Task<string> SendAsync(TestTenant tenant, string correlationId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_env.AppUrl, "api/messages"))
        {
            Content = JsonContent.Create(new { to = "+14155550199", type = "text", text = new { body = "Where did I go?" } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        request.Headers.Add("X-Correlation-Id", correlationId);
        using var response = await _env.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        Assert.Equal(correlationId, response.Headers.GetValues("X-Correlation-Id").Single());
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    private IEnumerable<Activity> Mine(TestTenant tenant, string messageId) =>
        _activities.Where(a => tenant.Id.Equals(a.GetTagItem(OneClickTelemetry.TenantId)) && messageId.Equals(a.GetTagItem(OneClickTelemetry.MessageId)));

    /// <summary>An activity ends, and its log is written, a moment after the change the API already shows.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<T?> find, string what) where T : class =>
        (await Eventually.Async(() => Task.FromResult(find()), found => found is not null, what, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50)))!;

    public void Dispose()
    {
        _listener.Dispose();
        _logs.Stop();
    }
}

/// <summary>
/// Log lines with the values of every enclosing scope, as Application Insights' exporter sees them. Added to
/// the running app's logger factory, which cannot remove it again: it records only until stopped.
/// </summary>
internal sealed class ScopedLogRecorder : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider? _scopes;
    private volatile bool _recording = true;

    public ConcurrentQueue<string> Lines { get; } = new();

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Stop() => _recording = false;

    public void Dispose() => Stop();

    private sealed class Logger(ScopedLogRecorder owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null; // the factory's scope provider keeps them

        public bool IsEnabled(LogLevel logLevel) => owner._recording;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!owner._recording)
                return;
            var scopes = new List<string>();
            owner._scopes?.ForEachScope((scope, list) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    list.AddRange(pairs.Select(p => $"{p.Key}={p.Value}"));
                else
                    list.Add(scope?.ToString() ?? "");
            }, scopes);
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {{{string.Join("; ", scopes)}}}");
        }
    }
}

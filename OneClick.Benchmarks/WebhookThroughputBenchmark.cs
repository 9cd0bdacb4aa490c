using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using OneClick.Core.Meta;
using OneClick.Core.Storage;
using OneClick.Tests.Conversations;
using OneClick.Tests.Infrastructure;

namespace OneClick.Benchmarks;

/// <summary>
/// The webhook path end to end: signed POSTs → signature check → webhook-events queue → ProcessWebhookEvent → state.
/// Subject: inbound text messages, each doing the full conversations work (contact, conversation row, window,
/// session, analytics, automation match). Baseline, in the same run: the same number of webhooks that take the
/// same HTTP + queue path but carry only a status for a message OneClick does not know (parse and one lookup),
/// i.e. the floor of the pipeline. Reports webhooks per second accepted (HTTP 200) and processed, and the ratio.
/// </summary>
public sealed class WebhookThroughputBenchmark : IBenchmark
{
    public string Name => "webhooks";
    public string Description => "webhook throughput: signed POSTs → queue → processed; inbound messages vs a minimal-work baseline  [--count N] [--concurrency C]";

    public async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var count = Option(args, "--count", 500);
        var concurrency = Option(args, "--concurrency", 16);
        var env = new BenchmarkEnvironment(concurrency);
        await env.InitializeAsync();
        try
        {
            var warmup = await env.CreateTenantAsync("warm-up");
            await RunOnceAsync(env, warmup, 50, concurrency, inbound: true);
            await RunOnceAsync(env, warmup, 50, concurrency, inbound: false);

            Console.WriteLine($"webhooks: {count} signed webhooks per run, {concurrency} concurrent POSTs, {Environment.ProcessorCount} cores");
            // Alternate baseline and subject twice, so drift on a shared machine hits both.
            var results = new List<(string Name, double Accepted, double Processed, double Requests)>();
            for (var round = 0; round < 2; round++)
            {
                var baselineTenant = await env.CreateTenantAsync($"baseline-{round}");
                env.Counter.Reset();
                var (a1, p1) = await RunOnceAsync(env, baselineTenant, count, concurrency, inbound: false);
                results.Add(("baseline (status, unknown message)", a1, p1, RequestsPerWebhook(env, count + 1)));
                var subjectTenant = await env.CreateTenantAsync($"subject-{round}");
                env.Counter.Reset();
                var (a2, p2) = await RunOnceAsync(env, subjectTenant, count, concurrency, inbound: true);
                results.Add(("inbound message (full processing)", a2, p2, RequestsPerWebhook(env, count)));
            }
            Console.WriteLine($"{"run",-38} {"accepted/s",12} {"processed/s",12} {"requests/webhook",17}");
            foreach (var (name, accepted, processed, requests) in results)
                Console.WriteLine($"{name,-38} {accepted,12:F0} {processed,12:F0} {requests,17:F2}");
            var baseline = results.Where(r => r.Name.StartsWith("baseline", StringComparison.Ordinal)).Average(r => r.Processed);
            var subject = results.Where(r => r.Name.StartsWith("inbound", StringComparison.Ordinal)).Average(r => r.Processed);
            Console.WriteLine($"processed ratio inbound/baseline: {subject / baseline:F2}; process peak working set {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:N0} MiB (app + sandbox + driver)");
            return 0;
        }
        finally
        {
            await env.DisposeAsync();
        }
    }

    /// <summary>Storage requests of the app (the accept path's queue put included) per webhook, the driver's polling (queue length, analytics summary queries) left out.</summary>
    private static double RequestsPerWebhook(BenchmarkEnvironment env, int webhooks) =>
        (double)env.Counter.Profile().Where(o => !o.Operation.Contains("properties", StringComparison.Ordinal) && !(o.Operation.Contains("analytics", StringComparison.Ordinal) && o.Operation.EndsWith(" query", StringComparison.Ordinal))).Sum(o => o.Count) / webhooks;

    /// <returns>Webhooks per second accepted (all POSTs answered 200) and processed (all of them applied).</returns>
    private static async Task<(double Accepted, double Processed)> RunOnceAsync(OneClickEnvironment env, TestTenant tenant, int count, int concurrency, bool inbound)
    {
        var start = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var bodies = Enumerable.Range(0, count).Select(i =>
        {
            var change = inbound
                ? SignedWebhooks.Change(tenant, messages: [SignedWebhooks.TextMessage($"1415555{i % 200:D4}", SignedWebhooks.NewWamid(), $"hello {i}", start)])
                : SignedWebhooks.Change(tenant, statuses: [new JsonObject
                {
                    ["id"] = SignedWebhooks.NewWamid(), ["status"] = "read", ["recipient_id"] = "14155550000",
                    ["timestamp"] = start.ToString(CultureInfo.InvariantCulture),
                }]);
            return SignedWebhooks.Envelope(tenant, [change]);
        }).ToList();
        // The baseline's end marker: one inbound message after all its status webhooks.
        if (!inbound)
            bodies.Add(SignedWebhooks.Envelope(tenant, [SignedWebhooks.Change(tenant, messages: [SignedWebhooks.TextMessage("14155559999", SignedWebhooks.NewWamid(), "end", start)])]));

        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(concurrency);
        await Task.WhenAll(bodies.Select(async body =>
        {
            await gate.WaitAsync();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(env.AppUrl, $"api/webhooks/meta/{tenant.Id}"))
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add(WebhookSignature.HeaderName, WebhookSignature.Compute(Encoding.UTF8.GetBytes(body), tenant.AppSecret));
                using var response = await env.Http.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.OK)
                    throw new InvalidOperationException($"Webhook answered {(int)response.StatusCode}");
            }
            finally
            {
                gate.Release();
            }
        }));
        var accepted = clock.Elapsed;

        // Processed: every inbound message counted (subject), or the queue empty and the end marker counted (baseline).
        var expected = inbound ? count : 1;
        var day = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var queue = env.Storage.Queue(QueueNames.WebhookEvents);
        while (true)
        {
            var summary = await tenant.GetJsonAsync($"api/analytics/summary?from={day}&to={day}");
            var received = summary["counts"]?["inbound_received"]?.GetValue<long>() ?? 0;
            if (received >= expected && (inbound || (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0))
                break;
            if (clock.Elapsed > TimeSpan.FromMinutes(10))
                throw new TimeoutException($"Only {received} of {expected} processed.");
            await Task.Delay(50);
        }
        var processed = clock.Elapsed;
        return (bodies.Count / accepted.TotalSeconds, bodies.Count / processed.TotalSeconds);
    }

    private static int Option(IReadOnlyList<string> args, string name, int fallback)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == name && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
                return value;
        }
        return fallback;
    }
}

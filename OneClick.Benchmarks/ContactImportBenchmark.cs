using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Benchmarks;

/// <summary>
/// A 100,000-row CSV through the real API (upload → blob → contact-imports queue → chunks) against Azurite, with the
/// function app in standalone mode in this process. Reports rows/s and this process's peak working set (the app,
/// the Meta sandbox and the benchmark's own client share it, so the app's own peak is at most that). The baseline is
/// the raw rate at which Azurite takes the same rows as batched entity-group transactions, written directly: the
/// ceiling any import can reach on this machine.
/// </summary>
public sealed class ContactImportBenchmark : IBenchmark
{
    public string Name => "import";

    public string Description => "CSV import of 100,000 contacts through the API; rows/s and peak working set (options: --rows N, --reimport)";

    public async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var rows = args.SkipWhile(a => a != "--rows").Skip(1).Select(int.Parse).FirstOrDefault(100_000);
        var reimport = args.Contains("--reimport");
        await using var env = new BenchmarkEnvironment();
        await env.InitializeAsync();
        var tenant = await env.CreateBareTenantAsync();

        using var sampler = new PeakSampler();
        var upload = Stopwatch.StartNew();
        var id = await UploadAsync(env, tenant, rows);
        var uploaded = upload.Elapsed;
        var job = await WaitAsync(tenant, id);
        var elapsed = upload.Elapsed;
        var rate = rows / elapsed.TotalSeconds;
        Console.WriteLine($"import: {rows:N0} rows in {elapsed.TotalSeconds:0.0} s (upload {uploaded.TotalSeconds:0.0} s) = {rate:N0} rows/s; " +
            $"state {job["state"]}, imported {job["imported"]}, rejected {job["rejected"]}, created {job["created"]}");
        if (job["imported"]!.GetValue<long>() != rows)
        {
            Console.WriteLine("FAILED: not every row was imported.");
            return 1;
        }

        var peakMiB = Math.Max(sampler.Peak, Process.GetCurrentProcess().PeakWorkingSet64) / (1024.0 * 1024);
        Console.WriteLine($"peak working set of this process (app + sandbox + client): {peakMiB:N0} MiB");

        if (reimport)
        {
            var again = Stopwatch.StartNew();
            var second = await WaitAsync(tenant, await UploadAsync(env, tenant, rows));
            Console.WriteLine($"re-import of the same file: {again.Elapsed.TotalSeconds:0.0} s = {rows / again.Elapsed.TotalSeconds:N0} rows/s; unchanged {second["unchanged"]}, updated {second["updated"]}, created {second["created"]}");
        }

        var baseline = await RawTransactionsAsync(env, rows);
        Console.WriteLine($"baseline: Azurite takes the same {rows * 3:N0} rows (contact, number index, tag; {rows:N0} contacts) as raw batched transactions at {baseline:N0} contacts/s");
        Console.WriteLine($"ratio import / raw: {rate / baseline:0.00}");
        var met = rate >= 5000 && peakMiB < 300;
        Console.WriteLine(met ? "targets met (>= 5,000 rows/s, < 300 MB)" : "targets NOT met (>= 5,000 rows/s, < 300 MB): see docs/benchmarks.md for what bounds it");
        return met ? 0 : 1;
    }

    /// <summary>Streams a generated CSV: the file is never held whole in memory on either side.</summary>
    private static async Task<string> UploadAsync(OneClickEnvironment env, TestTenant tenant, int rows)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(env.AppUrl, "api/contacts/imports?fileName=benchmark.csv"))
        {
            Content = new GeneratedCsv(rows),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        using var response = await env.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Accepted)
            throw new InvalidOperationException($"Upload refused: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    private static async Task<JsonObject> WaitAsync(TestTenant tenant, string id)
    {
        while (true)
        {
            var job = await tenant.GetJsonAsync($"api/contacts/imports/{id}");
            if (job["state"]!.GetValue<string>() is "completed" or "failed")
                return job;
            await Task.Delay(250);
        }
    }

    /// <summary>Contacts per second when the same rows go straight to Azurite in transactions of 33 contacts, 8 at a time.</summary>
    private static async Task<double> RawTransactionsAsync(OneClickEnvironment env, int rows)
    {
        var table = env.Storage.Table(TableNames.Contacts);
        var partition = "baseline-" + Guid.NewGuid().ToString("N")[..8];
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, (rows + 32) / 33), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (batch, ct) =>
        {
            var actions = new List<TableTransactionAction>();
            for (var i = batch * 33; i < Math.Min(rows, (batch + 1) * 33); i++)
            {
                var id = $"c{i:D24}";
                actions.Add(new(TableTransactionActionType.Add, new TableEntity(partition, $"phone|+1415{2_000_000 + i:D7}") { ["ContactId"] = id }));
                actions.Add(new(TableTransactionActionType.Add, new TableEntity(partition, $"contact|{id}")
                {
                    ["PhoneNumber"] = $"+1415{2_000_000 + i:D7}", ["Name"] = $"Person {i}", ["AttributesJson"] = "{\"city\":\"Berlin\",\"plan\":\"p1\"}",
                    ["TagsJson"] = "[\"basic\"]", ["OptInState"] = "unknown", ["CreatedAt"] = DateTimeOffset.UtcNow, ["UpdatedAt"] = DateTimeOffset.UtcNow,
                }));
                actions.Add(new(TableTransactionActionType.UpsertReplace, new TableEntity(partition, $"tag|basic|{id}") { ["ContactId"] = id }));
            }
            await table.SubmitTransactionAsync(actions, ct);
        });
        return rows / watch.Elapsed.TotalSeconds;
    }

    /// <summary>number, name, tags (one or two), city, plan: about 60 bytes a row.</summary>
    private sealed class GeneratedCsv : HttpContent
    {
        private readonly int _rows;

        public GeneratedCsv(int rows)
        {
            _rows = rows;
            Headers.ContentType = new MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var builder = new StringBuilder("phone,name,tags,city,plan\n");
            for (var i = 0; i < _rows; i++)
            {
                builder.Append(CultureInfo.InvariantCulture, $"+1415{2_000_000 + i:D7},Person {i},{(i % 3 == 0 ? "vip;gold" : "basic")},{(i % 2 == 0 ? "Berlin" : "Lyon")},p{i % 5}\n");
                if (builder.Length > 60_000)
                {
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(builder.ToString()));
                    builder.Clear();
                }
            }
            await stream.WriteAsync(Encoding.UTF8.GetBytes(builder.ToString()));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>Samples the working set every 100 ms (PeakWorkingSet64 is the process's own high-water mark too).</summary>
    private sealed class PeakSampler : IDisposable
    {
        private readonly Timer _timer;
        private long _peak;

        public PeakSampler() => _timer = new Timer(_ =>
        {
            using var process = Process.GetCurrentProcess();
            Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), process.WorkingSet64));
        }, null, 0, 100);

        public long Peak => Interlocked.Read(ref _peak);

        public void Dispose() => _timer.Dispose();
    }

    /// <summary>The test environment, with the app's log kept at Information so 100,000 rows do not fill memory with trace lines.</summary>
    private sealed class BenchmarkEnvironment : OneClickEnvironment, IAsyncDisposable
    {
        protected override LogLevel HostLogLevel => LogLevel.Information;

        protected override void Configure(Microsoft.Azure.Functions.Worker.Builder.FunctionsApplicationBuilder builder) =>
            builder.Logging.SetMinimumLevel(LogLevel.Information);

        async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
    }
}

using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Tests.Campaigns;
using OneClick.Tests.Infrastructure;

namespace OneClick.Benchmarks;

/// <summary>
/// Issue 17's table, measured the same way: a tenant on a high-throughput sandbox number, 5,000 contacts, a
/// hello_world campaign, the worker process killed with SIGKILL twice, 2.5 s apart, while the campaign is sending
/// (the local Functions host restarts it each time). Then waits until the numbers stop moving and prints the table.
/// `--functions DIR` runs another build of OneClick.Functions (e.g. the commit before the fix, for the "before"
/// figures); `--old-sandbox-retries` makes the sandbox give up a webhook after 3 tries within about 600 ms, as it did.
/// </summary>
public sealed class CrashBenchmark : IBenchmark
{
    public string Name => "crash";
    public string Description => "issue 17's table: 5,000 recipients, the worker SIGKILLed twice 2.5 s apart (--recipients 5000 --functions DIR --old-sandbox-retries)";

    public async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var recipients = int.Parse(Option(args, "--recipients") ?? "5000", System.Globalization.CultureInfo.InvariantCulture);
        var functions = Option(args, "--functions");
        var oldRetries = args.Contains("--old-sandbox-retries");
        var env = new BenchmarkCrashEnvironment(functions, oldRetries);
        await env.InitializeAsync();
        try
        {
            var tenant = await env.CreateTenantAsync("Crash benchmark");
            await tenant.SetMessagesPerSecondAsync(1000); // Meta's high throughput tier
            var list = await env.SeedListAsync(tenant, recipients);
            Console.WriteLine($"crash benchmark: {recipients:N0} recipients, worker {functions ?? OneClickEnvironment.FunctionsBuildOutput}, sandbox retries {(oldRetries ? "3 tries in ~600 ms (old)" : "Meta-like, long horizon")}");
            var clock = Stopwatch.StartNew();
            var id = (await tenant.CampaignAsync(new { lists = new[] { list } }))["id"]!.GetValue<string>();
            if (!await CrashEnvironment.WaitUntilSendingAsync(tenant, id))
                throw new InvalidOperationException("The campaign finished before the first kill.");
            await Task.Delay(300);
            await env.KillWorkerAsync();
            Console.WriteLine($"  SIGKILL 1 at {clock.Elapsed.TotalSeconds:0.0} s");
            await Task.Delay(2500);
            await env.KillWorkerAsync();
            Console.WriteLine($"  SIGKILL 2 at {clock.Elapsed.TotalSeconds:0.0} s");

            // Until nothing has moved for 30 s (every lease run out, every webhook retry made or given up), at most 10 minutes.
            var (last, stableSince) = ("", Stopwatch.StartNew());
            JsonObject stats;
            do
            {
                await Task.Delay(1000);
                stats = (await tenant.GetJsonAsync($"api/campaigns/{id}/stats"))!;
                var now = stats.ToJsonString();
                if (now != last)
                    (last, stableSince) = (now, Stopwatch.StartNew());
            }
            while (stableSince.Elapsed < TimeSpan.FromSeconds(30) && clock.Elapsed < TimeSpan.FromMinutes(10));

            var accepted = await env.AcceptedByRecipientAsync(tenant);
            var unknown = await AllAsync(tenant, id, "unknown");
            var unknownNeverReceived = unknown.Count(r => !accepted.ContainsKey(r["to"]!.GetValue<string>()));
            Console.WriteLine($"  final after {clock.Elapsed.TotalSeconds:0} s: {last}");
            Console.WriteLine();
            Console.WriteLine("| | recipients |");
            Console.WriteLine("|---|---|");
            Console.WriteLine($"| accepted by the sandbox, each number once | {accepted.Count:N0} (numbers accepted twice: {accepted.Count(a => a.Value.Count > 1)}) |");
            Console.WriteLine($"| `read` | {stats.L("read"):N0} |");
            Console.WriteLine($"| stuck at `accepted` / `sent` / `delivered` | {stats.L("accepted"):N0} / {stats.L("sent"):N0} / {stats.L("delivered"):N0} |");
            Console.WriteLine($"| `unknown` (of which the sandbox never received) | {stats.L("unknown"):N0} ({unknownNeverReceived:N0}); bound {2 * CrashEnvironment.MaxConcurrentSends} (2 kills × MaxConcurrentSends) |");
            Console.WriteLine($"| still queued / failed | {stats.L("queued"):N0} / {stats.L("failed.total"):N0} |");
            return accepted.All(a => a.Value.Count == 1) ? 0 : 1;
        }
        finally
        {
            await env.DisposeAsync();
        }
    }

    private static async Task<List<JsonObject>> AllAsync(TestTenant tenant, string id, string status)
    {
        var all = new List<JsonObject>();
        string? token = null;
        do
        {
            var page = await tenant.GetJsonAsync($"api/campaigns/{id}/recipients?status={status}&pageSize=200" + (token is null ? "" : $"&continuationToken={Uri.EscapeDataString(token)}"));
            all.AddRange(page["items"]!.AsArray().Select(i => i!.AsObject()));
            token = page["continuationToken"]?.GetValue<string>();
        }
        while (token is not null);
        return all;
    }

    private static string? Option(IReadOnlyList<string> args, string name)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == name)
                return args[i + 1];
        }
        return null;
    }
}

/// <summary>The crash test's environment with another worker build and, optionally, the sandbox's old webhook retries.</summary>
internal sealed class BenchmarkCrashEnvironment(string? functions, bool oldSandboxRetries) : CrashEnvironment
{
    protected override string FunctionsScriptRoot => functions ?? base.FunctionsScriptRoot;

    protected override IEnumerable<string> SandboxArgs => oldSandboxRetries
        ? ["--Sandbox:Webhooks:MaxAttempts=3", "--Sandbox:Webhooks:InitialBackoffMs=200"]
        : [];

    protected override string SendLease => "00:00:10";
}

using System.Diagnostics;
using System.Text.RegularExpressions;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Cli;

/// <summary>
/// `oneclick campaigns watch` as an operator sees it: run in a real terminal (a private tmux server), its screen
/// captured while the campaign runs, so the live view is checked as rendered, not as data.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed partial class CliWatchTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Watch_shows_the_funnel_moving_live_and_exits_0_when_the_campaign_completes()
    {
        var tenant = await env.CreateTenantAsync("CLI watch");
        // Slow status webhooks, so the funnel visibly moves between refreshes.
        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = 1500, delivered = 3000, read = 4500 } });
        using var cli = new OneClickCli();
        var auth = new[] { "--url", env.AppUrl.ToString(), "--key", tenant.ApiKey };

        var csv = Path.Combine(cli.Home, "watch.csv");
        await File.WriteAllTextAsync(csv, "phone,name,tags\n+14155550801,A,watch\n+14155550802,B,watch\n+14155550803,C,watch\n");
        await CliTests.Ok(cli, ["contacts", "import", csv, "--json", .. auth]);
        await CliTests.SyncTemplatesAsync(tenant);
        var campaignId = (await CliTests.Ok(cli, ["campaigns", "create", "--name", "Watched", "--tag", "watch", "--template", "hello_world", "--json", .. auth]))["id"]!.GetValue<string>();

        var socket = "oneclick-test-" + Guid.NewGuid().ToString("N")[..8];
        var command = $"ONECLICK_CONFIG='{cli.ConfigFile}' dotnet '{OneClickCli.Dll}' campaigns watch {campaignId} --interval 300 {string.Join(' ', auth.Select(a => $"'{a}'"))}; echo EXIT=$?; sleep 120";
        await TmuxAsync(socket, "new-session", "-d", "-x", "120", "-y", "40", command);
        try
        {
            var screens = new List<string>();
            Task<string> WaitForScreenAsync(Func<string, bool> done, string what, TimeSpan timeout) =>
                Eventually.Async(
                    async () =>
                    {
                        var screen = await TmuxAsync(socket, "capture-pane", "-p");
                        screens.Add(screen);
                        return screen;
                    },
                    done, $"the watch to show {what}", timeout, TimeSpan.FromMilliseconds(150));

            await WaitForScreenAsync(s => s.Contains("status: draft", StringComparison.Ordinal), "the draft", TimeSpan.FromSeconds(30));
            await CliTests.Ok(cli, ["campaigns", "launch", campaignId, "--json", .. auth]);
            var last = await WaitForScreenAsync(s => s.Contains("EXIT=", StringComparison.Ordinal), "the command ending", TimeSpan.FromSeconds(60));

            Assert.Contains("EXIT=0", last, StringComparison.Ordinal);
            Assert.Contains("status: completed", last, StringComparison.Ordinal);
            Assert.Equal(3, Count(last, "targeted"));
            Assert.Contains(screens, s => s.Contains("status: running", StringComparison.Ordinal));
            // The same rows showed different numbers over time: the view was live, not printed once at the end.
            // (The campaign completes once Meta has accepted every message; status webhooks may still be on their way.)
            var accepted = screens.Select(s => Count(s, "accepted")).OfType<int>().Distinct().ToList();
            var funnels = screens.Select(s => string.Join(",", new[] { "targeted", "queued", "accepted", "sent", "delivered", "read" }.Select(r => Count(s, r)))).Distinct().ToList();
            Assert.True(funnels.Count >= 3, "Funnels seen: " + string.Join(" | ", funnels));
            Assert.True(accepted.Count >= 2 && accepted.Contains(0) && accepted.Contains(3), "Accepted counts seen: " + string.Join(", ", accepted));
        }
        finally
        {
            await TmuxAsync(socket, "kill-server");
        }
    }

    /// <summary>A funnel row's count as rendered: "│ sent      │     3 │ ███ │".</summary>
    private static int? Count(string screen, string row)
    {
        var match = Regex.Match(screen, $@"│\s*{row}\s*│\s*([\d,]+)\s*│");
        return match.Success ? int.Parse(match.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Runs tmux on the test's own server (-L), so nothing else's sessions are touched.</summary>
    private static async Task<string> TmuxAsync(string socket, params string[] args)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(socket);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await process.WaitForExitAsync(timeout.Token);
        return (await output) + (await errors);
    }
}

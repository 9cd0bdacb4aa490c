using System.Text.Json;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Sandbox;

/// <summary>
/// The sandbox retries failed webhooks as Meta does: exponential back-off over a long horizon (compressed here),
/// so an app that was down gets every status once it is back, possibly more than once and in any order.
/// </summary>
public sealed class SandboxWebhookRetryTests : IAsyncLifetime
{
    private const string PhoneId = "1098765433";
    private SandboxHarness _sandbox = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHarness.StartAsync("--Sandbox:Webhooks:MaxBackoffMs=300", "--Sandbox:Webhooks:RetryForMs=30000");
        await _sandbox.RegisterAsync(PhoneId);
    }

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task An_app_that_was_down_receives_every_status_afterwards()
    {
        var down = true;
        _sandbox.Receiver.StatusFor = _ => Volatile.Read(ref down) ? 503 : 200;
        var sends = new List<string>();
        for (var i = 0; i < 5; i++)
            sends.Add((await _sandbox.SendAsync(PhoneId, SandboxHarness.Text($"+1555000{2000 + i}", "hi"))).MessageId);

        // Down for longer than the old three tries (about 600 ms) lasted, with many retries meanwhile.
        await Task.Delay(2500); // the scenario: the app stays down this long
        var stats = (await _sandbox.GetAsync("/_sandbox/webhook-deliveries")).Body;
        Assert.Equal(0, stats.GetProperty("failed").GetInt32());
        Assert.True(stats.GetProperty("retries").GetInt32() >= 5, stats.ToString());
        Volatile.Write(ref down, false);

        var received = await _sandbox.Receiver.WaitForAsync(all => sends.All(id => all.Count(w => w.StatusMessageId == id && w.Status is not null) >= 3), timeoutMs: 15_000);
        foreach (var id in sends)
            Assert.Equal(new[] { "delivered", "read", "sent" }, received.Where(w => w.StatusMessageId == id).Select(w => w.StatusName!).Distinct().Order());
    }

    [Fact]
    public async Task A_webhook_is_given_up_once_the_horizon_has_passed()
    {
        await using var sandbox = await SandboxHarness.StartAsync("--Sandbox:Webhooks:MaxBackoffMs=100", "--Sandbox:Webhooks:RetryForMs=2000");
        await sandbox.RegisterAsync(PhoneId);
        await sandbox.SetBehaviourAsync(PhoneId, new { webhookDelaysMs = new { sent = 0, delivered = (int?)null, read = (int?)null } });
        sandbox.Receiver.StatusFor = _ => 500;

        await sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550003000", "hi"));

        var stats = await Eventually.Async(
            async () => (await sandbox.GetAsync("/_sandbox/webhook-deliveries")).Body,
            s => s.GetProperty("failed").GetInt32() > 0, "the webhook to be given up", TimeSpan.FromSeconds(10));
        Assert.Equal(1, stats.GetProperty("failed").GetInt32());
        // Tries every ≤ 100 ms for 2 s: many more than the three it used to make, even on a busy machine.
        Assert.True(stats.GetProperty("retries").GetInt32() >= 6, stats.ToString());
    }
}

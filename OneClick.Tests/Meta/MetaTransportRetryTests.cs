using System.Net;
using OneClick.Tests.BadInput;
using OneClick.Tests.Campaigns;
using OneClick.Tests.Groups;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Meta;

/// <summary>
/// The one Graph transport (OneClick.Core/Meta/MetaHttp.cs) retries idempotent reads through transient faults and
/// never retries a send: the sandbox injects the faults and counts what it was sent.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class MetaTransportRetryTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_read_is_retried_through_transient_faults_and_answers_as_if_nothing_happened()
    {
        var tenant = await env.CreateTenantAsync();
        var group = await env.JoinAllAsync(tenant, await tenant.CreateActiveGroupAsync(), "+14155550871");

        // The next two reads of the group at Meta answer 503 (code 2, temporary); the third succeeds.
        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 }, transientReadFaults = 2 });
        var refreshed = await tenant.Get($"api/groups/{group.Id()}?refresh=true");
        refreshed.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(["14155550871"], refreshed.Json.Members());
    }

    [Fact]
    public async Task A_send_that_meta_answers_with_a_transient_error_is_not_retried_by_the_transport()
    {
        var tenant = await env.CreateTenantAsync();
        // Every send answers HTTP 503 with code 2: the transport must not repeat the POST (its outcome may be unknown
        // at a real Meta); only the send queue's own policy may try again later, as a new attempt.
        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 }, failureRate = 1.0, failureCode = 2 });
        var id = await tenant.SendMessageAsync(new { to = "+14155550881", type = "text", text = new { body = "Hello" } });

        // The send queue records each transient answer in the history and tries again later, as a new attempt.
        var failedOnce = await Eventually.Async(
            () => tenant.GetJsonAsync($"api/messages/{id}"),
            m => m["history"]!.AsArray().Any(h => h!["detail"]?.GetValue<string>()?.StartsWith("Meta 2 ", StringComparison.Ordinal) == true),
            "the first attempt's transient error recorded");
        var requests = (await env.SandboxRequestsAsync(tenant)).Count;
        var attemptsAfter = (await tenant.GetJsonAsync($"api/messages/{id}"))["attempts"]!.GetValue<int>();
        // At most one HTTP call per queue attempt; a transport retry would have made four for the first attempt alone.
        Assert.InRange(requests, 1, attemptsAfter);
        Assert.InRange(failedOnce["attempts"]!.GetValue<int>(), 1, attemptsAfter);
    }
}

using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Conversations;

/// <summary>A send Meta refuses at once leaves no webhook, yet it counts in analytics like a failed status does.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class FailedSendEventTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_synchronous_refusal_is_one_failed_event_with_metas_code()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetBehaviourAsync(tenant, new { recipientErrors = new Dictionary<string, int> { ["+14155550961"] = 131026 } });

        var id = await tenant.SendMessageAsync(new { to = "+14155550961", type = "text", text = new { body = "Hello" } });
        await tenant.WaitForStatusAsync(id, "failed");

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        JsonObject? summary = null;
        await Eventually.Async(async () =>
        {
            summary = (await tenant.Get($"api/analytics/summary?from={today}&to={today}")).Json;
            return summary["failuresByCode"]?["131026"] is not null;
        }, () => $"no failure by code 131026 in {summary}");
        Assert.Equal(1, summary!["failuresByCode"]!["131026"]!.GetValue<long>());
    }
}

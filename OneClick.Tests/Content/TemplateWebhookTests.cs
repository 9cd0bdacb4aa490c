using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Core.Storage;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Content;

/// <summary>Status, quality and category webhooks keep the stored template current, whatever the order and however often they come.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class TemplateWebhookTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Quality_and_category_events_from_meta_update_the_template()
    {
        var tenant = await env.CreateTenantAsync();
        ContentKit.SaveAtMeta(env, tenant, ContentKit.SpringSale);
        await ContentKit.SyncAsync(tenant);

        await TriggerAsync(tenant, new { name = "spring_sale", language = "en_US", field = "quality", newQuality = "YELLOW" });
        await TriggerAsync(tenant, new { name = "spring_sale", language = "en_US", field = "category", newCategory = "UTILITY" });
        await TriggerAsync(tenant, new { name = "spring_sale", language = "en_US", field = "status", @event = "PAUSED", reason = "NONE" });

        var template = await ContentKit.WaitForTemplateAsync(tenant, "spring_sale", "en_US",
            t => t["qualityScore"]!.GetValue<string>() == "YELLOW" && t["category"]!.GetValue<string>() == "UTILITY" && t["status"]!.GetValue<string>() == "PAUSED",
            "YELLOW, UTILITY and PAUSED");
        Assert.Equal("MARKETING", template["previousCategory"]!.GetValue<string>());
    }

    [Fact]
    public async Task Quality_updates_out_of_order_and_duplicated_end_at_the_latest()
    {
        var tenant = await env.CreateTenantAsync();
        var atMeta = ContentKit.SaveAtMeta(env, tenant, ContentKit.SpringSale);
        await ContentKit.SyncAsync(tenant);
        JsonObject Quality(string previous, string next) => Value(atMeta.Id, previous, next, "previous_quality_score", "new_quality_score");

        // GREEN → YELLOW → RED happened; Meta delivers the second step first, then the first twice, then the second again.
        await ContentKit.PostSignedWebhookAsync(env, tenant, "message_template_quality_update", Quality("YELLOW", "RED"));
        await ContentKit.WaitForTemplateAsync(tenant, "spring_sale", "en_US", t => t["qualityScore"]!.GetValue<string>() == "RED", "RED");
        await ContentKit.PostSignedWebhookAsync(env, tenant, "message_template_quality_update", Quality("GREEN", "YELLOW"));
        await ContentKit.PostSignedWebhookAsync(env, tenant, "message_template_quality_update", Quality("GREEN", "YELLOW"));
        await ContentKit.PostSignedWebhookAsync(env, tenant, "message_template_quality_update", Quality("YELLOW", "RED"));
        await Queues.DrainAsync(env, QueueNames.WebhookEvents);

        var template = await tenant.GetJsonAsync("api/templates/spring_sale/en_US");
        Assert.Equal("RED", template["qualityScore"]!.GetValue<string>());
    }

    [Fact]
    public async Task Category_changes_out_of_order_and_duplicated_end_at_the_latest_and_an_impending_change_is_kept_apart()
    {
        var tenant = await env.CreateTenantAsync();
        var atMeta = ContentKit.SaveAtMeta(env, tenant, ContentKit.SpringSale);
        await ContentKit.SyncAsync(tenant);
        JsonObject Category(string previous, string next) => Value(atMeta.Id, previous, next, "previous_category", "new_category");

        var impending = Value(atMeta.Id, null, "MARKETING", null, "new_category");
        impending["correct_category"] = "UTILITY";
        impending["category_update_timestamp"] = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds();
        await ContentKit.PostSignedWebhookAsync(env, tenant, "template_category_update", impending);
        var announced = await ContentKit.WaitForTemplateAsync(tenant, "spring_sale", "en_US", t => t["upcomingCategory"]?.GetValue<string>() == "UTILITY", "announced");
        Assert.Equal("MARKETING", announced["category"]!.GetValue<string>());

        // MARKETING → UTILITY → AUTHENTICATION, delivered newest first and repeated.
        await ContentKit.PostSignedWebhookAsync(env, tenant, "template_category_update", Category("UTILITY", "AUTHENTICATION"));
        await ContentKit.WaitForTemplateAsync(tenant, "spring_sale", "en_US", t => t["category"]!.GetValue<string>() == "AUTHENTICATION", "AUTHENTICATION");
        await ContentKit.PostSignedWebhookAsync(env, tenant, "template_category_update", Category("MARKETING", "UTILITY"));
        await ContentKit.PostSignedWebhookAsync(env, tenant, "template_category_update", Category("UTILITY", "AUTHENTICATION"));
        await Queues.DrainAsync(env, QueueNames.WebhookEvents);

        Assert.Equal("AUTHENTICATION", (await tenant.GetJsonAsync("api/templates/spring_sale/en_US"))["category"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_late_pending_or_a_repeated_status_never_undoes_the_review()
    {
        var tenant = await env.CreateTenantAsync();
        var atMeta = ContentKit.SaveAtMeta(env, tenant, ContentKit.OrderUpdate, status: "PENDING");
        await ContentKit.SyncAsync(tenant);
        JsonObject Status(string @event) => new()
        {
            ["event"] = @event,
            ["message_template_id"] = long.Parse(atMeta.Id, CultureInfo.InvariantCulture),
            ["message_template_name"] = "order_update",
            ["message_template_language"] = "en-US",
            ["reason"] = "NONE",
            ["message_template_category"] = "UTILITY",
        };

        await ContentKit.PostSignedWebhookAsync(env, tenant, "message_template_status_update", Status("APPROVED"));
        await ContentKit.WaitForTemplateAsync(tenant, "order_update", "en_US", t => t["status"]!.GetValue<string>() == "APPROVED", "APPROVED");
        await ContentKit.PostSignedWebhookAsync(env, tenant, "message_template_status_update", Status("PENDING"));
        await ContentKit.PostSignedWebhookAsync(env, tenant, "message_template_status_update", Status("APPROVED"));
        await Queues.DrainAsync(env, QueueNames.WebhookEvents);

        Assert.Equal("APPROVED", (await tenant.GetJsonAsync("api/templates/order_update/en_US"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_webhook_for_a_template_of_another_tenant_changes_nothing_here()
    {
        var owner = await env.CreateTenantAsync();
        var other = await env.CreateTenantAsync();
        var atMeta = ContentKit.SaveAtMeta(env, owner, ContentKit.SpringSale);
        await ContentKit.SyncAsync(owner);

        // Signed for the other tenant: it has no such template, so nothing of the owner's moves.
        await ContentKit.PostSignedWebhookAsync(env, other, "message_template_quality_update", Value(atMeta.Id, "GREEN", "RED", "previous_quality_score", "new_quality_score"));
        await Queues.DrainAsync(env, QueueNames.WebhookEvents);

        Assert.Equal("UNKNOWN", (await owner.GetJsonAsync("api/templates/spring_sale/en_US"))["qualityScore"]!.GetValue<string>());
    }

    private static JsonObject Value(string templateId, string? previous, string next, string? previousMember, string nextMember)
    {
        var value = new JsonObject
        {
            ["message_template_id"] = long.Parse(templateId, CultureInfo.InvariantCulture),
            ["message_template_name"] = "spring_sale",
            ["message_template_language"] = "en_US",
            [nextMember] = next,
        };
        if (previousMember is not null)
            value[previousMember] = previous;
        return value;
    }

    private async Task TriggerAsync(TestTenant tenant, object request)
    {
        using var response = await env.Http.PostAsJsonAsync(new Uri(env.SandboxUrl, $"_sandbox/wabas/{tenant.WabaId}/template-events"), request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}

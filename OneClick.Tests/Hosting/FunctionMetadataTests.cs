using System.Reflection;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Cronos;
using Microsoft.AspNetCore.Authorization;
using OneClick.Core.Storage;
using OneClick.Functions;
using OneClick.Functions.Auth;
using OneClick.Functions.Hosting;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Hosting;

/// <summary>
/// The functions.metadata the SDK generates from the [Function] attributes is the one description of the app the
/// host reads: its routes, methods, queues, connections and schedule are what OneClick means them to be.
/// </summary>
public sealed class FunctionMetadataTests
{
    private static readonly JsonArray Metadata = (JsonArray)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.FunctionsBuildOutput, "functions.metadata")))!;

    private static JsonObject Trigger(JsonNode function) =>
        function["bindings"]!.AsArray().Select(b => b!.AsObject()).Single(b => b["type"]!.ToString().EndsWith("Trigger", StringComparison.Ordinal));

    private static IEnumerable<JsonNode> Of(string triggerType) => Metadata.Where(f => Trigger(f!)["type"]!.ToString() == triggerType)!;

    [Fact]
    public void Host_json_sets_the_route_prefix_and_the_queue_semantics_the_app_relies_on()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")))!;
        Assert.Equal("api", host["extensions"]!["http"]!["routePrefix"]!.ToString());
        var settings = HostSettings.Load(RepoPaths.Root);
        Assert.Equal(QueueMessageEncoding.Base64, settings.MessageEncoding);
        Assert.Equal(5, settings.MaxDequeueCount);
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")), File.ReadAllText(Path.Combine(RepoPaths.FunctionsBuildOutput, "host.json")));
    }

    [Fact]
    public void Each_queue_function_reads_its_queue_through_the_storage_connection()
    {
        var expected = new Dictionary<string, string>
        {
            ["SendOutboundMessage"] = QueueNames.OutboundMessages,
            ["ProcessWebhookEvent"] = QueueNames.WebhookEvents,
            ["RunAutomationAction"] = QueueNames.AutomationActions,
            ["ProcessContactImport"] = QueueNames.ContactImports,
            ["DispatchCampaign"] = QueueNames.CampaignDispatch,
            ["SendCampaignBatch"] = QueueNames.CampaignSends,
        };
        var actual = Of("queueTrigger").ToDictionary(f => f["name"]!.ToString(), f => Trigger(f)["queueName"]!.ToString());
        Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(a => a.Key));
        Assert.All(Of("queueTrigger"), f => Assert.Equal(QueueTriggers.Connection, Trigger(f)["connection"]!.ToString()));
    }

    [Fact]
    public void Two_timers_enqueue_due_schedules_every_minute_and_purge_expired_data_once_a_day()
    {
        var timers = Of("timerTrigger").ToDictionary(f => f["name"]!.ToString(), f => CronExpression.Parse(Trigger(f)["schedule"]!.ToString(), CronFormat.IncludeSeconds));
        Assert.Equal(["EnqueueDueSchedules", "PurgeExpiredData"], timers.Keys.Order(StringComparer.Ordinal));
        var start = new DateTime(2026, 1, 1, 0, 0, 30, DateTimeKind.Utc);
        var occurrences = timers["EnqueueDueSchedules"].GetOccurrences(start, start.AddMinutes(5)).ToList();
        Assert.Equal(5, occurrences.Count);
        Assert.All(occurrences.Zip(occurrences.Skip(1)), pair => Assert.Equal(TimeSpan.FromMinutes(1), pair.Second - pair.First));
        var purges = timers["PurgeExpiredData"].GetOccurrences(start, start.AddDays(3)).ToList();
        Assert.Equal(3, purges.Count);
        Assert.All(purges.Zip(purges.Skip(1)), pair => Assert.Equal(TimeSpan.FromDays(1), pair.Second - pair.First));
    }

    [Fact]
    public void Every_http_function_has_one_method_and_a_real_route_with_no_catch_all()
    {
        var http = Of("httpTrigger").ToList();
        Assert.True(http.Count > 60, $"only {http.Count} HTTP functions");
        foreach (var function in http)
        {
            var trigger = Trigger(function);
            var methods = trigger["methods"]!.AsArray();
            Assert.True(methods.Count == 1, $"{function["name"]} takes {methods.ToJsonString()}");
            var route = trigger["route"]!.ToString();
            Assert.DoesNotContain("{*", route, StringComparison.Ordinal);
            Assert.DoesNotContain("{**", route, StringComparison.Ordinal);
            Assert.Equal("Anonymous", trigger["authLevel"]!.ToString()); // OneClick checks its own API keys (Http/HttpFunctionMiddleware)
        }
        var operations = http.Select(f => $"{Trigger(f)["methods"]![0]} {Trigger(f)["route"]}".ToUpperInvariant()).ToList();
        Assert.Equal(operations.Count, operations.Distinct().Count());
    }

    [Fact]
    public void Every_http_function_declares_who_may_call_it()
    {
        // HttpFunctionMiddleware refuses a function with neither attribute; this finds one before a caller does.
        var assembly = typeof(OneClickApp).Assembly;
        foreach (var function in Of("httpTrigger"))
        {
            var entryPoint = function["entryPoint"]!.ToString();
            var split = entryPoint.LastIndexOf('.');
            var type = assembly.GetType(entryPoint[..split], throwOnError: true)!;
            var method = type.GetMethod(entryPoint[(split + 1)..])!;
            var anonymous = method.GetCustomAttribute<AllowAnonymousAttribute>() ?? type.GetCustomAttribute<AllowAnonymousAttribute>();
            var authorize = method.GetCustomAttribute<AuthorizeAttribute>() ?? type.GetCustomAttribute<AuthorizeAttribute>();
            Assert.True(anonymous is not null || authorize?.Policy is not null, $"{function["name"]} declares neither [AllowAnonymous] nor [Authorize(Policy = ...)]");
            if (anonymous is not null)
                Assert.Contains(function["name"]!.ToString(), (string[])["Health", "VerifyMetaWebhook", "ReceiveMetaWebhook", "VerifyPlatformMetaWebhook", "ReceivePlatformMetaWebhook", "GetOpenApiDocument", "GetApiReferencePage", "GetApiReferenceScript"]);
            else
                Assert.Contains(authorize!.Policy, (string[])[Policies.Tenant, Policies.Admin, Policies.TenantOrAdmin]);
        }
    }

    [Fact]
    public void Known_operations_have_their_routes()
    {
        var routes = Of("httpTrigger").ToDictionary(f => f["name"]!.ToString(), f => $"{Trigger(f)["methods"]![0]} {Trigger(f)["route"]}");
        Assert.Equal("get health", routes["Health"]);
        Assert.Equal("post webhooks/meta/{tenantId}", routes["ReceiveMetaWebhook"]);
        Assert.Equal("get webhooks/meta/{tenantId}", routes["VerifyMetaWebhook"]);
        Assert.Equal("get lists/{listId}", routes["GetList"]);
    }
}

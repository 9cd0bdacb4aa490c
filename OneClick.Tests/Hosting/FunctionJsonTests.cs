using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Cronos;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using OneClick.Core.Storage;
using OneClick.Functions;
using OneClick.Functions.Hosting;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Hosting;

/// <summary>Every function.json must agree with the handler: names, routes, methods, queues, bindings, schedule.</summary>
public sealed class FunctionJsonTests
{
    private static readonly IReadOnlyList<FunctionDefinition> Functions = FunctionManifest.Load(AppContext.BaseDirectory);
    private static readonly HostSettings Host = HostSettings.Load(AppContext.BaseDirectory);

    [Fact]
    public void The_build_output_holds_host_json_and_every_function_folder_from_the_source()
    {
        var sourceFolders = Directory.GetDirectories(Path.Combine(RepoPaths.Root, "OneClick.Functions", "functions")).Select(Path.GetFileName).Order();
        Assert.Equal(sourceFolders, Functions.Select(f => f.Name));
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")), File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "host.json")));
    }

    [Fact]
    public void Host_json_makes_this_app_a_custom_handler_with_forwarded_http_and_the_extension_bundle()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")))!;
        Assert.Equal("OneClick.Functions", host["customHandler"]!["description"]!["defaultExecutablePath"]!.GetValue<string>());
        Assert.True(host["customHandler"]!["enableForwardingHttpRequest"]!.GetValue<bool>());
        Assert.Equal("Microsoft.Azure.Functions.ExtensionBundle", host["extensionBundle"]!["id"]!.GetValue<string>());
        Assert.Equal("api", Host.RoutePrefix);
        Assert.Equal(QueueMessageEncoding.Base64, Host.MessageEncoding);
        Assert.Equal(5, Host.MaxDequeueCount);
    }

    [Fact]
    public void Each_non_http_function_has_the_name_binding_and_trigger_the_handler_uses()
    {
        var expected = new Dictionary<string, (string Type, string Binding, string? Queue)>
        {
            [FunctionNames.EnqueueDueSchedules] = ("timerTrigger", FunctionNames.EnqueueDueSchedulesBinding, null),
            [FunctionNames.SendOutboundMessage] = ("queueTrigger", FunctionNames.SendOutboundMessageBinding, QueueNames.OutboundMessages),
            [FunctionNames.ProcessWebhookEvent] = ("queueTrigger", FunctionNames.ProcessWebhookEventBinding, QueueNames.WebhookEvents),
            [FunctionNames.RunAutomationAction] = ("queueTrigger", FunctionNames.RunAutomationActionBinding, QueueNames.AutomationActions),
            [FunctionNames.ProcessContactImport] = ("queueTrigger", FunctionNames.ProcessContactImportBinding, QueueNames.ContactImports),
            [FunctionNames.DispatchCampaign] = ("queueTrigger", FunctionNames.DispatchCampaignBinding, QueueNames.CampaignDispatch),
            [FunctionNames.SendCampaignBatch] = ("queueTrigger", FunctionNames.SendCampaignBatchBinding, QueueNames.CampaignSends),
        };
        var actual = Functions.Where(f => !f.IsHttp).ToDictionary(f => f.Name, f => (f.Trigger.Type, f.Trigger.Name, f.Trigger.QueueName));
        Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(a => a.Key));
        Assert.All(Functions.Where(f => f.IsQueue), f => Assert.Equal("AzureWebJobsStorage", f.Trigger.Connection));
    }

    [Fact]
    public void The_timer_runs_every_minute()
    {
        var timer = Functions.Single(f => f.IsTimer);
        var cron = CronExpression.Parse(timer.Trigger.Schedule!, CronFormat.IncludeSeconds);
        var start = new DateTime(2026, 1, 1, 0, 0, 30, DateTimeKind.Utc);
        var occurrences = cron.GetOccurrences(start, start.AddMinutes(5)).ToList();
        Assert.Equal(5, occurrences.Count);
        Assert.All(occurrences.Zip(occurrences.Skip(1)), pair => Assert.Equal(TimeSpan.FromMinutes(1), pair.Second - pair.First));
    }

    [Fact]
    public void Every_api_endpoint_is_covered_by_exactly_one_http_function_with_its_method_and_every_invocation_endpoint_by_its_function()
    {
        var app = OneClickApp.Build(["--urls", "http://127.0.0.1:0"], readLocalSettings: false, configure: b =>
        {
            b.Configuration["AzureWebJobsStorage"] = "UseDevelopmentStorage=true";
            b.Configuration["OneClick:LocalHost:Enabled"] = "false";
        });
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();
        var httpFunctions = Functions.Where(f => f.IsHttp).ToList();
        Assert.NotEmpty(httpFunctions);

        foreach (var endpoint in endpoints)
        {
            var route = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [];
            if (route.StartsWith("/api/", StringComparison.Ordinal))
            {
                var sample = SamplePath(endpoint.RoutePattern);
                var covering = httpFunctions.Where(f => Matches(f.Trigger.Route!, sample["/api/".Length..])).ToList();
                Assert.True(covering.Count == 1, $"{route} is covered by {covering.Count} http functions ({string.Join(", ", covering.Select(c => c.Name))})");
                Assert.All(methods, m => Assert.Contains(m.ToLowerInvariant(), covering[0].Trigger.Methods!));
            }
            else
            {
                var function = Functions.SingleOrDefault(f => "/" + f.Name == route);
                Assert.True(function is { IsHttp: false }, $"{route} is not the invocation endpoint of a timer or queue function");
                Assert.Equal(["POST"], methods);
            }
        }
        foreach (var function in Functions.Where(f => !f.IsHttp))
            Assert.Contains(endpoints, e => e.RoutePattern.RawText == "/" + function.Name);
        foreach (var function in httpFunctions)
            Assert.Contains(endpoints, e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal) &&
                Matches(function.Trigger.Route!, SamplePath(e.RoutePattern)["/api/".Length..]));
    }

    /// <summary>A concrete path for a route pattern ("/api/tenants/{tenantId}" → "/api/tenants/x1").</summary>
    private static string SamplePath(RoutePattern pattern) =>
        "/" + string.Join("/", pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart => "x1",
            _ => "",
        }))));

    /// <summary>Matches a path against a function route template the way the host's router does.</summary>
    private static bool Matches(string functionRoute, string path)
    {
        var matcher = new Microsoft.AspNetCore.Routing.Template.TemplateMatcher(
            Microsoft.AspNetCore.Routing.Template.TemplateParser.Parse(functionRoute), new Microsoft.AspNetCore.Routing.RouteValueDictionary());
        return matcher.TryMatch("/" + path, new Microsoft.AspNetCore.Routing.RouteValueDictionary());
    }
}

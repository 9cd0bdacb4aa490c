using System.Diagnostics;
using System.Net;
using OneClick.Core.Automations;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Hardening;

/// <summary>A tenant may have three rules, so a test reaches the cap in a few calls.</summary>
public sealed class AutomationCapEnvironment : OneClickEnvironment
{
    public const int MaxRules = 3;

    protected override void AddSettings(IDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings["OneClick__Automations__MaxRulesPerTenant"] = MaxRules.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Issue 15, item 3: automation patterns cannot burn CPU, and a tenant's rules are capped.</summary>
public sealed class AutomationPatternTests(AutomationCapEnvironment env) : IClassFixture<AutomationCapEnvironment>
{
    private static readonly object[] Tag = [new { type = "add_tag", tag = "t" }];

    [Fact]
    public void A_catastrophic_pattern_against_a_long_text_finishes_in_well_under_a_second()
    {
        var regex = AutomationValidation.CompilePattern("(a+)+$");
        Assert.NotNull(regex);
        var text = new string('a', 50_000) + "!";

        var watch = Stopwatch.StartNew();
        // The regex itself, not the engine: the engine turns a match timeout into "no match", which would hide one.
        var matched = regex.IsMatch(text);
        var fired = AutomationEngine.Matches(new AutomationTrigger(TriggerTypes.Pattern, Pattern: "(a+)+$"),
            new AutomationEvent(AutomationEvent.Inbound, "e1", DateTimeOffset.UtcNow, Text: text[..^1]));
        watch.Stop();

        // With backtracking the first call takes longer than the age of the universe; NonBacktracking is linear in the text.
        Assert.False(matched);
        Assert.True(fired);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public void The_same_pattern_is_compiled_once()
    {
        var pattern = "order-" + Guid.NewGuid().ToString("N");
        Assert.Same(AutomationValidation.CompilePattern(pattern), AutomationValidation.CompilePattern(pattern));
    }

    [Theory]
    [InlineData("([a-z")]
    [InlineData(@"(a)\1")]
    [InlineData("(?<=a)b")]
    [InlineData("(?=a)a")]
    [InlineData("(?>a+)b")]
    public async Task Patterns_that_cannot_run_in_linear_time_or_at_all_are_refused_with_400(string pattern)
    {
        var tenant = await env.CreateTenantAsync();
        (await tenant.Post("api/automations", new { name = "re", trigger = new { type = "pattern", pattern }, actions = Tag })).AssertValidation("trigger.pattern");
        Assert.Empty((await tenant.GetJsonAsync("api/automations"))["items"]!.AsArray());
    }

    [Fact]
    public async Task A_tenant_over_its_rule_cap_gets_409_and_another_tenant_does_not()
    {
        var full = await env.CreateTenantAsync();
        for (var i = 0; i < AutomationCapEnvironment.MaxRules; i++)
            (await full.Post("api/automations", new { name = $"r{i}", trigger = new { type = "keyword", keywords = new[] { $"k{i}" } }, actions = Tag })).AssertStatus(HttpStatusCode.Created);

        (await full.Post("api/automations", new { name = "one more", trigger = new { type = "keyword", keywords = new[] { "k" } }, actions = Tag })).AssertProblem(HttpStatusCode.Conflict);

        var other = await env.CreateTenantAsync();
        (await other.Post("api/automations", new { name = "r", trigger = new { type = "keyword", keywords = new[] { "k" } }, actions = Tag })).AssertStatus(HttpStatusCode.Created);
    }
}

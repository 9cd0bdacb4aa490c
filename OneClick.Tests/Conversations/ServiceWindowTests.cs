using System.Net;
using Microsoft.Azure.Functions.Worker.Builder;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Conversations;

/// <summary>The shared environment turns the window guard off (the sandbox does not enforce the window); this one keeps it on.</summary>
public sealed class WindowEnforcingEnvironment : OneClickEnvironment
{
    protected override void Configure(FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration["OneClick:Conversations:EnforceServiceWindow"] = "true";
    }
}

[CollectionDefinition(Name)]
public sealed class WindowEnforcingEnvironmentDefinition : ICollectionFixture<WindowEnforcingEnvironment>
{
    public const string Name = "WindowEnforcing";
}

[Collection(WindowEnforcingEnvironmentDefinition.Name)]
public sealed class ServiceWindowTests(WindowEnforcingEnvironment env)
{
    [Fact]
    public async Task A_free_form_message_outside_the_window_is_skipped_while_a_template_goes_and_an_inbound_message_opens_the_window()
    {
        var tenant = await env.CreateTenantAsync();
        var customer = Customer.New(tenant);

        var freeForm = await tenant.SendMessageAsync(new { to = customer.Phone, type = "text", text = new { body = "Hi there" } });
        var skipped = await tenant.WaitForStatusAsync(freeForm, "skipped");
        Assert.Equal("outside_window", skipped["skipReason"]!.GetValue<string>());
        var template = await tenant.SendMessageAsync(new { to = customer.Phone, type = "template", template = new { name = "hello_world", language = "en_US" } });
        await tenant.WaitUntilAcceptedAsync(template);

        var contactId = await customer.ContactIdAsync();
        var closed = await tenant.GetJsonAsync($"api/contacts/{contactId}");
        Assert.False(closed["serviceWindow"]!["open"]!.GetValue<bool>());
        Assert.Null(closed["serviceWindow"]!["lastInboundAt"]);

        // The customer writes: the window opens for 24 hours from their message.
        var writtenAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;
        await customer.TextAsync("hello?", timestamp: writtenAt);
        await customer.WaitForConversationAsync(i => i.Any(x => x!["direction"]!.GetValue<string>() == "in"));
        var open = closed;
        await Eventually.Async(async () => (open = await tenant.GetJsonAsync($"api/contacts/{contactId}"))["serviceWindow"]!["open"]!.GetValue<bool>(),
            () => $"The window never opened: {open}");
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(writtenAt + (24 * 3600)), open["serviceWindow"]!["closesAt"]!.GetValue<DateTimeOffset>());

        var answer = await tenant.SendMessageAsync(new { contactId, type = "text", text = new { body = "How can we help?" } });
        await tenant.WaitUntilAcceptedAsync(answer);

        // An older message (late or duplicate) does not move the window back.
        await customer.TextAsync("old one", timestamp: writtenAt - 3600);
        await customer.WaitForConversationAsync(i => i.Count(x => x!["direction"]!.GetValue<string>() == "in") == 2);
        Assert.Equal(open["serviceWindow"]!["closesAt"]!.ToJsonString(), (await tenant.GetJsonAsync($"api/contacts/{contactId}"))["serviceWindow"]!["closesAt"]!.ToJsonString());
    }

    [Fact]
    public async Task A_window_that_closed_a_day_ago_skips_free_form_again()
    {
        var tenant = await env.CreateTenantAsync();
        var customer = Customer.New(tenant);
        await customer.TextAsync("long ago", timestamp: DateTimeOffset.UtcNow.AddHours(-25).ToUnixTimeSeconds());
        await customer.WaitForConversationAsync(i => i.Count == 1);
        var id = await tenant.SendMessageAsync(new { to = customer.Phone, type = "text", text = new { body = "too late" } });
        var message = await tenant.WaitForStatusAsync(id, "skipped");
        Assert.Equal("outside_window", message["skipReason"]!.GetValue<string>());
        Assert.DoesNotContain(await env.SandboxMessagesAsync(tenant), m => m!.ToJsonString().Contains("too late", StringComparison.Ordinal));
    }
}

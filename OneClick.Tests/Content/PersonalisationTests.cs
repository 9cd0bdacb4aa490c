using System.Text.Json.Nodes;
using OneClick.Core.Contacts;
using OneClick.Core.Messages.Content;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Content;

/// <summary>{{contact.*}} placeholders resolved per recipient at submit time; a missing value without a default is refused.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class PersonalisationTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Text_and_template_parameters_are_filled_from_the_contact_with_defaults_for_missing_values()
    {
        var tenant = await env.CreateTenantAsync();
        ContentKit.SaveAtMeta(env, tenant, ContentKit.OrderUpdate);
        var contact = await tenant.Post("api/contacts", new { phoneNumber = "+14155550180", name = "Ana", attributes = new Dictionary<string, string> { ["city"] = "Lisbon" } });
        var contactId = contact.Json["id"]!.GetValue<string>();

        var text = await tenant.SendMessageAsync(new
        {
            contactId,
            type = "text",
            text = new { body = "Hi {{contact.name}} in {{ contact.attributes.city | default: \"your city\" }}, tier {{contact.attributes.tier | default: 'basic'}} ({{contact.phone}})" },
        });
        var template = await tenant.SendMessageAsync(new
        {
            to = "+14155550180",
            type = "template",
            template = new
            {
                name = "order_update",
                language = "en_US",
                components = new[] { new { type = "body", parameters = new[] { new { type = "text", parameter_name = "first_name", text = "{{contact.name}}" }, new { type = "text", parameter_name = "order_number", text = "{{contact.attributes.order | default: \"your order\"}}" } } } },
            },
        });

        Assert.Equal("Hi Ana in Lisbon, tier basic (+14155550180)", (await ContentKit.SandboxBodyAsync(env, tenant, text))["text"]!["body"]!.GetValue<string>());
        var parameters = (await ContentKit.SandboxBodyAsync(env, tenant, template))["template"]!["components"]![0]!["parameters"]!.AsArray();
        Assert.Equal("Ana", parameters[0]!["text"]!.GetValue<string>());
        Assert.Equal("your order", parameters[1]!["text"]!.GetValue<string>());
        var stored = await tenant.GetJsonAsync($"api/messages/{text}");
        Assert.StartsWith("Hi Ana", stored["payload"]!["text"]!["body"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_value_without_a_default_is_400_for_a_single_send_and_nothing_is_written()
    {
        var tenant = await env.CreateBareTenantAsync();

        var missing = await tenant.Post("api/messages", new { to = "+14155550181", type = "text", text = new { body = "Hi {{contact.name}}" } });
        var unknownField = await tenant.Post("api/messages", new { to = "+14155550181", type = "text", text = new { body = "Hi {{contact.email}}" } });
        var malformed = await tenant.Post("api/messages", new { to = "+14155550181", type = "image", image = new { link = "https://cdn.example/a.png", caption = "Hi {{contact.name | default: there}}" } });

        Assert.Contains("contact.name", missing.AssertValidation("text.body")["errors"]!["text.body"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        unknownField.AssertValidation("text.body");
        malformed.AssertValidation("image.caption");
        await tenant.AssertNothingWrittenAsync();
    }

    [Fact]
    public void A_campaign_gets_resolved_content_or_a_skip_reason_per_recipient()
    {
        var content = new JsonObject { ["body"] = "Hi {{contact.attributes.city}}", ["preview_url"] = false };
        var withCity = new ContactEntity { PhoneNumber = "+14155550182", AttributesJson = """{"city":"Porto"}""" };
        var without = new ContactEntity { PhoneNumber = "+14155550183" };

        var resolved = Personalizer.Resolve("text", content, withCity);
        var skipped = Personalizer.Resolve("text", content, without);

        Assert.True(resolved.Resolved);
        Assert.Equal("Hi Porto", resolved.Content!["body"]!.GetValue<string>());
        Assert.Equal("Hi {{contact.attributes.city}}", content["body"]!.GetValue<string>());
        Assert.False(skipped.Resolved);
        Assert.Equal(Personalizer.MissingValue, skipped.SkipReason);
        Assert.Contains("contact.attributes.city", skipped.Detail, StringComparison.Ordinal);
    }
}

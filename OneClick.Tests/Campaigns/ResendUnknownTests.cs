using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Messages;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

/// <summary>The explicit way out of "unknown": resend on request, with the duplicate risk in the answer; bad input is a problem, never a 500.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class ResendUnknownTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Resend_unknown_answers_problems_for_bad_input_and_a_conflict_for_a_draft()
    {
        var tenant = await env.CreateTenantAsync();
        var other = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(1);
        var draft = (await tenant.CampaignAsync(new { contacts = people.Select(p => p.Id) }, launch: false))["id"]!.GetValue<string>();

        (await tenant.Post("api/campaigns/not-a-campaign/resend-unknown", new { })).AssertProblem(HttpStatusCode.BadRequest);
        (await tenant.Post($"api/campaigns/{draft}/resend-unknown?occurrence=abc", new { })).AssertProblem(HttpStatusCode.BadRequest);
        (await other.Post($"api/campaigns/{draft}/resend-unknown", new { })).AssertProblem(HttpStatusCode.NotFound);
        (await tenant.Post($"api/campaigns/{draft}/resend-unknown", new { })).AssertProblem(HttpStatusCode.Conflict);
        (await tenant.Post("api/messages/not-a-message/resend", new { })).AssertProblem(HttpStatusCode.BadRequest);
        (await tenant.Post($"api/messages/{MessageStore.NewId()}/resend", new { })).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_unknown_message_is_resent_once_on_request_and_a_sent_one_is_not()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(1);
        var id = await tenant.SendMessageAsync(new { contactId = people[0].Id, type = "template", template = new { name = "hello_world", language = "en_US" } });
        await tenant.WaitForStatusAsync(id, "read");
        (await tenant.Post($"api/messages/{id}/resend", new { })).AssertProblem(HttpStatusCode.Conflict);

        // As a send whose worker died after the claim would leave it (the webhooks of that attempt never came).
        await env.App.Services.GetRequiredService<MessageStore>().UpdateAsync(tenant.Id, id, m => (m.Status = MessageStatus.Unknown) is not null, CancellationToken.None);
        var resent = await tenant.Post($"api/messages/{id}/resend", new { });
        resent.AssertStatus(HttpStatusCode.OK);
        Assert.True(resent.Json["resent"]!.GetValue<bool>());
        Assert.Contains("twice", resent.Json["duplicateRisk"]!.GetValue<string>(), StringComparison.Ordinal);
        await tenant.WaitForStatusAsync(id, "read");

        var again = await tenant.Post($"api/messages/{id}/resend", new { });
        again.AssertStatus(HttpStatusCode.OK);
        Assert.False(again.Json["resent"]!.GetValue<bool>());
        Assert.Equal(2, (await env.AcceptedByRecipientAsync(tenant))[people[0].PhoneNumber].Count);
    }
}

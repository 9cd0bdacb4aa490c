using System.Net.Http.Json;
using System.Text;
using OneClick.Client;
using OneClick.Client.Models;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Contract;

/// <summary>
/// The contract proven by a client generated from it: OneClick.Client (Kiota, from docs/api/openapi.json at build
/// time) drives a whole scenario against the running app, and nothing else talks to OneClick's API. Only the Meta
/// side (the sandbox's phone number, which Meta would own) is set up directly.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class GeneratedClientScenarioTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_tenant_imports_contacts_builds_a_list_syncs_templates_and_runs_a_campaign_to_the_end_through_the_generated_client()
    {
        var admin = OneClickApi.Create(env.AppUrl, OneClickEnvironment.AdminKey);
        var created = await admin.Api.Tenants.PostAsync(new CreateTenantRequest { Name = "Client scenario" });
        var tenantId = created!.Tenant!.Id!;
        var api = OneClickApi.Create(env.AppUrl, created.ApiKey!);

        var meta = await SandboxNumberAsync(tenantId);
        var connected = await api.Api.Tenants[tenantId].Credentials.PutAsync(new StoreCredentialsRequest
        {
            WabaId = meta.WabaId, PhoneNumberId = meta.PhoneNumberId, AccessToken = meta.AccessToken, AppSecret = meta.AppSecret,
            WebhookVerifyToken = "verify-" + Guid.NewGuid().ToString("N"),
        });
        Assert.NotNull(connected);

        // Bad input comes back as the document's validation problem, which the client throws typed.
        var invalid = await Assert.ThrowsAsync<ValidationProblemDetails>(() => api.Api.Contacts.PostAsync(new CreateContactRequest { PhoneNumber = "12" }));
        Assert.Equal(400, invalid.ResponseStatusCode);
        Assert.Contains("phoneNumber", invalid.Errors!.AdditionalData.Keys);

        var ada = await api.Api.Contacts.PostAsync(new CreateContactRequest { PhoneNumber = "+14155550181", Name = "Ada", Tags = ["vip"] });
        var csv = "phone_number,name\n+14155550182,Grace\n+14155550183,Linus\nnot-a-number,Nobody\n";
        var import = await api.Api.Contacts.Imports.PostAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), c => c.QueryParameters.FileName = "people.csv");
        var finished = await Eventually.Async(async () => await api.Api.Contacts.Imports[import!.Id!].GetAsync(), i => i!.State is "completed" or "failed", "the import finishing");
        Assert.Equal(("completed", 2, 1), (finished!.State, finished.Imported, finished.Rejected));

        var list = await api.Api.Lists.PostAsync(new ListRequest { Name = "Launch day" });
        await api.Api.Lists[list!.Id!].Members.PostAsync(new MembersRequest { PhoneNumbers = ["+14155550182", "+14155550183"], ContactIds = [ada!.Id!] });

        var sync = await api.Api.Templates.Sync.PostAsync();
        Assert.True(sync!.Fetched > 0);
        var templates = await api.Api.Templates.GetAsync();
        Assert.Contains(templates!.Items!, t => t.Name == "hello_world");

        var campaign = await api.Api.Campaigns.PostAsync(new CampaignRequest
        {
            Name = "Launch",
            Audience = new AudienceSpec { Lists = [list.Id!] },
            Message = new SendMessageRequest { Type = "template", Template = new TemplateContent { Name = "hello_world", Language = "en_US" } },
        });
        await api.Api.Campaigns[campaign!.Id!].Launch.PostAsync();

        var stats = await Eventually.Async(async () => await api.Api.Campaigns[campaign.Id!].Stats.GetAsync(), s => s!.Read == 3, "all three recipients reading the campaign", TimeSpan.FromSeconds(60));
        Assert.Equal((3, 3, 0), (stats!.Targeted, stats.Read, stats.Failed!.Total));
        var done = await Eventually.Async(async () => await api.Api.Campaigns[campaign.Id!].GetAsync(), c => c!.Status == "completed", "the campaign completing");
        Assert.NotNull(done!.LaunchedAt);
    }

    private sealed record MetaNumber(string WabaId, string PhoneNumberId, string AccessToken, string AppSecret);

    /// <summary>The tenant's WhatsApp number at (sandbox) Meta, sending its webhooks to the tenant's URL.</summary>
    private async Task<MetaNumber> SandboxNumberAsync(string tenantId)
    {
        var number = new MetaNumber(
            Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "EAAG" + Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));
        using var register = await env.Http.PostAsJsonAsync(new Uri(env.SandboxUrl, "_sandbox/phone-numbers"), new
        {
            phoneNumberId = number.PhoneNumberId, wabaId = number.WabaId, accessToken = number.AccessToken, appSecret = number.AppSecret,
            webhookUrl = new Uri(env.AppUrl, $"api/webhooks/meta/{tenantId}").ToString(),
            displayPhoneNumber = "15550100003", verifiedName = "Client scenario",
        });
        register.EnsureSuccessStatusCode();
        using var fast = await env.Http.PutAsJsonAsync(new Uri(env.SandboxUrl, $"_sandbox/phone-numbers/{number.PhoneNumberId}/behaviour"),
            new { webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });
        fast.EnsureSuccessStatusCode();
        return number;
    }
}

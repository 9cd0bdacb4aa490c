using System.Net;
using OneClick.Core.Secrets;
using OneClick.Tests.BadInput;
using OneClick.Tests.Conversations;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Webhooks;

/// <summary>An environment of its own, where the operator never sets a platform app (the shared one has it set).</summary>
public sealed class NoPlatformAppTests(OneClickEnvironment env) : IClassFixture<OneClickEnvironment>
{
    [Fact]
    public async Task Without_a_platform_app_its_callback_is_404_problem_and_no_tenant_can_connect_to_it()
    {
        for (var i = 0; i < 3; i++)
        {
            (await Api.SendAsync(env, HttpMethod.Get, "api/webhooks/meta?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1", apiKey: null))
                .AssertProblem(HttpStatusCode.NotFound);
            using var post = await SignedWebhooks.SendAsync(env, "api/webhooks/meta", """{"object":"whatsapp_business_account","entry":[]}""", "any-secret");
            Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        }
        // "Not configured" is remembered: anonymous calls do not each cost a Key Vault read.
        Assert.Equal(1, env.KeyVault.ReadsOf(PlatformApp.AppSecretName));

        var view = await env.AdminAsync(HttpMethod.Get, "api/admin/platform-app");
        view.AssertStatus(HttpStatusCode.OK);
        Assert.False(view.Json["configured"]!.GetValue<bool>());

        var tenant = await env.CreateBareTenantAsync();
        (await tenant.Put($"api/tenants/{tenant.Id}/credentials", new { wabaId = "1234567", phoneNumberId = "7654321", accessToken = "EAAGx", metaApp = "platform" }))
            .AssertProblem(HttpStatusCode.Conflict);
        (await tenant.Put($"api/tenants/{tenant.Id}/credentials", new { wabaId = "1234567", phoneNumberId = "7654321", accessToken = "EAAGx", metaApp = "platform", appSecret = "mine" }))
            .AssertValidation("appSecret");
        (await tenant.Put($"api/tenants/{tenant.Id}/credentials", new { wabaId = "1234567", phoneNumberId = "7654321", accessToken = "EAAGx", metaApp = "someone-elses" }))
            .AssertValidation("metaApp");
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Automations;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Conversations;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Hardening;

/// <summary>Webhook actions' signing secrets live in the secret store (Key Vault), not in the rule's or the runs' rows.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class AutomationSecretTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_signing_secret_is_kept_in_key_vault_never_in_a_table_row_and_a_replaced_one_signs_the_next_delivery()
    {
        var tenant = await env.CreateTenantAsync();
        await using var hook = await WebhookReceiver.StartAsync();
        var (first, second) = ("first-" + Guid.NewGuid().ToString("N"), "second-" + Guid.NewGuid().ToString("N"));
        object Rule(string secret) => new
        {
            name = "Signed",
            trigger = new { type = "keyword", keywords = new[] { "signme" } },
            actions = new object[] { new { type = "add_tag", tag = "signed" }, new { type = "webhook", url = hook.Url.ToString(), secret } },
        };
        var created = await tenant.Post("api/automations", Rule(first));
        created.AssertStatus(HttpStatusCode.Created);
        var ruleId = created.Json["id"]!.GetValue<string>();
        Assert.Equal("***", created.Json["actions"]![1]!["secret"]!.GetValue<string>());
        Assert.Null(created.Json["actions"]![0]!["secret"]);

        await FireAsync(tenant, "+14155550761");
        var delivery = (await hook.WaitForAsync(r => r.Count == 1))[0];
        Assert.Equal(Signature(first, delivery.Body), delivery.Headers[AutomationActionRunner.SignatureHeader].ToString());

        (await tenant.Send(HttpMethod.Put, "api/automations/" + ruleId, System.Net.Http.Json.JsonContent.Create(Rule(second)))).AssertStatus(HttpStatusCode.OK);
        await FireAsync(tenant, "+14155550762");
        var next = (await hook.WaitForAsync(r => r.Count == 2))[1];
        Assert.Equal(Signature(second, next.Body), next.Headers[AutomationActionRunner.SignatureHeader].ToString());

        // In the secret store (through the real SecretClient against the Key Vault stand-in), under the rule's name.
        Assert.Equal(second, await env.App.Services.GetRequiredService<AutomationSecrets>().GetAsync(tenant.Id, ruleId, 1, CancellationToken.None));
        // In no row of the rule's or the runs' tables.
        foreach (var table in new[] { TableNames.Automations, TableNames.AutomationRuns })
            await foreach (var row in env.Storage.Table(table).QueryAsync<TableEntity>(r => r.PartitionKey == tenant.Id))
                foreach (var (name, value) in row)
                    Assert.False(value?.ToString()?.Contains("first-", StringComparison.Ordinal) == true || value?.ToString()?.Contains("second-", StringComparison.Ordinal) == true,
                        $"A signing secret in {table} row {row.RowKey}, property {name}.");
    }

    private static async Task FireAsync(TestTenant tenant, string phone)
    {
        var customer = new Customer(tenant, phone);
        var body = SignedWebhooks.Envelope(tenant, [SignedWebhooks.Change(tenant, messages: [SignedWebhooks.TextMessage(customer.Digits, SignedWebhooks.NewWamid(), "please signme")])]);
        await SignedWebhooks.PostAsync(tenant, body);
    }

    private static string Signature(string secret, byte[] body) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}

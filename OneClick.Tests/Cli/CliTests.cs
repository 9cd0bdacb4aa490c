using System.Text.Json.Nodes;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Cli;

/// <summary>The `oneclick` tool end to end: a real process against the test app, asserting its --json results and exit codes.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class CliTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Configures_itself_imports_contacts_and_runs_a_campaign_to_the_end_with_json_results()
    {
        var tenant = await env.CreateTenantAsync("CLI tenant");
        using var cli = new OneClickCli();

        var set = await cli.RunAsync("config", "set", "--url", env.AppUrl.ToString(), "--key", tenant.ApiKey);
        Assert.True(set.ExitCode == 0, set.ToString());
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cli.ConfigFile));
        var shown = await cli.RunAsync("config", "show", "--json");
        Assert.Equal(env.AppUrl.ToString(), shown.Json["url"]!.GetValue<string>());
        Assert.DoesNotContain(tenant.ApiKey, shown.Stdout, StringComparison.Ordinal);

        // From here on the URL and key come from the config file.
        var show = await Ok(cli, "tenants", "show", tenant.Id, "--json");
        Assert.Equal(tenant.Id, show["id"]!.GetValue<string>());
        var connection = await Ok(cli, "tenants", "connection", tenant.Id, "--json");
        Assert.True(connection["healthy"]!.GetValue<bool>(), connection.ToJsonString());

        var csv = Path.Combine(cli.Home, "people.csv");
        await File.WriteAllTextAsync(csv, "phone,name,tags\n+14155550701,Grace,cli\n+14155550702,Linus,cli\nnot-a-number,Nobody,cli\n");
        var import = await Ok(cli, "contacts", "import", csv, "--json");
        Assert.Equal(("completed", 3, 2, 1), (import["state"]!.GetValue<string>(), import["rowsRead"]!.GetValue<int>(), import["imported"]!.GetValue<int>(), import["rejected"]!.GetValue<int>()));

        await SyncTemplatesAsync(tenant);
        var created = await Ok(cli, "campaigns", "create", "--name", "CLI launch", "--tag", "cli", "--template", "hello_world", "--language", "en_US", "--json");
        var campaignId = created["id"]!.GetValue<string>();
        Assert.Equal("draft", created["status"]!.GetValue<string>());

        var launched = await Ok(cli, "campaigns", "launch", campaignId, "--json");
        Assert.NotEqual("draft", launched["campaign"]!["status"]!.GetValue<string>());
        var watched = await Ok(cli, "campaigns", "watch", campaignId, "--interval", "200", "--json");
        Assert.Equal(2, watched["targeted"]!.GetValue<int>());
        var done = await tenant.GetJsonAsync($"api/campaigns/{campaignId}");
        Assert.Equal("completed", done["status"]!.GetValue<string>());

        var recipients = Path.Combine(cli.Home, "recipients.csv");
        var export = await Ok(cli, "campaigns", "export", campaignId, "-o", recipients, "--json");
        Assert.Equal(new FileInfo(recipients).Length, export["bytes"]!.GetValue<long>());
        var exported = await File.ReadAllTextAsync(recipients);
        Assert.Contains("14155550701", exported, StringComparison.Ordinal);
        Assert.Contains("14155550702", exported, StringComparison.Ordinal);

        var events = Path.Combine(cli.Home, "events.csv");
        await Ok(cli, "analytics", "export", "-o", events, "--campaign", campaignId, "--json");
        Assert.True(File.Exists(events));
    }

    [Fact]
    public async Task Exit_codes_tell_a_refusal_from_a_usage_error_from_an_unreachable_app()
    {
        var tenant = await env.CreateTenantAsync("CLI exit codes");
        using var cli = new OneClickCli();
        var url = env.AppUrl.ToString();

        var badKey = await cli.RunAsync("tenants", "show", tenant.Id, "--url", url, "--key", "not-a-key", "--json");
        Assert.True(badKey.ExitCode == 1, badKey.ToString());
        Assert.Equal(401, badKey.Json["status"]!.GetValue<int>());

        var notAdmin = await cli.RunAsync("tenants", "create", "--name", "Nope", "--url", url, "--key", tenant.ApiKey);
        Assert.True(notAdmin.ExitCode == 1, notAdmin.ToString());
        Assert.NotEmpty(notAdmin.Stderr);

        var admin = await cli.RunAsync("tenants", "create", "--name", "From the CLI", "--url", url, "--key", OneClickEnvironment.AdminKey, "--json");
        Assert.True(admin.ExitCode == 0, admin.ToString());
        Assert.False(string.IsNullOrEmpty(admin.Json["apiKey"]!.GetValue<string>()));

        // A field error comes back as the API's validation problem, its fields printed.
        var invalid = await cli.RunAsync("campaigns", "create", "--name", "", "--tag", "x", "--text", "hi", "--url", url, "--key", tenant.ApiKey);
        Assert.True(invalid.ExitCode == 1, invalid.ToString());
        Assert.Contains("name", invalid.Stderr, StringComparison.OrdinalIgnoreCase);

        var unreachable = await cli.RunAsync("tenants", "show", tenant.Id, "--url", "http://127.0.0.1:1", "--key", tenant.ApiKey);
        Assert.True(unreachable.ExitCode == 3, unreachable.ToString());

        var noAudience = await cli.RunAsync("campaigns", "create", "--name", "x", "--text", "hi", "--url", url, "--key", tenant.ApiKey);
        Assert.True(noAudience.ExitCode == 2, noAudience.ToString());
        var unknown = await cli.RunAsync("campaigns", "explode");
        Assert.True(unknown.ExitCode == 2, unknown.ToString());
        var notConfigured = await cli.RunAsync("tenants", "show", tenant.Id);
        Assert.True(notConfigured.ExitCode == 2, notConfigured.ToString());
    }

    internal static async Task<JsonNode> Ok(OneClickCli cli, params string[] args)
    {
        var result = await cli.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"oneclick {string.Join(' ', args)}: {result}");
        return result.Json;
    }

    internal static async Task SyncTemplatesAsync(TestTenant tenant)
    {
        using var sync = await tenant.PostAsync("api/templates/sync", new { });
        Assert.True(sync.IsSuccessStatusCode, await sync.Content.ReadAsStringAsync());
    }
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OneClick.Core.Configuration;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Deployment;

/// <summary>Asserts on the ARM template that infra/main.bicep compiles to (what azd deploys).</summary>
public sealed class InfraTemplateTests(BicepTemplateFixture bicep) : IClassFixture<BicepTemplateFixture>
{
    private const string Site = "Microsoft.Web/sites";

    private static readonly Dictionary<string, string> RoleNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = "Storage Blob Data Owner",
        ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = "Storage Queue Data Contributor",
        ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = "Storage Table Data Contributor",
        ["b86a8fe4-44ce-4948-aee5-eccb2c155cd7"] = "Key Vault Secrets Officer",
        ["4633458b-17de-408a-b874-0445c86b69e6"] = "Key Vault Secrets User",
        ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Monitoring Metrics Publisher",
    };

    [Fact]
    public void Bicep_build_succeeds_without_warnings()
    {
        Assert.True(bicep.ExitCode == 0, $"bicep build failed:\n{bicep.Stderr}");
        Assert.True(bicep.Stderr.Trim().Length == 0, $"bicep build printed diagnostics:\n{bicep.Stderr}");
        Assert.Equal("https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
            bicep.Template["$schema"]?.ToString());
    }

    [Fact]
    public void Storage_account_accepts_only_entra_id_over_tls_1_2()
    {
        var storage = bicep.One("Microsoft.Storage/storageAccounts");
        Assert.Equal("false", storage["allowSharedKeyAccess"]);
        Assert.Equal("TLS1_2", storage["minimumTlsVersion"]);
        Assert.Equal("false", storage["allowBlobPublicAccess"]);
        Assert.Equal("true", storage["supportsHttpsTrafficOnly"]);

        var container = bicep.One("Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.Equal("None", container["publicAccess"]);
        // The container the function app deploys from is the one created here.
        Assert.Equal("[variables('deploymentContainerName')]", bicep.ModuleParameter("storage", "deploymentContainerName"));
        Assert.Contains("variables('deploymentContainerName')", bicep.ModuleParameter("api", "deploymentContainerUrl"), StringComparison.Ordinal);
    }

    [Fact]
    public void Both_key_vaults_use_rbac_and_soft_delete_with_purge_protection_on_by_default()
    {
        var vaults = bicep.OfType("Microsoft.KeyVault/vaults");
        Assert.Equal(["keyvault", "operator-keyvault"], vaults.Select(v => v.Module).Order());
        foreach (var vault in vaults)
        {
            Assert.Equal("true", vault["enableRbacAuthorization"]);
            Assert.Equal("true", vault["enableSoftDelete"]);
            Assert.Equal("90", vault["softDeleteRetentionInDays"]);
            Assert.Contains("parameters('enablePurgeProtection')", vault["enablePurgeProtection"], StringComparison.Ordinal);
            Assert.Null(vault.Properties["accessPolicies"]);
            Assert.Equal("[parameters('keyVaultPurgeProtection')]", bicep.ModuleParameter(vault.Module, "enablePurgeProtection"));
        }

        // On unless an operator turns it off for a throwaway environment, in the template and in what azd passes.
        var parameter = bicep.Template["parameters"]?["keyVaultPurgeProtection"];
        Assert.Equal("bool", parameter?["type"]?.ToString());
        Assert.Equal("true", parameter?["defaultValue"]?.ToString());
        Assert.Equal("${AZURE_KEY_VAULT_PURGE_PROTECTION=true}", ParameterFileValues()["keyVaultPurgeProtection"]);
    }

    [Fact]
    public void Admin_key_lives_in_the_operator_vault_where_the_app_can_only_read()
    {
        // Two vaults with different names, both from the one resource token.
        var tenantVaultName = bicep.ModuleParameter("keyvault", "name");
        var operatorVaultName = bicep.ModuleParameter("operator-keyvault", "name");
        Assert.NotEqual(tenantVaultName, operatorVaultName);
        Assert.Equal("[format('{0}op-{1}', variables('abbrs').keyVaultVaults, variables('resourceToken'))]", operatorVaultName);

        // The app setting points at the operator vault; the tenant secret store at the tenant vault.
        var settings = AppSettings();
        Assert.Equal("[format('@Microsoft.KeyVault(SecretUri={0}secrets/oneclick-admin-api-key)', parameters('operatorKeyVaultUri'))]",
            settings[SettingNames.AdminApiKey]);
        Assert.Equal("[parameters('keyVaultUri')]", settings[SettingNames.KeyVaultUri]);
        Assert.Contains("'operator-keyvault'), '", bicep.ModuleParameter("api", "operatorKeyVaultUri"), StringComparison.Ordinal);
        Assert.Contains("'keyvault'), '", bicep.ModuleParameter("api", "keyVaultUri"), StringComparison.Ordinal);
        Assert.Contains("'operator-keyvault'), '", bicep.ModuleParameter("rbac", "operatorKeyVaultName"), StringComparison.Ordinal);

        // On the operator vault the app has Secrets User and nothing else; only the deploying user may write.
        var onOperatorVault = bicep.OfType("Microsoft.Authorization/roleAssignments")
            .Where(a => a.Resource["scope"]?.ToString() == "[resourceId('Microsoft.KeyVault/vaults', parameters('operatorKeyVaultName'))]")
            .Select(Describe).Order();
        Assert.Equal(["identity: Key Vault Secrets User on operator vault", "user if given: Key Vault Secrets Officer on operator vault"],
            onOperatorVault);
    }

    [Fact]
    public void Diagnostic_settings_send_vault_audit_and_storage_request_logs_to_log_analytics()
    {
        var settings = bicep.OfType("Microsoft.Insights/diagnosticSettings");
        var described = settings.Select(d =>
        {
            // Every setting goes to the workspace that monitoring.bicep creates, passed in by main.bicep.
            Assert.Equal("[parameters('logAnalyticsWorkspaceId')]", d["workspaceId"]);
            Assert.Contains("'monitoring'), '", bicep.ModuleParameter(d.Module, "logAnalyticsWorkspaceId"), StringComparison.Ordinal);
            Assert.EndsWith(".outputs.logAnalyticsWorkspaceId.value]", bicep.ModuleParameter(d.Module, "logAnalyticsWorkspaceId"), StringComparison.Ordinal);

            var scope = Regex.Match(d.Resource["scope"]?.ToString() ?? "", @"^\[resourceId\('([^']+)'").Groups[1].Value;
            // A shared list is a variable of the module that declares the setting.
            var logsNode = d.Properties["logs"]!;
            var variable = Regex.Match(logsNode.ToString(), @"^\[variables\('(\w+)'\)\]$");
            var logs = (variable.Success ? d.Template["variables"]![variable.Groups[1].Value]! : logsNode).AsArray()
                .Where(l => l?["enabled"]?.GetValue<bool>() == true)
                .Select(l => l?["category"]?.ToString());
            return $"{d.Module}: {scope}: {string.Join(",", logs)}";
        }).Order().ToList();

        Assert.Equal(
        [
            "keyvault: Microsoft.KeyVault/vaults: AuditEvent",
            "operator-keyvault: Microsoft.KeyVault/vaults: AuditEvent",
            "storage: Microsoft.Storage/storageAccounts/blobServices: StorageRead,StorageWrite,StorageDelete",
            "storage: Microsoft.Storage/storageAccounts/queueServices: StorageRead,StorageWrite,StorageDelete",
            "storage: Microsoft.Storage/storageAccounts/tableServices: StorageRead,StorageWrite,StorageDelete",
        ], described);
        Assert.Equal("[resourceId('Microsoft.OperationalInsights/workspaces', parameters('logAnalyticsName'))]",
            bicep.One("Microsoft.OperationalInsights/workspaces").Template["outputs"]?["logAnalyticsWorkspaceId"]?["value"]?.ToString());
    }

    [Fact]
    public void Application_insights_sits_on_log_analytics_and_accepts_only_entra_id()
    {
        var workspace = bicep.One("Microsoft.OperationalInsights/workspaces");
        var insights = bicep.One("Microsoft.Insights/components");
        Assert.Equal("true", insights["DisableLocalAuth"]);
        Assert.Contains("Microsoft.OperationalInsights/workspaces", insights["WorkspaceResourceId"], StringComparison.Ordinal);
        Assert.Equal(workspace.Module, insights.Module);
    }

    [Fact]
    public void Function_app_is_flex_consumption_running_the_isolated_worker_on_dotnet_10()
    {
        var plan = bicep.One("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", plan.Resource["sku"]?["name"]?.ToString());
        Assert.Equal("FlexConsumption", plan.Resource["sku"]?["tier"]?.ToString());
        Assert.Equal("true", plan["reserved"]);

        var app = bicep.One(Site);
        Assert.Equal("functionapp,linux", app.Resource["kind"]?.ToString());
        Assert.Equal("true", app["httpsOnly"]);
        Assert.Contains("'azd-service-name', 'api'", app.Resource["tags"]?.ToString(), StringComparison.Ordinal);

        var config = app.Properties["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", config["runtime"]?["name"]?.ToString());
        Assert.Equal("10.0", config["runtime"]?["version"]?.ToString());
        // The runtime version follows the project's target framework (net10.0 → 10.0).
        var targetFramework = System.Xml.Linq.XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Build.props"))
            .Descendants("TargetFramework").Single().Value;
        Assert.Equal("net" + config["runtime"]?["version"], targetFramework);

        Assert.Equal("[parameters('maximumInstanceCount')]", config["scaleAndConcurrency"]?["maximumInstanceCount"]?.ToString());
        Assert.Equal("[parameters('instanceMemoryMB')]", config["scaleAndConcurrency"]?["instanceMemoryMB"]?.ToString());
        Assert.Equal("100", bicep.Template["parameters"]?["maximumInstanceCount"]?["defaultValue"]?.ToString());
        Assert.Equal("2048", bicep.Template["parameters"]?["instanceMemoryMB"]?["defaultValue"]?.ToString());

        // The deployment package is read with the user-assigned identity, not a storage key.
        var storage = config["deployment"]?["storage"];
        Assert.Equal("blobContainer", storage?["type"]?.ToString());
        Assert.Equal("[parameters('deploymentContainerUrl')]", storage?["value"]?.ToString());
        Assert.Equal("UserAssignedIdentity", storage?["authentication"]?["type"]?.ToString());
        Assert.Equal("[parameters('identityId')]", storage?["authentication"]?["userAssignedIdentityResourceId"]?.ToString());

        Assert.Equal("UserAssigned", app.Resource["identity"]?["type"]?.ToString());
        Assert.Equal("[parameters('identityId')]", app["keyVaultReferenceIdentity"]);
        Assert.EndsWith(".outputs.id.value]", bicep.ModuleParameter("api", "identityId"), StringComparison.Ordinal);
        Assert.Contains("'Microsoft.Resources/deployments', 'identity')", bicep.ModuleParameter("api", "identityId"), StringComparison.Ordinal);
    }

    [Fact]
    public void App_settings_set_every_setting_the_code_requires_in_azure()
    {
        var settings = AppSettings();
        var missing = SettingNames.RequiredInAzure.Where(name => !settings.ContainsKey(name)).ToList();
        Assert.True(missing.Count == 0, $"missing app settings: {string.Join(", ", missing)}");
    }

    [Fact]
    public void App_settings_hold_no_key_connection_secret_or_literal_secret()
    {
        var text = bicep.Template.ToJsonString();
        foreach (var forbidden in new[] { "AccountKey=", "SharedAccessSignature", "listKeys(", "listSecrets(", "listAccountSas(" })
            Assert.DoesNotContain(forbidden, text, StringComparison.OrdinalIgnoreCase);

        // Literal values are plain configuration; everything else comes from an expression (a resource property).
        var allowedLiterals = new[] { "managedidentity", "KeyVault", "https://graph.facebook.com", "v25.0" };
        foreach (var (name, value) in AppSettings())
        {
            Assert.False(value.Contains("AccountKey", StringComparison.OrdinalIgnoreCase), name);
            if (!value.StartsWith('['))
                Assert.True(allowedLiterals.Contains(value), $"{name} has a literal value that is not known configuration: {value}");
        }

        // Flex Consumption rejects these, and a plain AzureWebJobsStorage would be a connection string.
        foreach (var forbidden in new[] { "AzureWebJobsStorage", "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION",
                     "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_CONTENTSHARE" })
            Assert.False(AppSettings().ContainsKey(forbidden), forbidden);
    }

    [Fact]
    public void App_settings_connect_with_the_managed_identity_and_key_vault()
    {
        var settings = AppSettings();
        Assert.Equal("[parameters('storageAccountName')]", settings[SettingNames.StorageAccountName]);
        Assert.Equal("managedidentity", settings[SettingNames.StorageCredential]);
        Assert.Equal("[parameters('identityClientId')]", settings[SettingNames.StorageClientId]);
        Assert.Equal("[parameters('identityClientId')]", settings[SettingNames.AzureClientId]);
        Assert.EndsWith(".outputs.clientId.value]", bicep.ModuleParameter("api", "identityClientId"), StringComparison.Ordinal);
        Assert.EndsWith(".outputs.name.value]", bicep.ModuleParameter("api", "storageAccountName"), StringComparison.Ordinal);

        Assert.Equal("KeyVault", settings[SettingNames.SecretsProvider]);
        Assert.Equal("[parameters('keyVaultUri')]", settings[SettingNames.KeyVaultUri]);

        Assert.Equal("https://graph.facebook.com", settings[SettingNames.MetaGraphBaseUrl]);
        Assert.Equal("v25.0", settings[SettingNames.MetaGraphApiVersion]);
        Assert.StartsWith("[format('https://{0}', reference(", settings[SettingNames.PublicBaseUrl], StringComparison.Ordinal);
        Assert.EndsWith(").defaultHostName)]", settings[SettingNames.PublicBaseUrl], StringComparison.Ordinal);

        Assert.Equal("[parameters('applicationInsightsConnectionString')]", settings[SettingNames.ApplicationInsightsConnectionString]);
        Assert.Equal("[format('ClientId={0};Authorization=AAD', parameters('identityClientId'))]",
            settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
    }

    [Fact]
    public void Role_assignments_are_exactly_the_least_privilege_data_roles()
    {
        var actual = bicep.OfType("Microsoft.Authorization/roleAssignments").Select(Describe).Order().ToList();
        string[] storage = ["Storage Blob Data Owner", "Storage Queue Data Contributor", "Storage Table Data Contributor"];
        var expected = storage.Select(r => $"identity: {r} on Microsoft.Storage/storageAccounts")
            .Append("identity: Key Vault Secrets Officer on tenant vault")
            .Append("identity: Key Vault Secrets User on operator vault")
            .Append("identity: Monitoring Metrics Publisher on Microsoft.Insights/components")
            .Concat(storage.Select(r => $"user if given: {r} on Microsoft.Storage/storageAccounts"))
            .Append("user if given: Key Vault Secrets Officer on tenant vault")
            .Append("user if given: Key Vault Secrets Officer on operator vault")
            .Order()
            .ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Role_assignments_go_to_the_managed_identity_and_the_optional_deploying_user()
    {
        Assert.EndsWith(".outputs.principalId.value]", bicep.ModuleParameter("rbac", "identityPrincipalId"), StringComparison.Ordinal);
        Assert.Contains("'Microsoft.Resources/deployments', 'identity')", bicep.ModuleParameter("rbac", "identityPrincipalId"), StringComparison.Ordinal);
        Assert.Equal("[parameters('principalId')]", bicep.ModuleParameter("rbac", "userPrincipalId"));
        Assert.Equal("", bicep.Template["parameters"]?["principalId"]?["defaultValue"]?.ToString());

        // Each assignment scopes to the resource its module parameter names, which comes from that resource's module.
        Assert.Contains("'storage'), '", bicep.ModuleParameter("rbac", "storageAccountName"), StringComparison.Ordinal);
        Assert.Contains("'keyvault'), '", bicep.ModuleParameter("rbac", "keyVaultName"), StringComparison.Ordinal);
        Assert.Contains("'monitoring'), '", bicep.ModuleParameter("rbac", "applicationInsightsName"), StringComparison.Ordinal);
        foreach (var assignment in bicep.OfType("Microsoft.Authorization/roleAssignments"))
        {
            var identity = assignment["principalId"] == "[parameters('identityPrincipalId')]";
            Assert.Equal(identity ? "ServicePrincipal" : "[parameters('userPrincipalType')]", assignment["principalType"]);
        }
    }

    [Fact]
    public void Outputs_give_the_endpoint_the_webhook_url_pattern_and_the_resource_names()
    {
        var outputs = bicep.Template["outputs"]!.AsObject();
        Assert.Contains("'operator-keyvault'), '", outputs["AZURE_OPERATOR_KEY_VAULT_NAME"]?["value"]?.ToString(), StringComparison.Ordinal);
        Assert.Contains("'keyvault'), '", outputs["AZURE_KEY_VAULT_NAME"]?["value"]?.ToString(), StringComparison.Ordinal);
        foreach (var name in new[] { "AZURE_LOCATION", "AZURE_TENANT_ID", "AZURE_RESOURCE_GROUP", "AZURE_FUNCTION_APP_NAME",
                     "SERVICE_API_NAME", "FUNCTION_APP_ENDPOINT", "WEBHOOK_URL_PATTERN", "AZURE_STORAGE_ACCOUNT_NAME",
                     "AZURE_KEY_VAULT_NAME", "AZURE_KEY_VAULT_ENDPOINT", "AZURE_OPERATOR_KEY_VAULT_NAME",
                     "AZURE_OPERATOR_KEY_VAULT_ENDPOINT", "APPLICATIONINSIGHTS_NAME" })
            Assert.True(outputs.ContainsKey(name), $"missing output {name}");

        Assert.StartsWith("[format('https://{0}', reference(", outputs["FUNCTION_APP_ENDPOINT"]?["value"]?.ToString(), StringComparison.Ordinal);

        // The pattern is the webhook function's route under the host's route prefix ({ and } doubled inside format()).
        var hostJson = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")))!;
        var prefix = hostJson["extensions"]?["http"]?["routePrefix"]?.ToString() ?? "api";
        var metadata = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.FunctionsBuildOutput, "functions.metadata")))!;
        var route = metadata.AsArray().Single(f => f?["name"]?.ToString() == "ReceiveMetaWebhook")!["bindings"]!.AsArray()
            .Single(b => b?["type"]?.ToString() == "httpTrigger")!["route"]!.ToString();
        Assert.Equal("webhooks/meta/{tenantId}", route);
        var escaped = $"/{prefix}/{route}".Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal);
        Assert.StartsWith($"[format('{{0}}{escaped}', format('https://{{0}}', reference(",
            outputs["WEBHOOK_URL_PATTERN"]?["value"]?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Resource_group_and_names_follow_the_azd_conventions()
    {
        var group = bicep.One("Microsoft.Resources/resourceGroups");
        Assert.Equal("[parameters('environmentName')]", bicep.Template["variables"]?["tags"]?["azd-env-name"]?.ToString());
        Assert.Equal("[variables('tags')]", group.Resource["tags"]?.ToString());
        Assert.Equal("[toLower(uniqueString(subscription().id, parameters('environmentName'), parameters('location')))]",
            bicep.Template["variables"]?["resourceToken"]?.ToString());
        Assert.Equal("[format('{0}{1}', variables('abbrs').resourcesResourceGroups, parameters('environmentName'))]", group.Name);
        Assert.Equal("[format('{0}api-{1}', variables('abbrs').webSitesFunctions, variables('resourceToken'))]",
            bicep.Template["variables"]?["functionAppName"]?.ToString());

        var abbreviations = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "abbreviations.json")))!;
        Assert.Equal("rg-", abbreviations["resourcesResourceGroups"]?.ToString());
        Assert.Equal("func-", abbreviations["webSitesFunctions"]?.ToString());
    }

    [Fact]
    public void Parameters_file_maps_azd_variables_onto_existing_template_parameters()
    {
        var values = ParameterFileValues();
        var declared = bicep.Template["parameters"]!.AsObject();
        foreach (var name in values.Keys)
            Assert.True(declared.ContainsKey(name), $"main.parameters.json sets {name}, which main.bicep does not declare");
        Assert.Equal("${AZURE_ENV_NAME}", values["environmentName"]);
        Assert.Equal("${AZURE_LOCATION}", values["location"]);
        Assert.Equal("${AZURE_PRINCIPAL_ID}", values["principalId"]);
    }

    /// <summary>"identity: Role on Type" from a compiled role assignment.</summary>
    private static string Describe(TemplateResource assignment)
    {
        var principal = assignment["principalId"] switch
        {
            "[parameters('identityPrincipalId')]" => "identity",
            "[parameters('userPrincipalId')]" => "user",
            var other => $"unexpected principal {other}",
        };
        if (assignment.Resource["condition"] is not null)
            principal += " if given";

        var roleId = assignment["roleDefinitionId"] ?? "";
        var variable = Regex.Match(roleId, @"variables\('(\w+)'\)\.(\w+)");
        var guid = variable.Success ? assignment.Template["variables"]?[variable.Groups[1].Value]?[variable.Groups[2].Value]?.ToString() ?? "" : roleId;
        var role = RoleNames.FirstOrDefault(r => guid.Contains(r.Key, StringComparison.OrdinalIgnoreCase)).Value ?? $"unexpected role {roleId}";

        var scope = Regex.Match(assignment.Resource["scope"]?.ToString() ?? "", @"^\[resourceId\('([^']+)', parameters\('(\w+)'\)").Groups;
        var on = scope[2].Value switch
        {
            "keyVaultName" => "tenant vault",
            "operatorKeyVaultName" => "operator vault",
            _ => scope[1].Value,
        };
        return $"{principal}: {role} on {on}";
    }

    /// <summary>infra/main.parameters.json: parameter name → the value azd substitutes.</summary>
    private static Dictionary<string, string?> ParameterFileValues()
    {
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "main.parameters.json")))!;
        return file["parameters"]!.AsObject().ToDictionary(p => p.Key, p => p.Value?["value"]?.ToString());
    }

    /// <summary>The function app's settings: the sites/config 'appsettings' resource, the only place that sets them.</summary>
    private Dictionary<string, string> AppSettings()
    {
        Assert.Null(bicep.One(Site).Properties["siteConfig"]?["appSettings"]);
        var config = bicep.OfType("Microsoft.Web/sites/config").Single(c => c.Name.Contains("'appsettings'", StringComparison.Ordinal));
        return config.Properties.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "");
    }
}

namespace OneClick.Core.Configuration;

/// <summary>
/// Every app setting OneClick reads, by the name used in app settings and environment variables
/// ("__" separates sections; .NET configuration reads it as ":"). The deployment template must set
/// each of <see cref="RequiredInAzure"/>; a test compares them.
/// </summary>
public static class SettingNames
{
    // Storage: a connection string locally, identity-based in Azure (the Functions host reads the same names).
    public const string StorageConnectionString = "AzureWebJobsStorage";
    public const string StorageAccountName = "AzureWebJobsStorage__accountName";
    public const string StorageCredential = "AzureWebJobsStorage__credential";
    public const string StorageClientId = "AzureWebJobsStorage__clientId";

    // The user-assigned managed identity DefaultAzureCredential uses for Key Vault.
    public const string AzureClientId = "AZURE_CLIENT_ID";

    public const string AdminApiKey = "OneClick__AdminApiKey";
    public const string SecretsProvider = "OneClick__Secrets__Provider";
    public const string KeyVaultUri = "OneClick__Secrets__KeyVaultUri";
    public const string LocalSecretsPath = "OneClick__Secrets__LocalPath";
    public const string PublicBaseUrl = "OneClick__PublicBaseUrl";

    public const string MetaGraphBaseUrl = "Meta__GraphBaseUrl";
    public const string MetaGraphApiVersion = "Meta__GraphApiVersion";

    public const string ApplicationInsightsConnectionString = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    /// <summary>Also print telemetry to the console (local diagnosis).</summary>
    public const string TelemetryConsole = "OneClick__Telemetry__Console";

    /// <summary>Minutes without a message after which a contact's session ends (default 30).</summary>
    public const string SessionIdleMinutes = "OneClick__Sessions__IdleMinutes";
    /// <summary>Skip free-form messages outside the 24-hour customer-service window (default true).</summary>
    public const string EnforceServiceWindow = "OneClick__Conversations__EnforceServiceWindow";

    /// <summary>Settings the deployed function app cannot run without.</summary>
    public static readonly IReadOnlyList<string> RequiredInAzure =
    [
        StorageAccountName,
        StorageCredential,
        StorageClientId,
        AzureClientId,
        AdminApiKey,
        SecretsProvider,
        KeyVaultUri,
        PublicBaseUrl,
        MetaGraphBaseUrl,
        MetaGraphApiVersion,
        ApplicationInsightsConnectionString,
    ];

    /// <summary>Turns a setting name into its .NET configuration key ("A__B" → "A:B").</summary>
    public static string ConfigKey(string settingName) => settingName.Replace("__", ":", StringComparison.Ordinal);
}

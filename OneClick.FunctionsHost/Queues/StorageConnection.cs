using Azure.Storage.Queues;
using OneClick.FunctionsHost.Configuration;

namespace OneClick.FunctionsHost.Queues;

/// <summary>A queue trigger's "connection": the name of a setting holding a storage connection string, looked up as the host does.</summary>
internal static class StorageConnection
{
    public static QueueServiceClient CreateClient(AppSettings settings, string connectionName, string functionName, Azure.Core.Pipeline.HttpPipelinePolicy? policy = null)
    {
        var connectionString = settings.Get(connectionName)
            ?? settings.Get("AzureWebJobs" + connectionName)
            ?? settings.Get("ConnectionStrings:" + connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var identityBased = settings.Get(connectionName + "__queueServiceUri") ?? settings.Get(connectionName + "__serviceUri");
            throw new InvalidOperationException(identityBased is null
                ? $"Function '{functionName}': the storage connection setting '{connectionName}' is not set (e.g. UseDevelopmentStorage=true)."
                : $"Function '{functionName}': '{connectionName}' is an identity-based connection, which the local host does not support; give it a connection string.");
        }
        // Bodies are read and written as stored; the listener decodes base64 itself, per host.json messageEncoding.
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        if (policy is not null)
            options.AddPolicy(policy, Azure.Core.HttpPipelinePosition.PerRetry);
        return new QueueServiceClient(connectionString, options);
    }
}

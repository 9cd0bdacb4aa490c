using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using OneClick.Core.Configuration;

namespace OneClick.Core.Storage;

/// <summary>
/// The storage account behind AzureWebJobsStorage: a connection string locally (Azurite),
/// identity-based in Azure (AzureWebJobsStorage__accountName), exactly as the Functions host reads it.
/// </summary>
public sealed class StorageAccount
{
    public TableServiceClient Tables { get; }
    public QueueServiceClient Queues { get; }
    public BlobServiceClient Blobs { get; }

    /// <param name="policy">Optional: added to every client's pipeline (the benchmark counts storage requests with it).</param>
    public StorageAccount(IConfiguration configuration, QueueMessageEncoding queueEncoding, HttpPipelinePolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var queueOptions = new QueueClientOptions { MessageEncoding = queueEncoding };
        var tableOptions = new TableClientOptions();
        var blobOptions = new BlobClientOptions();
        if (policy is not null)
        {
            queueOptions.AddPolicy(policy, HttpPipelinePosition.PerRetry);
            tableOptions.AddPolicy(policy, HttpPipelinePosition.PerRetry);
            blobOptions.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        }
        var connectionString = configuration[SettingNames.StorageConnectionString];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            Tables = new TableServiceClient(connectionString, tableOptions);
            Queues = new QueueServiceClient(connectionString, queueOptions);
            Blobs = new BlobServiceClient(connectionString, blobOptions);
            return;
        }

        var accountName = configuration[SettingNames.ConfigKey(SettingNames.StorageAccountName)]
            ?? throw new InvalidOperationException(
                $"Set {SettingNames.StorageConnectionString} (local) or {SettingNames.StorageAccountName} (Azure).");
        TokenCredential credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = configuration[SettingNames.ConfigKey(SettingNames.StorageClientId)],
        });
        Tables = new TableServiceClient(new Uri($"https://{accountName}.table.core.windows.net"), credential, tableOptions);
        Queues = new QueueServiceClient(new Uri($"https://{accountName}.queue.core.windows.net"), credential, queueOptions);
        Blobs = new BlobServiceClient(new Uri($"https://{accountName}.blob.core.windows.net"), credential, blobOptions);
    }

    public TableClient Table(string name) => Tables.GetTableClient(name);

    public QueueClient Queue(string name) => Queues.GetQueueClient(name);

    /// <summary>Creates every table, queue and container OneClick uses; safe to call repeatedly.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        foreach (var table in TableNames.All)
            await Table(table).CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var queue in new[]
        {
            QueueNames.OutboundMessages, QueueNames.WebhookEvents, QueueNames.AutomationActions, QueueNames.ContactImports,
            QueueNames.CampaignDispatch, QueueNames.CampaignSends,
        })
        {
            await Queue(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await Queue(QueueNames.Poison(queue)).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        await Blobs.GetBlobContainerClient(BlobContainerNames.WebhookPayloads)
            .CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await Blobs.GetBlobContainerClient(BlobContainerNames.ContactImports)
            .CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}

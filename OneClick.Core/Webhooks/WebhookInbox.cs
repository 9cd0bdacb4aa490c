using System.Text;
using Azure.Storage.Blobs;
using OneClick.Core.Storage;

namespace OneClick.Core.Webhooks;

/// <summary>Parks verified webhook bodies on the webhook-events queue, fast, so Meta gets its 200 at once.</summary>
public sealed class WebhookInbox(StorageAccount storage, QueuePublisher queue, TimeProvider clock)
{
    /// <summary>Queue messages hold 64 KiB after base64; leave room for the envelope.</summary>
    public const int MaxInlineBodyBytes = 40 * 1024;

    /// <summary>Blob prefix of the platform callback's bodies; '_' is in no tenant id.</summary>
    private const string PlatformPrefix = "_platform";

    /// <param name="tenantId">The tenant whose URL received the body; null for the platform app's callback.</param>
    public async Task AcceptAsync(string? tenantId, byte[] body, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var receivedAt = clock.GetUtcNow();
        WebhookEventCommand command;
        if (body.Length <= MaxInlineBodyBytes)
        {
            command = new(WebhookEventCommand.CurrentVersion, tenantId, correlationId, receivedAt, Encoding.UTF8.GetString(body), null);
        }
        else
        {
            var blobName = $"{tenantId ?? PlatformPrefix}/{receivedAt:yyyy/MM/dd}/{correlationId}.json";
            await Container.GetBlobClient(blobName).UploadAsync(new BinaryData(body), overwrite: true, cancellationToken).ConfigureAwait(false);
            command = new(WebhookEventCommand.CurrentVersion, tenantId, correlationId, receivedAt, null, blobName);
        }
        await queue.SendAsync(QueueNames.WebhookEvents, command, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The body a command carries, inline or from its blob.</summary>
    public async Task<string> ReadBodyAsync(WebhookEventCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Body is not null)
            return command.Body;
        var content = await Container.GetBlobClient(command.BlobName).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
        return content.Value.Content.ToString();
    }

    private BlobContainerClient Container => storage.Blobs.GetBlobContainerClient(BlobContainerNames.WebhookPayloads);
}

using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using OneClick.Core.Storage;

namespace OneClick.Core.Webhooks;

/// <summary>
/// Parks verified webhook bodies on the webhook-events queue, fast, so Meta gets its 200 at once. Bodies that arrive
/// while earlier puts are in flight share the next queue message (group commit): alone, a body is put at once; in a
/// burst (a campaign's status webhooks, three per recipient) dozens share one put, receive and delete, which keeps
/// both the storage requests per webhook and the queue's backlog small. Each caller returns only once its own body is
/// stored, so a 200 still means "parked".
/// </summary>
public sealed class WebhookInbox(StorageAccount storage, QueuePublisher queue, TimeProvider clock)
{
    /// <summary>
    /// A queue message holds 64 KiB after base64, i.e. 48 KiB of JSON; the deliveries of one message stay within this,
    /// measured as serialized (escaping still makes some bodies larger: a quote inside a string takes two bytes in the
    /// body and four once the body is a string itself, and an emoji's four bytes become twelve), leaving room for the
    /// envelope.
    /// </summary>
    public const int MaxMessageBytes = 44 * 1024;

    /// <summary>Bodies larger than this are always parked in a blob, whatever their serialized size.</summary>
    public const int MaxInlineBodyBytes = 40 * 1024;

    /// <summary>
    /// Puts in flight at once per instance; waiting bodies go together in the next. One: in a burst every body that
    /// arrives during a put shares the next message, so messages hold more webhooks (11–12 instead of 7–8 with two, in
    /// the held-backlog benchmark) and the queue takes a third fewer requests per webhook; a body alone is put at once.
    /// </summary>
    private const int PutsInFlight = 1;

    /// <summary>Blob prefix of the platform callback's bodies; '_' is in no tenant id.</summary>
    private const string PlatformPrefix = "_platform";

    private readonly Lock _lock = new();
    private readonly Queue<Parked> _waiting = new();
    private int _putsInFlight;

    /// <param name="tenantId">The tenant whose URL received the body; null for the platform app's callback.</param>
    public async Task AcceptAsync(string? tenantId, byte[] body, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var receivedAt = clock.GetUtcNow();
        var delivery = new WebhookDelivery(tenantId, correlationId, receivedAt, body.Length <= MaxInlineBodyBytes ? Encoding.UTF8.GetString(body) : null, null);
        var size = delivery.Body is null ? int.MaxValue : SizeOf(delivery);
        if (size > MaxMessageBytes)
        {
            var blobName = $"{tenantId ?? PlatformPrefix}/{receivedAt:yyyy/MM/dd}/{correlationId}.json";
            await Container.GetBlobClient(blobName).UploadAsync(new BinaryData(body), overwrite: true, cancellationToken).ConfigureAwait(false);
            delivery = delivery with { Body = null, BlobName = blobName };
            size = SizeOf(delivery);
        }

        var parked = new Parked(delivery, size);
        lock (_lock)
            _waiting.Enqueue(parked);
        StartPuts();
        await parked.Stored.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Parks deliveries again, each in a message of its own: the ones that failed inside a message that held several,
    /// so that one that keeps failing reaches the poison queue alone, after its own tries.
    /// </summary>
    public async Task RequeueAloneAsync(IEnumerable<WebhookDelivery> deliveries, CancellationToken cancellationToken) =>
        await Task.WhenAll(deliveries.Select(d =>
            queue.SendAsync(QueueNames.WebhookEvents, new WebhookEventCommand(WebhookEventCommand.CurrentVersion, [d]), cancellationToken: cancellationToken))).ConfigureAwait(false);

    /// <summary>The body a delivery carries, inline or from its blob.</summary>
    public async Task<string> ReadBodyAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (delivery.Body is not null)
            return delivery.Body;
        var content = await Container.GetBlobClient(delivery.BlobName).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
        return content.Value.Content.ToString();
    }

    private void StartPuts()
    {
        while (true)
        {
            List<Parked> batch = [];
            lock (_lock)
            {
                if (_putsInFlight >= PutsInFlight || _waiting.Count == 0)
                    return;
                var bytes = 0;
                while (_waiting.TryPeek(out var next) && (batch.Count == 0 || bytes + next.Size <= MaxMessageBytes))
                {
                    bytes += next.Size + 1;
                    batch.Add(_waiting.Dequeue());
                }
                _putsInFlight++;
            }
            _ = PutAsync(batch);
        }
    }

    private async Task PutAsync(List<Parked> batch)
    {
        try
        {
            // Not the callers' tokens: the message is theirs together, and one caller giving up must not fail the rest.
            await queue.SendAsync(QueueNames.WebhookEvents, new WebhookEventCommand(WebhookEventCommand.CurrentVersion, [.. batch.Select(p => p.Delivery)])).ConfigureAwait(false);
            batch.ForEach(p => p.Stored.TrySetResult());
        }
#pragma warning disable CA1031 // every caller gets the failure: its request answers 500 and Meta sends the body again
        catch (Exception e)
#pragma warning restore CA1031
        {
            batch.ForEach(p => p.Stored.TrySetException(e));
        }
        finally
        {
            lock (_lock)
                _putsInFlight--;
            StartPuts();
        }
    }

    private static int SizeOf(WebhookDelivery delivery) => JsonSerializer.SerializeToUtf8Bytes(delivery, QueueJson.Options).Length;

    private BlobContainerClient Container => storage.Blobs.GetBlobContainerClient(BlobContainerNames.WebhookPayloads);

    private sealed record Parked(WebhookDelivery Delivery, int Size)
    {
        public TaskCompletionSource Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

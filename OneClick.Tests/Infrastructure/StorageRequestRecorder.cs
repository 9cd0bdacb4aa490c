using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Configuration;
using OneClick.Core.Configuration;
using OneClick.Core.Storage;

namespace OneClick.Tests.Infrastructure;

/// <summary>Records every request a storage client sends ("METHOD /path" and its size, retries included), for tests of what a path costs.</summary>
public sealed class StorageRequestRecorder : HttpPipelineSynchronousPolicy
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(string Request, long Bytes)> _sent = new();

    public IReadOnlyCollection<string> Requests => [.. _sent.Select(s => s.Request)];

    /// <summary>Every request with the size of its body (0 for none).</summary>
    public IReadOnlyCollection<(string Request, long Bytes)> Sent => _sent;

    /// <summary>Storage clients of their own, as another instance's would be, with every request recorded.</summary>
    public static (StorageAccount Storage, StorageRequestRecorder Recorder) Storage(string connectionString)
    {
        var recorder = new StorageRequestRecorder();
        return (Storage(connectionString, recorder), recorder);
    }

    /// <summary>Storage clients of their own with <paramref name="policy"/> on every request (a recorder, or a fault a test injects).</summary>
    public static StorageAccount Storage(string connectionString, HttpPipelinePolicy policy)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(SettingNames.StorageConnectionString, connectionString)]).Build();
        return new StorageAccount(configuration, Azure.Storage.Queues.QueueMessageEncoding.Base64, policy);
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        // Azurite's paths start with the account name.
        var path = message.Request.Uri.Path;
        var bytes = message.Request.Content is { } content && content.TryComputeLength(out var length) ? length : 0;
        _sent.Enqueue(($"{message.Request.Method} {path[path.IndexOf('/', 1)..]}", bytes));
    }
}

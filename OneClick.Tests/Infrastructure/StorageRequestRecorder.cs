using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Configuration;
using OneClick.Core.Configuration;
using OneClick.Core.Storage;

namespace OneClick.Tests.Infrastructure;

/// <summary>Records every request a storage client sends ("METHOD /path", retries included), for tests of what a path costs.</summary>
public sealed class StorageRequestRecorder : HttpPipelineSynchronousPolicy
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _requests = new();

    public IReadOnlyCollection<string> Requests => _requests;

    /// <summary>Storage clients of their own, as another instance's would be, with every request recorded.</summary>
    public static (StorageAccount Storage, StorageRequestRecorder Recorder) Storage(string connectionString)
    {
        var recorder = new StorageRequestRecorder();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(SettingNames.StorageConnectionString, connectionString)]).Build();
        return (new StorageAccount(configuration, Azure.Storage.Queues.QueueMessageEncoding.Base64, recorder), recorder);
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        // Azurite's paths start with the account name.
        var path = message.Request.Uri.Path;
        _requests.Enqueue($"{message.Request.Method} {path[path.IndexOf('/', 1)..]}");
    }
}

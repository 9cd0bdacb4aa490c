using Azure.Core;
using Azure.Core.Pipeline;

namespace OneClick.Tests.Infrastructure;

/// <summary>Records every request a storage client sends ("METHOD /path", retries included), for tests of what a path costs.</summary>
public sealed class StorageRequestRecorder : HttpPipelineSynchronousPolicy
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _requests = new();

    public IReadOnlyCollection<string> Requests => _requests;

    public override void OnSendingRequest(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        // Azurite's paths start with the account name.
        var path = message.Request.Uri.Path;
        _requests.Enqueue($"{message.Request.Method} {path[path.IndexOf('/', 1)..]}");
    }
}

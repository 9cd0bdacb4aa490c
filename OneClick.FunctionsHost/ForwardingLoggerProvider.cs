using Microsoft.Extensions.Logging;

namespace OneClick.FunctionsHost;

/// <summary>Lets the host's internal web servers log through the caller's logger factory (behind their own level filters).</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
    }
}

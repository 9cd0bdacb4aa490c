using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace OneClick.Functions.Http;

/// <summary>Requests a caller may make per minute (docs/hardening.md).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "OneClick:RateLimits";

    /// <summary>Authenticated calls of one tenant, from wherever they come.</summary>
    public int TenantPerMinute { get; set; } = 1200;

    /// <summary>Every API call from one client address, counted before its key is checked (so key guessing is bounded too).</summary>
    public int IpPerMinute { get; set; } = 2400;

    /// <summary>
    /// Webhook deliveries and verify calls (anonymous) from one address. Meta's deliveries come from few addresses, so this
    /// must cover a busy tenant's status traffic; Meta retries a 429 later, so going over delays events rather than losing them.
    /// </summary>
    public int WebhookIpPerMinute { get; set; } = 1200;

    /// <summary>
    /// How many trusted proxies in front of the worker append to X-Forwarded-For (the Functions host's proxy is one). The
    /// client is the entry that many from the right: entries further left were written by the caller and can be forged.
    /// </summary>
    public int ForwardedHops { get; set; } = 1;

    internal static void Add(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(Section))
            .Validate(o => o.TenantPerMinute > 0 && o.IpPerMinute > 0 && o.WebhookIpPerMinute > 0,
                $"{Section}: the per-minute limits must be positive.")
            .Validate(o => o.ForwardedHops is >= 0 and <= 10, $"{Section}:ForwardedHops must be between 0 and 10.")
            .ValidateOnStart();
        services.AddSingleton<RequestRateLimits>();
    }
}

/// <summary>
/// Fixed one-minute windows per tenant, per client address and per address on the webhook path. Each key's limiter is
/// dropped by <see cref="PartitionedRateLimiter"/> once it has been idle (full again) for a few seconds, so unknown
/// keys and addresses cost memory only while they are sending.
/// </summary>
public sealed class RequestRateLimits : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly PartitionedRateLimiter<string> _tenants;
    private readonly PartitionedRateLimiter<string> _addresses;
    private readonly PartitionedRateLimiter<string> _webhookAddresses;
    private readonly int _forwardedHops;

    public RequestRateLimits(IOptions<RateLimitOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _tenants = Create(o.TenantPerMinute);
        _addresses = Create(o.IpPerMinute);
        _webhookAddresses = Create(o.WebhookIpPerMinute);
        _forwardedHops = o.ForwardedHops;
    }

    private static PartitionedRateLimiter<string> Create(int perMinute) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Null when allowed; otherwise how long to wait.</summary>
    public TimeSpan? TryAcquireForAddress(HttpContext http, bool webhook) =>
        TryAcquire(webhook ? _webhookAddresses : _addresses, ClientAddress(http));

    public TimeSpan? TryAcquireForTenant(string tenantId) => TryAcquire(_tenants, tenantId);

    private static TimeSpan? TryAcquire(PartitionedRateLimiter<string> limiter, string key)
    {
        using var lease = limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
            return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Window;
    }

    /// <summary>The caller's address as the nearest trusted proxy saw it (see <see cref="RateLimitOptions.ForwardedHops"/>).</summary>
    public string ClientAddress(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (_forwardedHops > 0)
        {
            var hops = http.Request.Headers["X-Forwarded-For"].ToString()
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (hops.Length > 0)
                return Normalize(hops[Math.Max(0, hops.Length - _forwardedHops)]);
        }
        return http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }

    /// <summary>Azure's front end writes "address:port"; the port changes per connection and must not make a new key.</summary>
    private static string Normalize(string entry) =>
        IPAddress.TryParse(entry, out var address) ? address.ToString()
        : IPEndPoint.TryParse(entry, out var endPoint) ? endPoint.Address.ToString()
        : entry.Length <= 64 ? entry : entry[..64];

    public void Dispose()
    {
        _tenants.Dispose();
        _addresses.Dispose();
        _webhookAddresses.Dispose();
    }
}

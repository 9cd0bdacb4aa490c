using Microsoft.Extensions.Caching.Memory;

namespace OneClick.Core.Caching;

/// <summary>
/// Lookups that found nothing (a tenant id with no secrets, an API key that matches no tenant), remembered briefly so a
/// caller repeating made-up ids does not cost a Key Vault or table read each time. Its own cache with a size limit: made-up
/// ids are the caller's choice, so unlike the shared cache (real tenants and keys only) it must not grow with them. When
/// full it stops remembering, which costs reads again but never memory.
/// </summary>
public sealed class UnknownKeys : IDisposable
{
    public const int DefaultCapacity = 10_000;
    public static readonly TimeSpan RememberFor = TimeSpan.FromSeconds(60);
    private readonly MemoryCache _cache;

    public UnknownKeys() : this(DefaultCapacity)
    {
    }

    public UnknownKeys(int capacity) =>
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = capacity, CompactionPercentage = 0.25 });

    public bool IsUnknown(string key) => _cache.TryGetValue(key, out _);

    public void Remember(string key) =>
        _cache.Set(key, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = RememberFor });

    /// <summary>It exists now (its secrets were just stored on this instance).</summary>
    public void Forget(string key) => _cache.Remove(key);

    public long Count => _cache.Count;

    public void Dispose() => _cache.Dispose();
}

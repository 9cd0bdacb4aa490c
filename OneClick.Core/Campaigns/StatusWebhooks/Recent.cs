namespace OneClick.Core.Campaigns.StatusWebhooks;

/// <summary>The most recently added keys with a value each, at most <paramref name="capacity"/>: the oldest go first. Thread-safe.</summary>
internal class Recent<TValue>(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TValue> _values = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public bool Contains(string key)
    {
        lock (_lock)
            return _values.ContainsKey(key);
    }

    public bool TryGet(string key, out TValue value)
    {
        lock (_lock)
            return _values.TryGetValue(key, out value!);
    }

    /// <summary>Adds the key or updates its value (a null key is ignored), forgetting the oldest when full.</summary>
    public void Set(string? key, TValue value)
    {
        if (key is null)
            return;
        lock (_lock)
        {
            if (!_values.TryAdd(key, value))
            {
                _values[key] = value;
                return;
            }
            _order.Enqueue(key);
            if (_order.Count > capacity)
                _values.Remove(_order.Dequeue());
        }
    }

    /// <summary>Forgets the key. One set again later is queued twice, so it may be forgotten early: a cache miss, never a wrong answer.</summary>
    public void Remove(string key)
    {
        lock (_lock)
            _values.Remove(key);
    }
}

/// <summary>A set of the most recently added keys, at most <paramref name="capacity"/>: the oldest go first. Thread-safe.</summary>
internal sealed class RecentKeys(int capacity) : Recent<bool>(capacity)
{
    /// <summary>Adds the key (null is ignored), forgetting the oldest when full.</summary>
    public void Add(string? key) => Set(key, true);
}

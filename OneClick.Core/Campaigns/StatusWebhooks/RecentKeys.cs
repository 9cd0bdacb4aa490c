namespace OneClick.Core.Campaigns.StatusWebhooks;

/// <summary>A set of the most recently added keys, at most <paramref name="capacity"/>: the oldest go first. Thread-safe.</summary>
internal sealed class RecentKeys(int capacity)
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public bool Contains(string key)
    {
        lock (_lock)
            return _keys.Contains(key);
    }

    /// <summary>Adds the key (null is ignored), forgetting the oldest when full.</summary>
    public void Add(string? key)
    {
        if (key is null)
            return;
        lock (_lock)
        {
            if (!_keys.Add(key))
                return;
            _order.Enqueue(key);
            if (_order.Count > capacity)
                _keys.Remove(_order.Dequeue());
        }
    }
}

namespace OneClick.MetaSandbox.Faults;

/// <summary>
/// Per-phone-number sliding 1-second window, like Meta's messages-per-second throughput (130429 when exceeded).
/// Only admitted sends occupy the window, so a client that backs off gets through again after a second.
/// </summary>
internal sealed class ThroughputLimiter(TimeProvider time)
{
    private readonly Dictionary<string, Queue<long>> _windows = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public bool TryAcquire(string phoneNumberId, int maxPerSecond)
    {
        var now = time.GetTimestamp();
        var windowStart = now - time.TimestampFrequency;
        lock (_gate)
        {
            if (!_windows.TryGetValue(phoneNumberId, out var admitted))
            {
                admitted = new Queue<long>();
                _windows[phoneNumberId] = admitted;
            }

            while (admitted.Count > 0 && admitted.Peek() <= windowStart)
            {
                admitted.Dequeue();
            }

            if (admitted.Count >= maxPerSecond)
            {
                return false;
            }

            admitted.Enqueue(now);
            return true;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _windows.Clear();
        }
    }
}

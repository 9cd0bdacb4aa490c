namespace OneClick.Core.Campaigns;

/// <summary>
/// The recipients of this instance that may be mid-send: a recipient takes a token just before its claim is
/// written and gives it back when its Meta call has returned. With <see cref="Capacity"/> =
/// <see cref="CampaignOptions.MaxConcurrentSends"/>, a process killed at any moment leaves at most that many claimed
/// recipients whose call may or may not have reached Meta; every other recipient is either recorded or still queued.
/// Waiters are served first come, first served, each with a minimum, so a batch claims in a few large waves (one
/// storage transaction each) rather than many small ones, and no batch starves behind others.
/// </summary>
public sealed class SendClaimBudget
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private int _free;

    public SendClaimBudget(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _free = capacity;
    }

    public int Capacity { get; }

    /// <summary>Tokens free now (for tests and diagnostics).</summary>
    public int Free
    {
        get
        {
            lock (_gate)
                return _free;
        }
    }

    /// <summary>Waits until at least <paramref name="min"/> tokens are free (and no earlier waiter is waiting), then takes up to <paramref name="max"/>.</summary>
    /// <returns>How many were taken: between min and max.</returns>
    public Task<int> AcquireAsync(int min, int max, CancellationToken cancellationToken)
    {
        min = Math.Clamp(min, 1, Capacity);
        max = Math.Max(min, max);
        Waiter waiter;
        lock (_gate)
        {
            if (_waiters.Count == 0 && _free >= min)
            {
                var granted = Math.Min(max, _free);
                _free -= granted;
                return Task.FromResult(granted);
            }
            waiter = new Waiter(min, max);
            waiter.Node = _waiters.AddLast(waiter);
        }
        if (cancellationToken.CanBeCanceled)
        {
            waiter.Cancellation = cancellationToken.Register(() =>
            {
                lock (_gate)
                {
                    // Whoever takes the waiter off the list completes it: here, or Release granting it tokens.
                    if (waiter.Node?.List is null)
                        return;
                    _waiters.Remove(waiter.Node);
                }
                waiter.Completion.TrySetCanceled(cancellationToken);
                Grant(); // a waiter behind it may fit now
            });
        }
        return waiter.Completion.Task;
    }

    public void Release(int count = 1)
    {
        if (count <= 0)
            return;
        lock (_gate)
            _free = Math.Min(Capacity, _free + count);
        Grant();
    }

    private void Grant()
    {
        var granted = new List<(Waiter Waiter, int Count)>();
        lock (_gate)
        {
            while (_waiters.First is { } first && _free >= first.Value.Min)
            {
                var count = Math.Min(first.Value.Max, _free);
                _free -= count;
                _waiters.RemoveFirst();
                granted.Add((first.Value, count));
            }
        }
        foreach (var (waiter, count) in granted)
        {
            waiter.Cancellation.Dispose();
            waiter.Completion.TrySetResult(count);
        }
    }

    private sealed class Waiter(int min, int max)
    {
        public int Min { get; } = min;
        public int Max { get; } = max;
        public LinkedListNode<Waiter>? Node { get; set; }
        public CancellationTokenRegistration Cancellation { get; set; }
        public TaskCompletionSource<int> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

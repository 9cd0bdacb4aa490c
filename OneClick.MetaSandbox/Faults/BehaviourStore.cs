using System.Collections.Concurrent;
using System.Collections.Frozen;
using OneClick.MetaSandbox.Messages;

namespace OneClick.MetaSandbox.Faults;

/// <summary>The behaviour in force for one phone number, with recipient keys normalized for fast matching.</summary>
internal sealed class ActiveBehaviour
{
    public ActiveBehaviour(SandboxBehaviour settings)
    {
        Settings = settings;
        Delays = settings.WebhookDelaysMs ?? new WebhookDelays { Sent = null, Delivered = null, Read = null };
        _recipientErrors = Normalize(settings.RecipientErrors);
        _asyncFailures = Normalize(settings.AsyncFailures);
        _asyncFailuresOnce = Normalize(settings.AsyncFailuresOnce);
        _readFaultsLeft = settings.TransientReadFaults;
    }

    public static ActiveBehaviour Default { get; } = new(new SandboxBehaviour());

    /// <summary>The object as PUT (what GET returns).</summary>
    public SandboxBehaviour Settings { get; }

    public WebhookDelays Delays { get; }

    private readonly FrozenDictionary<string, int> _recipientErrors;
    private readonly FrozenDictionary<string, int> _asyncFailures;
    private readonly FrozenDictionary<string, int> _asyncFailuresOnce;
    private readonly ConcurrentDictionary<string, byte> _usedOnce = new(StringComparer.Ordinal);
    private int _readFaultsLeft;

    /// <summary>True while <see cref="SandboxBehaviour.TransientReadFaults"/> has faults left; each call uses one.</summary>
    public bool TakeReadFault() => Volatile.Read(ref _readFaultsLeft) > 0 && Interlocked.Decrement(ref _readFaultsLeft) >= 0;

    public int? RecipientError(string recipientKey) => _recipientErrors.TryGetValue(recipientKey, out var code) ? code : null;

    public int? AsyncFailure(string recipientKey) =>
        _asyncFailures.TryGetValue(recipientKey, out var code) ? code
        // Once per recipient for the life of this behaviour: the first caller to claim it gets the failure.
        : _asyncFailuresOnce.TryGetValue(recipientKey, out var once) && _usedOnce.TryAdd(recipientKey, 0) ? once
        : null;

    private static FrozenDictionary<string, int> Normalize(Dictionary<string, int>? byRecipient) =>
        (byRecipient ?? [])
            .GroupBy(entry => Recipients.MatchKey(entry.Key), StringComparer.Ordinal)
            .ToFrozenDictionary(group => group.Key, group => group.Last().Value, StringComparer.Ordinal);
}

/// <summary>Behaviour per phone number; numbers without one use <see cref="ActiveBehaviour.Default"/>.</summary>
internal sealed class BehaviourStore
{
    private readonly ConcurrentDictionary<string, ActiveBehaviour> _behaviours = new(StringComparer.Ordinal);

    public ActiveBehaviour Get(string phoneNumberId) =>
        _behaviours.TryGetValue(phoneNumberId, out var behaviour) ? behaviour : ActiveBehaviour.Default;

    public ActiveBehaviour Set(string phoneNumberId, SandboxBehaviour settings) =>
        _behaviours[phoneNumberId] = new ActiveBehaviour(settings);

    public void Remove(string phoneNumberId) => _behaviours.TryRemove(phoneNumberId, out _);

    public void Clear() => _behaviours.Clear();
}

using System.Collections.Concurrent;

namespace OneClick.MetaSandbox.Groups;

/// <summary>Every group the sandbox knows, by group id. Deleted groups stay (flagged) so late calls get 131041.</summary>
internal sealed class GroupRegistry
{
    private readonly ConcurrentDictionary<string, SandboxGroup> _groups = new(StringComparer.Ordinal);
    private long _sequence;

    public SandboxGroup Add(string phoneNumberId, DateTimeOffset at)
    {
        while (true)
        {
            var group = new SandboxGroup
            {
                Id = SandboxGroup.NewId(),
                PhoneNumberId = phoneNumberId,
                CreatedAt = at,
                Sequence = Interlocked.Increment(ref _sequence),
            };
            if (_groups.TryAdd(group.Id, group))
            {
                return group;
            }
        }
    }

    /// <summary>The live group with that id owned by that number, or null (Meta: 131041 unknown group).</summary>
    public SandboxGroup? Find(string groupId) =>
        _groups.TryGetValue(groupId, out var group) && !group.Deleted ? group : null;

    /// <summary>Live groups of a number in creation order.</summary>
    public IReadOnlyList<SandboxGroup> Of(string phoneNumberId) =>
        [.. _groups.Values.Where(g => g.PhoneNumberId == phoneNumberId && !g.Deleted).OrderBy(g => g.Sequence)];

    public int CountOf(string phoneNumberId) => _groups.Values.Count(g => g.PhoneNumberId == phoneNumberId && !g.Deleted);

    public void Clear() => _groups.Clear();
}

using System.Collections.Concurrent;

namespace OneClick.MetaSandbox.Templates;

/// <summary>
/// Templates per WABA. Every WABA starts with Meta's sample "hello_world". The management API
/// (/{waba-id}/message_templates, see TemplateEndpoints) writes through <see cref="Save"/> and <see cref="Remove"/>.
/// </summary>
internal sealed class TemplateStore
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<(string Name, string Language), MessageTemplate>> _byWaba =
        new(StringComparer.Ordinal);

    public void EnsureSeeded(string wabaId) => _byWaba.GetOrAdd(wabaId, _ =>
    {
        var templates = new ConcurrentDictionary<(string Name, string Language), MessageTemplate>();
        var helloWorld = new MessageTemplate(
            Id: NewTemplateId(),
            Name: "hello_world",
            Language: "en_US",
            Category: "UTILITY",
            Status: "APPROVED",
            ParameterFormat: MessageTemplate.Positional,
            Header: null,
            BodyText: "Hello World");
        templates[(helloWorld.Name, helloWorld.Language)] = helloWorld;
        return templates;
    });

    public MessageTemplate? Find(string wabaId, string name, string language) =>
        _byWaba.TryGetValue(wabaId, out var templates) && templates.TryGetValue((name, language), out var template)
            ? template
            : null;

    public IReadOnlyList<MessageTemplate> List(string wabaId) =>
        _byWaba.TryGetValue(wabaId, out var templates) ? [.. templates.Values.OrderBy(t => t.Name, StringComparer.Ordinal)] : [];

    public void Save(string wabaId, MessageTemplate template)
    {
        EnsureSeeded(wabaId);
        _byWaba[wabaId][(template.Name, template.Language)] = template;
    }

    public (string WabaId, MessageTemplate Template)? FindById(string templateId)
    {
        foreach (var (wabaId, templates) in _byWaba)
        {
            foreach (var template in templates.Values)
            {
                if (template.Id == templateId)
                {
                    return (wabaId, template);
                }
            }
        }

        return null;
    }

    /// <summary>Applies <paramref name="change"/> to a stored template; false when it is gone.</summary>
    public bool Update(string wabaId, string name, string language, Func<MessageTemplate, MessageTemplate> change)
    {
        if (!_byWaba.TryGetValue(wabaId, out var templates))
        {
            return false;
        }

        while (templates.TryGetValue((name, language), out var current))
        {
            if (templates.TryUpdate((name, language), change(current), current))
            {
                return true;
            }
        }

        return false;
    }

    public bool Remove(string wabaId, MessageTemplate template) =>
        _byWaba.TryGetValue(wabaId, out var templates) && templates.TryRemove((template.Name, template.Language), out _);

    public void Clear() => _byWaba.Clear();

    /// <summary>Template ids are numeric strings at Meta.</summary>
    public static string NewTemplateId() => Graph.GraphIds.NewNodeId();
}

namespace OneClick.Core.Validation;

/// <summary>Field → problems, in the shape of RFC 7807 validation problem details.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string problem)
    {
        if (!_errors.TryGetValue(field, out var list))
            _errors[field] = list = [];
        list.Add(problem);
    }

    public IDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}

/// <summary>The outcome of an operation that may be refused for bad input.</summary>
public sealed record Validated<T>(T? Value, ValidationErrors? Errors) where T : class;

public static class Validated
{
    public static Validated<T> Ok<T>(T value) where T : class => new(value, null);
    public static Validated<T> Invalid<T>(ValidationErrors errors) where T : class => new(null, errors);
}

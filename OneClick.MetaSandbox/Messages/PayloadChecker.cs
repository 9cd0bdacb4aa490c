using System.Globalization;
using System.Text.Json;

namespace OneClick.MetaSandbox.Messages;

/// <summary>A validation failure in Meta's terms: the error code and the error_data.details text.</summary>
internal sealed record MetaError(int Code, string Details);

/// <summary>
/// Reads a send payload the way Meta validates it, keeping the first error. Once an error is recorded every
/// further read returns null, so validators can read linearly and check <see cref="Failed"/> where it matters.
/// Codes: missing → 131008; wrong JSON type or unknown value → 100; bad value (length, range, format) → 131009.
/// Paths are written like Meta's: <c>text['body']</c>.
/// </summary>
internal sealed class PayloadChecker
{
    public MetaError? Error { get; private set; }

    public bool Failed => Error is not null;

    public void Fail(int code, string details) => Error ??= new MetaError(code, details);

    public void Missing(string path) => Fail(131008, $"The parameter {path} is required.");

    public void Invalid(string details) => Fail(100, details);

    public void BadValue(string details) => Fail(131009, details);

    public static string Path(string parent, string name) => $"{parent}['{name}']";

    public static string Path(string parent, int index) => $"{parent}[{index.ToString(CultureInfo.InvariantCulture)}]";

    public static bool Has(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object
        && parent.TryGetProperty(name, out var value)
        && value.ValueKind != JsonValueKind.Null;

    public JsonElement? Object(JsonElement parent, string name, string path, bool required = true)
    {
        if (!TryRead(parent, name, path, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            Invalid($"Param {path} must be a JSON object.");
            return null;
        }

        return value;
    }

    /// <summary>A required array of <paramref name="min"/>–<paramref name="max"/> elements; null (reported) otherwise.</summary>
    public JsonElement? Array(JsonElement parent, string name, string path, int min, int max)
    {
        if (Array(parent, name, path) is not { } array)
        {
            return null;
        }

        if (array.GetArrayLength() < min || array.GetArrayLength() > max)
        {
            BadValue($"Param {path} must have between {min} and {max} elements.");
            return null;
        }

        return array;
    }

    public JsonElement? Array(JsonElement parent, string name, string path, bool required = true)
    {
        if (!TryRead(parent, name, path, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Invalid($"Param {path} must be an array.");
            return null;
        }

        return value;
    }

    /// <summary>A string; a required string may not be empty. Longer than maxLength → 131009.</summary>
    public string? String(JsonElement parent, string name, string path, bool required = true, int? maxLength = null)
    {
        if (!TryRead(parent, name, path, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Invalid($"Param {path} must be a string.");
            return null;
        }

        var text = value.GetString()!;
        if (required && text.Length == 0)
        {
            Missing(path);
            return null;
        }

        if (maxLength is int max && text.Length > max)
        {
            BadValue($"Param {path} must be at most {max.ToString(CultureInfo.InvariantCulture)} characters long.");
            return null;
        }

        return text;
    }

    /// <summary>A number, also accepted as a numeric string (Meta is lenient here).</summary>
    public double? Number(JsonElement parent, string name, string path, bool required = true)
    {
        if (!TryRead(parent, name, path, required, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number))
        {
            return number;
        }

        if (value.ValueKind == JsonValueKind.String
            && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number))
        {
            return number;
        }

        Invalid($"Param {path} must be a number.");
        return null;
    }

    public bool? Boolean(JsonElement parent, string name, string path)
    {
        if (!TryRead(parent, name, path, required: false, out var value))
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        Invalid($"Param {path} must be a boolean.");
        return null;
    }

    /// <summary>An http(s) URL of at most 2000 characters.</summary>
    public Uri? Url(JsonElement parent, string name, string path, bool required = true)
    {
        var text = String(parent, name, path, required, maxLength: 2000);
        if (text is null)
        {
            return null;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            return url;
        }

        BadValue($"Param {path} must be a valid http or https URL.");
        return null;
    }

    /// <summary>Checks a value against a fixed set (wrong value → 100, as Meta does for enums).</summary>
    public string? OneOf(JsonElement parent, string name, string path, IReadOnlyCollection<string> allowed, bool required = true)
    {
        var value = String(parent, name, path, required);
        if (value is null || allowed.Contains(value))
        {
            return value;
        }

        Invalid($"Param {path} must be one of {{{string.Join(", ", allowed.Select(a => a.ToUpperInvariant()))}}} - got \"{value}\".");
        return null;
    }

    private bool TryRead(JsonElement parent, string name, string path, bool required, out JsonElement value)
    {
        value = default;
        if (Failed)
        {
            return false;
        }

        if (parent.ValueKind == JsonValueKind.Object
            && parent.TryGetProperty(name, out value)
            && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        if (required)
        {
            Missing(path);
        }

        return false;
    }
}

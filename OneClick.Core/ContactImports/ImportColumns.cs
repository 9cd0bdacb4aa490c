using System.Text.Json;
using OneClick.Core.Validation;

namespace OneClick.Core.ContactImports;

/// <summary>Which CSV column holds what, found from the header row.</summary>
/// <param name="UserId">The business-scoped user id (BSUID) column, if the file has one.</param>
public sealed record ImportColumns(int Count, int Number, int? Name, int? Tags, IReadOnlyList<AttributeColumn> Attributes, int? UserId = null)
{
    public const int MaxAttributeColumns = 50;

    /// <summary>Header names (compared without case, spaces, '_', '-' and '.') that hold the phone number.</summary>
    public static readonly IReadOnlyList<string> NumberHeaders =
        ["phone", "phonenumber", "number", "whatsapp", "whatsappnumber", "mobile", "mobilenumber", "msisdn", "waid", "e164", "tel", "telephone", "cell", "cellphone"];
    public static readonly IReadOnlyList<string> NameHeaders = ["name", "fullname", "contactname", "displayname"];
    public static readonly IReadOnlyList<string> TagHeaders = ["tags", "tag", "labels", "label"];
    /// <summary>Header names of the business-scoped user id column.</summary>
    public static readonly IReadOnlyList<string> UserIdHeaders = ["userid", "bsuid", "businessscopeduserid", "whatsappuserid"];

    public string ToJson() => JsonSerializer.Serialize(this);

    public static ImportColumns FromJson(string json) => JsonSerializer.Deserialize<ImportColumns>(json) ?? throw new JsonException("No columns.");

    /// <summary>Maps a header row; null with the reason when it cannot be imported.</summary>
    public static ImportColumns? FromHeader(IReadOnlyList<string> headers, out string? error)
    {
        ArgumentNullException.ThrowIfNull(headers);
        error = null;
        int? number = null, name = null, tags = null, userId = null;
        var attributes = new List<AttributeColumn>();
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i].Trim();
            var key = Canonical(header);
            if (number is null && NumberHeaders.Contains(key))
                number = i;
            else if (name is null && NameHeaders.Contains(key))
                name = i;
            else if (tags is null && TagHeaders.Contains(key))
                tags = i;
            else if (userId is null && UserIdHeaders.Contains(key))
                userId = i;
            else if (header.Length == 0)
                error = $"Column {i + 1} of the header row has no name.";
            else if (header.Length > 64)
                error = $"Column {i + 1} ('{TextCut.Quote(header, 20)}') has a name longer than 64 characters.";
            else if (attributes.Any(a => string.Equals(a.Key, header, StringComparison.OrdinalIgnoreCase)))
                error = $"The column '{header}' appears twice in the header row.";
            else
                attributes.Add(new AttributeColumn(i, header));
            if (error is not null)
                return null;
        }
        if (number is null)
        {
            error = $"The header row has no phone number column. Name one of: {string.Join(", ", ["phone", "phone_number", "number", "whatsapp", "mobile", "msisdn", "wa_id"])}. Found: {string.Join(", ", headers.Select(h => $"'{h}'"))}.";
            return null;
        }
        if (attributes.Count > MaxAttributeColumns)
        {
            error = $"At most {MaxAttributeColumns} attribute columns; the file has {attributes.Count}.";
            return null;
        }
        return new ImportColumns(headers.Count, number.Value, name, tags, attributes, userId);
    }

    private static string Canonical(string header) =>
        new(header.ToLowerInvariant().Where(c => c is not (' ' or '_' or '-' or '.')).ToArray());
}

public sealed record AttributeColumn(int Index, string Key);

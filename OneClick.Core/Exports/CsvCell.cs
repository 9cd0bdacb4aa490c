using System.Buffers;

namespace OneClick.Core.Exports;

/// <summary>
/// One escaping rule for every CSV OneClick exports. Cells hold text customers and tenants typed, and a spreadsheet
/// evaluates a cell that starts with =, +, -, @, a tab or a carriage return as a formula (CSV injection), so such a
/// cell is prefixed with an apostrophe and quoted. A sign followed only by digits (an E.164 number) stays as it is.
/// </summary>
public static class CsvCell
{
    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");
    private static readonly SearchValues<char> NeedQuotes = SearchValues.Create(",\"\n\r");

    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        var safe = IsFormula(value) ? "'" + value : value;
        return safe != value || safe.AsSpan().IndexOfAny(NeedQuotes) >= 0
            ? "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : safe;
    }

    private static bool IsFormula(string value) => value[0] switch
    {
        '=' or '@' or '\t' or '\r' => true,
        '+' or '-' => value.Length == 1 || value.AsSpan(1).ContainsAnyExcept(Digits),
        _ => false,
    };
}

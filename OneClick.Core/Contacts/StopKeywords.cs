using System.Globalization;
using System.Text;

namespace OneClick.Core.Contacts;

/// <summary>
/// Words that, sent on their own, opt a contact out. A tenant may replace the defaults; matching ignores case,
/// accents, surrounding spaces and punctuation, but never matches inside a longer sentence ("don't stop").
/// </summary>
public static class StopKeywords
{
    public static readonly IReadOnlyList<string> Defaults =
    [
        "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "opt out", "optout",
        "alto", "baja", "parar", "cancelar",            // es, pt
        "arret", "arreter", "desabonner",               // fr (accents folded)
        "stopp", "abmelden",                            // de
        "basta", "annulla",                             // it
        "sair", "descadastrar",                         // pt
    ];

    private const string AccentedLetters = "àáâãäåāăąçćĉċčèéêëēĕėęěìíîïĩīĭįıñńņňòóôõöøōŏőùúûüũūŭůűųýÿŷśŝşšźżžĝğġģďđĺļľŀłŕŗřţťŧ";
    private const string BaseLetters = "aaaaaaaaaccccceeeeeeeeeiiiiiiiiinnnnooooooooouuuuuuuuuuyyysssszzzggggddlllllrrrttt";

    public static bool Matches(string? text, IEnumerable<string>? tenantKeywords = null)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 64)
            return false;
        var normalized = Normalize(text);
        return (tenantKeywords ?? Defaults).Any(k => Normalize(k) == normalized);
    }

    public static string Normalize(string text)
    {
        var folded = text.Trim().Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(folded.Length);
        foreach (var c in folded)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
                continue;
            if (char.IsLetterOrDigit(c) || c == ' ')
            {
                // With invariant globalization Normalize() decomposes nothing, so fold Latin accents by table.
                var lower = char.ToLowerInvariant(c);
                var at = AccentedLetters.IndexOf(lower, StringComparison.Ordinal);
                builder.Append(at < 0 ? lower : BaseLetters[at]);
            }
        }
        return string.Join(' ', builder.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}

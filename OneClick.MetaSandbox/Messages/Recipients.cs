namespace OneClick.MetaSandbox.Messages;

/// <summary>How the sandbox reads the "to" of a send: phone numbers (any common formatting) or group ids.</summary>
internal static class Recipients
{
    /// <summary>Formatting characters Meta accepts in phone numbers.</summary>
    private const string PhoneFormatting = "+-() ";

    /// <summary>Meta's group ids are base64 of "capi_group:..." (e.g. "Y2FwaV9ncm91cDo...").</summary>
    public const string GroupIdPrefix = "Y2FwaV9ncm91cDo";

    /// <summary>Digits of a phone number written with +, -, ( ), spaces; null unless it has 8 to 15 digits and nothing else.</summary>
    public static string? NormalizePhone(string input)
    {
        var digits = StripFormatting(input);
        return digits is { Length: >= 8 and <= 15 } ? digits : null;
    }

    /// <summary>True when the text is only digits and phone formatting (so it cannot be a group id).</summary>
    public static bool IsPhoneLike(string input) => StripFormatting(input) is { Length: > 0 };

    /// <summary>A business-scoped user id: country code, dot, letters or digits; parent ids have "ENT." after the country.</summary>
    public static bool LooksLikeUserId(string input) =>
        System.Text.RegularExpressions.Regex.IsMatch(input, @"^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,120}$", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));

    /// <summary>Base64-ish and containing a letter, like Meta's group ids.</summary>
    public static bool LooksLikeGroupId(string input) =>
        input.Length >= 8
        && input.Any(char.IsAsciiLetter)
        && input.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '_' or '-');

    /// <summary>
    /// The key used to match recipients across formats (fault maps, message log filters):
    /// digits for phone numbers, the trimmed text otherwise (group ids).
    /// </summary>
    public static string MatchKey(string input) => StripFormatting(input) ?? input.Trim();

    private static string? StripFormatting(string input)
    {
        var digits = new System.Text.StringBuilder(input.Length);
        foreach (var c in input)
        {
            if (char.IsAsciiDigit(c))
            {
                digits.Append(c);
            }
            else if (!PhoneFormatting.Contains(c, StringComparison.Ordinal))
            {
                return null;
            }
        }

        return digits.Length > 0 ? digits.ToString() : null;
    }
}

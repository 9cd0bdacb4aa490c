using PhoneNumbers;

namespace OneClick.Core.Contacts;

/// <summary>Normalises phone numbers to E.164 with Google's libphonenumber.</summary>
public static class E164
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>
    /// Parses <paramref name="input"/> (international, or national for <paramref name="defaultRegion"/>)
    /// and returns "+<digits>", or null with a reason when it is not a valid number.
    /// </summary>
    public static string? TryNormalize(string? input, string defaultRegion, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(input) || input.Length > 32)
        {
            error = "A phone number is required (E.164, e.g. +14155550123).";
            return null;
        }
        try
        {
            var number = Util.Parse(input, defaultRegion);
            if (!Util.IsValidNumber(number))
            {
                error = $"'{input}' is not a valid phone number.";
                return null;
            }
            return Util.Format(number, PhoneNumberFormat.E164);
        }
        catch (NumberParseException)
        {
            error = $"'{input}' is not a phone number.";
            return null;
        }
    }

    public static bool IsSupportedRegion(string? region) =>
        region is not null && Util.GetSupportedRegions().Contains(region);
}

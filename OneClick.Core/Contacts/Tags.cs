using System.Text.RegularExpressions;

namespace OneClick.Core.Contacts;

/// <summary>Tags are short lower-case words, so they are safe inside row keys ("tag|{tag}|{contactId}").</summary>
public static partial class Tags
{
    public const int MaxPerContact = 50;

    public static string Normalize(string tag) => tag.Trim().ToLowerInvariant();

    public static bool IsValid(string? tag) => tag is not null && TagPattern().IsMatch(tag);

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,49}$")]
    private static partial Regex TagPattern();
}

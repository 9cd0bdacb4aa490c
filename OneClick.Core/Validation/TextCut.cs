using System.Diagnostics.CodeAnalysis;

namespace OneClick.Core.Validation;

/// <summary>Shortens text that people wrote (message bodies, names, error details) to a stored or shown limit.</summary>
public static class TextCut
{
    /// <summary>
    /// The first <paramref name="max"/> characters, or one fewer where the cut would split a surrogate pair (an emoji):
    /// a lone half is no character, and would be stored or sent as U+FFFD, a '�' at the end of the text.
    /// </summary>
    [return: NotNullIfNotNull(nameof(value))]
    public static string? Cut(string? value, int max) =>
        value is null || value.Length <= max ? value : value[..(char.IsHighSurrogate(value[max - 1]) ? max - 1 : max)];

    /// <summary>As <see cref="Cut"/>, with an ellipsis where the text was shortened: for quoting input in an error.</summary>
    public static string Quote(string value, int max) => value.Length <= max ? value : Cut(value, max) + "…";
}

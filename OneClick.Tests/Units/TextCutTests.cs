using OneClick.Core.Validation;

namespace OneClick.Tests.Units;

[Trait("Category", "Unit")]
public sealed class TextCutTests
{
    [Theory]
    [InlineData("hello", 10, "hello")]
    [InlineData("hello", 5, "hello")]
    [InlineData("hello", 4, "hell")]
    [InlineData("ab🎉cd", 3, "ab")] // the cut falls inside the emoji's surrogate pair: the emoji goes whole
    [InlineData("ab🎉cd", 4, "ab🎉")]
    [InlineData("🎉🎉", 1, "")]
    [InlineData(null, 3, null)]
    public void Text_is_cut_at_the_limit_without_splitting_a_character(string? text, int max, string? expected) =>
        Assert.Equal(expected, TextCut.Cut(text, max));

    [Fact]
    public void Every_cut_of_emoji_text_is_valid_text()
    {
        var text = string.Concat(Enumerable.Repeat("a🎉", 50));
        for (var max = 1; max <= text.Length; max++)
        {
            var cut = TextCut.Cut(text, max);
            Assert.True(cut.Length <= max);
            Assert.StartsWith(cut, text, StringComparison.Ordinal);
            Assert.False(cut.Length > 0 && char.IsHighSurrogate(cut[^1]), $"A lone surrogate ends the cut at {max}.");
        }
    }

    [Theory]
    [InlineData("short", 10, "short")]
    [InlineData("🎉🎉🎉", 3, "🎉…")]
    public void Quoted_input_says_where_it_was_shortened(string text, int max, string expected) =>
        Assert.Equal(expected, TextCut.Quote(text, max));
}

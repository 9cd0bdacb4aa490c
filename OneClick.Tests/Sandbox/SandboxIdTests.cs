using OneClick.MetaSandbox.Messages;

namespace OneClick.Tests.Sandbox;

public sealed class SandboxIdTests
{
    [Fact]
    public void Wamids_look_like_meta_ids_and_keep_base64_special_characters_possible()
    {
        var ids = Enumerable.Range(0, 500).Select(_ => Wamid.New("15550001111")).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.StartsWith("wamid.HBgL", id, StringComparison.Ordinal));
        Assert.Contains(ids, id => id.Contains('+', StringComparison.Ordinal) || id.Contains('/', StringComparison.Ordinal));
        Assert.Contains(ids, id => id.EndsWith('='));
        Assert.All(ids, id => Convert.FromBase64String(id["wamid.".Length..]));
    }

    [Theory]
    [InlineData("+1 (555) 000-1111", "15550001111")]
    [InlineData("15550001111", "15550001111")]
    [InlineData("+55 11 91234-5678", "5511912345678")]
    [InlineData("1234567", null)]
    [InlineData("+1234567890123456", null)]
    [InlineData("+1 555 abc", null)]
    public void Phone_numbers_normalize_to_digits(string input, string? expected) =>
        Assert.Equal(expected, Recipients.NormalizePhone(input));

    [Theory]
    [InlineData("Y2FwaV9ncm91cDoxOTUwNTU1MDA3OToxMjAzNjMzOTQzMjAdOTY0MTUZD", true)]
    [InlineData("+15550001111", false)]
    [InlineData("abc", false)]
    [InlineData("not a group id!", false)]
    public void Group_ids_are_recognised(string input, bool expected) =>
        Assert.Equal(expected, Recipients.LooksLikeGroupId(input));
}

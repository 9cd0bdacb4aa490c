using OneClick.Core.Exports;

namespace OneClick.Tests.Units;

[Trait("Category", "Unit")]
public sealed class CsvCellTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+SUM(A1)", "\"'+SUM(A1)\"")]
    [InlineData("-2+3", "\"'-2+3\"")]
    [InlineData("@cmd", "\"'@cmd\"")]
    [InlineData("\t=1", "\"'\t=1\"")]
    [InlineData("\r=1", "\"'\r=1\"")]
    [InlineData("+14155550100", "+14155550100")]
    [InlineData("Hello, world", "\"Hello, world\"")]
    [InlineData("plain", "plain")]
    [InlineData(null, "")]
    public void Cells_a_spreadsheet_would_evaluate_are_escaped(string? value, string expected) =>
        Assert.Equal(expected, CsvCell.Escape(value));

    [Theory]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("cr\rhere", "\"cr\rhere\"")]
    [InlineData("", "")]
    [InlineData("-", "\"'-\"")]
    [InlineData("+", "\"'+\"")]
    [InlineData("-42", "-42")]
    [InlineData("a=b", "a=b")]
    public void Separators_and_quotes_are_quoted_and_a_lone_sign_is_a_formula(string value, string expected) =>
        Assert.Equal(expected, CsvCell.Escape(value));
}

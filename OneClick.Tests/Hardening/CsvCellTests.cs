using OneClick.Core.Exports;

namespace OneClick.Tests.Hardening;

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
}

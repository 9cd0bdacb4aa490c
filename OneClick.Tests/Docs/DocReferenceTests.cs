using System.Text;
using System.Text.RegularExpressions;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Docs;

/// <summary>
/// References must resolve for a reader of the repository: no citation of the facts sheet that lives outside it
/// (comments cite Meta's public documentation instead), and every relative link of the README and docs/ points at a
/// file that exists, and at a heading that exists when it names one.
/// </summary>
public sealed partial class DocReferenceTests
{
    // Spelled in two parts so that this file does not cite it itself.
    private static readonly string OutsideFactsSheet = "meta-" + "facts";

    private static readonly string[] CheckedExtensions = [".cs", ".md", ".bicep", ".sh", ".json"];
    private static readonly string[] SkippedFolders = ["node_modules", "bin", "obj", ".git", ".local", ".publish", "TestResults"];

    [Fact]
    public void No_file_cites_the_facts_sheet_outside_the_repository()
    {
        var citing = RepositoryFiles()
            .Where(f => CheckedExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => l.Text.Contains(OutsideFactsSheet, StringComparison.OrdinalIgnoreCase))
            .Select(l => $"{Path.GetRelativePath(RepoPaths.Root, l.File)}:{l.Line}")
            .ToList();
        Assert.True(citing.Count == 0, "Cite Meta's documentation (developers.facebook.com) instead, in: " + string.Join(", ", citing));
    }

    [Fact]
    public void Relative_links_in_the_readme_and_docs_resolve()
    {
        var pages = new[] { Path.Combine(RepoPaths.Root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md", SearchOption.AllDirectories));
        var broken = new List<string>();
        foreach (var page in pages)
        {
            foreach (var link in Links(File.ReadAllText(page)))
            {
                if (link.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || link.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                    || link.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
                    continue;
                var hash = link.IndexOf('#', StringComparison.Ordinal);
                var path = hash < 0 ? link : link[..hash];
                var anchor = hash < 0 ? null : link[(hash + 1)..];
                var target = path.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, Uri.UnescapeDataString(path)));
                var where = $"{Path.GetRelativePath(RepoPaths.Root, page)}: ({link})";
                if (!File.Exists(target) && !Directory.Exists(target))
                    broken.Add(where + " → no such file");
                else if (anchor is { Length: > 0 } && target.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
                    && !Anchors(File.ReadAllText(target)).Contains(anchor))
                    broken.Add(where + " → no such heading");
            }
        }
        Assert.True(broken.Count == 0, "Broken links:" + Environment.NewLine + string.Join(Environment.NewLine, broken));
    }

    [Fact]
    public void Anchors_follow_the_github_rules()
    {
        var anchors = Anchors("# Crashes, storage outages and `unknown`\n## What `campaign` measures\n## Results\n## Results\n```\n# not a heading\n```\n");
        Assert.Equal(["crashes-storage-outages-and-unknown", "results", "results-1", "what-campaign-measures"], anchors.Order(StringComparer.Ordinal));
    }

    private static IEnumerable<string> RepositoryFiles()
    {
        var folders = new Stack<string>([RepoPaths.Root]);
        while (folders.Count > 0)
        {
            var folder = folders.Pop();
            foreach (var sub in Directory.EnumerateDirectories(folder))
                if (!SkippedFolders.Contains(Path.GetFileName(sub), StringComparer.Ordinal))
                    folders.Push(sub);
            foreach (var file in Directory.EnumerateFiles(folder))
                yield return file;
        }
    }

    /// <summary>Markdown link targets outside fenced code blocks.</summary>
    private static IEnumerable<string> Links(string markdown) =>
        OutsideCode(markdown).SelectMany(line => MarkdownLink().Matches(line).Select(m => m.Groups[1].Value));

    /// <summary>The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as '-', repeats numbered.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in OutsideCode(markdown).Where(l => l.StartsWith('#')))
        {
            var text = line.TrimStart('#').Trim();
            var slug = new StringBuilder();
            foreach (var c in text.ToLowerInvariant())
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_')
                    slug.Append(c);
                else if (c == ' ')
                    slug.Append('-');
            }
            var anchor = slug.ToString();
            for (var n = 1; !anchors.Add(anchor); n++)
                anchor = $"{slug}-{n}";
        }
        return anchors;
    }

    private static IEnumerable<string> OutsideCode(string markdown)
    {
        var inCode = false;
        foreach (var line in markdown.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
                inCode = !inCode;
            else if (!inCode)
                yield return line;
        }
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();
}

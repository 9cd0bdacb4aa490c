using System.Diagnostics;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Contract;

/// <summary>GET /api/docs in headless Chromium: the page renders from the app's own assets and lists the operations.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class ReferencePageTests(OneClickEnvironment env)
{
    // Skipped: the dumped DOM lacks the operation summaries so far (Scalar renders them after --dump-dom returns?); unfinished.
    [Fact(Skip = "Unfinished: the DOM chromium dumps does not list the operations yet.")]
    public async Task The_reference_page_loads_in_chromium_and_lists_the_operations()
    {
        var dom = await DumpDomAsync(new Uri(env.AppUrl, "api/docs"));
        Assert.Contains("OneClick API", dom, StringComparison.Ordinal);
        Assert.Contains("Create contact", dom, StringComparison.Ordinal);
        Assert.Contains("List campaigns", dom, StringComparison.Ordinal);
    }

    private static async Task<string> DumpDomAsync(Uri page)
    {
        var start = new ProcessStartInfo("chromium")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=15000", "--dump-dom", page.ToString() },
        };
        using var chromium = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        var output = chromium.StandardOutput.ReadToEndAsync();
        _ = chromium.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await chromium.WaitForExitAsync(timeout.Token);
        return await output;
    }
}

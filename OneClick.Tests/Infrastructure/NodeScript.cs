using System.Diagnostics;

namespace OneClick.Tests.Infrastructure;

/// <summary>Runs a Node.js script of the test project from the repository root (so it resolves the repository's node_modules).</summary>
public static class NodeScript
{
    /// <param name="script">The script's path under OneClick.Tests, e.g. "Contract/reference-page.mjs".</param>
    /// <returns>What the script printed; the test fails if it exits with an error.</returns>
    public static async Task<string> RunAsync(string script, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "OneClick.Tests", script));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        using var stop = new CancellationTokenSource(timeout);
        try
        {
            await node.WaitForExitAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish within {timeout}.");
        }
        Assert.True(node.ExitCode == 0, $"{script} failed ({node.ExitCode}): {await errors}");
        return await output;
    }
}

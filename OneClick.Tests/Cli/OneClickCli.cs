using System.Diagnostics;
using System.Text.Json.Nodes;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Cli;

/// <summary>Runs the `oneclick` tool as a real process from its build output, with its own (empty) config file.</summary>
public sealed class OneClickCli : IDisposable
{
    /// <summary>OneClick.Cli's build output of the same configuration as the tests'.</summary>
    public static string Dll { get; } = Path.Combine(RepoPaths.Root, "OneClick.Cli",
        Path.GetRelativePath(Path.Combine(RepoPaths.Root, "OneClick.Tests"), AppContext.BaseDirectory), "OneClick.Cli.dll");

    private readonly string home = Directory.CreateTempSubdirectory("oneclick-cli-").FullName;

    public string ConfigFile => Path.Combine(home, "config.json");

    public string Home => home;

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public JsonNode Json => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("No JSON on stdout: " + this);

        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    public async Task<Result> RunAsync(params string[] args)
    {
        Assert.True(File.Exists(Dll), $"OneClick.Cli is not built at {Dll}.");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["ONECLICK_CONFIG"] = ConfigFile;
        start.Environment.Remove("ONECLICK_URL");
        start.Environment.Remove("ONECLICK_API_KEY");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"oneclick {string.Join(' ', args)} did not finish within 90 s.");
        }
        return new Result(process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }

    public void Dispose()
    {
        try { Directory.Delete(home, recursive: true); } catch (IOException) { }
    }
}

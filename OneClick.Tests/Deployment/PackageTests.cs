using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Deployment;

/// <summary>
/// Runs scripts/package.sh once (a real publish, into a temporary folder so a developer's .publish/ is left
/// alone) and checks the zip is what the Functions host needs to run the isolated worker, and nothing more:
/// no development settings, no keys.
/// </summary>
public sealed class PackageFixture : IDisposable
{
    public string OutputRoot { get; } = Path.Combine(Path.GetTempPath(), "oneclick-package-" + Guid.NewGuid().ToString("N"));
    public string ScriptOutput { get; }
    public ZipArchive Zip { get; }

    public PackageFixture()
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine("scripts", "package.sh"));
        start.ArgumentList.Add(OutputRoot);
        // `dotnet test` leaves MSBuild settings in the environment that would steer the nested publish.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("scripts/package.sh did not finish in 8 minutes");
        }
        ScriptOutput = stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/package.sh failed ({process.ExitCode}):\n{ScriptOutput}");
        Zip = ZipFile.OpenRead(Path.Combine(OutputRoot, "oneclick-functions.zip"));
    }

    /// <summary>Files only: `zip` also stores folder entries, Python's zipfile does not.</summary>
    public IEnumerable<ZipArchiveEntry> Files => Zip.Entries.Where(e => !e.FullName.EndsWith('/'));

    public static byte[] Read(ZipArchiveEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public void Dispose()
    {
        Zip.Dispose();
        Directory.Delete(OutputRoot, recursive: true);
    }
}

public sealed class PackageTests(PackageFixture package) : IClassFixture<PackageFixture>
{
    [Fact]
    public void The_script_prints_the_package_path_and_size()
    {
        Assert.Matches(@"Package: .*oneclick-functions\.zip \(\d+\.\d MB\)", package.ScriptOutput);
    }

    [Fact]
    public void The_worker_and_its_description_for_the_host_are_at_the_root()
    {
        Assert.NotNull(package.Zip.GetEntry("OneClick.Functions.dll"));
        var workerConfig = JsonNode.Parse(PackageFixture.Read(package.Zip.GetEntry("worker.config.json")!))!["description"]!;
        Assert.Equal("dotnet-isolated", workerConfig["language"]?.ToString());
        Assert.Equal("OneClick.Functions.dll", workerConfig["defaultWorkerPath"]?.ToString());
        // The host-side extensions the queue and timer triggers need, built by the SDK.
        Assert.NotNull(package.Zip.GetEntry("extensions.json"));
        Assert.NotNull(package.Zip.GetEntry(".azurefunctions/Microsoft.Azure.Functions.Worker.Extensions.dll"));
    }

    [Fact]
    public void Functions_metadata_describes_every_function_the_build_does()
    {
        var packaged = FunctionNames(PackageFixture.Read(package.Zip.GetEntry("functions.metadata")!));
        var built = FunctionNames(File.ReadAllBytes(Path.Combine(RepoPaths.FunctionsBuildOutput, "functions.metadata")));
        Assert.Equal(built, packaged);
        Assert.Contains("ReceiveMetaWebhook", packaged);
        Assert.Contains("SendOutboundMessage", packaged);
    }

    private static List<string> FunctionNames(byte[] metadata) =>
        JsonNode.Parse(metadata)!.AsArray().Select(f => f!["name"]!.ToString()).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void Host_json_at_the_root_is_the_repository_s()
    {
        var hostJson = package.Zip.GetEntry("host.json");
        Assert.NotNull(hostJson);
        Assert.Equal(File.ReadAllBytes(Path.Combine(RepoPaths.Root, "host.json")), PackageFixture.Read(hostJson));
    }

    [Fact]
    public void Nothing_secret_is_inside()
    {
        string[] forbiddenNames = ["local.settings.json", "appsettings.Development.json"];
        string[] forbiddenExtensions = [".pfx", ".pem", ".key"];
        foreach (var entry in package.Zip.Entries)
        {
            var path = entry.FullName;
            Assert.False(forbiddenNames.Contains(Path.GetFileName(path), StringComparer.OrdinalIgnoreCase), path);
            Assert.False(forbiddenExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase), path);
            Assert.False(path.StartsWith(".local/", StringComparison.Ordinal) || path.Contains("/.local/", StringComparison.Ordinal), path);
        }

        // The development keys must not be compiled or copied in: as UTF-8 (files) or UTF-16 (.NET string literals).
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")))!["Values"]!;
        var secrets = new[] { "OneClick__AdminApiKey", "OneClick__Demo__ApiKey" }.Select(name => sample[name]!.GetValue<string>()).ToList();
        var patterns = secrets.SelectMany(s => new[] { Encoding.UTF8.GetBytes(s), Encoding.Unicode.GetBytes(s) }).ToList();
        foreach (var entry in package.Files)
        {
            var content = PackageFixture.Read(entry);
            foreach (var pattern in patterns)
                Assert.False(content.AsSpan().IndexOf(pattern) >= 0, $"{entry.FullName} contains a development key from local.settings.sample.json");
        }
    }

    [Fact]
    public void Azd_and_the_script_publish_the_same_project()
    {
        var azureYaml = File.ReadAllLines(Path.Combine(RepoPaths.Root, "azure.yaml")).Select(l => l.Trim()).ToList();
        Assert.Contains("project: ./OneClick.Functions", azureYaml);
        Assert.Contains("language: dotnet", azureYaml);

        var script = Path.Combine(RepoPaths.Root, "scripts", "package.sh");
        if (!OperatingSystem.IsWindows())
            Assert.True(File.GetUnixFileMode(script).HasFlag(UnixFileMode.UserExecute), "scripts/package.sh must be executable");
        var text = File.ReadAllText(script);
        Assert.Contains("out_root=${1:-.publish}", text, StringComparison.Ordinal);
        Assert.Contains("dotnet publish OneClick.Functions/OneClick.Functions.csproj -c Release -o \"$api\"", text, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(package.OutputRoot, "api")));
    }
}

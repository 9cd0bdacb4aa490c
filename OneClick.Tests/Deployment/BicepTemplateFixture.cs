using System.Diagnostics;
using System.Text.Json.Nodes;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Deployment;

/// <summary>
/// Compiles infra/main.bicep once per test class with the Bicep CLI that `dotnet restore` downloads
/// (the PackageDownload in OneClick.Tests.csproj) and exposes the ARM template, with the resources
/// of every nested module flattened.
/// </summary>
public sealed class BicepTemplateFixture
{
    private const string BicepVersion = "0.49.2";

    public int ExitCode { get; }
    public string Stderr { get; }
    public JsonObject Template { get; }
    public IReadOnlyList<TemplateResource> Resources { get; }

    public BicepTemplateFixture()
    {
        var mainBicep = Path.Combine(RepoPaths.Root, "infra", "main.bicep");
        var (exitCode, stdout, stderr) = Run(FindBicep(), "build", mainBicep, "--stdout");
        ExitCode = exitCode;
        Stderr = stderr;
        Template = exitCode == 0 ? JsonNode.Parse(stdout)!.AsObject() : [];
        Resources = exitCode == 0 ? Flatten("main", Template) : [];
    }

    /// <summary>Resources of the given type, from any module.</summary>
    public IReadOnlyList<TemplateResource> OfType(string type) =>
        Resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase)).ToList();

    public TemplateResource One(string type)
    {
        var matches = OfType(type);
        Assert.True(matches.Count == 1, $"expected one {type}, found {matches.Count}");
        return matches[0];
    }

    /// <summary>The value main.bicep passes to a module parameter (an ARM expression).</summary>
    public string ModuleParameter(string module, string parameter)
    {
        var deployment = OfType("Microsoft.Resources/deployments").Single(d => d.Name == module);
        return deployment.Properties["parameters"]?[parameter]?["value"]?.ToString()
            ?? throw new InvalidOperationException($"module {module} gets no parameter {parameter}");
    }

    private static List<TemplateResource> Flatten(string module, JsonObject template)
    {
        var list = new List<TemplateResource>();
        // Symbolic-name templates (languageVersion 2.0) keep resources in an object, classic ones in an array.
        var resources = template["resources"] switch
        {
            JsonArray array => array.Select(n => n!.AsObject()),
            JsonObject map => map.Select(p => p.Value!.AsObject()),
            _ => [],
        };
        foreach (var resource in resources)
        {
            var item = new TemplateResource(module, template, resource);
            list.Add(item);
            if (item.Type == "Microsoft.Resources/deployments")
                list.AddRange(Flatten(item.Name, resource["properties"]!["template"]!.AsObject()));
        }
        return list;
    }

    private static string FindBicep()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(packages))
            packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var packageDir = Path.Combine(packages, "azure.bicep.commandline.linux-x64", BicepVersion);
        var bicep = Directory.Exists(packageDir)
            ? Directory.EnumerateFiles(packageDir, "bicep", SearchOption.AllDirectories).FirstOrDefault()
            : null;
        if (bicep is null)
            throw new InvalidOperationException(
                $"Bicep CLI {BicepVersion} not found under {packageDir}; run `dotnet restore OneClick.Tests` (it is a PackageDownload).");

        // NuGet does not promise to keep the executable bit when it extracts a package.
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(bicep);
            if ((mode & UnixFileMode.UserExecute) == 0)
                File.SetUnixFileMode(bicep, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
        return bicep;
    }

    private static (int ExitCode, string Stdout, string Stderr) Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        // Read both streams concurrently so that neither pipe fills up and blocks the CLI.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in 3 minutes");
        }
        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}

/// <summary>One resource of the compiled template, with the (module) template that declares it.</summary>
public sealed record TemplateResource(string Module, JsonObject Template, JsonObject Resource)
{
    public string Type => Resource["type"]!.ToString();
    public string Name => Resource["name"]!.ToString();
    public JsonObject Properties => Resource["properties"]?.AsObject() ?? [];

    public string? this[string property] => Properties[property]?.ToString();
}

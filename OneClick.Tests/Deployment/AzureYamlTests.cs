using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace OneClick.Tests.Deployment;

/// <summary>azure.yaml must deploy the published custom handler as the service the template tags.</summary>
public sealed class AzureYamlTests
{
    private static readonly Dictionary<string, string> Yaml = ReadYaml(Path.Combine(RepoPaths.Root, "azure.yaml"));

    [Fact]
    public void Service_api_is_a_function_app_built_as_a_custom_language()
    {
        // "api" is the azd-service-name tag on the function app (InfraTemplateTests checks that side).
        Assert.Equal("function", Yaml["services.api.host"]);
        Assert.Equal("custom", Yaml["services.api.language"]);
        Assert.Equal(".", Yaml["services.api.project"]);
        Assert.Equal(".publish/api", Yaml["services.api.dist"]);
        Assert.Single(Yaml.Keys, k => k.StartsWith("services.", StringComparison.Ordinal) && k.EndsWith(".host", StringComparison.Ordinal));
    }

    [Fact]
    public void Infra_points_at_the_bicep_entry_point()
    {
        Assert.Equal("bicep", Yaml["infra.provider"]);
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, Yaml["infra.path"], Yaml["infra.module"] + ".bicep")));
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, Yaml["infra.path"], Yaml["infra.module"] + ".parameters.json")));
    }

    [Fact]
    public void Published_executable_is_the_one_host_json_starts()
    {
        var project = XDocument.Load(Path.Combine(RepoPaths.Root, "OneClick.Functions", "OneClick.Functions.csproj"));
        var assemblyName = project.Descendants("AssemblyName").Select(e => e.Value).FirstOrDefault() ?? "OneClick.Functions";
        var hostJson = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")))!;
        Assert.Equal(assemblyName, hostJson["customHandler"]?["description"]?["defaultExecutablePath"]?.ToString());
    }

    /// <summary>
    /// Flattens the block-mapping subset of YAML that azure.yaml uses into "a.b.c" → scalar.
    /// No dependency for a 30-line file; a construct outside the subset fails the parse.
    /// </summary>
    private static Dictionary<string, string> ReadYaml(string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var stack = new List<(int Indent, string Key)>();
        foreach (var raw in File.ReadAllLines(path))
        {
            var trimmed = raw.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
                continue;
            var indent = raw.Length - raw.TrimStart(' ').Length;
            var colon = trimmed.IndexOf(": ", StringComparison.Ordinal);
            var key = colon < 0 ? trimmed.TrimEnd(':') : trimmed[..colon];
            Assert.True(colon >= 0 || trimmed.EndsWith(':'), $"unsupported YAML line: {raw}");

            stack.RemoveAll(s => s.Indent >= indent);
            var fullKey = string.Join('.', stack.Select(s => s.Key).Append(key));
            if (colon < 0)
                stack.Add((indent, key));
            else
                result[fullKey] = trimmed[(colon + 2)..].Trim().Trim('"');
        }
        return result;
    }
}

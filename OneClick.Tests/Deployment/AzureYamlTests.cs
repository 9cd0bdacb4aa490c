using System.Text.Json.Nodes;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Deployment;

/// <summary>azure.yaml must deploy the isolated worker as the service the template tags.</summary>
public sealed class AzureYamlTests
{
    private static readonly Dictionary<string, string> Yaml = ReadYaml(Path.Combine(RepoPaths.Root, "azure.yaml"));

    [Fact]
    public void Service_api_is_a_function_app_built_from_the_functions_project()
    {
        // "api" is the azd-service-name tag on the function app (InfraTemplateTests checks that side).
        Assert.Equal("function", Yaml["services.api.host"]);
        Assert.Equal("dotnet", Yaml["services.api.language"]);
        Assert.Equal("./OneClick.Functions", Yaml["services.api.project"]);
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, Yaml["services.api.project"], "OneClick.Functions.csproj")));
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
    public void Host_json_has_no_custom_handler_or_extension_bundle()
    {
        // The isolated worker's extensions come from its own build (.azurefunctions/), not from a bundle.
        var hostJson = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")))!.AsObject();
        Assert.False(hostJson.ContainsKey("customHandler"));
        Assert.False(hostJson.ContainsKey("extensionBundle"));
        Assert.Equal("2.0", hostJson["version"]?.ToString());
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

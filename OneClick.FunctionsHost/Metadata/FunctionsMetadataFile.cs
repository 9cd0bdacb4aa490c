using System.Text.Json;
using OneClick.FunctionsHost.Configuration;

namespace OneClick.FunctionsHost.Metadata;

/// <summary>functions.metadata, the SDK's build-time index, read when the worker asks for default indexing.</summary>
internal static class FunctionsMetadataFile
{
    public static List<FunctionDefinition> Read(string scriptRoot)
    {
        var path = Path.Combine(scriptRoot, "functions.metadata");
        if (!File.Exists(path))
            throw new InvalidOperationException($"The worker asked the host to index the functions, but there is no functions.metadata in {scriptRoot}.");
        var root = JsonFile.Read(path);
        if (root.ValueKind != JsonValueKind.Array)
            throw new InvalidOperationException($"{path} is not a JSON array.");
        return root.EnumerateArray().Select(entry => FunctionDefinition.FromMetadataFile(entry, scriptRoot)).ToList();
    }
}

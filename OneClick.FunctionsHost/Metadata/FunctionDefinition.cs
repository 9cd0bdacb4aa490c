using System.Text.Json;
using OneClick.FunctionsHost.Configuration;
using OneClick.FunctionsHost.Rpc;

namespace OneClick.FunctionsHost.Metadata;

/// <summary>A function the worker indexed (or functions.metadata listed): what to load and how it is triggered.</summary>
internal sealed class FunctionDefinition
{
    public required string Name { get; init; }

    public required string Id { get; init; }

    /// <summary>The metadata the host sends back in FunctionLoadRequest.</summary>
    public required RpcFunctionMetadata LoadMetadata { get; init; }

    public required IReadOnlyList<JsonElement> RawBindings { get; init; }

    public TriggerBinding? Trigger { get; init; }

    /// <summary>From the worker's indexing result (worker indexing, the normal case for the isolated worker).</summary>
    public static FunctionDefinition FromWorker(RpcFunctionMetadata indexed)
    {
        var rawBindings = indexed.RawBindings.Select(JsonFile.Parse).ToList();
        var load = new RpcFunctionMetadata
        {
            Name = indexed.Name,
            Directory = indexed.Directory,
            ScriptFile = indexed.ScriptFile,
            EntryPoint = indexed.EntryPoint,
            Language = indexed.Language,
            FunctionId = indexed.FunctionId,
        };
        load.Properties.Add(indexed.Properties);
        if (indexed.Bindings.Count > 0)
            load.Bindings.Add(indexed.Bindings);
        else
            AddBindings(load, rawBindings);

        var id = string.IsNullOrEmpty(indexed.FunctionId) ? Guid.NewGuid().ToString() : indexed.FunctionId;
        return new FunctionDefinition { Name = indexed.Name, Id = id, LoadMetadata = load, RawBindings = rawBindings, Trigger = TriggerBinding.Find(rawBindings) };
    }

    /// <summary>From one entry of functions.metadata (when the worker asks for default indexing).</summary>
    public static FunctionDefinition FromMetadataFile(JsonElement entry, string scriptRoot)
    {
        var name = entry.GetText("name") ?? throw new InvalidOperationException("A functions.metadata entry has no name.");
        var rawBindings = entry.Get("bindings") is { ValueKind: JsonValueKind.Array } bindings ? bindings.EnumerateArray().ToList() : [];
        var id = Guid.NewGuid().ToString();
        var load = new RpcFunctionMetadata
        {
            Name = name,
            Directory = scriptRoot,
            ScriptFile = entry.GetText("scriptFile") ?? "",
            EntryPoint = entry.GetText("entryPoint") ?? "",
            Language = entry.GetText("language") ?? "dotnet-isolated",
            FunctionId = id,
        };
        if (entry.Get("properties") is { ValueKind: JsonValueKind.Object } properties)
            foreach (var property in properties.EnumerateObject())
                load.Properties[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
        AddBindings(load, rawBindings);
        return new FunctionDefinition { Name = name, Id = id, LoadMetadata = load, RawBindings = rawBindings, Trigger = TriggerBinding.Find(rawBindings) };
    }

    private static void AddBindings(RpcFunctionMetadata metadata, IEnumerable<JsonElement> rawBindings)
    {
        foreach (var binding in rawBindings)
        {
            var info = new BindingInfo
            {
                Type = binding.GetText("type") ?? "",
                Direction = (binding.GetText("direction") ?? "in").ToUpperInvariant() switch
                {
                    "OUT" => BindingInfo.Types.Direction.Out,
                    "INOUT" => BindingInfo.Types.Direction.Inout,
                    _ => BindingInfo.Types.Direction.In,
                },
                DataType = (binding.GetText("dataType") ?? "").ToUpperInvariant() switch
                {
                    "STRING" => BindingInfo.Types.DataType.String,
                    "BINARY" => BindingInfo.Types.DataType.Binary,
                    "STREAM" => BindingInfo.Types.DataType.Stream,
                    _ => BindingInfo.Types.DataType.Undefined,
                },
            };
            if (binding.Get("properties") is { ValueKind: JsonValueKind.Object } properties)
                foreach (var property in properties.EnumerateObject())
                    info.Properties[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            metadata.Bindings[binding.GetText("name") ?? ""] = info;
        }
    }
}

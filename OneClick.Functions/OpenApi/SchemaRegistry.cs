using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;

namespace OneClick.Functions.OpenApi;

/// <summary>components/schemas: one JSON Schema per request or response type, exported by System.Text.Json.</summary>
internal sealed class SchemaRegistry(JsonSerializerOptions options)
{
    public const string Problem = "ProblemDetails";
    public const string ValidationProblem = "ValidationProblemDetails";
    private readonly SortedDictionary<string, JsonNode> _schemas = new(StringComparer.Ordinal)
    {
        [Problem] = ProblemSchema(validation: false),
        [ValidationProblem] = ProblemSchema(validation: true),
    };

    /// <summary>A $ref to <paramref name="type"/>'s schema, adding it on first use.</summary>
    public JsonObject Ref(Type type)
    {
        var name = NameOf(type);
        if (!_schemas.ContainsKey(name))
        {
            var schema = JsonSchemaExporter.GetJsonSchemaAsNode(options, type,
                new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true });
            Rebase(schema, $"#/components/schemas/{name}");
            _schemas[name] = schema;
        }
        return RefTo(name);
    }

    /// <summary>The exporter points repeated types at "#/..." (its own root); in the document that root is the component.</summary>
    private static void Rebase(JsonNode? node, string root)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["$ref"] is JsonValue reference && reference.ToString().StartsWith('#'))
                    obj["$ref"] = root + reference.ToString()[1..];
                foreach (var child in obj.Select(p => p.Value).ToList())
                    Rebase(child, root);
                break;
            case JsonArray array:
                foreach (var child in array)
                    Rebase(child, root);
                break;
        }
    }

    public static JsonObject RefTo(string name) => new() { ["$ref"] = $"#/components/schemas/{name}" };

    public JsonObject ToJson() => new(_schemas.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value.DeepClone())));

    /// <summary>ResultPage&lt;ContactView&gt; becomes ResultPageOfContactView: a valid component name, stable across builds.</summary>
    private static string NameOf(Type type) =>
        !type.IsGenericType ? type.Name
        : type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)] + "Of" + string.Concat(type.GetGenericArguments().Select(NameOf));

    private static JsonObject ProblemSchema(bool validation)
    {
        var properties = new JsonObject
        {
            ["type"] = new JsonObject { ["type"] = "string", ["description"] = "A URI that identifies the kind of problem." },
            ["title"] = new JsonObject { ["type"] = "string" },
            ["status"] = new JsonObject { ["type"] = "integer" },
            ["detail"] = new JsonObject { ["type"] = "string" },
            ["instance"] = new JsonObject { ["type"] = "string" },
        };
        if (validation)
            properties["errors"] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = "The problems with each field of the request.",
                ["additionalProperties"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
            };
        return new JsonObject
        {
            ["type"] = "object",
            ["description"] = validation ? "RFC 7807 problem details with the invalid fields." : "RFC 7807 problem details.",
            ["properties"] = properties,
            ["additionalProperties"] = true,
        };
    }
}

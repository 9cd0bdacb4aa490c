using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;

namespace OneClick.Functions.OpenApi;

/// <summary>
/// components/schemas: one JSON Schema per request or response type, exported by System.Text.Json. A type of the app's
/// own used inside another is a component too (a $ref), so clients generated from the document get one class per type.
/// </summary>
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
            _schemas[name] = new JsonObject(); // taken, so that a type which contains itself refers to its own component
            var schema = JsonSchemaExporter.GetJsonSchemaAsNode(options, type, new JsonSchemaExporterOptions
            {
                TreatNullObliviousAsNonNullable = true,
                TransformSchemaNode = (context, node) => Transform(context, node, type),
            });
            Rebase(schema, $"#/components/schemas/{name}");
            _schemas[name] = schema;
        }
        return RefTo(name);
    }

    private JsonNode Transform(JsonSchemaExporterContext context, JsonNode node, Type root)
    {
        // "true" (any JSON value, e.g. a JsonElement) as the equivalent empty schema, which every client generator reads.
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.True)
            return new JsonObject();
        var type = context.TypeInfo.Type;
        if (type == root || context.TypeInfo.Kind != JsonTypeInfoKind.Object || !IsOwnType(type))
            return node;
        var reference = Ref(type);
        var nullable = node is JsonObject obj && obj["type"] is JsonArray types && types.Any(t => t?.GetValue<string>() == "null");
        return nullable ? new JsonObject { ["anyOf"] = new JsonArray(reference, new JsonObject { ["type"] = "null" }) } : reference;
    }

    private static bool IsOwnType(Type type) =>
        type.Assembly == typeof(SchemaRegistry).Assembly || type.Assembly == typeof(Core.Storage.ResultPage<>).Assembly;

    /// <summary>The exporter points repeated types at "#/..." (its own root); in the document that root is the component.</summary>
    private static void Rebase(JsonNode? node, string root)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["$ref"] is JsonValue reference && reference.ToString().StartsWith('#') && !reference.ToString().StartsWith("#/components/", StringComparison.Ordinal))
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

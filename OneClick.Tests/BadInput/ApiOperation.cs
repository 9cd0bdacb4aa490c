using System.Text;
using System.Text.Json.Nodes;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.BadInput;

/// <summary>One operation of the committed OpenAPI document, as the bad-input walk needs it.</summary>
public sealed record ApiOperation(HttpMethod Method, string Template, bool Secured, bool AdminOnly, IReadOnlyList<string> PathParameters,
    IReadOnlyList<string> QueryParameters, JsonObject? JsonBody, string? OtherBody, bool BodyRequired)
{
    public static JsonObject Document { get; } = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "api", "openapi.json")))!.AsObject();

    // After Document: static initialisers run in order.
    public static IReadOnlyList<ApiOperation> All { get; } = Load();

    public bool HasBody => JsonBody is not null || OtherBody is not null;

    /// <summary>Meta's webhook: no key, its own signature check.</summary>
    public bool IsWebhook => Template.StartsWith("/api/webhooks/", StringComparison.Ordinal);

    /// <summary>The path (without the leading slash, relative to the app) with each parameter's value escaped as given.</summary>
    public string PathWith(Func<string, string> value)
    {
        var path = Template;
        foreach (var name in PathParameters)
            path = path.Replace("{" + name + "}", value(name), StringComparison.Ordinal);
        return path.TrimStart('/');
    }

    /// <summary>A body of the operation's own media type that says nothing (so that a key or id check is what answers).</summary>
    public HttpContent? MinimalBody() =>
        JsonBody is not null ? new StringContent("{}", Encoding.UTF8, "application/json")
        : OtherBody is not null ? new StringContent("", Encoding.UTF8, OtherBody)
        : null;

    public override string ToString() => $"{Method} {Template}";

    private static List<ApiOperation> Load()
    {
        var operations = new List<ApiOperation>();
        foreach (var (template, item) in Document["paths"]!.AsObject())
        {
            foreach (var (method, node) in item!.AsObject())
            {
                if (method is not ("get" or "post" or "put" or "patch" or "delete"))
                    continue;
                var operation = node!.AsObject();
                var security = (operation["security"] ?? Document["security"]) as JsonArray;
                var schemes = security?.SelectMany(s => s!.AsObject().Select(kv => kv.Key)).ToList() ?? [];
                var parameters = (operation["parameters"] as JsonArray ?? []).Select(p => p!.AsObject()).ToList();
                var content = operation["requestBody"]?["content"]?.AsObject();
                var json = content?["application/json"]?["schema"] is JsonObject schema && Schemas.Resolve(schema)["type"]?.ToString() is not "string" ? Schemas.Resolve(schema) : null;
                operations.Add(new ApiOperation(
                    new HttpMethod(method.ToUpperInvariant()), template, schemes.Count > 0, schemes.Count > 0 && schemes.All(s => s == "adminApiKey"),
                    parameters.Where(p => p["in"]!.GetValue<string>() == "path").Select(p => p["name"]!.GetValue<string>()).ToList(),
                    parameters.Where(p => p["in"]!.GetValue<string>() == "query").Select(p => p["name"]!.GetValue<string>()).ToList(),
                    json, json is null ? content?.Select(kv => kv.Key).FirstOrDefault() : null,
                    operation["requestBody"]?["required"]?.GetValue<bool>() == true));
            }
        }
        return operations;
    }
}

/// <summary>Bodies made from the document's schemas.</summary>
public static class Schemas
{
    public static JsonObject Resolve(JsonObject schema)
    {
        while (schema["$ref"]?.GetValue<string>() is { } reference)
            schema = ApiOperation.Document["components"]!["schemas"]![reference.Split('/')[^1]]!.AsObject();
        if (schema["anyOf"] is JsonArray anyOf && anyOf.OfType<JsonObject>().FirstOrDefault(s => s["type"]?.ToString() != "null") is { } first)
            return Resolve(first);
        return schema;
    }

    /// <summary>The schema's JSON type other than null ("string", "integer", …), or null when it allows anything.</summary>
    private static string? TypeOf(JsonObject schema) => Resolve(schema)["type"] switch
    {
        JsonValue single => single.GetValue<string>(),
        JsonArray many => many.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null"),
        _ => null,
    };

    /// <summary>One body per typed property, with that property given a value of another JSON type.</summary>
    public static IEnumerable<JsonObject> WrongTypeBodies(JsonObject schema)
    {
        foreach (var (name, property) in Properties(schema))
        {
            JsonNode? wrong = TypeOf(property) switch
            {
                "string" => 12345,
                "integer" or "number" => "not a number",
                "boolean" => "maybe",
                "array" => new JsonObject { ["not"] = "an array" },
                "object" => "not an object",
                _ => null,
            };
            if (wrong is not null)
                yield return new JsonObject { [name] = wrong };
        }
    }

    /// <summary>The name of the schema's first string property (one level deep), or null when there is none.</summary>
    public static string? FirstStringProperty(JsonObject schema) =>
        Properties(schema).Where(p => TypeOf(p.Schema) == "string").Select(p => p.Name).FirstOrDefault();

    /// <summary>A body with every string property (one level deep) set to <paramref name="value"/>, or null when there is none.</summary>
    public static JsonObject? WithEveryString(JsonObject schema, string value)
    {
        var body = new JsonObject();
        foreach (var (name, property) in Properties(schema))
        {
            switch (TypeOf(property))
            {
                case "string":
                    body[name] = value;
                    break;
                case "array" when Resolve(property)["items"] is JsonObject items && TypeOf(items) == "string":
                    body[name] = new JsonArray(value);
                    break;
                case "object":
                    var inner = new JsonObject();
                    foreach (var (innerName, innerProperty) in Properties(Resolve(property)))
                        if (TypeOf(innerProperty) == "string")
                            inner[innerName] = value;
                    body[name] = inner;
                    break;
            }
        }
        return body.Count > 0 ? body : null;
    }

    private static IEnumerable<(string Name, JsonObject Schema)> Properties(JsonObject schema) =>
        (Resolve(schema)["properties"] as JsonObject ?? []).Where(kv => kv.Value is JsonObject).Select(kv => (kv.Key, kv.Value!.AsObject()));
}

using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OneClick.Core.Storage;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.OpenApi;

/// <summary>One operation object: what the function's attributes declare and what its code reads and answers.</summary>
internal static partial class OperationBuilder
{
    public static JsonObject Build(HttpOperation operation, SchemaRegistry schemas)
    {
        var calls = CodeScan.CallsFrom(operation.EntryPoint);
        var parameters = new List<JsonObject>();
        foreach (var name in operation.RouteParameters.Distinct())
            parameters.Add(Parameter(name, "path", "string", required: true));
        foreach (var (name, type) in QueryParameters(calls))
            parameters.Add(Parameter(name, "query", type, required: false));
        var idempotent = operation.EntryPoint.GetCustomAttribute<IdempotentAttribute>() is not null;
        if (idempotent)
            parameters.Add(new JsonObject
            {
                ["name"] = IdempotentRequests.Header,
                ["in"] = "header",
                ["required"] = false,
                ["description"] = "A key of your choice (a UUID) that makes a retry safe: the same key and body within 24 hours get the first answer and act once; the same key with another body is a 422.",
                ["schema"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = IdempotentRequests.MaxKeyLength },
            });

        var result = new JsonObject
        {
            ["operationId"] = operation.Name,
            ["summary"] = Humanize(operation.Name),
            ["tags"] = new JsonArray(operation.Tag),
        };
        // The document's default is the tenant key; anything else (admin, either key, none) is stated per operation.
        var schemes = HttpOperations.SchemesFor(operation);
        if (schemes is not [SecuritySchemes.Tenant])
            result["security"] = operation.Anonymous
                ? new JsonArray()
                : new JsonArray(schemes.Select(s => (JsonNode)new JsonObject { [s] = new JsonArray() }).ToArray());
        if (parameters.Count > 0)
            result["parameters"] = new JsonArray(parameters.Select(p => (JsonNode)p).ToArray());
        if (RequestBody(operation, calls, schemas) is { } body)
            result["requestBody"] = body;
        var responses = Responses(operation, calls, schemas, hasInput: parameters.Count > 0 || result.ContainsKey("requestBody"));
        if (idempotent)
        {
            responses.TryAdd("409", ProblemResponse("409"));
            responses.TryAdd("422", ProblemResponse("422"));
            result["responses"] = new JsonObject(responses.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => KeyValuePair.Create(r.Key, r.Value?.DeepClone())));
        }
        else
            result["responses"] = responses;
        return result;
    }

    private static IEnumerable<(string Name, string Type)> QueryParameters(IReadOnlyList<CodeScan.Call> calls)
    {
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var call in calls)
        {
            if (call.Method.DeclaringType == typeof(RequestReading) && call.LiteralBefore is { } name)
            {
                var type = call.Method.Name switch { "QueryInt" => "integer", "QueryBool" => "boolean", "QueryText" => "string", _ => null };
                if (type is not null)
                    found.TryAdd(name, type);
            }
            if (call.Method.DeclaringType == typeof(ListParameters) && call.Method.Name is nameof(ListParameters.PageAsync) or nameof(ListParameters.Check))
            {
                found.TryAdd(ListParameters.PageSize, "integer");
                found.TryAdd(ListParameters.ContinuationToken, "string");
            }
        }
        return found.Select(f => (f.Key, f.Value));
    }

    private static JsonObject Parameter(string name, string location, string type, bool required)
    {
        var schema = new JsonObject { ["type"] = type };
        if (name == ListParameters.PageSize)
        {
            schema["minimum"] = 1;
            schema["maximum"] = Paging.MaxPageSize;
        }
        var parameter = new JsonObject { ["name"] = name, ["in"] = location, ["required"] = required, ["schema"] = schema };
        if (name == ListParameters.ContinuationToken)
            parameter["description"] = "The continuationToken of the previous page; omit it for the first page.";
        return parameter;
    }

    private static JsonObject? RequestBody(HttpOperation operation, IReadOnlyList<CodeScan.Call> calls, SchemaRegistry schemas)
    {
        if (operation.EntryPoint.GetCustomAttribute<RequestContentAttribute>() is { } raw)
            return new JsonObject
            {
                ["required"] = true,
                ["description"] = raw.Description,
                ["content"] = new JsonObject
                {
                    [raw.MediaType] = new JsonObject
                    {
                        ["schema"] = raw.FilePart is null
                            ? new JsonObject { ["type"] = "string" }
                            : new JsonObject
                            {
                                ["type"] = "object",
                                ["required"] = new JsonArray(raw.FilePart),
                                ["properties"] = new JsonObject { [raw.FilePart] = new JsonObject { ["type"] = "string", ["contentMediaType"] = "application/octet-stream" } },
                            },
                    },
                },
            };
        var read = calls.FirstOrDefault(c => c.Method.DeclaringType == typeof(RequestReading)
            && c.Method.Name is nameof(RequestReading.ReadBodyAsync) or nameof(RequestReading.ReadOptionalBodyAsync) && c.Method.IsGenericMethod);
        if (read is null)
            return null;
        return new JsonObject
        {
            ["required"] = read.Method.Name == nameof(RequestReading.ReadBodyAsync),
            ["content"] = Json(schemas.Ref(read.Method.GetGenericArguments()[0])),
        };
    }

    private static JsonObject Responses(HttpOperation operation, IReadOnlyList<CodeScan.Call> calls, SchemaRegistry schemas, bool hasInput)
    {
        var responses = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var call in calls)
        {
            if (Success(call.Method, schemas) is { } success)
                responses.TryAdd(success.Status, success.Response);
            if (call.Method.DeclaringType == typeof(Problem) || call.Method.DeclaringType == typeof(TypedResults))
            {
                var status = call.Method.Name switch
                {
                    nameof(Problem.Validation) or nameof(TypedResults.ValidationProblem) => "400",
                    nameof(Problem.NotFound) => "404",
                    nameof(Problem.Conflict) => "409",
                    _ => null,
                };
                if (status is not null)
                    responses.TryAdd(status, ProblemResponse(status));
            }
        }
        if (operation.EntryPoint.GetCustomAttribute<ResponseContentAttribute>() is { } content)
            responses["200"] = new JsonObject
            {
                ["description"] = content.Description,
                ["content"] = new JsonObject { [content.MediaType] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } } },
            };
        foreach (var kind in operation.EntryPoint.GetCustomAttribute<RefusesAttribute>()?.Kinds ?? [])
            responses.TryAdd(Problem.StatusOf(kind).ToString(System.Globalization.CultureInfo.InvariantCulture), ProblemResponse(Problem.StatusOf(kind).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (!responses.Keys.Any(k => k.StartsWith('2')))
            responses["200"] = new JsonObject { ["description"] = "Done." };
        if (hasInput)
            responses.TryAdd("400", ProblemResponse("400"));
        if (!operation.Anonymous)
        {
            responses.TryAdd("401", ProblemResponse("401"));
            responses.TryAdd("403", ProblemResponse("403"));
        }
        if (operation.RouteParameters.Any())
            responses.TryAdd("404", ProblemResponse("404"));
        // Every call but the health check counts against the rate limits (HttpFunctionMiddleware).
        if (operation.Name != "Health")
            responses.TryAdd("429", ProblemResponse("429"));
        responses.TryAdd("500", ProblemResponse("500"));
        return new JsonObject(responses.Select(r => KeyValuePair.Create(r.Key, (JsonNode?)r.Value)));
    }

    private static (string Status, JsonObject Response)? Success(MethodBase method, SchemaRegistry schemas)
    {
        var payload = method is MethodInfo { IsGenericMethod: true } generic ? generic.GetGenericArguments()[^1] : null;
        if (method.DeclaringType == typeof(ListParameters) && payload is not null
            && method.Name is nameof(ListParameters.PageAsync) or nameof(ListParameters.ReadAsync))
            return ("200", Response("A page of results.", schemas.Ref(typeof(ResultPage<>).MakeGenericType(payload))));
        if (method.DeclaringType != typeof(TypedResults))
            return null;
        var status = method.Name switch
        {
            nameof(TypedResults.Ok) or nameof(TypedResults.Stream) or nameof(TypedResults.Text) => "200",
            nameof(TypedResults.Created) => "201",
            nameof(TypedResults.Accepted) => "202",
            nameof(TypedResults.NoContent) => "204",
            _ => null,
        };
        if (status is null)
            return null;
        if (method.Name == nameof(TypedResults.Stream))
            return (status, new JsonObject { ["description"] = "The content.", ["content"] = new JsonObject { ["application/octet-stream"] = new JsonObject() } });
        if (method.Name == nameof(TypedResults.Text))
            return (status, new JsonObject { ["description"] = "The text.", ["content"] = new JsonObject { ["text/plain"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } } } });
        var description = status switch { "201" => "Created.", "202" => "Accepted.", "204" => "Done; no content.", _ => "Done." };
        return payload is null ? (status, new JsonObject { ["description"] = description }) : (status, Response(description, schemas.Ref(payload)));
    }

    private static JsonObject Response(string description, JsonObject schema) => new() { ["description"] = description, ["content"] = Json(schema) };

    private static JsonObject Json(JsonObject schema) => new() { ["application/json"] = new JsonObject { ["schema"] = schema } };

    private static JsonObject ProblemResponse(string status) => new()
    {
        ["description"] = status switch
        {
            "400" => "The request is not valid.",
            "401" => "No valid API key.",
            "403" => "This key cannot use this operation.",
            "404" => "Not found.",
            "409" => "Conflicts with the current state.",
            "422" => "The Idempotency-Key was used for a different request.",
            "429" => "Too many requests from this tenant or address; wait the Retry-After header's seconds.",
            _ => "Something went wrong on our side.",
        },
        ["content"] = new JsonObject
        {
            ["application/problem+json"] = new JsonObject
            {
                ["schema"] = SchemaRegistry.RefTo(status == "400" ? SchemaRegistry.ValidationProblem : SchemaRegistry.Problem),
            },
        },
    };

    /// <summary>CreateContact becomes "Create contact".</summary>
    private static string Humanize(string name)
    {
        var words = WordBoundary().Replace(name, " $1").ToLowerInvariant();
        return char.ToUpperInvariant(words[0]) + words[1..];
    }

    [GeneratedRegex("(?<=[a-z0-9])([A-Z])")]
    private static partial Regex WordBoundary();
}

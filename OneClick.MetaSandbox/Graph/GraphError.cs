using System.Text.Json.Serialization;

namespace OneClick.MetaSandbox.Graph;

/// <summary>The Graph API error body: <c>{"error":{...}}</c>.</summary>
internal sealed record GraphErrorResponse([property: JsonPropertyName("error")] GraphError Error);

internal sealed record GraphError
{
    [JsonPropertyName("message")]
    public required string Message { get; init; }

    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("code")]
    public required int Code { get; init; }

    [JsonPropertyName("error_subcode")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ErrorSubcode { get; init; }

    [JsonPropertyName("error_data")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public GraphErrorData? ErrorData { get; init; }

    [JsonPropertyName("fbtrace_id")]
    public required string FbTraceId { get; init; }
}

internal sealed record GraphErrorData(
    [property: JsonPropertyName("messaging_product")] string MessagingProduct,
    [property: JsonPropertyName("details")] string Details);

/// <summary>An error answer ready to send: HTTP status plus body.</summary>
internal sealed record GraphFailure(int HttpStatus, GraphError Error)
{
    public IResult ToResult()
    {
        var body = new GraphErrorResponse(Error);
        if (HttpStatus == StatusCodes.Status401Unauthorized)
        {
            return new UnauthorizedGraphResult(body, Error.Message);
        }

        return Results.Json(body, statusCode: HttpStatus);
    }

    /// <summary>Meta adds a WWW-Authenticate header to 401 answers; some clients read it.</summary>
    private sealed class UnauthorizedGraphResult(GraphErrorResponse body, string message) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.WWWAuthenticate =
                $"OAuth \"Facebook Platform\" \"invalid_token\" \"{message.Replace("\"", "'", StringComparison.Ordinal)}\"";
            return Results.Json(body, statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(httpContext);
        }
    }
}

using System.Globalization;
using OneClick.MetaSandbox.Faults;

namespace OneClick.MetaSandbox.Graph;

/// <summary>Builds the exact error answers Meta gives, so clients can key their logic on code and details.</summary>
internal static class GraphErrors
{
    /// <summary>A WhatsApp error: "(#code) title" with error_data.details.</summary>
    public static GraphFailure WhatsApp(int code, string? details = null)
    {
        var info = ErrorCatalog.Get(code);
        return new GraphFailure(info.HttpStatus, new GraphError
        {
            Message = $"(#{code}) {info.Title}",
            Type = "OAuthException",
            Code = code,
            ErrorData = new GraphErrorData("whatsapp", details ?? info.Details),
            FbTraceId = FbTraceId.New(),
        });
    }

    public static GraphFailure InvalidToken() =>
        new(StatusCodes.Status401Unauthorized, new GraphError
        {
            Message = "Invalid OAuth access token - Cannot parse access token",
            Type = "OAuthException",
            Code = 190,
            FbTraceId = FbTraceId.New(),
        });

    public static GraphFailure ExpiredToken(DateTimeOffset expiredAt, DateTimeOffset now) =>
        new(StatusCodes.Status401Unauthorized, new GraphError
        {
            Message = $"Error validating access token: Session has expired on {MetaDate(expiredAt)}. The current time is {MetaDate(now)}.",
            Type = "OAuthException",
            Code = 190,
            ErrorSubcode = 463,
            FbTraceId = FbTraceId.New(),
        });

    /// <summary>Unknown object id. Meta names the HTTP method in lower case: "Unsupported post request."</summary>
    public static GraphFailure UnknownObject(string id, string method) =>
        new(StatusCodes.Status400BadRequest, new GraphError
        {
            Message = $"Unsupported {method.ToLowerInvariant()} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
            Type = "GraphMethodException",
            Code = 100,
            ErrorSubcode = 33,
            FbTraceId = FbTraceId.New(),
        });

    public static GraphFailure NonexistingField(string field, string nodeType) =>
        new(StatusCodes.Status400BadRequest, new GraphError
        {
            Message = $"(#100) Tried accessing nonexisting field ({field}) on node type ({nodeType})",
            Type = "OAuthException",
            Code = 100,
            FbTraceId = FbTraceId.New(),
        });

    public static GraphFailure UnknownPath(string path) =>
        new(StatusCodes.Status400BadRequest, new GraphError
        {
            Message = $"Unknown path components: {path}",
            Type = "OAuthException",
            Code = 2500,
            FbTraceId = FbTraceId.New(),
        });

    // Meta's format: "Tuesday, 02-Jun-26 10:00:00 PDT"; the sandbox reports UTC.
    private static string MetaDate(DateTimeOffset value) =>
        value.UtcDateTime.ToString("dddd, dd-MMM-yy HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
}

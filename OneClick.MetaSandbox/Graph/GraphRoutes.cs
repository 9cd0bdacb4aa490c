namespace OneClick.MetaSandbox.Graph;

internal static class GraphRoutes
{
    /// <summary>Every Graph route starts with the API version, e.g. /v25.0/...; the regex keeps /_sandbox out.</summary>
    public const string VersionPrefix = @"/{version:regex(^v\d+\.\d+$)}";

    private static readonly string[] AnyMethod = ["GET", "POST", "DELETE", "PUT", "PATCH"];

    /// <summary>Unknown Graph paths answer like Meta (code 2500) instead of an empty 404, so client bugs show clearly.</summary>
    public static void MapUnknownGraphPaths(this RouteGroupBuilder graph) =>
        graph.MapMethods("/{**rest}", AnyMethod, (string? rest) =>
            GraphErrors.UnknownPath("/" + rest).ToResult());
}

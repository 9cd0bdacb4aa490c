namespace OneClick.Functions.OpenApi;

/// <summary>
/// A function that reads its body itself rather than as JSON (a CSV upload): the media type it takes, for the
/// document. JSON bodies need no attribute; the document reads them from the code.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequestContentAttribute(string mediaType, string description) : Attribute
{
    public string MediaType { get; } = mediaType;
    public string Description { get; } = description;

    /// <summary>For multipart/form-data: the name of the part holding the file.</summary>
    public string? FilePart { get; init; }
}

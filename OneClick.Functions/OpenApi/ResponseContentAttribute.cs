namespace OneClick.Functions.OpenApi;

/// <summary>
/// A function whose 200 answer is not JSON (a CSV export, a stream of lines, a page): its media type, for the
/// document, which cannot read it from a streamed result. JSON answers need no attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ResponseContentAttribute(string mediaType, string description) : Attribute
{
    public string MediaType { get; } = mediaType;
    public string Description { get; } = description;
}

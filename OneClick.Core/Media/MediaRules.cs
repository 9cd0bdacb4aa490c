namespace OneClick.Core.Media;

/// <summary>The files Meta accepts and their size limits (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media).</summary>
public static class MediaRules
{
    /// <summary>The largest upload (documents): also the body limit of POST /api/media.</summary>
    public const long MaxUploadBytes = 100L * 1024 * 1024;

    private const long Image = 5L * 1024 * 1024;
    private const long VideoOrAudio = 16L * 1024 * 1024;

    public static readonly IReadOnlyDictionary<string, long> MaxBytesByMimeType = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase)
    {
        ["image/jpeg"] = Image,
        ["image/png"] = Image,
        ["video/mp4"] = VideoOrAudio,
        ["video/3gpp"] = VideoOrAudio,
        ["audio/aac"] = VideoOrAudio,
        ["audio/amr"] = VideoOrAudio,
        ["audio/mpeg"] = VideoOrAudio,
        ["audio/mp4"] = VideoOrAudio,
        ["audio/ogg"] = VideoOrAudio,
        // Stickers: 100 KB static, 500 KB animated; the larger limit here, Meta tells the two apart.
        ["image/webp"] = 500L * 1024,
        ["text/plain"] = MaxUploadBytes,
        ["application/pdf"] = MaxUploadBytes,
        ["application/msword"] = MaxUploadBytes,
        ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"] = MaxUploadBytes,
        ["application/vnd.ms-excel"] = MaxUploadBytes,
        ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"] = MaxUploadBytes,
        ["application/vnd.ms-powerpoint"] = MaxUploadBytes,
        ["application/vnd.openxmlformats-officedocument.presentationml.presentation"] = MaxUploadBytes,
    };

    /// <summary>Why a file cannot be uploaded, or null when it can.</summary>
    public static string? Problem(string? mimeType, long length)
    {
        if (mimeType is null || !MaxBytesByMimeType.TryGetValue(mimeType, out var max))
            return $"Unsupported type '{mimeType}'. Supported: {string.Join(", ", MaxBytesByMimeType.Keys)}.";
        if (length <= 0)
            return "The file is empty.";
        return length > max ? $"A {mimeType} file may have at most {max} bytes; this one has {length}." : null;
    }
}

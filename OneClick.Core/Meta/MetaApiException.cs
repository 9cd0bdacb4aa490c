using System.Net;
using System.Text.RegularExpressions;

namespace OneClick.Core.Meta;

/// <summary>An error answered by the Graph API, in Meta's shape (see https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).</summary>
public sealed partial class MetaApiException(
    HttpStatusCode httpStatus, int code, int? subcode, string? type, string message, string? details, string? fbTraceId, bool? isTransient = null)
    : Exception(message)
{
    public HttpStatusCode HttpStatus { get; } = httpStatus;
    public int Code { get; } = code;
    public int? Subcode { get; } = subcode;
    public string? Type { get; } = type;
    public string? Details { get; } = details;
    public string? FbTraceId { get; } = fbTraceId;
    /// <summary>Graph's <c>is_transient</c>, when Meta sent it: true makes a request-level error retryable.</summary>
    public bool? IsTransient { get; } = isTransient;

    /// <summary>Meta's title: the message without its "(#code) " prefix.</summary>
    public string Title => CodePrefix().Replace(Message, "");

    public MetaErrorKind Kind => MetaErrorPolicy.Classify(Code, IsTransient);

    [GeneratedRegex(@"^\(#\d+\)\s*")]
    private static partial Regex CodePrefix();
}

/// <summary>A send whose outcome is unknown: the request may or may not have reached Meta.</summary>
public sealed class MetaOutcomeUnknownException(string message, Exception inner) : Exception(message, inner);

/// <summary>The request never reached Meta (no connection): safe to try again.</summary>
public sealed class MetaUnreachableException(string message, Exception inner) : Exception(message, inner);

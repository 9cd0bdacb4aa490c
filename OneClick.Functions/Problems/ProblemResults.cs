using System.Globalization;
using OneClick.Core.Results;
using OneClick.Core.Validation;

namespace OneClick.Functions.Problems;

/// <summary>
/// RFC 7807 answers, in one place: each <see cref="FailureKind"/> has its status code, and each status a stable
/// problem type URI (listed in docs/api.md), so clients can tell refusals apart without reading titles.
/// </summary>
public static class Problem
{
    public static int StatusOf(FailureKind kind) => kind switch
    {
        FailureKind.Invalid => StatusCodes.Status400BadRequest,
        FailureKind.NotFound => StatusCodes.Status404NotFound,
        FailureKind.Conflict => StatusCodes.Status409Conflict,
        FailureKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        FailureKind.NotAllowed => StatusCodes.Status403Forbidden,
        FailureKind.RateLimited => StatusCodes.Status429TooManyRequests,
        FailureKind.MetaRefused => StatusCodes.Status502BadGateway,
        FailureKind.MetaUnavailable => StatusCodes.Status503ServiceUnavailable,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// The problem type URI for a status: <c>urn:oneclick:problem:not-found</c> and so on, one per kind of refusal
    /// (RFC 9457 §3.1.1: a URN names the type without promising a page).
    /// </summary>
    public static string TypeOf(int status) => "urn:oneclick:problem:" + status switch
    {
        StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType => "invalid",
        StatusCodes.Status401Unauthorized => "unauthenticated",
        StatusCodes.Status403Forbidden => "not-allowed",
        StatusCodes.Status404NotFound => "not-found",
        StatusCodes.Status409Conflict => "conflict",
        StatusCodes.Status422UnprocessableEntity => "unprocessable",
        StatusCodes.Status429TooManyRequests => "rate-limited",
        StatusCodes.Status502BadGateway => "meta-refused",
        StatusCodes.Status503ServiceUnavailable => "unavailable",
        _ => "internal",
    };

    /// <summary>A problem that is not a Core refusal (authentication, the HTTP layer's limits, an unexpected error).</summary>
    public static IResult Status(int status, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, type: TypeOf(status));

    /// <summary>A refusal from Core as problem details: fields for validation, Meta's code and trace id, Retry-After when retrying helps.</summary>
    public static IResult From(Failure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var extensions = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (failure.MetaCode is int code)
            extensions["metaCode"] = code;
        if (failure.MetaSubcode is int subcode)
            extensions["metaSubcode"] = subcode;
        if (failure.FbTraceId is { } trace)
            extensions["fbtraceId"] = trace;
        if (failure.RetryAfterSeconds is int retry)
            extensions["retryAfterSeconds"] = retry;
        var type = TypeOf(StatusOf(failure.Kind));
        var result = failure.Errors is { } errors
            ? TypedResults.ValidationProblem(errors.ToDictionary(), title: failure.Title, detail: failure.Detail, type: type, extensions: extensions)
            : (IResult)TypedResults.Problem(statusCode: StatusOf(failure.Kind), title: failure.Title, detail: failure.Detail, type: type, extensions: extensions);
        return failure.RetryAfterSeconds is int seconds ? new RetryAfterResult(result, seconds) : result;
    }

    public static IResult Validation(ValidationErrors errors) => From(Failure.Invalid(errors) with { Detail = "See errors." });

    public static IResult Validation(string field, string problem) => From(Failure.Invalid(field, problem));

    public static IResult NotFound(string what) => From(Failure.NotFound(what));

    public static IResult Conflict(string detail) => From(Failure.Conflict(detail));

    /// <summary>Framework-level bad input (malformed JSON, wrong types, a body over the size limit, a wrong content type).</summary>
    public static IResult BadRequest(BadHttpRequestException bad)
    {
        ArgumentNullException.ThrowIfNull(bad);
        var detail = bad.InnerException is System.Text.Json.JsonException json ? $"{bad.Message} {json.Message}" : bad.Message;
        var title = bad.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
            StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json.",
            _ => "The request could not be read.",
        };
        return TypedResults.Problem(statusCode: bad.StatusCode, title: title, detail: detail, type: TypeOf(bad.StatusCode));
    }

    private sealed class RetryAfterResult(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}

/// <summary>An <see cref="Outcome{T}"/> as the function's answer: its value through <c>success</c>, or its failure through <see cref="Problem.From"/>.</summary>
public static class OutcomeResults
{
    public static IResult ToResult<T>(this Outcome<T> outcome, Func<T, IResult> success) where T : class
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(success);
        return outcome.Failure is { } failure ? Problem.From(failure) : success(outcome.Value!);
    }
}

using Microsoft.AspNetCore.Diagnostics;
using OneClick.Core.Validation;

namespace OneClick.Functions.Problems;

/// <summary>RFC 7807 answers for the errors endpoints return themselves.</summary>
public static class Problem
{
    public static IResult Validation(ValidationErrors errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(), title: "The request is not valid.");

    public static IResult Validation(string field, string problem)
    {
        var errors = new ValidationErrors();
        errors.Add(field, problem);
        return Validation(errors);
    }

    public static IResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"No {what} with that id.");

    public static IResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);
}

/// <summary>
/// Turns framework-level bad input (malformed JSON, wrong types, a body over the size limit) into a 4xx
/// problem with a useful detail instead of a 500.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is not BadHttpRequestException bad)
            return false;
        var detail = bad.InnerException is System.Text.Json.JsonException json ? $"{bad.Message} {json.Message}" : bad.Message;
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request could not be read.",
                Detail = detail,
            },
        }).ConfigureAwait(false);
    }
}

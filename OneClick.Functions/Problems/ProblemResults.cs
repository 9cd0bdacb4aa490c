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
        return TypedResults.Problem(statusCode: bad.StatusCode, title: title, detail: detail);
    }
}

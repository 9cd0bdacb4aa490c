using OneClick.Core.Validation;

namespace OneClick.Core.Results;

/// <summary>
/// What kind of refusal: the domain's words, no HTTP. The Functions layer maps each kind, in one place
/// (<c>Problems/Problem.From</c>), to a status code and a stable problem type URI.
/// </summary>
public enum FailureKind
{
    /// <summary>The request itself is wrong; <see cref="Failure.Errors"/> says which fields.</summary>
    Invalid,
    NotFound,
    /// <summary>Not possible in the current state (a campaign already running, a group still being created, …).</summary>
    Conflict,
    /// <summary>The request is larger than the operation takes (an upload over its size limit).</summary>
    TooLarge,
    /// <summary>Not allowed for this caller or this account (Meta says the number may not use a feature, …).</summary>
    NotAllowed,
    /// <summary>Too many requests; retrying after <see cref="Failure.RetryAfter"/> can succeed.</summary>
    RateLimited,
    /// <summary>Meta refused OneClick's call for a reason the caller cannot fix by changing the request.</summary>
    MetaRefused,
    /// <summary>Meta could not be reached or is temporarily failing; retrying later can succeed.</summary>
    MetaUnavailable,
}

/// <summary>Why an operation was refused, ready to become RFC 7807 problem details.</summary>
/// <param name="MetaCode">Meta's error code when Meta refused it.</param>
/// <param name="RetryAfterSeconds">Set when trying again later can succeed.</param>
public sealed record Failure(FailureKind Kind, string Title, string Detail, int? MetaCode = null, int? RetryAfterSeconds = null, ValidationErrors? Errors = null)
{
    public int? MetaSubcode { get; init; }
    /// <summary>Meta's trace id for its support, when Meta refused.</summary>
    public string? FbTraceId { get; init; }

    public static Failure Invalid(ValidationErrors errors) => new(FailureKind.Invalid, "The request is not valid.", "See errors.", Errors: errors);

    public static Failure Invalid(string field, string problem)
    {
        var errors = new ValidationErrors();
        errors.Add(field, problem);
        return Invalid(errors);
    }

    public static Failure NotFound(string what) => new(FailureKind.NotFound, "Not found", $"No {what} with that id.");

    public static Failure Conflict(string detail) => new(FailureKind.Conflict, "Conflict", detail);
}

/// <summary>A value, or the <see cref="Failure"/> that stopped it.</summary>
public sealed record Outcome<T>(T? Value, Failure? Failure) where T : class
{
    public static implicit operator Outcome<T>(Failure failure) => new(null, failure);
}

public static class Outcome
{
    public static Outcome<T> Ok<T>(T value) where T : class => new(value, null);
}

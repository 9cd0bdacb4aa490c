using OneClick.Core.Meta;
using OneClick.Core.Validation;

namespace OneClick.Core.Groups;

/// <summary>Why a group operation was refused, ready to become RFC 7807 problem details.</summary>
/// <param name="MetaCode">Meta's error code when Meta refused it.</param>
/// <param name="RetryAfterSeconds">Set when trying again later can succeed (131208 group rate limit).</param>
public sealed record GroupProblem(int Status, string Title, string Detail, int? MetaCode = null, int? RetryAfterSeconds = null, ValidationErrors? Errors = null)
{
    public static GroupProblem Invalid(ValidationErrors errors) => new(400, "The request is not valid.", "See errors.", Errors: errors);

    public static GroupProblem Invalid(string field, string problem)
    {
        var errors = new ValidationErrors();
        errors.Add(field, problem);
        return Invalid(errors);
    }

    public static GroupProblem NotFound(string what = "group") => new(404, "Not found", $"No {what} with that id.");

    public static GroupProblem Conflict(string detail) => new(409, "Conflict", detail);

    /// <summary>
    /// Meta's group error codes (https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/error-codes) as clear outcomes: 131208 is "retry later", everything else is
    /// final for this request, with what to do about it.
    /// </summary>
    public static GroupProblem FromMeta(MetaApiException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var meta = $" (Meta {error.Code}: {error.Title}{(error.Details is null ? "" : " — " + error.Details)})";
        return error.Code switch
        {
            131041 => new(409, "Group unknown at Meta", "Meta does not know this group, or the business number is no longer a member of it." + meta, error.Code),
            131207 => new(409, "Group suspended", "WhatsApp has suspended this group for a policy violation; it cannot be changed or messaged until the suspension is lifted." + meta, error.Code),
            131208 => new(429, "Too many group operations", "Meta limits how many group operations a number makes in a short time. Retry later." + meta, error.Code, RetryAfterSeconds: 60),
            131211 => new(409, "Group limit reached", $"The number already has the most groups Meta allows ({GroupLimits.MaxGroupsPerNumber:N0}); delete a group first." + meta, error.Code),
            131214 => new(409, "Group creation temporarily disabled", "Meta has paused group creation for this account because of excessive marketing messages in customer service windows over the last 7 days. Try again later." + meta, error.Code),
            131215 => new(403, "Number not eligible for groups", "The business number cannot use the Groups API: it must be an Official Business Account on the Cloud API, and not a WhatsApp Business app (coexistence) or Multi-solution Conversations number." + meta, error.Code),
            131209 => Picture("The picture must be square." + meta, error.Code),
            131210 => Picture($"The picture must be at least {GroupLimits.MinPictureSide}x{GroupLimits.MinPictureSide} pixels." + meta, error.Code),
            131202 => new(400, "Duplicate participant", "The same participant appears twice in the request." + meta, error.Code),
            131204 => new(409, "Group full", $"A group holds at most {GroupLimits.MaxParticipants} participants besides the business." + meta, error.Code),
            131212 => new(400, "Not a participant", "That person is not in the group." + meta, error.Code),
            131213 => new(404, "Join request not found", "The join request does not exist (answered or revoked already)." + meta, error.Code),
            131020 => new(409, "Group has no members", "A group with only the business in it cannot receive messages." + meta, error.Code),
            _ when MetaErrorPolicy.ExplainCredentialProblem(error) is { } credentials =>
                new(502, "Meta refused the tenant's credentials", credentials + meta, error.Code),
            _ when error.Kind == MetaErrorKind.Retryable =>
                new(503, "Meta is temporarily unavailable", "Retry later." + meta, error.Code, RetryAfterSeconds: 30),
            _ => new(502, "Meta refused the request", "Meta answered with an error." + meta, error.Code),
        };
    }

    private static GroupProblem Picture(string detail, int code)
    {
        var errors = new ValidationErrors();
        errors.Add("picture", detail);
        return new(400, "The request is not valid.", detail, code, Errors: errors);
    }
}

/// <summary>A value or the problem that stopped it.</summary>
public sealed record GroupResult<T>(T? Value, GroupProblem? Problem) where T : class
{
    public static implicit operator GroupResult<T>(GroupProblem problem) => new(null, problem);
}

public static class GroupResult
{
    public static GroupResult<T> Ok<T>(T value) where T : class => new(value, null);
}

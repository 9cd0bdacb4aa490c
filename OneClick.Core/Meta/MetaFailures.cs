using OneClick.Core.Groups;
using OneClick.Core.Results;
using OneClick.Core.Validation;

namespace OneClick.Core.Meta;

/// <summary>
/// Meta's errors as <see cref="Failure"/>s, in one table for every feature that calls Meta on a caller's behalf
/// (groups, templates, media): what the caller can do about each, with Meta's code kept.
/// See https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes.
/// </summary>
public static class MetaFailures
{
    // Meta's answer to a request whose content is wrong: the caller fixes the field named.
    private static readonly int[] FixThePayload = [100, 131008, 131009, 131053, 132000, 132001, 132005, 132007, 132012, 132018, 135000];

    /// <summary>
    /// Meta's error as a clear outcome: the group codes (https://developers.facebook.com/docs/whatsapp/cloud-api/groups)
    /// with what to do about each, 131208 and transient errors as "retry later", content errors as invalid
    /// <paramref name="field"/>, credentials refused, and anything else as Meta's refusal, final for this request.
    /// </summary>
    public static Failure From(MetaApiException error, string field = "message")
    {
        ArgumentNullException.ThrowIfNull(error);
        var meta = $" (Meta {error.Code}: {error.Title}{(error.Details is null ? "" : " — " + error.Details)})";
        var failure = error.Code switch
        {
            131041 => new(FailureKind.Conflict, "Group unknown at Meta", "Meta does not know this group, or the business number is no longer a member of it." + meta, error.Code),
            131207 => new(FailureKind.Conflict, "Group suspended", "WhatsApp has suspended this group for a policy violation; it cannot be changed or messaged until the suspension is lifted." + meta, error.Code),
            131208 => new(FailureKind.RateLimited, "Too many group operations", "Meta limits how many group operations a number makes in a short time. Retry later." + meta, error.Code, RetryAfterSeconds: 60),
            131211 => new(FailureKind.Conflict, "Group limit reached", $"The number already has the most groups Meta allows ({GroupLimits.MaxGroupsPerNumber:N0}); delete a group first." + meta, error.Code),
            131214 => new(FailureKind.Conflict, "Group creation temporarily disabled", "Meta has paused group creation for this account because of excessive marketing messages in customer service windows over the last 7 days. Try again later." + meta, error.Code),
            131215 => new(FailureKind.NotAllowed, "Number not eligible for groups", "The business number cannot use the Groups API: it must be an Official Business Account on the Cloud API, and not a WhatsApp Business app (coexistence) or Multi-solution Conversations number." + meta, error.Code),
            131209 => Picture("The picture must be square." + meta, error.Code),
            131210 => Picture($"The picture must be at least {GroupLimits.MinPictureSide}x{GroupLimits.MinPictureSide} pixels." + meta, error.Code),
            131202 => new(FailureKind.Invalid, "Duplicate participant", "The same participant appears twice in the request." + meta, error.Code),
            131204 => new(FailureKind.Conflict, "Group full", $"A group holds at most {GroupLimits.MaxParticipants} participants besides the business." + meta, error.Code),
            131212 => new(FailureKind.Invalid, "Not a participant", "That person is not in the group." + meta, error.Code),
            131213 => new(FailureKind.NotFound, "Join request not found", "The join request does not exist (answered or revoked already)." + meta, error.Code),
            131020 => new(FailureKind.Conflict, "Group has no members", "A group with only the business in it cannot receive messages." + meta, error.Code),
            100 when error.Subcode == 2388024 => new(FailureKind.Conflict, "Meta already has this template.", error.Details ?? error.Message, error.Code),
            _ when FixThePayload.Contains(error.Code) => Invalid(field, $"Meta refused it (code {error.Code}): {error.Details ?? error.Title}", error.Code),
            _ when MetaErrorPolicy.ExplainCredentialProblem(error) is { } credentials =>
                new(FailureKind.MetaRefused, "Meta refused the tenant's credentials", credentials + meta, error.Code),
            _ when error.Kind == MetaErrorKind.Retryable =>
                new(FailureKind.MetaUnavailable, "Meta is temporarily unavailable", "Retry later." + meta, error.Code, RetryAfterSeconds: 30),
            _ => new(FailureKind.MetaRefused, "Meta refused the request", "Meta answered with an error." + meta, error.Code),
        };
        return failure with { MetaSubcode = error.Subcode, FbTraceId = error.FbTraceId };
    }

    /// <summary>Meta did not answer (timeout, connection refused): nothing is known to have happened there.</summary>
    public static Failure Unreachable(MetaUnreachableException error) =>
        new(FailureKind.MetaUnavailable, "Meta could not be reached", (error?.Message ?? "") + " Retry later.", RetryAfterSeconds: 30);

    /// <summary>The tenant has not stored its WhatsApp Business Account credentials yet.</summary>
    public static Failure NotConnected(string detail) =>
        new(FailureKind.Conflict, "The tenant is not connected to Meta.", detail);

    private static Failure Picture(string detail, int code) => Invalid("picture", detail, code);

    private static Failure Invalid(string field, string detail, int code)
    {
        var errors = new ValidationErrors();
        errors.Add(field, detail);
        return new(FailureKind.Invalid, "The request is not valid.", detail, code, Errors: errors);
    }
}

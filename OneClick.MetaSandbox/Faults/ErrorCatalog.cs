using System.Collections.Frozen;

namespace OneClick.MetaSandbox.Faults;

/// <summary>One WhatsApp error code: Meta's title, the HTTP status it comes with, and how Meta reports it.</summary>
/// <param name="Asynchronous">True when Meta accepts the send (200) and reports the code later in a <c>failed</c> status webhook.</param>
internal sealed record ErrorCodeInfo(int Code, string Title, int HttpStatus, bool Asynchronous, string Details);

/// <summary>
/// Meta's WhatsApp error codes (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes and https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/error-codes). Used for titles, HTTP statuses and for deciding whether a
/// randomly injected failure (failureRate/failureCode) fails the send synchronously or through a failed status webhook.
/// </summary>
internal static class ErrorCatalog
{
    private static readonly FrozenDictionary<int, ErrorCodeInfo> Codes = new ErrorCodeInfo[]
    {
        // Authorization and permissions.
        new(0, "AuthException", 401, false, "We were unable to authenticate the app user."),
        new(3, "API Method", 500, false, "Capability or permissions issue."),
        new(10, "Permission Denied", 403, false, "Permission is either not granted or has been removed."),
        new(190, "Access token has expired", 401, false, "Your access token has expired."),
        new(200, "API Permission", 403, false, "Permission is either not granted or has been removed."),

        // Throttling.
        new(4, "API Too Many Calls", 400, false, "The app has reached its API call rate limit."),
        new(80007, "Rate limit issues", 400, false, "The WhatsApp Business Account has reached its rate limit."),
        new(130429, "Rate limit hit", 429, false, "Cloud API message throughput has been reached."),
        new(131056, "(Business Account, Consumer Account) pair rate limit hit", 400, false, "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time."),
        new(131048, "Spam rate limit hit", 400, false, "Message failed to send because there are restrictions on how many messages can be sent from this phone number."),

        // Integrity and account state.
        new(368, "Temporarily blocked for policies violations", 403, false, "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy."),
        new(130497, "Business account is restricted from messaging users in this country", 403, false, "The WhatsApp Business Account is restricted from messaging users in this country."),
        new(131031, "Business Account locked", 403, false, "The WhatsApp Business Account associated with the app has been restricted or disabled."),
        new(131042, "Business eligibility payment issue", 400, false, "Message failed to send because there were one or more errors related to your payment method."),
        new(131045, "Incorrect certificate", 400, false, "Message failed to send due to a phone number registration error."),
        new(133010, "Account not registered", 400, false, "The phone number is not registered on the WhatsApp Business Platform."),
        new(133016, "Account register deregister rate limit exceeded", 400, false, "Registration or deregistration failed because there were too many attempts for this phone number in a short period of time."),

        // Generic and transient.
        new(1, "API Unknown", 400, false, "Invalid request or possible server error."),
        new(2, "API Service", 503, false, "Temporary due to downtime or due to being overloaded."),
        new(131000, "Something went wrong", 500, false, "Message failed to send due to an unknown error."),
        new(131016, "Service unavailable", 503, false, "A service is temporarily unavailable."),
        new(131057, "Account in maintenance mode", 500, false, "Business Account is in maintenance mode."),
        new(135000, "Generic user error", 400, false, "Message failed to send because of an unknown error with your request parameters."),

        // Request content.
        new(33, "Parameter value is not valid", 400, false, "The business phone number has been deleted."),
        new(100, "Invalid parameter", 400, false, "The request included one or more unsupported or misspelled parameters."),
        new(131005, "Access denied", 403, false, "Permission is either not granted or has been removed."),
        new(131008, "Required parameter is missing", 400, false, "The request is missing a required parameter."),
        new(131009, "Parameter value is not valid", 400, false, "One or more parameter values are invalid."),
        new(131051, "Unsupported message type", 400, false, "Unsupported message type."),
        new(131052, "Media download error", 400, false, "Unable to download the media sent by the user."),
        new(131053, "Media upload error", 400, true, "Unable to upload the media used in the message."),

        // Recipient.
        new(131021, "Recipient cannot be sender", 400, false, "Sender and recipient phone number is the same."),
        new(131026, "Message undeliverable", 400, true, "Unable to deliver message. The recipient may not be a WhatsApp user, may not have accepted the latest Terms of Service, or may use an old WhatsApp version."),
        new(131030, "Recipient phone number not in allowed list", 400, false, "Recipient phone number not in allowed list."),
        new(131047, "Re-engagement message", 400, true, "Message failed to send because more than 24 hours have passed since the customer last replied to this number."),
        new(131049, "This message was not delivered to maintain healthy ecosystem engagement.", 400, true, "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."),
        new(131050, "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business", 400, true, "The user has stopped marketing messages from your business."),
        new(131062, "Business-scoped user ID recipients are not supported for this message", 400, false, "This message can only be sent to a phone number, not to a business-scoped user ID."),
        new(130472, "User's number is part of an experiment", 400, true, "Failed to send message because this user's phone number is part of an experiment."),

        // Templates.
        new(132000, "Number of parameters does not match the expected number of params", 400, false, "The number of variable parameter values does not match the number of variable parameters defined in the template."),
        new(132001, "Template name does not exist in the translation", 404, false, "The template does not exist in the specified language or the template has not been approved."),
        new(132005, "Translated text too long", 400, false, "Translated text is too long."),
        new(132007, "Format character policy violated", 400, false, "Template content violates a WhatsApp policy."),
        new(132012, "Parameter format does not match format in the created template", 400, false, "Variable parameter values formatted incorrectly."),
        new(132015, "Template is Paused", 400, true, "Template is paused due to low quality so it cannot be sent in a template message."),
        new(132016, "Template is Disabled", 400, false, "Template has been paused too many times due to low quality and is now permanently disabled."),
        new(132018, "There was an issue with the parameters in your template.", 400, false, "One or more parameter values are invalid."),

        // Groups (https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/error-codes).
        new(131020, "Bad Group", 400, false, "Cannot send a message to a group with only one member."),
        new(131041, "Group unknown", 400, false, "The group does not exist or the business is not a member."),
        new(131207, "Group suspended", 403, false, "The group is suspended for a policy violation."),
        new(131208, "Group rate limit hit", 429, false, "Too many group operations from this number in a short time."),
        new(131059, "Invalid pagination cursor", 400, false, "The pagination cursor is invalid or expired; start paging again."),
        new(131201, "Request partially succeeded", 206, false, "Some participant operations failed."),
        new(131202, "Duplicate participant", 400, false, "The same participant appears more than once in the request."),
        new(131203, "Recipient has not accepted our new Terms of Service", 400, false, "The user has not accepted the new Terms of Service and Privacy Policy."),
        new(131204, "Participant over limit", 400, false, "The group already has the maximum number of participants."),
        new(131209, "Profile picture not square", 400, false, "The group picture must be square."),
        new(131210, "Profile picture too small", 400, false, "The group picture must be at least 192x192 pixels."),
        new(131211, "Group creation limit reached", 400, false, "This number has reached the maximum number of groups."),
        new(131212, "Participant not in group", 400, false, "The participant is not a member of the group."),
        new(131213, "Join request does not exist", 400, false, "The join request does not exist."),
        new(131214, "Group creation temporarily disabled", 400, false, "Group creation is temporarily disabled: excessive marketing messages in customer service windows over the last 7 days."),
        new(131215, "Number not eligible for groups", 400, false, "The business phone number is not eligible for the Groups API."),
    }.ToFrozenDictionary(info => info.Code);

    /// <summary>Known code, or a generic entry so injected codes the catalog does not know still produce Meta's shape.</summary>
    public static ErrorCodeInfo Get(int code) =>
        Codes.TryGetValue(code, out var info)
            ? info
            : new ErrorCodeInfo(code, "Sandbox injected error", StatusCodes.Status400BadRequest, false, "Error injected by the sandbox.");

    public static IEnumerable<ErrorCodeInfo> All => Codes.Values.OrderBy(info => info.Code);
}

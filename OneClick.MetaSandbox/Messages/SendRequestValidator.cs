using System.Text.Json;
using OneClick.MetaSandbox.Registry;
using OneClick.MetaSandbox.Templates;

namespace OneClick.MetaSandbox.Messages;

/// <summary>A send that passed validation, reduced to what the sandbox needs to answer, log and plan webhooks.</summary>
internal sealed record ValidatedSend
{
    /// <summary>True for the mark-as-read / typing-indicator body (answered with {"success":true}, no webhooks).</summary>
    public bool IsMarkAsRead { get; init; }

    /// <summary>"to" exactly as sent (echoed as contacts[0].input).</summary>
    public string To { get; init; } = "";

    /// <summary>Digits of the phone number, or the group id (contacts[0].wa_id and the webhooks' recipient_id).</summary>
    public string RecipientId { get; init; } = "";

    public bool IsGroup { get; init; }

    /// <summary>True when the person was addressed by a business-scoped user id ("recipient"); RecipientId is then that id.</summary>
    public bool IsUserIdRecipient { get; init; }

    public string Type { get; init; } = "";

    public string? BizOpaqueCallbackData { get; init; }

    /// <summary>Category of the template sent (MARKETING, UTILITY, AUTHENTICATION); null for free-form messages.</summary>
    public string? TemplateCategory { get; init; }

    /// <summary>The wamid a reaction, pin or mark-as-read refers to.</summary>
    public string? ReferencedMessageId { get; init; }
}

/// <summary>Validates POST /{phone-number-id}/messages bodies as Meta does (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages), first error wins.</summary>
internal sealed class SendRequestValidator(TemplateStore templates)
{
    public const int MaxCallbackData = 512;

    public static readonly string[] MessageTypes =
    [
        "text", "template", "image", "video", "audio", "document", "sticker",
        "location", "contacts", "interactive", "reaction", "pin",
    ];

    private static readonly string[] MessagingProducts = ["whatsapp"];
    private static readonly string[] RecipientTypes = ["individual", "group"];
    private static readonly string[] ReadStatuses = ["read"];
    private static readonly string[] TypingIndicatorTypes = ["text"];

    public (ValidatedSend? Send, MetaError? Error) Validate(JsonElement root, PhoneNumberRegistration number)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, new MetaError(100, "The request body must be a JSON object."));
        }

        var check = new PayloadChecker();
        check.OneOf(root, "messaging_product", "messaging_product", MessagingProducts);
        if (check.Failed)
        {
            return (null, check.Error);
        }

        // The mark-as-read body has "status" and no "to"/"type".
        var send = PayloadChecker.Has(root, "status") ? MarkAsRead(root, check) : Message(root, number, check);
        return check.Failed ? (null, check.Error) : (send, null);
    }

    private static ValidatedSend? MarkAsRead(JsonElement root, PayloadChecker check)
    {
        check.OneOf(root, "status", "status", ReadStatuses);
        var messageId = check.String(root, "message_id", "message_id");
        if (check.Object(root, "typing_indicator", "typing_indicator", required: false) is { } typing)
        {
            check.OneOf(typing, "type", "typing_indicator['type']", TypingIndicatorTypes);
        }

        return new ValidatedSend { IsMarkAsRead = true, Type = "mark_as_read", ReferencedMessageId = messageId };
    }

    private ValidatedSend? Message(JsonElement root, PhoneNumberRegistration number, PayloadChecker check)
    {
        var isGroup = (check.OneOf(root, "recipient_type", "recipient_type", RecipientTypes, required: false) ?? "individual") == "group";
        // "recipient" (a BSUID) is the alternative to "to" for individuals; when both are given "to" wins.
        // https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids
        var byUserId = !isGroup && !PayloadChecker.Has(root, "to") && PayloadChecker.Has(root, "recipient");
        var to = byUserId ? check.String(root, "recipient", "recipient") : check.String(root, "to", "to");
        var recipientId = to is null ? null : byUserId ? UserIdRecipient(to, check) : RecipientId(to, isGroup, check);

        // Meta defaults the type to text.
        var type = check.OneOf(root, "type", "type", MessageTypes, required: false) ?? "text";
        if (check.Failed)
        {
            return null;
        }

        if (isGroup && type == "interactive")
        {
            check.Fail(131051, "Interactive messages are not supported for group recipients.");
        }
        else if (!isGroup && type == "pin")
        {
            check.Fail(131051, "Pin messages can only be sent to groups (recipient_type \"group\").");
        }

        if (check.Object(root, "context", "context", required: false) is { } context)
        {
            if (type == "reaction")
            {
                check.Invalid("Param context is not supported for reaction messages.");
            }

            check.String(context, "message_id", "context['message_id']");
        }

        var callbackData = check.String(root, "biz_opaque_callback_data", "biz_opaque_callback_data", required: false, maxLength: MaxCallbackData);

        // The content sits in a sibling object named after the type ("contacts" is an array).
        var content = type == "contacts" ? check.Array(root, type, type) : check.Object(root, type, type);
        if (check.Failed)
        {
            return null;
        }

        string? referencedMessageId = null;
        string? templateCategory = null;
        switch (type)
        {
            case "text":
                ContentValidators.Text(content!.Value, check);
                break;
            case "image" or "video" or "audio" or "document" or "sticker":
                ContentValidators.Media(type, content!.Value, check);
                break;
            case "location":
                ContentValidators.Location(content!.Value, check);
                break;
            case "contacts":
                ContentValidators.Contacts(content!.Value, check);
                break;
            case "interactive":
                InteractiveValidator.Validate(content!.Value, check);
                break;
            case "reaction":
                referencedMessageId = ContentValidators.Reaction(content!.Value, check);
                break;
            case "pin":
                referencedMessageId = ContentValidators.Pin(content!.Value, check);
                break;
            case "template":
                templateCategory = TemplateValidator.Validate(content!.Value, number.WabaId, templates, check)?.Category;
                break;
        }

        return new ValidatedSend
        {
            To = to!,
            RecipientId = recipientId!,
            IsGroup = isGroup,
            IsUserIdRecipient = byUserId,
            Type = type,
            BizOpaqueCallbackData = callbackData,
            TemplateCategory = templateCategory,
            ReferencedMessageId = referencedMessageId,
        };
    }

    /// <summary>A BSUID ("US.1349…") or parent BSUID ("US.ENT.1181…"); a phone number in "recipient" is refused.</summary>
    private static string? UserIdRecipient(string recipient, PayloadChecker check)
    {
        if (Recipients.IsPhoneLike(recipient))
        {
            check.BadValue("Param recipient must be a business-scoped user id; send to a phone number with to.");
            return null;
        }

        if (!Recipients.LooksLikeUserId(recipient))
        {
            check.BadValue("Param recipient must be a business-scoped user id (e.g. US.13491208655302741918).");
            return null;
        }

        return recipient;
    }

    /// <summary>
    /// A phone number must have 8–15 digits (else 131009). A group id sent as an individual, or a phone number sent
    /// as a group, fails with 100 "recipient_type and to type do not match" (Meta rejects this synchronously).
    /// </summary>
    private static string? RecipientId(string to, bool isGroup, PayloadChecker check)
    {
        const string mismatch = "recipient_type and to type do not match.";
        if (isGroup)
        {
            // Group existence is not checked yet; the Groups API will plug in here (131041 for unknown groups).
            if (Recipients.IsPhoneLike(to))
            {
                check.Invalid(mismatch);
            }
            else if (!Recipients.LooksLikeGroupId(to.Trim()))
            {
                check.BadValue("Param to must be a valid group id.");
            }

            return to.Trim();
        }

        if (!Recipients.IsPhoneLike(to))
        {
            if (Recipients.LooksLikeGroupId(to.Trim()))
            {
                check.Invalid(mismatch);
            }
            else
            {
                check.BadValue("Param to must be a phone number: digits with optional +, -, ( ) and spaces.");
            }

            return null;
        }

        var digits = Recipients.NormalizePhone(to);
        if (digits is null)
        {
            check.BadValue("Param to must be a phone number of 8 to 15 digits (E.164).");
        }

        return digits;
    }
}

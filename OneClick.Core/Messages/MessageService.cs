using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OneClick.Core.Contacts;
using OneClick.Core.Messages.Content;
using OneClick.Core.Results;
using OneClick.Core.Scheduling;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;

namespace OneClick.Core.Messages;

/// <summary>Accepts a message from the API: validates it, stores it, and queues or schedules it.</summary>
public sealed partial class MessageService(
    ContactStore contacts, MessageStore messages, DueScheduleStore schedules, QueuePublisher queue, TimeProvider clock,
    Groups.GroupMessaging groups,
    MessageContentPreparer preparer)
{
    public const int MaxTextLength = MessageContent.MaxTextLength;
    /// <summary>
    /// The payload and the metadata are each one table property, which holds at most 32K characters:
    /// larger ones are refused up front rather than failing half-way through storing the message.
    /// </summary>
    public const int MaxStoredJsonLength = 30_000;
    public static readonly TimeSpan MaxScheduleAhead = TimeSpan.FromDays(365);
    /// <summary>If the direct enqueue of a "now" message is lost, the timer picks it up after this long.</summary>
    public static readonly TimeSpan SafetyNetDelay = TimeSpan.FromMinutes(2);

    public async Task<Outcome<MessageEntity>> SubmitAsync(
        TenantEntity tenant, SendMessageRequest request, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(request);
        var errors = new ValidationErrors();
        var now = clock.GetUtcNow();

        var scheduleFor = ParseScheduleFor(request.ScheduleFor, now, errors);
        var content = MessageContent.Build(request, errors);
        if (content is not null && content.ToJsonString().Length > MaxStoredJsonLength)
            errors.Add(request.Type == "template" ? "template.components" : request.Type!, $"The {request.Type} content is too large: at most {MaxStoredJsonLength} characters of JSON.");
        var metadataJson = (request.Metadata ?? []).ToJsonString();
        if (metadataJson.Length > MaxStoredJsonLength)
            errors.Add("metadata", $"The metadata is too large: at most {MaxStoredJsonLength} characters of JSON; this is {metadataJson.Length}.");
        if (request.GroupId is not null)
            return await SubmitToGroupAsync(tenant, request, content, scheduleFor, metadataJson, errors, correlationId, now, cancellationToken).ConfigureAwait(false);
        string? e164 = null;
        var userId = CheckRecipient(request, errors);
        if ((request.To is not null ? 1 : 0) + (request.ContactId is not null ? 1 : 0) + (request.Recipient is not null ? 1 : 0) > 1)
            errors.Add(request.To is not null ? "to" : "recipient", "Give one of 'to', 'recipient' or 'contactId'.");
        else if (request.ContactId is null && request.Recipient is null)
            e164 = E164.TryNormalize(request.To, tenant.DefaultRegion, out var phoneError) ?? Fail(errors, "to", phoneError!);
        else if (request.ContactId is not null && !ContactStore.IsValidId(request.ContactId))
            errors.Add("contactId", "Not a contact id.");
        if (errors.Any)
            return Failure.Invalid(errors);

        // Read the contact without writing it: personalisation and the template check may still refuse the message.
        var identity = e164 is not null ? new ContactIdentity(e164) : userId is not null ? WebhookIdentity.Of(null, userId, userId) : null;
        var contact = identity is not null
            ? await contacts.FindAsync(tenant.Id, identity, cancellationToken).ConfigureAwait(false)
            : await contacts.GetAsync(tenant.Id, request.ContactId!, cancellationToken).ConfigureAwait(false);
        if (contact is null && identity is null)
        {
            errors.Add("contactId", "No such contact.");
            return Failure.Invalid(errors);
        }
        var prepared = await preparer.PrepareAsync(tenant, request.Type!, content!,
            contact ?? new ContactEntity { PartitionKey = tenant.Id, PhoneNumber = e164 ?? "", UserId = identity!.UserId, ParentUserId = identity.ParentUserId }, errors, cancellationToken).ConfigureAwait(false);
        if (prepared is null)
            return Failure.Invalid(errors);
        // A new contact starts opted out if Meta already told us this person stopped marketing (a suppression).
        if (contact is null)
            contact = (await contacts.ResolveAsync(tenant.Id, identity!, null, cancellationToken).ConfigureAwait(false)).Contact;

        var id = MessageStore.NewId();
        var address = MetaRecipient.AddressOf(contact);
        var payload = MetaPayload(id, "individual", address, request.Type!, prepared.Content);
        if (request.ReplyTo is not null)
            payload["context"] = new JsonObject { ["message_id"] = request.ReplyTo };
        var message = new MessageEntity
        {
            PartitionKey = tenant.Id,
            RowKey = id,
            ContactId = contact.Id,
            To = address,
            Type = request.Type!,
            Category = prepared.Category,
            PayloadJson = payload.ToJsonString(),
            MetadataJson = metadataJson,
            Status = "",
            ScheduledFor = scheduleFor,
            CreatedAt = now,
            UpdatedAt = now,
            CorrelationId = correlationId,
        };
        await AcceptAsync(message, stored: null, cancellationToken).ConfigureAwait(false);
        return Outcome.Ok(message);
    }

    /// <summary>What goes to Meta's /messages, with OneClick's reference for the status webhooks to echo.</summary>
    private static JsonObject MetaPayload(string messageId, string recipientType, string to, string type, JsonNode content)
    {
        var payload = new JsonObject { ["messaging_product"] = "whatsapp", ["recipient_type"] = recipientType };
        if (recipientType == "group")
            payload["to"] = to;
        else
            MetaRecipient.Address(payload, to);
        payload["type"] = type;
        payload[type] = content;
        payload["biz_opaque_callback_data"] = CallbackReference.For(messageId);
        return payload;
    }

    /// <summary>"recipient" takes a BSUID only: a phone number there is a mistake worth naming (it belongs in "to").</summary>
    private static string? CheckRecipient(SendMessageRequest request, ValidationErrors errors)
    {
        if (request.Recipient is not { } recipient)
            return null;
        if (UserIds.IsAny(recipient))
            return recipient;
        errors.Add("recipient", recipient.Any(char.IsAsciiLetter)
            ? "Not a business-scoped user id. " + UserIds.FormatHint
            : "'recipient' takes a business-scoped user id, not a phone number: send to a phone number with 'to'.");
        return null;
    }

    /// <summary>
    /// Stores a validated message and queues or schedules it. The due row goes first: a message is never stored
    /// without something that will send it. A "now" message is also queued at once and its due row removed, so the
    /// row only matters if that enqueue is lost.
    /// </summary>
    /// <param name="stored">The feature's own record of the message, written once the message exists.</param>
    private async Task AcceptAsync(MessageEntity message, Func<Task>? stored, CancellationToken cancellationToken)
    {
        message.MoveTo(message.ScheduledFor is null ? MessageStatus.Queued : MessageStatus.Scheduled, message.CreatedAt);
        var due = await schedules.AddAsync(message.ScheduledFor ?? message.CreatedAt + SafetyNetDelay, message.TenantId, message.Id, message.CorrelationId, cancellationToken).ConfigureAwait(false);
        await messages.AddAsync(message, cancellationToken).ConfigureAwait(false);
        if (stored is not null)
            await stored().ConfigureAwait(false);
        if (message.ScheduledFor is null)
        {
            await queue.SendAsync(QueueNames.OutboundMessages,
                new SendMessageCommand(SendMessageCommand.CurrentVersion, message.TenantId, message.Id, message.CorrelationId),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            await schedules.RemoveAsync(due, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A message to a WhatsApp group: the same content rules, a group recipient, and the group's conversation.</summary>
    private async Task<Outcome<MessageEntity>> SubmitToGroupAsync(
        TenantEntity tenant, SendMessageRequest request, JsonNode? content, DateTimeOffset? scheduleFor, string metadataJson,
        ValidationErrors errors, string correlationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var group = await groups.ResolveAsync(tenant.Id, request, errors, cancellationToken).ConfigureAwait(false);
        if (errors.Any || group is null)
            return Failure.Invalid(errors);
        // Templates are checked as for a person; a group has no contact fields to personalise with.
        var prepared = await preparer.PrepareAsync(tenant, request.Type!, content!, new ContactEntity { PartitionKey = tenant.Id }, errors, cancellationToken).ConfigureAwait(false);
        if (prepared is null)
            return Failure.Invalid(errors);
        var id = MessageStore.NewId();
        var payload = MetaPayload(id, "group", group.MetaGroupId, request.Type!, prepared.Content);
        var message = new MessageEntity
        {
            PartitionKey = tenant.Id,
            RowKey = id,
            To = group.GroupId,
            RecipientType = "group",
            Type = request.Type!,
            Category = prepared.Category,
            PayloadJson = payload.ToJsonString(),
            MetadataJson = metadataJson,
            Status = "",
            ScheduledFor = scheduleFor,
            CreatedAt = now,
            UpdatedAt = now,
            CorrelationId = correlationId,
        };
        await AcceptAsync(message, () => groups.RecordOutboundAsync(message, group, cancellationToken), cancellationToken).ConfigureAwait(false);
        return Outcome.Ok(message);
    }

    /// <summary>ISO 8601 with an explicit offset; a time without one is ambiguous and refused.</summary>
    private static DateTimeOffset? ParseScheduleFor(string? text, DateTimeOffset now, ValidationErrors errors)
    {
        if (text is null)
            return null;
        if (!HasOffset().IsMatch(text) ||
            !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            return Fail<DateTimeOffset?>(errors, "scheduleFor", "Use ISO 8601 with an offset, e.g. 2026-12-01T09:00:00+01:00 or 2026-12-01T08:00:00Z.");
        if (at < now)
            return Fail<DateTimeOffset?>(errors, "scheduleFor", $"{text} is in the past.");
        if (at > now + MaxScheduleAhead)
            return Fail<DateTimeOffset?>(errors, "scheduleFor", "A message can be scheduled at most 365 days ahead.");
        return at.ToUniversalTime();
    }

    private static T? Fail<T>(ValidationErrors errors, string field, string problem)
    {
        errors.Add(field, problem);
        return default;
    }

    private static string? Fail(ValidationErrors errors, string field, string problem) => Fail<string>(errors, field, problem);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex HasOffset();
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OneClick.Core.Contacts;
using OneClick.Core.Scheduling;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;

namespace OneClick.Core.Messages;

/// <summary>Accepts a message from the API: validates it, stores it, and queues or schedules it.</summary>
public sealed partial class MessageService(
    ContactStore contacts, MessageStore messages, DueScheduleStore schedules, QueuePublisher queue, TimeProvider clock)
{
    public const int MaxTextLength = 4096;
    /// <summary>
    /// The payload and the metadata are each one table property, which holds at most 32K characters:
    /// larger ones are refused up front rather than failing half-way through storing the message.
    /// </summary>
    public const int MaxStoredJsonLength = 30_000;
    public static readonly TimeSpan MaxScheduleAhead = TimeSpan.FromDays(365);
    /// <summary>If the direct enqueue of a "now" message is lost, the timer picks it up after this long.</summary>
    public static readonly TimeSpan SafetyNetDelay = TimeSpan.FromMinutes(2);

    public async Task<Validated<MessageEntity>> SubmitAsync(
        TenantEntity tenant, SendMessageRequest request, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(request);
        var errors = new ValidationErrors();
        var now = clock.GetUtcNow();

        var scheduleFor = ParseScheduleFor(request.ScheduleFor, now, errors);
        var content = BuildContent(request, errors);
        if (content is not null && content.ToJsonString().Length > MaxStoredJsonLength)
            errors.Add(request.Type == "template" ? "template.components" : request.Type!, $"The {request.Type} content is too large: at most {MaxStoredJsonLength} characters of JSON.");
        var metadataJson = (request.Metadata ?? []).ToJsonString();
        if (metadataJson.Length > MaxStoredJsonLength)
            errors.Add("metadata", $"The metadata is too large: at most {MaxStoredJsonLength} characters of JSON; this is {metadataJson.Length}.");
        string? e164 = null;
        if (request.ContactId is null)
            e164 = E164.TryNormalize(request.To, tenant.DefaultRegion, out var phoneError) ?? Fail(errors, "to", phoneError!);
        else if (request.To is not null)
            errors.Add("to", "Give either 'to' or 'contactId', not both.");
        else if (!ContactStore.IsValidId(request.ContactId))
            errors.Add("contactId", "Not a contact id.");
        if (errors.Any)
            return Validated.Invalid<MessageEntity>(errors);

        ContactEntity contact;
        if (e164 is not null)
        {
            contact = (await contacts.CreateOrMergeAsync(tenant.Id, e164, null, null, cancellationToken).ConfigureAwait(false)).Contact;
        }
        else
        {
            var found = await contacts.GetAsync(tenant.Id, request.ContactId!, cancellationToken).ConfigureAwait(false);
            if (found is null)
            {
                errors.Add("contactId", "No such contact.");
                return Validated.Invalid<MessageEntity>(errors);
            }
            contact = found;
        }

        var id = MessageStore.NewId();
        var payload = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["recipient_type"] = "individual",
            ["to"] = contact.PhoneNumber,
            ["type"] = request.Type,
            [request.Type!] = content,
            ["biz_opaque_callback_data"] = CallbackReference.For(id),
        };
        var message = new MessageEntity
        {
            PartitionKey = tenant.Id,
            RowKey = id,
            ContactId = contact.Id,
            To = contact.PhoneNumber,
            Type = request.Type!,
            PayloadJson = payload.ToJsonString(),
            MetadataJson = metadataJson,
            Status = "",
            ScheduledFor = scheduleFor,
            CreatedAt = now,
            UpdatedAt = now,
            CorrelationId = correlationId,
        };
        message.MoveTo(scheduleFor is null ? MessageStatus.Queued : MessageStatus.Scheduled, now);

        // The due row goes first: a message is never stored without something that will send it.
        var due = await schedules.AddAsync(scheduleFor ?? now + SafetyNetDelay, tenant.Id, id, correlationId, cancellationToken).ConfigureAwait(false);
        await messages.AddAsync(message, cancellationToken).ConfigureAwait(false);
        if (scheduleFor is null)
        {
            await queue.SendAsync(QueueNames.OutboundMessages,
                new SendMessageCommand(SendMessageCommand.CurrentVersion, tenant.Id, id, correlationId),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            await schedules.RemoveAsync(due, cancellationToken).ConfigureAwait(false);
        }
        return Validated.Ok(message);
    }

    /// <summary>Meta's content object for the request's type (campaigns build theirs with it too).</summary>
    public static JsonObject? BuildContent(SendMessageRequest request, ValidationErrors errors)
    {
        switch (request.Type)
        {
            case "text":
                if (request.Text?.Body is not { Length: > 0 } body || string.IsNullOrWhiteSpace(body))
                    return Fail<JsonObject>(errors, "text.body", "A text message needs a body.");
                if (body.Length > MaxTextLength)
                    return Fail<JsonObject>(errors, "text.body", $"A text body has at most {MaxTextLength} characters (Meta's limit); this one has {body.Length}.");
                return new JsonObject { ["body"] = body, ["preview_url"] = request.Text.PreviewUrl };
            case "template":
                var template = request.Template;
                if (template?.Name is null || !TemplateName().IsMatch(template.Name))
                    errors.Add("template.name", "A template name is required: lowercase letters, digits and underscores, at most 512 characters.");
                if (template?.Language is null || !LanguageCode().IsMatch(template.Language))
                    errors.Add("template.language", "A template language code is required, e.g. en_US.");
                if (errors.Any)
                    return null;
                var content = new JsonObject { ["name"] = template!.Name, ["language"] = new JsonObject { ["code"] = template.Language } };
                if (template.Components is { Count: > 0 })
                    content["components"] = template.Components.DeepClone();
                return content;
            case null:
                return Fail<JsonObject>(errors, "type", "A message type is required: 'text' or 'template'.");
            default:
                return Fail<JsonObject>(errors, "type", $"Unsupported message type '{request.Type}': use 'text' or 'template'.");
        }
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

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex TemplateName();

    [GeneratedRegex("^[a-z]{2,3}(_[A-Za-z]{2,4})?$")]
    private static partial Regex LanguageCode();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex HasOffset();
}

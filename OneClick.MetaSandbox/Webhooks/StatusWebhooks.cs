using System.Globalization;
using OneClick.MetaSandbox.Faults;
using OneClick.MetaSandbox.Messages;
using OneClick.MetaSandbox.Registry;

namespace OneClick.MetaSandbox.Webhooks;

/// <summary>A status webhook to send for a message, <see cref="DelayMs"/> after acceptance.</summary>
internal sealed record PlannedStatus(string Status, int DelayMs, int? ErrorCode = null);

/// <summary>
/// Plans and schedules the status webhooks of an accepted message (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status):
/// sent → delivered → read at the behaviour's delays; reactions get only "sent" and pins "sent" and "delivered";
/// an asynchronous failure sends "failed" (with errors[]) instead of delivered/read.
/// </summary>
internal sealed class StatusWebhooks(WebhookDispatcher dispatcher)
{
    private const string ErrorCodesHref = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/";

    /// <param name="groupParticipants">For group sends: delivered and read come per participant, aggregated in one webhook.</param>
    public void Schedule(
        PhoneNumberRegistration number, AcceptedMessage message, string? templateCategory, ActiveBehaviour behaviour, int? asyncFailureCode,
        IReadOnlyList<string>? groupParticipants = null)
    {
        var settings = behaviour.Settings;
        var copies = settings.DuplicateWebhooks || (settings.DuplicateRate > 0 && Random.Shared.NextDouble() < settings.DuplicateRate) ? 2 : 1;
        var outOfOrder = settings.OutOfOrder || (settings.OutOfOrderRate > 0 && Random.Shared.NextDouble() < settings.OutOfOrderRate);
        var steps = Plan(message.Type, behaviour.Delays, outOfOrder, asyncFailureCode)
            .OrderBy(planned => planned.DelayMs)
            .Select(planned => new SequencedWebhook(
                "status:" + planned.Status,
                WebhookEnvelope.ForMessages(number.WabaId, new MessagesValue
                {
                    Metadata = new WebhookMetadata(number.DisplayPhoneNumber, number.PhoneNumberId),
                    Statuses = groupParticipants is { Count: > 0 } && planned.Status is "delivered" or "read"
                        ? Groups.GroupStatuses.PerParticipant(StatusUpdateFor(message, planned, templateCategory), groupParticipants, behaviour)
                        : [StatusUpdateFor(message, planned, templateCategory)],
                }).ToUtf8Bytes(),
                TimeSpan.FromMilliseconds(planned.DelayMs),
                copies))
            .ToList();

        dispatcher.ScheduleSequence(number, message.Id, steps);
    }

    public static IReadOnlyList<PlannedStatus> Plan(string messageType, WebhookDelays delays, bool outOfOrder, int? asyncFailureCode)
    {
        if (asyncFailureCode is int code)
        {
            // A reaction only ever gets one status, so its failure replaces "sent".
            if (messageType == "reaction")
            {
                return [new PlannedStatus("failed", delays.Sent ?? 0, code)];
            }

            var failedAt = Math.Max(delays.Sent ?? 0, delays.Delivered ?? delays.Read ?? delays.Sent ?? 0);
            return delays.Sent is int sentAt
                ? [new PlannedStatus("sent", sentAt), new PlannedStatus("failed", failedAt, code)]
                : [new PlannedStatus("failed", failedAt, code)];
        }

        var delivered = messageType == "reaction" ? null : delays.Delivered;
        var read = messageType is "reaction" or "pin" ? null : delays.Read;
        if (outOfOrder && delivered is int d && read is int r)
        {
            (delivered, read) = (Math.Max(d, r), Math.Min(d, r));
            if (delivered == read)
            {
                // Same delay would race; keep read strictly first.
                delivered++;
            }
        }

        var plan = new List<PlannedStatus>(3);
        if (delays.Sent is int sent)
        {
            plan.Add(new PlannedStatus("sent", sent));
        }

        if (delivered is int deliveredAt)
        {
            plan.Add(new PlannedStatus("delivered", deliveredAt));
        }

        if (read is int readAt)
        {
            plan.Add(new PlannedStatus("read", readAt));
        }

        return plan;
    }

    private static StatusUpdate StatusUpdateFor(AcceptedMessage message, PlannedStatus planned, string? templateCategory)
    {
        var isGroup = message.RecipientType == "group";
        var at = message.AcceptedAt.AddMilliseconds(planned.DelayMs);
        return new StatusUpdate
        {
            Id = message.Id,
            Status = planned.Status,
            Timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            RecipientId = Messages.Recipients.LooksLikeUserId(message.WaId) ? null : message.WaId,
            RecipientUserId = Messages.Recipients.LooksLikeUserId(message.WaId) ? message.WaId : null,
            RecipientType = isGroup ? "group" : null,
            BizOpaqueCallbackData = message.BizOpaqueCallbackData,
            // Pricing comes with "sent" and with "delivered", never with read or failed.
            Pricing = planned.Status is "sent" or "delivered" ? PricingFor(templateCategory, isGroup) : null,
            Errors = planned.ErrorCode is int code ? [ErrorFor(code)] : null,
        };
    }

    /// <summary>
    /// Per-message pricing (PMP). Templates are billed in their category; free-form messages can only be sent
    /// inside the customer service window, where they are free ("service"). Groups use the group_ categories.
    /// </summary>
    private static Pricing PricingFor(string? templateCategory, bool isGroup)
    {
        var prefix = isGroup ? "group_" : "";
        return templateCategory is null
            ? new Pricing(false, "PMP", isGroup ? "free_group_customer_service" : "free_customer_service", prefix + "service")
            : new Pricing(true, "PMP", "regular", prefix + templateCategory.ToLowerInvariant());
    }

    private static WebhookError ErrorFor(int code)
    {
        var info = ErrorCatalog.Get(code);
        return new WebhookError(code, info.Title, info.Title, new WebhookErrorData(info.Details), ErrorCodesHref);
    }
}

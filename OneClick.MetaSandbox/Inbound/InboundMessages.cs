using System.Globalization;
using OneClick.MetaSandbox.Messages;
using OneClick.MetaSandbox.Registry;
using OneClick.MetaSandbox.Webhooks;

namespace OneClick.MetaSandbox.Inbound;

/// <summary>Body of POST /_sandbox/phone-numbers/{id}/inbound: a customer writes to the business.</summary>
internal sealed class InboundMessageRequest
{
    public string? From { get; set; }
    public string? Name { get; set; }
    public string? Text { get; set; }

    /// <summary>The business message being replied to (gives the webhook a "context").</summary>
    public string? ContextMessageId { get; set; }

    /// <summary>Set when the customer writes in a group (gives the webhook a "group_id").</summary>
    public string? GroupId { get; set; }
}

internal sealed record InboundAccepted(string Id, string From, string Timestamp);

/// <summary>Turns a simulated customer message into Meta's inbound "messages" webhook, signed and POSTed at once.</summary>
internal sealed class InboundMessages(WebhookDispatcher dispatcher, MessageLog log, TimeProvider time)
{
    public (InboundAccepted? Accepted, string? Error) Receive(PhoneNumberRegistration number, InboundMessageRequest request)
    {
        var from = request.From is null ? null : Recipients.NormalizePhone(request.From);
        if (from is null)
        {
            return (null, "from must be the customer's phone number (8 to 15 digits, + - ( ) and spaces allowed).");
        }

        if (string.IsNullOrEmpty(request.Text))
        {
            return (null, "text is required.");
        }

        if (request.GroupId is { } groupId && !Recipients.LooksLikeGroupId(groupId))
        {
            return (null, $"groupId must look like a Meta group id (base64, e.g. {Recipients.GroupIdPrefix}...).");
        }

        var id = Wamid.New(from);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var message = new InboundMessage
        {
            From = from,
            Id = id,
            Timestamp = timestamp,
            Text = new InboundText(request.Text),
            Context = string.IsNullOrEmpty(request.ContextMessageId) ? null : new InboundContext(number.DisplayPhoneNumber, request.ContextMessageId),
            GroupId = string.IsNullOrEmpty(request.GroupId) ? null : request.GroupId,
        };

        var body = WebhookEnvelope.ForMessages(number.WabaId, new MessagesValue
        {
            Metadata = new WebhookMetadata(number.DisplayPhoneNumber, number.PhoneNumberId),
            Contacts = [new InboundContact(new InboundProfile(string.IsNullOrWhiteSpace(request.Name) ? from : request.Name), from)],
            Messages = [message],
        }).ToUtf8Bytes();

        // Known so the business can mark it as read or react to it.
        log.RecordInbound(number.PhoneNumberId, id);
        dispatcher.Schedule(number, "inbound:text", id, body, TimeSpan.Zero);
        return (new InboundAccepted(id, from, timestamp), null);
    }
}

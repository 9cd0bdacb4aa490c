using System.Security.Cryptography;
using System.Text.Json;
using OneClick.MetaSandbox.Faults;
using OneClick.MetaSandbox.Graph;
using OneClick.MetaSandbox.Registry;
using OneClick.MetaSandbox.Webhooks;

namespace OneClick.MetaSandbox.Messages;

/// <summary>
/// POST /{version}/{phone-number-id}/messages. The order of checks mirrors Meta: object id, token, body,
/// then sending conditions (number status, throughput, injected faults). Every attempt is logged.
/// </summary>
internal sealed partial class MessageSender(
    GraphAuthenticator authenticator,
    BehaviourStore behaviours,
    ThroughputLimiter limiter,
    SendRequestValidator validator,
    MessageLog log,
    StatusWebhooks statusWebhooks,
    Groups.GroupMessaging groupMessaging,
    TimeProvider time,
    ILogger<MessageSender> logger)
{
    public async Task<IResult> SendAsync(string phoneNumberId, HttpRequest request, CancellationToken cancellationToken)
    {
        var receivedAt = time.GetUtcNow();
        using var document = await TryParseAsync(request, cancellationToken);
        var (peekedTo, peekedType) = Peek(document);

        IResult Reject(GraphFailure failure)
        {
            log.RecordAttempt(new SendAttempt(phoneNumberId, peekedTo, peekedType, receivedAt, failure.HttpStatus, failure.Error.Code, null));
            LogRejected(phoneNumberId, failure.Error.Code);
            return failure.ToResult();
        }

        var (number, authFailure) = authenticator.AuthorizePhoneNumber(request, phoneNumberId);
        if (authFailure is not null)
        {
            return Reject(authFailure);
        }

        var behaviour = behaviours.Get(phoneNumberId);
        if (behaviour.Settings.LatencyMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(behaviour.Settings.LatencyMs), time, cancellationToken);
        }

        if (document is null)
        {
            return Reject(GraphErrors.WhatsApp(100, "The request body is not valid JSON."));
        }

        var (send, invalid) = validator.Validate(document.RootElement, number!);
        if (invalid is not null)
        {
            return Reject(GraphErrors.WhatsApp(invalid.Code, invalid.Details));
        }

        if (send!.IsMarkAsRead)
        {
            return MarkAsRead(number!, send, receivedAt, Reject);
        }

        if (SendingCondition(number!, send, behaviour) is { } refused)
        {
            return Reject(refused);
        }

        var asyncFailureCode = AsyncFailureFor(send, behaviour, phoneNumberId, out var randomSyncFailure);
        if (randomSyncFailure is not null)
        {
            return Reject(GraphErrors.WhatsApp(randomSyncFailure.Value));
        }

        return Accept(number!, send, document.RootElement, behaviour, asyncFailureCode, receivedAt);
    }

    private IResult Accept(
        PhoneNumberRegistration number, ValidatedSend send, JsonElement body, ActiveBehaviour behaviour, int? asyncFailureCode, DateTimeOffset receivedAt)
    {
        var message = new AcceptedMessage(
            Id: Wamid.New(send.IsGroup ? null : send.RecipientId),
            PhoneNumberId: number.PhoneNumberId,
            To: send.To,
            WaId: send.RecipientId,
            RecipientType: send.IsGroup ? "group" : "individual",
            Type: send.Type,
            Body: body.Clone(),
            BizOpaqueCallbackData: send.BizOpaqueCallbackData,
            AcceptedAt: time.GetUtcNow());

        log.RecordAccepted(message);
        log.RecordAttempt(new SendAttempt(number.PhoneNumberId, send.To, send.Type, receivedAt, StatusCodes.Status200OK, null, message.Id));
        groupMessaging.Accepted(send, body);
        statusWebhooks.Schedule(number, message, send.TemplateCategory, behaviour, asyncFailureCode,
            send.IsGroup ? groupMessaging.Participants(send.RecipientId) : null);

        return Results.Json(new SendMessageResponse(
            "whatsapp",
            [send.IsUserIdRecipient ? new SentContact(send.To, null, send.RecipientId) : new SentContact(send.To, send.RecipientId)],
            [new SentMessageId
            {
                Id = message.Id,
                GroupId = send.IsGroup ? send.RecipientId : null,
                MessageStatus = send.Type == "template" ? "accepted" : null,
            }]));
    }

    private IResult MarkAsRead(PhoneNumberRegistration number, ValidatedSend send, DateTimeOffset receivedAt, Func<GraphFailure, IResult> reject)
    {
        // Meta only marks messages it knows for this number (131009 otherwise); the sandbox knows the inbound
        // messages it simulated and the messages it accepted.
        if (!log.IsKnownMessage(number.PhoneNumberId, send.ReferencedMessageId!))
        {
            return reject(GraphErrors.WhatsApp(131009, $"Invalid message_id: {send.ReferencedMessageId} is not a message of this phone number."));
        }

        log.RecordAttempt(new SendAttempt(number.PhoneNumberId, null, send.Type, receivedAt, StatusCodes.Status200OK, null, null));
        return Results.Json(new SuccessResponse(true));
    }

    /// <summary>Conditions that refuse a valid message synchronously.</summary>
    private GraphFailure? SendingCondition(PhoneNumberRegistration number, ValidatedSend send, ActiveBehaviour behaviour)
    {
        if (number.Status != "CONNECTED")
        {
            return GraphErrors.WhatsApp(133010, $"Phone number {number.PhoneNumberId} has status {number.Status}; only CONNECTED numbers can send.");
        }

        if (!send.IsGroup && send.RecipientId == number.DisplayPhoneNumber)
        {
            return GraphErrors.WhatsApp(131021);
        }

        // Authentication templates (one-tap, zero-tap, copy-code) still need a phone number.
        if (send.IsUserIdRecipient && send.TemplateCategory == "AUTHENTICATION")
        {
            return GraphErrors.WhatsApp(131062);
        }

        if (behaviour.Settings.MaxMessagesPerSecond is int max && !limiter.TryAcquire(number.PhoneNumberId, max))
        {
            return GraphErrors.WhatsApp(130429);
        }

        if (groupMessaging.SendCondition(number.PhoneNumberId, send, behaviour) is { } groupFailure)
        {
            return groupFailure;
        }

        return behaviour.RecipientError(send.RecipientId) is int code ? GraphErrors.WhatsApp(code) : null;
    }

    /// <summary>
    /// The code of a failed status webhook to send instead of delivered/read, if any: asyncFailures, a random
    /// failure whose code Meta reports asynchronously, or a reaction to a message the sandbox never saw
    /// (Meta fails those asynchronously with 131009). A random failure with a synchronous code comes back in
    /// <paramref name="syncFailureCode"/> instead.
    /// </summary>
    private int? AsyncFailureFor(ValidatedSend send, ActiveBehaviour behaviour, string phoneNumberId, out int? syncFailureCode)
    {
        syncFailureCode = null;
        if (behaviour.AsyncFailure(send.RecipientId) is int configured)
        {
            return configured;
        }

        var rate = behaviour.Settings.FailureRate;
        if (rate > 0 && RandomNumberGenerator.GetInt32(1_000_000) < rate * 1_000_000)
        {
            var code = behaviour.Settings.FailureCode;
            if (!ErrorCatalog.Get(code).Asynchronous)
            {
                syncFailureCode = code;
                return null;
            }

            return code;
        }

        if (send.Type == "reaction" && !log.IsKnownMessage(phoneNumberId, send.ReferencedMessageId!))
        {
            return 131009;
        }

        return null;
    }

    /// <summary>Meta reads the body whatever the Content-Type; invalid or empty JSON gives null (answered with code 100).</summary>
    private static async Task<JsonDocument?> TryParseAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>"to" and "type" for the request log, read before validation so rejected attempts are listed too.</summary>
    private static (string? To, string? Type) Peek(JsonDocument? document)
    {
        if (document?.RootElement is not { ValueKind: JsonValueKind.Object } root)
        {
            return (null, null);
        }

        string? Read(string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        return (Read("to"), PayloadChecker.Has(root, "status") ? "mark_as_read" : Read("type") ?? "text");
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Send for phone number {PhoneNumberId} rejected with code {Code}")]
    private partial void LogRejected(string phoneNumberId, int code);
}

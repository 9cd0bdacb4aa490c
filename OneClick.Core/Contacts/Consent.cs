using System.Text.Json;
using Microsoft.Extensions.Logging;
using OneClick.Core.Messages;
using OneClick.Core.Sending;
using OneClick.Core.Tenants;
using OneClick.Core.Webhooks;

namespace OneClick.Core.Contacts;

/// <summary>Where an opt-in or opt-out came from (ContactEntity.OptInSource / OptOutSource).</summary>
public static class ConsentSources
{
    public const string Api = "api";
    public const string StopKeyword = "stop_keyword";
    public const string Meta131050 = "meta_131050";
    public const string MetaUserPreferences = "meta_user_preferences";

    /// <summary>Meta's "user stopped marketing messages from your business" (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).</summary>
    public const int StoppedMarketingCode = 131050;
}

public static class StopKeywordSettings
{
    public const int MaxKeywords = 50;
    public const int MaxKeywordLength = 64;
    public const int MaxConfirmationLength = 1024;

    public static IReadOnlyList<string> KeywordsOf(TenantEntity tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return tenant.StopKeywordsJson is null ? StopKeywords.Defaults : JsonSerializer.Deserialize<List<string>>(tenant.StopKeywordsJson) ?? [];
    }
}

/// <summary>
/// The consent rule in the send path: an opted-out contact is never sent a marketing message. Every template message
/// is marketing unless the synced template's category (<see cref="MessageEntity.Category"/>, set when the message was
/// accepted) says UTILITY or AUTHENTICATION; free-form messages (text and the others) are service replies and go out. A message
/// whose contact was erased is skipped too.
/// </summary>
public sealed class ConsentSendGuard(ContactStore contacts) : ISendGuard
{
    public async Task<SkipReason?> SkipReasonAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!ContactStore.IsValidId(message.ContactId))
            return null;
        var contact = await contacts.GetAsync(message.TenantId, message.ContactId, cancellationToken).ConfigureAwait(false);
        if (contact is null)
            return new SkipReason("contact_erased", "The contact was erased after this message was accepted.");
        if (!contact.IsOptedOut || !IsMarketing(message))
            return null;
        return new SkipReason("opted_out", $"The contact opted out of marketing messages ({contact.OptOutSource} at {contact.OptOutAt:O}).");
    }

    public static bool IsMarketing(MessageEntity message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Type != "template")
            return false;
        // Messages accepted before templates were synced carry no category; then the caller's metadata may say it.
        var category = message.Category ?? Category(message.MetadataJson);
        return !(string.Equals(category, "UTILITY", StringComparison.OrdinalIgnoreCase) || string.Equals(category, "AUTHENTICATION", StringComparison.OrdinalIgnoreCase));
    }

    private static string? Category(string metadataJson)
    {
        using var metadata = JsonDocument.Parse(metadataJson);
        return metadata.RootElement.ValueKind == JsonValueKind.Object &&
            (metadata.RootElement.TryGetProperty("category", out var c) || metadata.RootElement.TryGetProperty("templateCategory", out c)) &&
            c.ValueKind == JsonValueKind.String ? c.GetString() : null;
    }
}

/// <summary>Meta's 131050 in a synchronous send error opts the contact out.</summary>
public sealed class OptOutOnStoppedMarketing(ContactStore contacts, TimeProvider clock) : IMessageFailureObserver
{
    public async Task MessageFailedAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.ErrorCode == ConsentSources.StoppedMarketingCode && ContactStore.IsValidId(message.ContactId))
            await contacts.ChangeOptInAsync(message.TenantId, message.ContactId, false, ConsentSources.Meta131050, clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Consent from webhooks, by whichever identity (phone, BSUID, parent BSUID) arrives: an inbound text that is one of the
/// tenant's stop keywords opts its sender out (creating the contact if unknown) and, when the tenant set a confirmation text, answers it once; a failed status with 131050
/// opts the recipient out; Meta's user_preferences "stop"/"resume" for marketing messages opt out and back in. An
/// opt-out for someone who is not a contact is kept as a suppression (see <see cref="SuppressionEntity"/>).
/// Idempotent: a duplicate webhook finds the contact already in that state and changes (and sends) nothing.
/// </summary>
public sealed partial class ConsentWebhookHandler(
    ContactStore contacts, TenantStore tenants, MessageStore messages, MessageService messageService, ILogger<ConsentWebhookHandler> logger)
    : IWebhookChangeHandler
{
    public bool Wants(string field) => field is "messages" or "user_preferences";

    public async Task HandleAsync(WebhookChangeContext change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Field == "user_preferences")
        {
            await UserPreferencesAsync(change, cancellationToken).ConfigureAwait(false);
            return;
        }
        var value = change.Value;
        if (value.TryGetProperty("statuses", out var statuses) && statuses.ValueKind == JsonValueKind.Array)
        {
            foreach (var status in statuses.EnumerateArray())
                await FailedStatusAsync(change, status, cancellationToken).ConfigureAwait(false);
        }
        if (value.TryGetProperty("messages", out var inbound) && inbound.ValueKind == JsonValueKind.Array)
        {
            TenantEntity? tenant = null;
            foreach (var message in inbound.EnumerateArray())
            {
                // A "stop" typed into a group chat is not a request to this business to stop marketing to its sender.
                if (Text(message, "type") != "text" || message.TryGetProperty("group_id", out _) || !message.TryGetProperty("text", out var text) || Text(text, "body") is not { } body)
                    continue;
                tenant ??= await tenants.GetAsync(change.TenantId, cancellationToken).ConfigureAwait(false);
                if (tenant is null || !StopKeywords.Matches(body, StopKeywordSettings.KeywordsOf(tenant)))
                    continue;
                await StopKeywordAsync(tenant, message, value, change.ReceivedAt, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task StopKeywordAsync(TenantEntity tenant, JsonElement message, JsonElement value, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        // Whichever identity the sender has (a username user may have no phone number), the STOP counts.
        var (identity, profileName) = WebhookIdentity.Sender(value, Text(message, "from"), Text(message, "from_user_id"), Text(message, "from_parent_user_id"));
        if (identity.IsEmpty)
            return;
        // The WhatsApp profile name only names a new contact; it never overwrites the tenant's own.
        var (contact, _) = await contacts.ResolveAsync(tenant.Id, identity, profileName, cancellationToken).ConfigureAwait(false);
        var (_, changed) = await contacts.ChangeOptInAsync(tenant.Id, contact.Id, false, ConsentSources.StopKeyword, At(message, receivedAt), cancellationToken).ConfigureAwait(false);
        LogStopKeyword(logger, tenant.Id, contact.Id, changed);
        if (!changed || string.IsNullOrWhiteSpace(tenant.StopConfirmationText))
            return;
        var sent = await messageService.SubmitAsync(tenant, new SendMessageRequest
        {
            ContactId = contact.Id,
            Type = "text",
            Text = new TextContent(tenant.StopConfirmationText),
            Metadata = new System.Text.Json.Nodes.JsonObject { ["reason"] = "stop_keyword_confirmation" },
        }, Guid.NewGuid().ToString("N"), cancellationToken).ConfigureAwait(false);
        if (sent.Failure is not null)
            LogConfirmationRefused(logger, tenant.Id, contact.Id);
    }

    private async Task FailedStatusAsync(WebhookChangeContext change, JsonElement status, CancellationToken cancellationToken)
    {
        if (Text(status, "status") != "failed" || !status.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array ||
            !errors.EnumerateArray().Any(e => e.TryGetProperty("code", out var code) && (code.ValueKind == JsonValueKind.Number ? code.GetInt32() : int.TryParse(code.GetString(), out var n) ? n : 0) == ConsentSources.StoppedMarketingCode))
            return;
        string? contactId = null;
        if (CallbackReference.MessageIdFrom(Text(status, "biz_opaque_callback_data")) is { } messageId)
            contactId = (await messages.GetAsync(change.TenantId, messageId, cancellationToken).ConfigureAwait(false))?.ContactId;
        if (contactId is not null && ContactStore.IsValidId(contactId))
        {
            await contacts.ChangeOptInAsync(change.TenantId, contactId, false, ConsentSources.Meta131050, At(status, change.ReceivedAt), cancellationToken).ConfigureAwait(false);
            return;
        }
        // Not one of OneClick's messages to a contact: the person is opted out by the phone or BSUID Meta names.
        var identity = WebhookIdentity.Of(Text(status, "recipient_id"), Text(status, "recipient_user_id"), Text(status, "recipient_parent_user_id"));
        if (!identity.IsEmpty && Text(status, "recipient_type") != "group")
            await contacts.OptOutAsync(change.TenantId, identity, ConsentSources.Meta131050, At(status, change.ReceivedAt), cancellationToken).ConfigureAwait(false);
    }

    private async Task UserPreferencesAsync(WebhookChangeContext change, CancellationToken cancellationToken)
    {
        if (!change.Value.TryGetProperty("user_preferences", out var preferences) || preferences.ValueKind != JsonValueKind.Array)
            return;
        foreach (var preference in preferences.EnumerateArray())
        {
            var stop = Text(preference, "value");
            var identity = WebhookIdentity.Of(Text(preference, "wa_id"), Text(preference, "user_id"), Text(preference, "parent_user_id"));
            if (Text(preference, "category") != "marketing_messages" || stop is not ("stop" or "resume") || identity.IsEmpty)
                continue;
            // Someone who is not a contact yet is suppressed, so a later import, campaign or send honours the stop.
            var at = At(preference, change.ReceivedAt);
            var (contact, changed) = stop == "stop"
                ? await contacts.OptOutAsync(change.TenantId, identity, ConsentSources.MetaUserPreferences, at, cancellationToken).ConfigureAwait(false)
                : await contacts.ResumeAsync(change.TenantId, identity, ConsentSources.MetaUserPreferences, at, cancellationToken).ConfigureAwait(false);
            LogPreference(logger, change.TenantId, stop, contact?.Id ?? "(suppression)", changed);
        }
    }

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset At(JsonElement element, DateTimeOffset fallback) =>
        element.TryGetProperty("timestamp", out var t) && long.TryParse(t.ValueKind == JsonValueKind.String ? t.GetString() : t.GetRawText(), out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds) : fallback;

    [LoggerMessage(LogLevel.Information, "Tenant {TenantId}: stop keyword from contact {ContactId} (opt-out changed: {Changed})")]
    private static partial void LogStopKeyword(ILogger logger, string tenantId, string contactId, bool changed);

    [LoggerMessage(LogLevel.Information, "Tenant {TenantId}: user_preferences {Value} for {Contact} (changed: {Changed})")]
    private static partial void LogPreference(ILogger logger, string tenantId, string value, string contact, bool changed);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId}: the stop confirmation to contact {ContactId} was refused by validation")]
    private static partial void LogConfirmationRefused(ILogger logger, string tenantId, string contactId);
}

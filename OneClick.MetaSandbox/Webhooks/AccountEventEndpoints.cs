using System.Text.Json;
using System.Text.Json.Nodes;
using OneClick.MetaSandbox.Control;
using OneClick.MetaSandbox.Registry;

namespace OneClick.MetaSandbox.Webhooks;

/// <summary>
/// POST /_sandbox/phone-numbers/{id}/account-events: Meta's webhooks that are not about one message, signed and POSTed
/// to the number's callback at once. Body: {"field":"account_update","value":{...}}. For user_preferences the sandbox
/// adds messaging_product and metadata as Meta does; account-level fields go as given with the entry's "time" (now, or
/// "time" in the body, Unix seconds, so a test can deliver an older event after a newer one). Every shape Meta documents
/// goes through as given: account_update with restriction_info / ban_info / violation_info, phone_number_quality_update
/// with event and current_limit (a THROUGHPUT_UPGRADE or a new limit also changes what GET /{phone-number-id} answers),
/// business_capability_update with its limits.
/// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/account_update
/// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/phone_number_quality_update
/// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/user_preferences
/// </summary>
internal static class AccountEventEndpoints
{
    public static readonly string[] Fields =
    [
        "user_preferences", "account_update", "phone_number_quality_update", "business_capability_update", "template_category_update",
    ];

    public static void MapAccountEventEndpoints(this RouteGroupBuilder control) =>
        control.MapPost("/phone-numbers/{phoneNumberId}/account-events", SendAsync);

    private static async Task<IResult> SendAsync(
        string phoneNumberId, HttpRequest request, PhoneNumberRegistry registry, WebhookDispatcher dispatcher, TimeProvider time, CancellationToken cancellationToken)
    {
        if (registry.Find(phoneNumberId) is not { } number)
            return ControlJson.NotRegistered(phoneNumberId);
        if (number.WebhookUrl is null)
            return ControlJson.Error($"Phone number '{phoneNumberId}' has no webhookUrl.", StatusCodes.Status409Conflict);
        var (body, readError) = await ControlJson.ReadAsync<AccountEventRequest>(request, cancellationToken);
        if (readError is not null)
            return readError;
        if (body!.Field is not { } field || !Fields.Contains(field, StringComparer.Ordinal))
            return ControlJson.Error($"field must be one of {string.Join(", ", Fields)}.");
        if (body.Value is not { } value)
            return ControlJson.Error("value must be the change's value object.");

        value = (JsonObject)value.DeepClone();
        if (field == "user_preferences")
        {
            value["messaging_product"] = "whatsapp";
            value["metadata"] = new JsonObject { ["display_phone_number"] = number.DisplayPhoneNumber, ["phone_number_id"] = number.PhoneNumberId };
        }
        else if (field == "phone_number_quality_update")
        {
            value["display_phone_number"] ??= number.DisplayPhoneNumber;
            // The node then answers as Meta's would after the change: higher throughput only with an unlimited limit.
            var limit = (value["current_limit"] as JsonValue)?.TryGetValue<string>(out var l) == true ? l : null;
            var upgrade = (value["event"] as JsonValue)?.TryGetValue<string>(out var e) == true && e == "THROUGHPUT_UPGRADE";
            registry.Save(number with
            {
                MessagingLimitTier = limit ?? number.MessagingLimitTier,
                ThroughputLevel = upgrade ? "HIGH" : limit is not null && limit != "TIER_UNLIMITED" && number.ThroughputLevel == "HIGH" ? "STANDARD" : number.ThroughputLevel,
            });
        }
        var envelope = new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = number.WabaId,
                ["time"] = body.Time ?? time.GetUtcNow().ToUnixTimeSeconds(),
                ["changes"] = new JsonArray(new JsonObject { ["value"] = value, ["field"] = field }),
            }),
        };
        dispatcher.Schedule(number, "account:" + field, null, JsonSerializer.SerializeToUtf8Bytes(envelope), TimeSpan.Zero);
        return Results.Accepted();
    }

    private sealed class AccountEventRequest
    {
        public string? Field { get; set; }
        public JsonObject? Value { get; set; }
        public long? Time { get; set; }
    }
}

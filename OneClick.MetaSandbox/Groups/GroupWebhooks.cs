using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneClick.MetaSandbox.Faults;
using OneClick.MetaSandbox.Registry;
using OneClick.MetaSandbox.Webhooks;

namespace OneClick.MetaSandbox.Groups;

/// <summary>
/// The four group webhook fields (https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/webhooks): <c>value = {messaging_product, metadata, groups:[...]}</c>, signed and
/// POSTed through the shared <see cref="WebhookDispatcher"/> (so retries, duplicates and counters work as for statuses).
/// </summary>
internal sealed class GroupWebhooks(WebhookDispatcher dispatcher, BehaviourStore behaviours, TimeProvider time)
{
    public const string Lifecycle = "group_lifecycle_update";
    public const string Participants = "group_participants_update";
    public const string Settings = "group_settings_update";
    public const string Status = "group_status_update";

    public static readonly string[] Fields = [Lifecycle, Participants, Settings, Status];

    private const string ErrorCodesHref = "/documentation/business-messaging/whatsapp/groups/error-codes";

    public string Timestamp() => time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>Sends one change with the given group items after <paramref name="delay"/>; duplicated when the behaviour says so.</summary>
    /// <param name="beside">Members put in the change value beside <c>groups</c> (some Meta samples put initiated_by there).</param>
    public void Send(PhoneNumberRegistration number, string field, IEnumerable<JsonObject> items, TimeSpan delay, int? copies = null, JsonObject? beside = null)
    {
        var body = Envelope(number, field, new JsonArray([.. items]), beside);
        var count = copies ?? (behaviours.Get(number.PhoneNumberId).Settings.DuplicateWebhooks ? 2 : 1);
        for (var i = 0; i < count; i++)
        {
            dispatcher.Schedule(number, "group:" + field, null, body, delay);
        }
    }

    /// <summary>Meta's webhook bytes: the default encoder escapes non-ASCII as \uXXXX, as Meta does.</summary>
    public static byte[] Envelope(PhoneNumberRegistration number, string field, JsonArray groups, JsonObject? beside = null)
    {
        var value = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["metadata"] = new JsonObject
            {
                ["display_phone_number"] = number.DisplayPhoneNumber,
                ["phone_number_id"] = number.PhoneNumberId,
            },
            ["groups"] = groups,
        };
        foreach (var (name, node) in beside ?? [])
            value[name] = node?.DeepClone();
        var envelope = new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = number.WabaId,
                ["changes"] = new JsonArray(new JsonObject
                {
                    ["value"] = value,
                    ["field"] = field,
                }),
            }),
        };
        return JsonSerializer.SerializeToUtf8Bytes(envelope);
    }

    public static JsonArray Errors(int code, string? details = null)
    {
        var info = ErrorCatalog.Get(code);
        return new JsonArray(new JsonObject
        {
            ["code"] = code,
            ["message"] = info.Title,
            ["title"] = info.Title,
            ["error_data"] = new JsonObject { ["details"] = details ?? info.Details },
            ["href"] = ErrorCodesHref,
        });
    }
}

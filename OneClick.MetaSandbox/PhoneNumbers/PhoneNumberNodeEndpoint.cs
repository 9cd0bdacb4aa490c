using System.Text.Json.Nodes;
using OneClick.MetaSandbox.Graph;
using OneClick.MetaSandbox.Media;
using OneClick.MetaSandbox.Registry;
using OneClick.MetaSandbox.Templates;

namespace OneClick.MetaSandbox.PhoneNumbers;

/// <summary>
/// GET /{version}/{phone-number-id}?fields=... → the phone-number node (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/phone-numbers).
/// Media ids (GET /{media-id}) and template ids (GET /{template-id}) share this route: they are tried when no
/// phone number has the id.
/// </summary>
internal static class PhoneNumberNodeEndpoint
{
    private const string NodeType = "WhatsAppBusinessPhoneNumber";

    public static void MapPhoneNumberNode(this RouteGroupBuilder graph) =>
        graph.MapGet("/{phoneNumberId}", (string phoneNumberId, string? fields, HttpRequest request, GraphAuthenticator authenticator,
            PhoneNumberRegistry registry, MediaStore media, TemplateStore templates) =>
        {
            if (registry.Find(phoneNumberId) is null && media.Find(phoneNumberId) is { } stored)
            {
                return MediaEndpoints.Node(request, stored, authenticator);
            }

            if (registry.Find(phoneNumberId) is null && templates.FindById(phoneNumberId) is { } template)
            {
                return TemplateEndpoints.Node(request, template.WabaId, template.Template, registry);
            }

            var (number, failure) = authenticator.AuthorizePhoneNumber(request, phoneNumberId);
            if (failure is not null)
            {
                return failure.ToResult();
            }

            var node = Node(number!);
            if (string.IsNullOrWhiteSpace(fields))
            {
                return Results.Content(node.ToJsonString(), "application/json");
            }

            // Like Graph: only the requested fields, plus id; an unknown field is an error.
            var selected = new JsonObject();
            foreach (var field in fields.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!node.TryGetPropertyValue(field, out var value))
                {
                    return GraphErrors.NonexistingField(field, NodeType).ToResult();
                }

                selected[field] = value?.DeepClone();
            }

            selected["id"] = number!.PhoneNumberId;
            return Results.Content(selected.ToJsonString(), "application/json");
        });

    private static JsonObject Node(PhoneNumberRegistration number) => new()
    {
        ["verified_name"] = number.VerifiedName,
        ["code_verification_status"] = "VERIFIED",
        ["display_phone_number"] = number.DisplayPhoneNumber,
        ["quality_rating"] = number.QualityRating,
        ["platform_type"] = "CLOUD_API",
        ["throughput"] = new JsonObject { ["level"] = number.ThroughputLevel },
        ["name_status"] = "APPROVED",
        ["status"] = number.Status,
        ["is_official_business_account"] = number.IsOfficialBusinessAccount,
        ["whatsapp_business_manager_messaging_limit"] = number.MessagingLimitTier,
        ["webhook_configuration"] = number.WebhookUrl is null
            ? new JsonObject()
            : new JsonObject { ["application"] = number.WebhookUrl.ToString() },
        ["id"] = number.PhoneNumberId,
    };
}

using OneClick.MetaSandbox.Control;
using OneClick.MetaSandbox.Registry;

namespace OneClick.MetaSandbox.Faults;

/// <summary>/_sandbox/phone-numbers/{id}/behaviour: fault injection and webhook timing per phone number.</summary>
internal static class BehaviourEndpoints
{
    public static void MapBehaviourEndpoints(this RouteGroupBuilder control)
    {
        control.MapGet("/phone-numbers/{phoneNumberId}/behaviour", (string phoneNumberId, PhoneNumberRegistry registry, BehaviourStore behaviours) =>
            registry.Find(phoneNumberId) is null
                ? ControlJson.NotRegistered(phoneNumberId)
                : Results.Json(behaviours.Get(phoneNumberId).Settings, ControlJson.Options));

        control.MapPut("/phone-numbers/{phoneNumberId}/behaviour", SetAsync);

        // The catalog the sandbox uses for titles and for sync/async decisions; handy when choosing codes to inject.
        control.MapGet("/error-codes", () => Results.Json(ErrorCatalog.All, ControlJson.Options));
    }

    private static async Task<IResult> SetAsync(
        string phoneNumberId, HttpRequest request, PhoneNumberRegistry registry, BehaviourStore behaviours, CancellationToken cancellationToken)
    {
        if (registry.Find(phoneNumberId) is null)
        {
            return ControlJson.NotRegistered(phoneNumberId);
        }

        var (settings, readError) = await ControlJson.ReadAsync<SandboxBehaviour>(request, cancellationToken);
        if (readError is not null)
        {
            return readError;
        }

        if (settings!.Validate() is { } error)
        {
            return ControlJson.Error(error);
        }

        settings.RecipientErrors ??= [];
        settings.AsyncFailures ??= [];
        return Results.Json(behaviours.Set(phoneNumberId, settings).Settings, ControlJson.Options);
    }
}

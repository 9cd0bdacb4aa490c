using OneClick.MetaSandbox.Control;
using OneClick.MetaSandbox.Faults;
using OneClick.MetaSandbox.Templates;

namespace OneClick.MetaSandbox.Registry;

/// <summary>/_sandbox/phone-numbers: register, read and remove the business numbers the sandbox answers for.</summary>
internal static class RegistryEndpoints
{
    public static void MapRegistryEndpoints(this RouteGroupBuilder control)
    {
        control.MapPost("/phone-numbers", RegisterAsync);

        control.MapGet("/phone-numbers", (PhoneNumberRegistry registry) =>
            Results.Json(registry.All().Select(number => number.ToView()), ControlJson.Options));

        control.MapGet("/phone-numbers/{phoneNumberId}", (string phoneNumberId, PhoneNumberRegistry registry) =>
            registry.Find(phoneNumberId) is { } number
                ? Results.Json(number.ToView(), ControlJson.Options)
                : ControlJson.NotRegistered(phoneNumberId));

        control.MapDelete("/phone-numbers/{phoneNumberId}", (string phoneNumberId, PhoneNumberRegistry registry, BehaviourStore behaviours) =>
        {
            if (!registry.Remove(phoneNumberId))
            {
                return ControlJson.NotRegistered(phoneNumberId);
            }

            behaviours.Remove(phoneNumberId);
            return Results.NoContent();
        });
    }

    private static async Task<IResult> RegisterAsync(
        HttpRequest request, PhoneNumberRegistry registry, TemplateStore templates, CancellationToken cancellationToken)
    {
        var (body, readError) = await ControlJson.ReadAsync<RegisterPhoneNumberRequest>(request, cancellationToken);
        if (readError is not null)
        {
            return readError;
        }

        var (number, error) = registry.CreateFrom(body!);
        if (error is not null)
        {
            return ControlJson.Error(error);
        }

        registry.Save(number!);
        templates.EnsureSeeded(number!.WabaId);
        return Results.Json(number.ToView(), ControlJson.Options, statusCode: StatusCodes.Status201Created);
    }
}

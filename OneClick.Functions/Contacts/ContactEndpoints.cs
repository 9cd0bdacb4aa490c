using System.Text.Json;
using OneClick.Core.Contacts;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;
using OneClick.Functions.Auth;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Contacts;

public sealed record CreateContactRequest(string? PhoneNumber, string? Name, Dictionary<string, string>? Attributes);

public sealed record ContactView(string Id, string PhoneNumber, string? Name, IReadOnlyDictionary<string, string> Attributes, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static ContactView From(ContactEntity c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new(c.Id, c.PhoneNumber, c.Name, JsonSerializer.Deserialize<Dictionary<string, string>>(c.AttributesJson) ?? [], c.CreatedAt, c.UpdatedAt);
    }

    /// <summary>The 24-hour customer-service window (see Conversations), on GET /api/contacts/{id}.</summary>
    public Conversations.ServiceWindowView? ServiceWindow { get; init; }
}

public static class ContactEndpoints
{
    public const int MaxAttributes = 50;

    public static void MapContactEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/contacts").WithTags("Contacts").RequireAuthorization(Policies.Tenant);
        group.MapPost("", CreateAsync);
        group.MapGet("/{contactId}", GetAsync);
    }

    private static async Task<IResult> CreateAsync(CreateContactRequest request, TenantStore tenants, ContactStore contacts, HttpContext http, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var errors = new ValidationErrors();
        var e164 = E164.TryNormalize(request.PhoneNumber, tenant.DefaultRegion, out var phoneError);
        if (e164 is null)
            errors.Add("phoneNumber", phoneError!);
        if (request.Name is { Length: > 256 })
            errors.Add("name", "At most 256 characters.");
        if (request.Attributes is { } attributes &&
            (attributes.Count > MaxAttributes || attributes.Any(a => a.Key.Length is 0 or > 64 || a.Value is null || a.Value.Length > 1024)))
            errors.Add("attributes", $"At most {MaxAttributes} string attributes; keys 1–64 characters, values up to 1024.");
        if (errors.Any)
            return Problem.Validation(errors);

        ContactEntity contact;
        bool created;
        try
        {
            (contact, created) = await contacts.CreateOrMergeAsync(tenant.Id, e164!, request.Name, request.Attributes, cancellationToken);
        }
        catch (ContactAttributesTooLargeException e)
        {
            // Nothing was written: the size is checked before the row is.
            return Problem.Validation("attributes", e.Message);
        }
        var view = ContactView.From(contact);
        return created ? TypedResults.Created($"/api/contacts/{view.Id}", view) : TypedResults.Ok(view);
    }

    private static async Task<IResult> GetAsync(string contactId, ContactStore contacts, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ContactStore.IsValidId(contactId))
            return Problem.Validation("contactId", "Not a contact id.");
        var contact = await contacts.GetAsync(http.User.TenantId()!, contactId, cancellationToken);
        return contact is null ? Problem.NotFound("contact") : TypedResults.Ok(ContactView.From(contact) with { ServiceWindow = Conversations.ServiceWindowView.For(contact) });
    }
}

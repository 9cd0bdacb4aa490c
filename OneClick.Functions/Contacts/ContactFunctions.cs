using OneClick.Core.Automations;
using System.Text.Json;
using OneClick.Core.Contacts;
using OneClick.Core.Lists;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;
using OneClick.Functions.Auth;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Contacts;

public sealed record CreateContactRequest(string? PhoneNumber, string? Name, Dictionary<string, string>? Attributes, List<string>? Tags = null);

/// <summary>PATCH body: only the members given change. A null attribute value removes that attribute.</summary>
public sealed record UpdateContactRequest(string? Name, Dictionary<string, string?>? Attributes, List<string>? Tags, List<string>? AddTags, List<string>? RemoveTags);

public sealed record ConsentRequest(string? Source);

public sealed record ContactView(
    string Id, string PhoneNumber, string? Name, IReadOnlyDictionary<string, string> Attributes, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    IReadOnlyList<string>? Tags = null, string? OptInState = null, string? OptInSource = null, DateTimeOffset? OptInAt = null,
    string? OptOutSource = null, DateTimeOffset? OptOutAt = null)
{
    public static ContactView From(ContactEntity c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new(c.Id, c.PhoneNumber, c.Name, JsonSerializer.Deserialize<Dictionary<string, string>>(c.AttributesJson) ?? [], c.CreatedAt, c.UpdatedAt,
            c.Tags, c.OptInState, c.OptInSource, c.OptInAt, c.OptOutSource, c.OptOutAt);
    }

    /// <summary>The 24-hour customer-service window (see Conversations), on GET /api/contacts/{id}.</summary>
    public Conversations.ServiceWindowView? ServiceWindow { get; init; }
}

public static partial class ContactEndpoints
{
    public const int MaxAttributes = 50;
    public const int MaxSearchLength = 100;

    public static void MapContactEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/contacts").WithTags("Contacts").RequireAuthorization(Policies.Tenant);
        group.MapPost("", CreateAsync);
        group.MapGet("", ListAsync);
        group.MapGet("/{contactId}", GetAsync);
        group.MapPatch("/{contactId}", UpdateAsync);
        group.MapDelete("/{contactId}", EraseAsync);
        group.MapPost("/{contactId}/opt-in", (string contactId, ConsentRequest? request, ContactStore contacts, AutomationTriggers automations, TimeProvider clock, HttpContext http, CancellationToken cancellationToken) =>
            SetConsentAsync(contactId, true, request, contacts, automations, clock, http, cancellationToken));
        group.MapPost("/{contactId}/opt-out", (string contactId, ConsentRequest? request, ContactStore contacts, AutomationTriggers automations, TimeProvider clock, HttpContext http, CancellationToken cancellationToken) =>
            SetConsentAsync(contactId, false, request, contacts, automations, clock, http, cancellationToken));
        group.MapStopKeywordEndpoints();
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
        var tags = CheckTags(errors, "tags", request.Tags);
        if (errors.Any)
            return Problem.Validation(errors);

        ContactEntity contact;
        bool created;
        try
        {
            (contact, created) = await contacts.CreateOrMergeAsync(tenant.Id, e164!, request.Name, request.Attributes, cancellationToken);
            if (tags is { Count: > 0 })
                contact = await contacts.UpdateAsync(tenant.Id, contact.Id, new ContactPatch(AddTags: tags), cancellationToken) ?? contact;
        }
        catch (ContactAttributesTooLargeException e)
        {
            // Nothing was written: the size is checked before the row is.
            return Problem.Validation("attributes", e.Message);
        }
        catch (ContactLimitException e)
        {
            return Problem.Validation(e.Field, e.Message);
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

    private static async Task<IResult> ListAsync(
        ContactSearch contactSearch, HttpContext http, int? pageSize, string? continuationToken, string? tag, string? list, string? optIn, string? search,
        CancellationToken cancellationToken)
    {
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        var text = search ?? "";
        var errors = new ValidationErrors();
        if (tag is not null && !Tags.IsValid(tag))
            errors.Add("tag", "Not a tag: lower-case letters, digits, '_', '.', '-', at most 50 characters.");
        if (list is not null && !ListStore.IsValidId(list))
            errors.Add("list", "Not a list id.");
        if (optIn is not null && optIn is not (OptInStates.Unknown or OptInStates.OptedIn or OptInStates.OptedOut))
            errors.Add("optIn", $"One of {OptInStates.Unknown}, {OptInStates.OptedIn}, {OptInStates.OptedOut}.");
        if (search is not null && (string.IsNullOrWhiteSpace(text) || text.Length > MaxSearchLength))
            errors.Add("search", $"1–{MaxSearchLength} characters.");
        if (errors.Any)
            return Problem.Validation(errors);
        var filter = new ContactFilter(tag, list, optIn, string.IsNullOrWhiteSpace(text) ? null : text.Trim());
        ListParameters.TryUnwrap(continuationToken, out var storageToken);
        return await ListParameters.ReadAsync(async () =>
        {
            var page = await contactSearch.PageAsync(http.User.TenantId()!, filter, storageToken, Paging.Clamp(pageSize), cancellationToken);
            return new ResultPage<ContactView>(page.Items.Select(ContactView.From).ToList(), ListParameters.Wrap(page.ContinuationToken));
        });
    }

    private static async Task<IResult> UpdateAsync(string contactId, UpdateContactRequest request, ContactStore contacts, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!ContactStore.IsValidId(contactId))
            errors.Add("contactId", "Not a contact id.");
        if (request.Name is { Length: > 256 })
            errors.Add("name", "At most 256 characters (\"\" clears the name).");
        if (request.Attributes is { } attributes &&
            (attributes.Count > MaxAttributes || attributes.Any(a => a.Key.Length is 0 or > 64 || a.Value is { Length: > 1024 })))
            errors.Add("attributes", $"At most {MaxAttributes} attributes; keys 1–64 characters, values strings up to 1024 characters or null to remove.");
        var tags = CheckTags(errors, "tags", request.Tags);
        var addTags = CheckTags(errors, "addTags", request.AddTags);
        var removeTags = CheckTags(errors, "removeTags", request.RemoveTags);
        if (request is { Name: null, Attributes: null, Tags: null, AddTags: null, RemoveTags: null })
            errors.Add("body", "Give at least one of name, attributes, tags, addTags, removeTags.");
        if (errors.Any)
            return Problem.Validation(errors);
        try
        {
            var contact = await contacts.UpdateAsync(http.User.TenantId()!, contactId,
                new ContactPatch(request.Name, request.Attributes, tags, addTags, removeTags), cancellationToken);
            return contact is null ? Problem.NotFound("contact") : TypedResults.Ok(ContactView.From(contact));
        }
        catch (ContactLimitException e)
        {
            return Problem.Validation(e.Field, e.Message);
        }
    }

    private static async Task<IResult> EraseAsync(string contactId, ContactEraser eraser, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ContactStore.IsValidId(contactId))
            return Problem.Validation("contactId", "Not a contact id.");
        return await eraser.EraseAsync(http.User.TenantId()!, contactId, cancellationToken) ? TypedResults.NoContent() : Problem.NotFound("contact");
    }

    private static async Task<IResult> SetConsentAsync(
        string contactId, bool optIn, ConsentRequest? request, ContactStore contacts, AutomationTriggers automations, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!ContactStore.IsValidId(contactId))
            errors.Add("contactId", "Not a contact id.");
        var source = request?.Source ?? ConsentSources.Api;
        if (!Tags.IsValid(source))
            errors.Add("source", "A short code: lower-case letters, digits, '_', '.', '-', at most 50 characters (e.g. \"web_form\").");
        if (errors.Any)
            return Problem.Validation(errors);
        var tenantId = http.User.TenantId()!;
        var (contact, changed) = await contacts.ChangeOptInAsync(tenantId, contactId, optIn, source, clock.GetUtcNow(), cancellationToken);
        if (contact is null)
            return Problem.NotFound("contact");
        // The "contact opted in" automations fire once per opt-in: the event id is the opt-in's own time.
        if (changed && optIn)
            await automations.ContactOptedInAsync(tenantId, contactId, $"optin|{contactId}|{contact.OptInAt?.UtcTicks}", cancellationToken: cancellationToken);
        return TypedResults.Ok(ContactView.From(contact));
    }

    /// <summary>Normalised (trimmed, lower-case) distinct tags, or null; errors for invalid ones.</summary>
    private static List<string>? CheckTags(ValidationErrors errors, string field, List<string>? tags)
    {
        if (tags is null)
            return null;
        if (tags.Count > Tags.MaxPerContact)
        {
            errors.Add(field, $"At most {Tags.MaxPerContact} tags.");
            return null;
        }
        var normalized = tags.Select(t => t is null ? "" : Tags.Normalize(t)).Distinct(StringComparer.Ordinal).ToList();
        if (normalized.Any(t => !Tags.IsValid(t)))
            errors.Add(field, "Tags are letters, digits, '_', '.', '-' (stored lower-case), at most 50 characters, starting with a letter or digit.");
        return normalized;
    }
}

using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Automations;
using OneClick.Core.Contacts;
using OneClick.Core.Lists;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;
using OneClick.Functions.Auth;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Contacts;

/// <summary>A contact needs a phone number, a business-scoped user id (userId), or a parent one; any may be given together.</summary>
public sealed record CreateContactRequest(
    string? PhoneNumber, string? Name, Dictionary<string, string>? Attributes, List<string>? Tags = null, string? UserId = null, string? ParentUserId = null);

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
            c.Tags, c.OptInState, c.OptInSource, c.OptInAt, c.OptOutSource, c.OptOutAt)
        {
            UserId = c.UserId,
            ParentUserId = c.ParentUserId,
            Username = c.Username,
        };
    }

    /// <summary>Meta's business-scoped user id (BSUID); phoneNumber is "" for a person known only by it.</summary>
    public string? UserId { get; init; }
    public string? ParentUserId { get; init; }
    /// <summary>The WhatsApp username, when Meta has shown one.</summary>
    public string? Username { get; init; }

    /// <summary>The 24-hour customer-service window (see Conversations), on GET /api/contacts/{id}.</summary>
    public Conversations.ServiceWindowView? ServiceWindow { get; init; }
}

/// <summary>/api/contacts: the calling tenant's contacts, their tags, attributes and consent.</summary>
[Authorize(Policy = Policies.Tenant)]
public sealed class ContactFunctions(
    TenantStore tenants, ContactStore contacts, ContactSearch contactSearch, ContactEraser eraser, AutomationTriggers automations, TimeProvider clock)
{
    public const int MaxAttributes = 50;
    public const int MaxSearchLength = 100;

    [Function("CreateContact")]
    public async Task<IResult> Create(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "contacts")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<CreateContactRequest>(cancellationToken);
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        var errors = new ValidationErrors();
        var byUserId = body.UserId is not null || body.ParentUserId is not null;
        var e164 = byUserId && body.PhoneNumber is null ? null : E164.TryNormalize(body.PhoneNumber, tenant.DefaultRegion, out var phoneError) ?? Fail(errors, "phoneNumber", phoneError!);
        if (body.UserId is not null && !UserIds.IsUserId(body.UserId))
            errors.Add("userId", UserIds.FormatHint);
        if (body.ParentUserId is not null && !UserIds.IsParentUserId(body.ParentUserId))
            errors.Add("parentUserId", UserIds.FormatHint);
        if (body.Name is { Length: > 256 })
            errors.Add("name", "At most 256 characters.");
        if (body.Attributes is { } attributes &&
            (attributes.Count > MaxAttributes || attributes.Any(a => a.Key.Length is 0 or > 64 || a.Value is null || a.Value.Length > 1024)))
            errors.Add("attributes", $"At most {MaxAttributes} string attributes; keys 1–64 characters, values up to 1024.");
        var tags = CheckTags(errors, "tags", body.Tags);
        if (errors.Any)
            return Problem.Validation(errors);

        ContactEntity contact;
        bool created;
        try
        {
            if (byUserId)
            {
                // One contact per person: whichever identity is known already finds it, and the others are linked.
                (contact, created) = await contacts.ResolveAsync(tenant.Id, new ContactIdentity(e164, body.UserId, body.ParentUserId), body.Name, cancellationToken);
                if (!created || body.Attributes is { Count: > 0 })
                    contact = await contacts.UpdateAsync(tenant.Id, contact.Id, new ContactPatch(created ? null : body.Name, body.Attributes?.ToDictionary(a => a.Key, a => (string?)a.Value)), cancellationToken) ?? contact;
            }
            else
            {
                (contact, created) = await contacts.CreateOrMergeAsync(tenant.Id, e164!, body.Name, body.Attributes, cancellationToken);
            }
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

    [Function("ListContacts")]
    public async Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "contacts")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (pageSize, continuationToken) = (request.QueryInt(ListParameters.PageSize), request.QueryText(ListParameters.ContinuationToken));
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        // Read as minimal APIs bound them: a filter given empty ("?search=") is "" and refused below, not dropped.
        var (tag, list, optIn, search) = (request.QueryText("tag"), request.QueryText("list"), request.QueryText("optIn"), request.QueryText("search"));
        var (phoneNumber, userId, parentUserId) = (request.QueryText("phoneNumber"), request.QueryText("userId"), request.QueryText("parentUserId"));
        var text = search ?? "";
        var errors = new ValidationErrors();
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        var phone = phoneNumber is null ? null : E164.TryNormalize(phoneNumber, tenant.DefaultRegion, out var phoneError) ?? Fail(errors, "phoneNumber", phoneError!);
        if (userId is not null && !UserIds.IsUserId(userId))
            errors.Add("userId", UserIds.FormatHint);
        if (parentUserId is not null && !UserIds.IsParentUserId(parentUserId))
            errors.Add("parentUserId", UserIds.FormatHint);
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
        var tenantId = tenant.Id;
        if (phoneNumber is not null || userId is not null || parentUserId is not null)
        {
            // A lookup by identity: at most one contact, the one that has every identity given.
            var identity = new ContactIdentity(phone, userId, parentUserId);
            return await ListParameters.PageAsync(pageSize, continuationToken, async (_, _) =>
            {
                var found = await contacts.FindAsync(tenantId, identity, cancellationToken);
                var matches = found is not null && (phone is null || found.PhoneNumber == phone) && (userId is null || found.UserId == userId)
                    && (parentUserId is null || found.ParentUserId == parentUserId) && ContactSearch.Matches(found, filter with { ListId = null });
                return new Core.Storage.ResultPage<ContactEntity>(matches ? [found!] : [], null);
            }, ContactView.From);
        }
        return await ListParameters.PageAsync(pageSize, continuationToken,
            (storageToken, size) => contactSearch.PageAsync(tenantId, filter, storageToken, size, cancellationToken), ContactView.From);
    }

    [Function("GetContact")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "contacts/{contactId}")] HttpRequest request, string contactId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ContactStore.IsValidId(contactId))
            return Problem.Validation("contactId", "Not a contact id.");
        var contact = await contacts.GetAsync(request.HttpContext.User.TenantId()!, contactId, cancellationToken);
        return contact is null ? Problem.NotFound("contact") : TypedResults.Ok(ContactView.From(contact) with { ServiceWindow = Conversations.ServiceWindowView.For(contact) });
    }

    [Function("UpdateContact")]
    public async Task<IResult> Update(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "contacts/{contactId}")] HttpRequest request, string contactId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<UpdateContactRequest>(cancellationToken);
        var errors = new ValidationErrors();
        if (!ContactStore.IsValidId(contactId))
            errors.Add("contactId", "Not a contact id.");
        if (body.Name is { Length: > 256 })
            errors.Add("name", "At most 256 characters (\"\" clears the name).");
        if (body.Attributes is { } attributes &&
            (attributes.Count > MaxAttributes || attributes.Any(a => a.Key.Length is 0 or > 64 || a.Value is { Length: > 1024 })))
            errors.Add("attributes", $"At most {MaxAttributes} attributes; keys 1–64 characters, values strings up to 1024 characters or null to remove.");
        var tags = CheckTags(errors, "tags", body.Tags);
        var addTags = CheckTags(errors, "addTags", body.AddTags);
        var removeTags = CheckTags(errors, "removeTags", body.RemoveTags);
        if (body is { Name: null, Attributes: null, Tags: null, AddTags: null, RemoveTags: null })
            errors.Add("body", "Give at least one of name, attributes, tags, addTags, removeTags.");
        if (errors.Any)
            return Problem.Validation(errors);
        try
        {
            var contact = await contacts.UpdateAsync(request.HttpContext.User.TenantId()!, contactId,
                new ContactPatch(body.Name, body.Attributes, tags, addTags, removeTags), cancellationToken);
            return contact is null ? Problem.NotFound("contact") : TypedResults.Ok(ContactView.From(contact));
        }
        catch (ContactLimitException e)
        {
            return Problem.Validation(e.Field, e.Message);
        }
    }

    [Function("EraseContact")]
    public async Task<IResult> Erase(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "contacts/{contactId}")] HttpRequest request, string contactId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ContactStore.IsValidId(contactId))
            return Problem.Validation("contactId", "Not a contact id.");
        return await eraser.EraseAsync(request.HttpContext.User.TenantId()!, contactId, cancellationToken) ? TypedResults.NoContent() : Problem.NotFound("contact");
    }

    [Function("OptInContact")]
    public async Task<IResult> OptIn(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "contacts/{contactId}/opt-in")] HttpRequest request, string contactId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await SetConsentAsync(request.HttpContext, contactId, optIn: true, await request.ReadOptionalBodyAsync<ConsentRequest>(cancellationToken), cancellationToken);
    }

    [Function("OptOutContact")]
    public async Task<IResult> OptOut(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "contacts/{contactId}/opt-out")] HttpRequest request, string contactId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await SetConsentAsync(request.HttpContext, contactId, optIn: false, await request.ReadOptionalBodyAsync<ConsentRequest>(cancellationToken), cancellationToken);
    }

    private async Task<IResult> SetConsentAsync(HttpContext http, string contactId, bool optIn, ConsentRequest? request, CancellationToken cancellationToken)
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

    private static string? Fail(ValidationErrors errors, string field, string problem)
    {
        errors.Add(field, problem);
        return null;
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

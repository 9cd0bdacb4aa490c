using OneClick.Core.Contacts;
using OneClick.Core.Lists;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;
using OneClick.Functions.Auth;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Lists;

public sealed record ListRequest(string? Name);

/// <summary>Who to add or remove: any mix of contact ids, phone numbers and one tag (all its contacts).</summary>
public sealed record MembersRequest(List<string>? ContactIds, List<string>? PhoneNumbers, string? Tag);

public sealed record ListView(string Id, string Name, long MemberCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static ListView From(ContactListEntity l)
    {
        ArgumentNullException.ThrowIfNull(l);
        return new(l.Id, l.Name, l.MemberCount, l.CreatedAt, l.UpdatedAt);
    }
}

public sealed record MemberView(string ContactId, DateTimeOffset AddedAt);

/// <param name="Changed">Members actually added (or removed).</param>
/// <param name="Unchanged">Contacts that already were (or were not) members.</param>
/// <param name="ContactsCreated">Contacts created for numbers that had none (adds only).</param>
/// <param name="NotFound">Contact ids or numbers with no contact.</param>
public sealed record MembersResult(int Changed, int Unchanged, int ContactsCreated, IReadOnlyList<string> NotFound, long MemberCount);

public static class ListEndpoints
{
    public const int MaxPerRequest = 1000;

    public static void MapListEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/lists").WithTags("Lists").RequireAuthorization(Policies.Tenant);
        group.MapPost("", CreateAsync);
        group.MapGet("", ListAsync);
        group.MapGet("/{listId}", GetAsync);
        group.MapPatch("/{listId}", RenameAsync);
        group.MapDelete("/{listId}", DeleteAsync);
        group.MapGet("/{listId}/members", MembersAsync);
        group.MapPost("/{listId}/members", (string listId, MembersRequest request, ListStore lists, ContactStore contacts, TenantStore tenants, HttpContext http, CancellationToken cancellationToken) =>
            ChangeMembersAsync(listId, request, add: true, lists, contacts, tenants, http, cancellationToken));
        group.MapPost("/{listId}/members/remove", (string listId, MembersRequest request, ListStore lists, ContactStore contacts, TenantStore tenants, HttpContext http, CancellationToken cancellationToken) =>
            ChangeMembersAsync(listId, request, add: false, lists, contacts, tenants, http, cancellationToken));
    }

    private static async Task<IResult> CreateAsync(ListRequest request, ListStore lists, HttpContext http, CancellationToken cancellationToken)
    {
        if (CheckName(request.Name) is { } invalid)
            return invalid;
        var list = await lists.CreateAsync(http.User.TenantId()!, request.Name!.Trim(), cancellationToken);
        return TypedResults.Created($"/api/lists/{list.Id}", ListView.From(list));
    }

    private static async Task<IResult> ListAsync(ListStore lists, HttpContext http, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        return await ListParameters.PageAsync(pageSize, continuationToken,
            (storageToken, size) => lists.PageAsync(http.User.TenantId()!, storageToken, size, cancellationToken), ListView.From);
    }

    private static async Task<IResult> GetAsync(string listId, ListStore lists, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ListStore.IsValidId(listId))
            return Problem.Validation("listId", "Not a list id.");
        var list = await lists.GetAsync(http.User.TenantId()!, listId, cancellationToken);
        return list is null ? Problem.NotFound("list") : TypedResults.Ok(ListView.From(list));
    }

    private static async Task<IResult> RenameAsync(string listId, ListRequest request, ListStore lists, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ListStore.IsValidId(listId))
            return Problem.Validation("listId", "Not a list id.");
        if (CheckName(request.Name) is { } invalid)
            return invalid;
        var list = await lists.RenameAsync(http.User.TenantId()!, listId, request.Name!.Trim(), cancellationToken);
        return list is null ? Problem.NotFound("list") : TypedResults.Ok(ListView.From(list));
    }

    private static async Task<IResult> DeleteAsync(string listId, ListStore lists, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ListStore.IsValidId(listId))
            return Problem.Validation("listId", "Not a list id.");
        return await lists.DeleteAsync(http.User.TenantId()!, listId, cancellationToken) ? TypedResults.NoContent() : Problem.NotFound("list");
    }

    private static async Task<IResult> MembersAsync(string listId, ListStore lists, HttpContext http, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        if (!ListStore.IsValidId(listId))
            return Problem.Validation("listId", "Not a list id.");
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        var tenantId = http.User.TenantId()!;
        if (await lists.GetAsync(tenantId, listId, cancellationToken) is null)
            return Problem.NotFound("list");
        ListParameters.TryUnwrap(continuationToken, out var storageToken);
        return await ListParameters.ReadAsync(async () =>
        {
            var page = await lists.PageMembersAsync(tenantId, listId, storageToken, Paging.Clamp(pageSize), cancellationToken);
            return new ResultPage<MemberView>(page.Items.Select(m => new MemberView(m.ContactId, m.AddedAt)).ToList(), ListParameters.Wrap(page.ContinuationToken));
        });
    }

    private static async Task<IResult> ChangeMembersAsync(
        string listId, MembersRequest request, bool add, ListStore lists, ContactStore contacts, TenantStore tenants, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!ListStore.IsValidId(listId))
            errors.Add("listId", "Not a list id.");
        if (request.ContactIds is null && request.PhoneNumbers is null && request.Tag is null)
            errors.Add("body", "Give contactIds, phoneNumbers or tag (or several).");
        if (request.ContactIds is { } ids && (ids.Count > MaxPerRequest || ids.Any(id => !ContactStore.IsValidId(id))))
            errors.Add("contactIds", $"At most {MaxPerRequest} contact ids.");
        if (request.PhoneNumbers is { Count: > MaxPerRequest })
            errors.Add("phoneNumbers", $"At most {MaxPerRequest} numbers per request.");
        if (request.Tag is not null && !Tags.IsValid(request.Tag))
            errors.Add("tag", "Not a tag: lower-case letters, digits, '_', '.', '-', at most 50 characters.");
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var numbers = new List<string>();
        foreach (var (number, i) in (request.PhoneNumbers ?? []).Select((n, i) => (n, i)))
        {
            if (E164.TryNormalize(number, tenant.DefaultRegion, out var problem) is { } e164)
                numbers.Add(e164);
            else
                errors.Add($"phoneNumbers[{i}]", problem!);
        }
        if (errors.Any)
            return Problem.Validation(errors);
        if (await lists.GetAsync(tenant.Id, listId, cancellationToken) is null)
            return Problem.NotFound("list");

        var contactIds = new List<string>();
        var notFound = new List<string>();
        var created = 0;
        if (request.ContactIds is { Count: > 0 })
        {
            var found = await contacts.GetManyAsync(tenant.Id, request.ContactIds, cancellationToken);
            contactIds.AddRange(found.Select(c => c.Id));
            notFound.AddRange(request.ContactIds.Except(contactIds));
        }
        foreach (var number in numbers.Distinct())
        {
            // Adding a number nobody has yet creates its contact (as sending to it would); removing it finds nothing.
            if (add)
            {
                var (contact, isNew) = await contacts.CreateOrMergeAsync(tenant.Id, number, null, null, cancellationToken);
                contactIds.Add(contact.Id);
                created += isNew ? 1 : 0;
            }
            else if (await contacts.FindByPhoneAsync(tenant.Id, number, cancellationToken) is { } contact)
                contactIds.Add(contact.Id);
            else
                notFound.Add(number);
        }

        MemberChange? change = new(0, 0);
        var total = new MemberChange(0, 0);
        async Task ApplyAsync(IReadOnlyList<string> ids)
        {
            change = add ? await lists.AddMembersAsync(tenant.Id, listId, ids, cancellationToken) : await lists.RemoveMembersAsync(tenant.Id, listId, ids, cancellationToken);
            if (change is not null)
                total = new MemberChange(total.Changed + change.Changed, total.Unchanged + change.Unchanged);
        }
        await ApplyAsync(contactIds);
        if (request.Tag is not null)
        {
            // All of the tag's contacts, a page of the tag index at a time.
            string? token = null;
            do
            {
                var page = await contacts.PageIdsByTagAsync(tenant.Id, request.Tag, token, Paging.MaxPageSize, cancellationToken);
                await ApplyAsync(page.Items);
                token = change is null ? null : page.ContinuationToken;
            }
            while (token is not null);
        }
        var list = await lists.GetAsync(tenant.Id, listId, cancellationToken);
        if (change is null || list is null)
            return Problem.NotFound("list");
        return TypedResults.Ok(new MembersResult(total.Changed, total.Unchanged, created, notFound, list.MemberCount));
    }

    private static IResult? CheckName(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Length > ListStore.MaxNameLength
            ? Problem.Validation("name", $"A name of 1–{ListStore.MaxNameLength} characters is required.")
            : null;
}

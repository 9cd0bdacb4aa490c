using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Contacts;
using OneClick.Core.Lists;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;
using OneClick.Functions.Auth;
using OneClick.Functions.Http;
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

/// <summary>/api/lists: contact lists and their members, for the calling tenant.</summary>
[Authorize(Policy = Policies.Tenant)]
public sealed class ListFunctions(ListStore lists, ContactStore contacts, TenantStore tenants)
{
    public const int MaxPerRequest = 1000;

    [Function("CreateList")]
    public async Task<IResult> Create(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "lists")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<ListRequest>(cancellationToken);
        if (CheckName(body.Name) is { } invalid)
            return invalid;
        var list = await lists.CreateAsync(request.HttpContext.User.TenantId()!, body.Name!.Trim(), cancellationToken);
        return TypedResults.Created($"/api/lists/{list.Id}", ListView.From(list));
    }

    [Function("ListLists")]
    public Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "lists")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tenantId = request.HttpContext.User.TenantId()!;
        return ListParameters.PageAsync(request, (storageToken, size) => lists.PageAsync(tenantId, storageToken, size, cancellationToken), ListView.From);
    }

    [Function("GetList")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "lists/{listId}")] HttpRequest request, string listId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ListStore.IsValidId(listId))
            return Problem.Validation("listId", "Not a list id.");
        var list = await lists.GetAsync(request.HttpContext.User.TenantId()!, listId, cancellationToken);
        return list is null ? Problem.NotFound("list") : TypedResults.Ok(ListView.From(list));
    }

    [Function("RenameList")]
    public async Task<IResult> Rename(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "lists/{listId}")] HttpRequest request, string listId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ListStore.IsValidId(listId))
            return Problem.Validation("listId", "Not a list id.");
        var body = await request.ReadBodyAsync<ListRequest>(cancellationToken);
        if (CheckName(body.Name) is { } invalid)
            return invalid;
        var list = await lists.RenameAsync(request.HttpContext.User.TenantId()!, listId, body.Name!.Trim(), cancellationToken);
        return list is null ? Problem.NotFound("list") : TypedResults.Ok(ListView.From(list));
    }

    [Function("DeleteList")]
    public async Task<IResult> Delete(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "lists/{listId}")] HttpRequest request, string listId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ListStore.IsValidId(listId))
            return Problem.Validation("listId", "Not a list id.");
        return await lists.DeleteAsync(request.HttpContext.User.TenantId()!, listId, cancellationToken) ? TypedResults.NoContent() : Problem.NotFound("list");
    }

    [Function("ListListMembers")]
    public async Task<IResult> Members(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "lists/{listId}/members")] HttpRequest request, string listId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ListStore.IsValidId(listId))
            return Problem.Validation("listId", "Not a list id.");
        var tenantId = request.HttpContext.User.TenantId()!;
        if (await lists.GetAsync(tenantId, listId, cancellationToken) is null)
            return Problem.NotFound("list");
        return await ListParameters.PageAsync(request,
            (storageToken, size) => lists.PageMembersAsync(tenantId, listId, storageToken, size, cancellationToken),
            m => new MemberView(m.ContactId, m.AddedAt));
    }

    [Function("AddListMembers")]
    public async Task<IResult> AddMembers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "lists/{listId}/members")] HttpRequest request, string listId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await ChangeMembersAsync(request, listId, await request.ReadBodyAsync<MembersRequest>(cancellationToken), add: true, cancellationToken);
    }

    [Function("RemoveListMembers")]
    public async Task<IResult> RemoveMembers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "lists/{listId}/members/remove")] HttpRequest request, string listId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await ChangeMembersAsync(request, listId, await request.ReadBodyAsync<MembersRequest>(cancellationToken), add: false, cancellationToken);
    }

    private async Task<IResult> ChangeMembersAsync(HttpRequest http, string listId, MembersRequest request, bool add, CancellationToken cancellationToken)
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
        var tenant = await CurrentTenant.GetAsync(http.HttpContext, tenants, cancellationToken);
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

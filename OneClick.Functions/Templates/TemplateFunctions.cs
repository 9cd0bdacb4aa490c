using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Storage;
using OneClick.Core.Templates;
using OneClick.Core.Tenants;
using OneClick.Functions.Auth;
using OneClick.Functions.Content;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Templates;

public sealed record TemplateView(
    string Id, string Name, string Language, string Category, string Status, string QualityScore, string ParameterFormat,
    JsonNode? Components, string? RejectedReason, TemplateRejectionInfo? RejectionInfo, string? PreviousCategory, string? UpcomingCategory, DateTimeOffset? UpcomingCategoryAt,
    DateTimeOffset? SyncedAt, DateTimeOffset UpdatedAt)
{
    public static TemplateView From(TemplateEntity t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return new(t.MetaId, t.Name, t.Language, t.Category, t.Status, t.QualityScore, t.ParameterFormat.ToLowerInvariant(),
            JsonNode.Parse(t.ComponentsJson), t.RejectedReason,
            t.RejectionDetail is null && t.RejectionRecommendation is null ? null : new(t.RejectionDetail, t.RejectionRecommendation),
            t.PreviousCategory, t.UpcomingCategory, t.UpcomingCategoryAt, t.SyncedAt, t.UpdatedAt);
    }
}

/// <summary>Meta's rejection_info from the REJECTED status webhook: the reason in words and its recommendation.</summary>
public sealed record TemplateRejectionInfo(string? Reason, string? Recommendation);

/// <summary>All the languages of one template name.</summary>
public sealed record TemplateListView(IReadOnlyList<TemplateView> Items);

/// <summary>/api/templates: the tenant's templates, kept in step with its WABA.</summary>
[Authorize(Policy = Policies.Tenant)]
public sealed partial class TemplateFunctions(TemplateService service, TemplateStore store, TenantStore tenants)
{
    [Function("SyncTemplates")]
    public async Task<IResult> Sync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "templates/sync")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        return await MetaProblems.CallAsync("templates", async () => TypedResults.Ok(await service.SyncAsync(tenant, cancellationToken)));
    }

    [Function("CreateTemplate")]
    public async Task<IResult> Create(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "templates")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<CreateTemplateRequest>(cancellationToken);
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        return await MetaProblems.CallAsync("components", async () =>
        {
            var created = await service.CreateAsync(tenant, body, cancellationToken);
            return created.ToResult(template =>
            {
                var view = TemplateView.From(template);
                return TypedResults.Created($"/api/templates/{view.Name}/{view.Language}", view);
            });
        });
    }

    [Function("ListTemplates")]
    public async Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "templates")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (pageSize, continuationToken) = (request.QueryInt(ListParameters.PageSize), request.QueryText(ListParameters.ContinuationToken));
        var (status, category, name, language) = (request.QueryText("status"), request.QueryText("category"), request.QueryText("name"), request.QueryText("language"));
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        var errors = new Core.Validation.ValidationErrors();
        if (status is not null && !Upper().IsMatch(status))
            errors.Add("status", "A template status such as APPROVED, PENDING or REJECTED.");
        if (category is not null && !TemplateCreateValidator.Categories.Contains(category))
            errors.Add("category", "MARKETING, UTILITY or AUTHENTICATION.");
        if (name is not null && !Name().IsMatch(name))
            errors.Add("name", "The start of a template name: lowercase letters, digits and underscores.");
        if (language is not null && !Language().IsMatch(language))
            errors.Add("language", "A language code such as en_US.");
        if (errors.Any)
            return Problem.Validation(errors);
        var tenantId = request.HttpContext.User.TenantId()!;
        var filter = new TemplateFilter(status, category, name, language);
        return await ListParameters.PageAsync(pageSize, continuationToken,
            (storageToken, size) => store.PageAsync(tenantId, filter, storageToken, size, cancellationToken), TemplateView.From);
    }

    [Function("GetTemplatesByName")]
    public async Task<IResult> GetByName(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "templates/{name}")] HttpRequest request, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(name);
        if (!Name().IsMatch(name))
            return Problem.Validation("name", "Not a template name.");
        var all = await store.ByNameAsync(request.HttpContext.User.TenantId()!, name, cancellationToken);
        return all.Count == 0 ? Problem.NotFound("template") : TypedResults.Ok(new TemplateListView(all.Select(TemplateView.From).ToList()));
    }

    [Function("GetTemplate")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "templates/{name}/{language}")] HttpRequest request, string name, string language,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(language);
        if (!Name().IsMatch(name) || !Language().IsMatch(language))
            return Problem.Validation(Name().IsMatch(name) ? "language" : "name", "Not a template name or language code.");
        var template = await store.GetAsync(request.HttpContext.User.TenantId()!, name, language, cancellationToken);
        return template is null ? Problem.NotFound("template") : TypedResults.Ok(TemplateView.From(template));
    }

    /// <summary>Deletes the template in every language.</summary>
    [Function("DeleteTemplatesByName")]
    public Task<IResult> DeleteByName(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "templates/{name}")] HttpRequest request, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return DeleteAsync(request.HttpContext, name, null, cancellationToken);
    }

    [Function("DeleteTemplate")]
    public Task<IResult> Delete(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "templates/{name}/{language}")] HttpRequest request, string name, string language,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return DeleteAsync(request.HttpContext, name, language, cancellationToken);
    }

    private async Task<IResult> DeleteAsync(HttpContext http, string name, string? language, CancellationToken cancellationToken)
    {
        if (!Name().IsMatch(name) || (language is not null && !Language().IsMatch(language)))
            return Problem.Validation(Name().IsMatch(name) ? "language" : "name", "Not a template name or language code.");
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        return await MetaProblems.CallAsync("name", async () =>
        {
            var deleted = await service.DeleteAsync(tenant, name, language, cancellationToken);
            return deleted.Count == 0 ? Problem.NotFound("template") : TypedResults.NoContent();
        });
    }

    [GeneratedRegex("^[A-Z_]{1,40}$")]
    private static partial Regex Upper();

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex Name();

    [GeneratedRegex("^[a-z]{2,3}(_[A-Za-z]{2,4})?$")]
    private static partial Regex Language();
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.ContactImports;
using OneClick.Functions.Auth;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.ContactImports;

public sealed record ImportView(
    string Id, string State, string? FileName, long SizeBytes, long RowsRead, long Imported, long Rejected,
    long Created, long Updated, long Unchanged, string? Error, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt)
{
    public static ImportView From(ContactImportEntity i)
    {
        ArgumentNullException.ThrowIfNull(i);
        return new(i.Id, i.State, i.FileName, i.SizeBytes, i.RowsRead, i.Imported, i.Rejected, i.Created, i.Updated, i.Unchanged, i.Error, i.CreatedAt, i.UpdatedAt, i.CompletedAt);
    }
}

public sealed record ImportErrorView(long Row, string Reason);

/// <summary>/api/contacts/imports: CSV imports of the calling tenant's contacts, run chunk by chunk from a queue (<see cref="ImportQueueFunctions"/>).</summary>
[Authorize(Policy = Policies.Tenant)]
public sealed class ImportFunctions(ContactImportService imports)
{
    /// <summary>The body is the CSV itself (Content-Type text/csv), streamed to a blob; this function alone takes up to 50 MiB.</summary>
    [Function("StartContactImport")]
    [OpenApi.RequestContent("text/csv", "The CSV file itself (UTF-8, a header row naming the columns), up to 50 MiB.")]
    public async Task<IResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "contacts/imports")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Read as minimal APIs bound it: "?fileName=" is an empty name, not none.
        var fileName = request.QueryText("fileName");
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ||
            !string.Equals(parsed.MediaType.Value, "text/csv", StringComparison.OrdinalIgnoreCase))
            return Problem.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "Send the CSV file itself as the body, with Content-Type: text/csv (UTF-8).");
        if (parsed.Charset.HasValue && !parsed.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            return Problem.Validation("encoding", $"The charset is {parsed.Charset}; only UTF-8 CSV files are imported.");
        if (fileName is { Length: > 256 })
            return Problem.Validation("fileName", "At most 256 characters.");
        if (request.ContentLength > ContactImportService.MaxFileBytes)
            return Problem.From(ContactImportService.TooLarge);
        // The app's 1 MiB limit is for JSON; a CSV of 100,000 contacts is several MiB. The service counts the bytes itself too.
        var http = request.HttpContext;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = ContactImportService.MaxFileBytes + 1;
        var started = await imports.StartAsync(http.User.TenantId()!, request.Body, fileName, http.CorrelationId(), cancellationToken);
        return started.ToResult(job => TypedResults.Accepted($"/api/contacts/imports/{job.Id}", ImportView.From(job)));
    }

    [Function("ListContactImports")]
    public Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "contacts/imports")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tenantId = request.HttpContext.User.TenantId()!;
        return ListParameters.PageAsync(request, (storageToken, size) => imports.PageAsync(tenantId, storageToken, size, cancellationToken), ImportView.From);
    }

    [Function("GetContactImport")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "contacts/imports/{importId}")] HttpRequest request, string importId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ContactImportService.IsValidId(importId))
            return Problem.Validation("importId", "Not an import id.");
        var job = await imports.GetAsync(request.HttpContext.User.TenantId()!, importId, cancellationToken);
        return job is null ? Problem.NotFound("import") : TypedResults.Ok(ImportView.From(job));
    }

    [Function("ListContactImportErrors")]
    public async Task<IResult> Errors(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "contacts/imports/{importId}/errors")] HttpRequest request, string importId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (pageSize, continuationToken) = (request.QueryInt(ListParameters.PageSize), request.QueryText(ListParameters.ContinuationToken));
        if (!ContactImportService.IsValidId(importId))
            return Problem.Validation("importId", "Not an import id.");
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        var tenantId = request.HttpContext.User.TenantId()!;
        if (await imports.GetAsync(tenantId, importId, cancellationToken) is null)
            return Problem.NotFound("import");
        return await ListParameters.PageAsync(pageSize, continuationToken,
            (storageToken, size) => imports.PageErrorsAsync(tenantId, importId, storageToken, size, cancellationToken),
            e => new ImportErrorView(e.Row, e.Reason));
    }
}

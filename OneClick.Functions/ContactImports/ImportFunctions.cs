using Microsoft.AspNetCore.Http.Features;
using OneClick.Core.ContactImports;
using OneClick.Core.Storage;
using OneClick.Functions.Auth;
using OneClick.Functions.Hosting;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.ContactImports;

public sealed record ImportColumnsView(string Number, string? Name, string? Tags, IReadOnlyList<string> Attributes);

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

public static class ImportEndpoints
{
    public static void MapImportEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/contacts/imports").WithTags("Contacts").RequireAuthorization(Policies.Tenant);
        group.MapPost("", UploadAsync);
        group.MapGet("", ListAsync);
        group.MapGet("/{importId}", GetAsync);
        group.MapGet("/{importId}/errors", ErrorsAsync);
    }

    /// <summary>The body is the CSV itself (Content-Type text/csv), streamed to a blob; this endpoint alone takes up to 50 MiB.</summary>
    private static async Task<IResult> UploadAsync(HttpContext http, ContactImportService imports, string? fileName, CancellationToken cancellationToken)
    {
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var parsed) ||
            !string.Equals(parsed.MediaType.Value, "text/csv", StringComparison.OrdinalIgnoreCase))
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: "Send the CSV file itself as the body, with Content-Type: text/csv (UTF-8).");
        if (parsed.Charset.HasValue && !parsed.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            return Problem.Validation("encoding", $"The charset is {parsed.Charset}; only UTF-8 CSV files are imported.");
        if (fileName is { Length: > 256 })
            return Problem.Validation("fileName", "At most 256 characters.");
        if (http.Request.ContentLength > ContactImportService.MaxFileBytes)
            return TooLarge();
        // The app's 1 MiB limit is for JSON; a CSV of 100,000 contacts is several MiB. The service counts the bytes itself too.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = ContactImportService.MaxFileBytes + 1;
        try
        {
            var job = await imports.StartAsync(http.User.TenantId()!, http.Request.Body, fileName, http.CorrelationId(), cancellationToken);
            return TypedResults.Accepted($"/api/contacts/imports/{job.Id}", ImportView.From(job));
        }
        catch (ImportRefusedException e) when (e.Status == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }
        catch (ImportRefusedException e)
        {
            return Problem.Validation(e.Field, e.Message);
        }
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooLarge() =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The request body is too large.",
            detail: $"A CSV import takes at most {ContactImportService.MaxFileBytes / (1024 * 1024)} MiB; split the file.");

    private static async Task<IResult> GetAsync(string importId, ContactImportService imports, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ContactImportService.IsValidId(importId))
            return Problem.Validation("importId", "Not an import id.");
        var job = await imports.GetAsync(http.User.TenantId()!, importId, cancellationToken);
        return job is null ? Problem.NotFound("import") : TypedResults.Ok(ImportView.From(job));
    }

    private static async Task<IResult> ListAsync(ContactImportService imports, HttpContext http, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        return await ListParameters.PageAsync(pageSize, continuationToken,
            (storageToken, size) => imports.PageAsync(http.User.TenantId()!, storageToken, size, cancellationToken), ImportView.From);
    }

    private static async Task<IResult> ErrorsAsync(string importId, ContactImportService imports, HttpContext http, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        if (!ContactImportService.IsValidId(importId))
            return Problem.Validation("importId", "Not an import id.");
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        var tenantId = http.User.TenantId()!;
        if (await imports.GetAsync(tenantId, importId, cancellationToken) is null)
            return Problem.NotFound("import");
        ListParameters.TryUnwrap(continuationToken, out var storageToken);
        return await ListParameters.ReadAsync(async () =>
        {
            var page = await imports.PageErrorsAsync(tenantId, importId, storageToken, Paging.Clamp(pageSize), cancellationToken);
            return new ResultPage<ImportErrorView>(page.Items.Select(e => new ImportErrorView(e.Row, e.Reason)).ToList(), ListParameters.Wrap(page.ContinuationToken));
        });
    }
}

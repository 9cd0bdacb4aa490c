using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Media;
using OneClick.Core.Messages;
using OneClick.Core.Messages.Content;
using OneClick.Core.Secrets;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;
using OneClick.Functions.Auth;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Content;

public sealed record MediaUploadView(string Id, string MimeType, long Size, string FileName);

public sealed record ReadReceiptView(string Type, string MessageId, bool Success);

/// <summary>POST /api/media: uploads a file to Meta for the tenant's phone number, for use in messages.</summary>
[Authorize(Policy = Policies.Tenant)]
public sealed class ContentFunctions(TenantStore tenants, TenantSecrets secrets, MetaContentClient meta)
{
    /// <summary>Meta's largest media size (100 MB documents) plus the form overhead.</summary>
    public const long MaxBodyBytes = MediaRules.MaxUploadBytes + (1024 * 1024);

    /// <summary>
    /// multipart/form-data with a "file" part (its Content-Type, or a "type" field, gives the MIME type). The body
    /// limit is raised for this function only, to <see cref="MaxBodyBytes"/>.
    /// </summary>
    [Function("UploadMedia")]
    [OpenApi.RequestContent("multipart/form-data", "The file in a part named 'file'.", FilePart = "file")]
    public async Task<IResult> Upload(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "media")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var http = request.HttpContext;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MaxBodyBytes;
        if (!request.HasFormContentType)
            return Problem.Validation("file", "Upload the file as multipart/form-data in a part named 'file'.");
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException e)
        {
            return Problem.Validation("file", $"The form could not be read: {e.Message}");
        }
        var errors = new ValidationErrors();
        var file = form.Files.GetFile("file");
        var mimeType = (form["type"].ToString() is { Length: > 0 } declared ? declared : file?.ContentType ?? "").Split(';')[0].Trim();
        if (file is null)
            errors.Add("file", "A part named 'file' is required.");
        else if (MediaRules.Problem(mimeType, file.Length) is { } problem)
            errors.Add("file", problem);
        if (errors.Any)
            return Problem.Validation(errors);

        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var credentials = await secrets.GetAsync(tenant.Id, cancellationToken);
        return await MetaProblems.CallAsync("file", async () =>
        {
            if (tenant.PhoneNumberId is null || credentials is null)
                throw new Core.Templates.TenantNotConnectedException("The tenant has no Meta credentials: store them with PUT /api/tenants/{id}/credentials.");
            await using var stream = file!.OpenReadStream();
            var fileName = Path.GetFileName(file.FileName) is { Length: > 0 } n ? n : "upload";
            var id = await meta.UploadMediaAsync(tenant.PhoneNumberId, credentials.AccessToken, stream, fileName, mimeType, cancellationToken);
            return TypedResults.Created($"/api/media/{id}", new MediaUploadView(id, mimeType, file.Length, fileName));
        });
    }
}

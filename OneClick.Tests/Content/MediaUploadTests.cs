using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Content;

/// <summary>POST /api/media: multipart upload through Meta, with Meta's types and size limits checked first.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class MediaUploadTests(OneClickEnvironment env)
{
    public static Task<Reply> UploadAsync(TestTenant tenant, byte[] bytes, string? mimeType, string fileName, string part = "file")
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        if (mimeType is not null)
            file.Headers.ContentType = new MediaTypeHeaderValue(mimeType);
        form.Add(file, part, fileName);
        return tenant.Send(HttpMethod.Post, "api/media", form);
    }

    [Fact]
    public async Task A_document_over_the_usual_body_limit_is_uploaded_to_meta_and_its_id_returned()
    {
        var tenant = await env.CreateTenantAsync();
        var bytes = new byte[3 * 1024 * 1024];
        Random.Shared.NextBytes(bytes);

        var reply = await UploadAsync(tenant, bytes, "application/pdf", "catalogue.pdf");

        reply.AssertStatus(HttpStatusCode.Created);
        var id = reply.Json["id"]!.GetValue<string>();
        Assert.True(id.All(char.IsAsciiDigit), id);
        Assert.Equal(bytes.Length, reply.Json["size"]!.GetValue<long>());
        var stored = env.Sandbox.Services.GetRequiredService<OneClick.MetaSandbox.Media.MediaStore>().Find(id);
        Assert.NotNull(stored);
        Assert.Equal(tenant.PhoneNumberId, stored.PhoneNumberId);
        Assert.Equal(bytes, stored.Content);
    }

    [Fact]
    public async Task Wrong_types_sizes_and_shapes_are_400_before_meta()
    {
        var tenant = await env.CreateTenantAsync();

        (await UploadAsync(tenant, [1, 2, 3], "application/x-msdownload", "a.exe")).AssertValidation("file");
        (await UploadAsync(tenant, new byte[(5 * 1024 * 1024) + 1], "image/jpeg", "huge.jpg")).AssertValidation("file");
        (await UploadAsync(tenant, new byte[600 * 1024], "image/webp", "sticker.webp")).AssertValidation("file");
        (await UploadAsync(tenant, [], "image/png", "empty.png")).AssertValidation("file");
        (await UploadAsync(tenant, [1, 2, 3], "image/png", "a.png", part: "upload")).AssertValidation("file");
        (await tenant.Post("api/media", new { file = "x" })).AssertValidation("file");
        Assert.Equal(0, env.Sandbox.Services.GetRequiredService<OneClick.MetaSandbox.Media.MediaStore>().CountFor(tenant.PhoneNumberId));
    }
}

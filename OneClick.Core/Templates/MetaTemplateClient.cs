using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using OneClick.Core.Meta;

namespace OneClick.Core.Templates;

/// <summary>A template as Graph lists it (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-management).</summary>
public sealed record RemoteTemplate
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("language")] public string? Language { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }
    [JsonPropertyName("parameter_format")] public string? ParameterFormat { get; init; }
    [JsonPropertyName("components")] public JsonElement Components { get; init; }
    [JsonPropertyName("quality_score")] public RemoteQuality? QualityScore { get; init; }
    [JsonPropertyName("rejected_reason")] public string? RejectedReason { get; init; }
}

public sealed record RemoteQuality([property: JsonPropertyName("score")] string? Score);

public sealed record RemoteTemplatePage(IReadOnlyList<RemoteTemplate> Templates, string? NextCursor);

public sealed record CreatedTemplate(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("category")] string? Category);

/// <summary>The template management calls on /{waba-id}/message_templates; errors as <see cref="MetaApiException"/>.</summary>
public sealed class MetaTemplateClient(MetaHttp http)
{
    public const int PageSize = 100;
    private const string Fields = "id,name,language,status,category,parameter_format,components,quality_score,rejected_reason";

    /// <summary>One page; pass <see cref="RemoteTemplatePage.NextCursor"/> back for the next (null after the last page).</summary>
    public async Task<RemoteTemplatePage> ListAsync(string wabaId, string accessToken, string? after, string? name, CancellationToken cancellationToken)
    {
        var query = new StringBuilder($"fields={Fields}&limit={PageSize}");
        if (after is not null)
            query.Append("&after=").Append(Uri.EscapeDataString(after));
        if (name is not null)
            query.Append("&name=").Append(Uri.EscapeDataString(name));
        using var response = await SendAsync(HttpMethod.Get, $"{Uri.EscapeDataString(wabaId)}/message_templates?{query}", accessToken, null, cancellationToken).ConfigureAwait(false);
        var page = await response.Content.ReadFromJsonAsync<ListResponse>(cancellationToken).ConfigureAwait(false);
        // Keep following while Graph says there is a next page (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-management).
        var next = page?.Paging?.Next is not null ? page.Paging.Cursors?.After : null;
        return new RemoteTemplatePage(page?.Data ?? [], next);
    }

    public async Task<CreatedTemplate> CreateAsync(string wabaId, string accessToken, JsonObject body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, $"{Uri.EscapeDataString(wabaId)}/message_templates", accessToken, body, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<CreatedTemplate>(cancellationToken).ConfigureAwait(false)
            ?? throw new MetaUnreachableException("The Graph API answered the create with an empty body.", new InvalidDataException());
    }

    /// <summary>Deletes every language of <paramref name="name"/>, or the one template <paramref name="templateId"/>.</summary>
    public async Task DeleteAsync(string wabaId, string accessToken, string name, string? templateId, CancellationToken cancellationToken)
    {
        var query = $"name={Uri.EscapeDataString(name)}" + (templateId is null ? "" : $"&hsm_id={Uri.EscapeDataString(templateId)}");
        using var response = await SendAsync(HttpMethod.Delete, $"{Uri.EscapeDataString(wabaId)}/message_templates?{query}", accessToken, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string accessToken, JsonObject? body, CancellationToken cancellationToken)
    {
        using var request = http.Request(method, path, accessToken, body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        return await http.SendCheckedAsync(request, http.Timeout, cancellationToken).ConfigureAwait(false);
    }

    private sealed record ListResponse(
        [property: JsonPropertyName("data")] List<RemoteTemplate>? Data,
        [property: JsonPropertyName("paging")] ListPaging? Paging);

    private sealed record ListPaging(
        [property: JsonPropertyName("cursors")] ListCursors? Cursors,
        [property: JsonPropertyName("next")] string? Next);

    private sealed record ListCursors([property: JsonPropertyName("after")] string? After);
}

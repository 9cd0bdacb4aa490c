
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OneClick.Core.Meta;

namespace OneClick.Core.Groups;

/// <summary>
/// The Cloud API Groups endpoints (https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/reference). Meta's errors become <see cref="MetaApiException"/>; no answer at
/// all becomes <see cref="MetaUnreachableException"/>. Management calls have no queue behind them: the caller sees the outcome.
/// </summary>
public sealed class GroupsGraphClient(MetaHttp http)
{
    public async Task<string> CreateAsync(string phoneNumberId, string accessToken, string subject, string? description, string joinApprovalMode, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["messaging_product"] = "whatsapp", ["subject"] = subject, ["join_approval_mode"] = joinApprovalMode };
        if (!string.IsNullOrEmpty(description))
            body["description"] = description;
        var answer = await SendAsync(HttpMethod.Post, $"{Escape(phoneNumberId)}/groups", accessToken, Json(body), cancellationToken).ConfigureAwait(false);
        return answer?["request_id"]?.GetValue<string>()
            ?? throw new MetaUnreachableException("Meta answered the group creation without a request id.", new InvalidDataException());
    }

    /// <summary>One page of the number's active groups: (id, subject, created_at) and the cursor of the next page.</summary>
    public async Task<(IReadOnlyList<MetaGroupSummary> Groups, string? After)> ListAsync(string phoneNumberId, string accessToken, string? after, CancellationToken cancellationToken)
    {
        var query = after is null ? "?limit=100" : $"?limit=100&after={Uri.EscapeDataString(after)}";
        var answer = await SendAsync(HttpMethod.Get, $"{Escape(phoneNumberId)}/groups{query}", accessToken, null, cancellationToken).ConfigureAwait(false);
        var groups = answer?["data"]?["groups"]?.AsArray()
            .Select(g => new MetaGroupSummary(g!["id"]!.GetValue<string>(), g["subject"]?.GetValue<string>() ?? ""))
            .ToList() ?? [];
        var next = answer?["paging"]?["next"] is null ? null : answer?["paging"]?["cursors"]?["after"]?.GetValue<string>();
        return (groups, next);
    }

    public Task<JsonNode?> GetAsync(string groupId, string accessToken, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"{Escape(groupId)}?fields=subject,description,participants,join_approval_mode,suspended,creation_timestamp,total_participant_count",
            accessToken, null, cancellationToken);

    public Task<JsonNode?> UpdateAsync(string groupId, string accessToken, string? subject, string? description, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["messaging_product"] = "whatsapp" };
        if (subject is not null)
            body["subject"] = subject;
        if (description is not null)
            body["description"] = description;
        return SendAsync(HttpMethod.Post, Escape(groupId), accessToken, Json(body), cancellationToken);
    }

    public Task<JsonNode?> UpdatePictureAsync(string groupId, string accessToken, byte[] jpeg, CancellationToken cancellationToken)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent("whatsapp"), "messaging_product" },
        };
        var file = new ByteArrayContent(jpeg);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(file, "file", "picture.jpg");
        return SendAsync(HttpMethod.Post, Escape(groupId), accessToken, form, cancellationToken);
    }

    public Task<JsonNode?> DeleteAsync(string groupId, string accessToken, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, Escape(groupId), accessToken, null, cancellationToken);

    public async Task<string> InviteLinkAsync(string groupId, string accessToken, bool reset, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(reset ? HttpMethod.Post : HttpMethod.Get, $"{Escape(groupId)}/invite_link", accessToken,
            reset ? Json(new JsonObject { ["messaging_product"] = "whatsapp" }) : null, cancellationToken).ConfigureAwait(false);
        return answer?["invite_link"]?.GetValue<string>()
            ?? throw new MetaUnreachableException("Meta answered without an invite link.", new InvalidDataException());
    }

    public Task<JsonNode?> RemoveParticipantsAsync(string groupId, string accessToken, IEnumerable<string> users, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, $"{Escape(groupId)}/participants", accessToken, Json(new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["participants"] = new JsonArray([.. users.Select(u => (JsonNode)new JsonObject { ["user"] = u })]),
        }), cancellationToken);

    public Task<JsonNode?> JoinRequestsAsync(string groupId, string accessToken, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"{Escape(groupId)}/join_requests", accessToken, null, cancellationToken);

    /// <summary>Approves (POST) or rejects (DELETE) join requests in bulk.</summary>
    public Task<JsonNode?> AnswerJoinRequestsAsync(string groupId, string accessToken, IEnumerable<string> joinRequestIds, bool approve, CancellationToken cancellationToken) =>
        SendAsync(approve ? HttpMethod.Post : HttpMethod.Delete, $"{Escape(groupId)}/join_requests", accessToken, Json(new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["join_requests"] = new JsonArray([.. joinRequestIds.Select(id => (JsonNode)id)]),
        }), cancellationToken);

    private static string Escape(string id) => Uri.EscapeDataString(id);

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private async Task<JsonNode?> SendAsync(HttpMethod method, string path, string accessToken, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = http.Request(method, path, accessToken, content);
        using var response = await http.SendCheckedAsync(request, http.Timeout, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null; // a success without a JSON body: nothing to read from it
        }
    }
}

public sealed record MetaGroupSummary(string Id, string Subject);


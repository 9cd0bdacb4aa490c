using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneClick.MetaSandbox.Control;
using OneClick.MetaSandbox.Graph;
using OneClick.MetaSandbox.Registry;

namespace OneClick.MetaSandbox.Templates;

/// <summary>
/// Template management (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-management): GET/POST/DELETE /{version}/{waba-id}/message_templates, the template node
/// GET /{version}/{template-id} (through the shared node route), and the control API that configures the review
/// and triggers status, quality and category webhooks.
/// </summary>
internal static class TemplateEndpoints
{
    public const int DefaultPageSize = 25;
    public const int MaxPageSize = 100;

    public static void MapTemplateManagement(this RouteGroupBuilder graph)
    {
        graph.MapGet("/{wabaId}/message_templates", List);
        graph.MapPost("/{wabaId}/message_templates", CreateAsync);
        graph.MapDelete("/{wabaId}/message_templates", Delete);
    }

    public static void MapTemplateControl(this RouteGroupBuilder control)
    {
        control.MapPut("/wabas/{wabaId}/template-review", async (string wabaId, HttpRequest request, TemplateWebhooks webhooks, CancellationToken cancellationToken) =>
        {
            var (settings, error) = await ControlJson.ReadAsync<TemplateReviewSettings>(request, cancellationToken);
            if (error is not null)
            {
                return error;
            }

            settings!.Outcome = settings.Outcome.ToUpperInvariant();
            settings.Outcomes = settings.Outcomes?.ToDictionary(o => o.Key, o => o.Value.ToUpperInvariant(), StringComparer.Ordinal);
            if (settings.Validate() is { } invalid)
            {
                return ControlJson.Error(invalid);
            }

            webhooks.SetReview(wabaId, settings);
            return Results.Json(settings, ControlJson.Options);
        });

        control.MapGet("/wabas/{wabaId}/templates", (string wabaId, TemplateStore templates) =>
            Results.Json(templates.List(wabaId).Select(t => GraphJson(t)), ControlJson.Options));

        control.MapPost("/wabas/{wabaId}/template-events", TriggerEventAsync);
    }

    /// <summary>
    /// POST /_sandbox/wabas/{waba-id}/template-events {name, language, field, event | newQuality | newCategory, reason?,
    /// recommendation? (rejection_info on REJECTED), omitPreviousCategory? (new_category alone, as Meta may send)}:
    /// changes the stored template and sends the webhook at once. field is "status" (message_template_status_update),
    /// "quality" (message_template_quality_update) or "category" (template_category_update). Answers with the body sent.
    /// </summary>
    private static async Task<IResult> TriggerEventAsync(
        string wabaId, HttpRequest request, TemplateStore templates, TemplateWebhooks webhooks, CancellationToken cancellationToken)
    {
        var (body, error) = await ControlJson.ReadAsync<TemplateEventRequest>(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        var template = templates.Find(wabaId, body!.Name ?? "", body.Language ?? "en_US");
        if (template is null)
        {
            return ControlJson.Error($"No template '{body.Name}' in '{body.Language ?? "en_US"}' for WABA {wabaId}.", StatusCodes.Status404NotFound);
        }

        string field;
        JsonObject value;
        switch (body.Field)
        {
            case "status" when !string.IsNullOrWhiteSpace(body.Event):
                var @event = body.Event.ToUpperInvariant();
                templates.Update(wabaId, template.Name, template.Language, t => t with { Status = @event is "REINSTATED" or "UNPAUSED" ? "APPROVED" : @event });
                (field, value) = ("message_template_status_update", TemplateWebhooks.StatusValue(template, @event, body.Reason ?? "NONE"));
                if (@event == "REJECTED")
                {
                    value["rejection_info"] = TemplateWebhooks.RejectionInfo(body.Reason ?? "INVALID_FORMAT", body.Recommendation);
                }

                break;
            case "quality" when !string.IsNullOrWhiteSpace(body.NewQuality):
                var quality = body.NewQuality.ToUpperInvariant();
                templates.Update(wabaId, template.Name, template.Language, t => t with { QualityScore = quality });
                (field, value) = ("message_template_quality_update", TemplateWebhooks.QualityValue(template, template.QualityScore, quality));
                break;
            case "category" when !string.IsNullOrWhiteSpace(body.NewCategory):
                var category = body.NewCategory.ToUpperInvariant();
                templates.Update(wabaId, template.Name, template.Language, t => t with { Category = category });
                (field, value) = ("template_category_update", TemplateWebhooks.CategoryValue(template, body.OmitPreviousCategory == true ? null : template.Category, category));
                break;
            default:
                return ControlJson.Error("Give field 'status' with event, 'quality' with newQuality, or 'category' with newCategory.");
        }

        var sent = webhooks.Send(wabaId, field, value);
        return Results.Json(new TemplateEventResult(field, sent), ControlJson.Options);
    }

    private static IResult List(
        string wabaId, HttpRequest request, TemplateStore templates, PhoneNumberRegistry registry,
        int? limit, string? after, string? before, string? status, string? category, string? name, string? language)
    {
        if (Authorize(request, wabaId, registry) is { } failure)
        {
            return failure.ToResult();
        }

        var size = Math.Clamp(limit ?? DefaultPageSize, 1, MaxPageSize);
        var all = templates.List(wabaId)
            .Where(t => status is null || string.Equals(t.Status, status, StringComparison.OrdinalIgnoreCase))
            .Where(t => category is null || string.Equals(t.Category, category, StringComparison.OrdinalIgnoreCase))
            .Where(t => name is null || t.Name.Contains(name, StringComparison.Ordinal))
            .Where(t => language is null || t.Language == language)
            .OrderBy(t => t.Name, StringComparer.Ordinal).ThenBy(t => t.Language, StringComparer.Ordinal)
            .ToList();

        // Cursors are opaque base64 of the sort key of the first / last item of a page, as at Meta.
        var start = 0;
        if (after is not null)
        {
            if (Decode(after) is not { } key)
            {
                return GraphErrors.WhatsApp(100, "Param after is not a valid cursor.").ToResult();
            }

            start = all.FindIndex(t => string.CompareOrdinal(Key(t), key) > 0);
            start = start < 0 ? all.Count : start;
        }
        else if (before is not null)
        {
            if (Decode(before) is not { } key)
            {
                return GraphErrors.WhatsApp(100, "Param before is not a valid cursor.").ToResult();
            }

            var end = all.FindIndex(t => string.CompareOrdinal(Key(t), key) >= 0);
            end = end < 0 ? all.Count : end;
            start = Math.Max(0, end - size);
        }

        var page = all.Skip(start).Take(size).ToList();
        var result = new JsonObject { ["data"] = new JsonArray([.. page.Select(t => (JsonNode)GraphJson(t))]) };
        if (page.Count > 0)
        {
            var paging = new JsonObject
            {
                ["cursors"] = new JsonObject { ["before"] = Encode(Key(page[0])), ["after"] = Encode(Key(page[^1])) },
            };
            if (start + page.Count < all.Count)
            {
                var query = request.Query.Where(q => q.Key is not ("after" or "before"))
                    .Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value.ToString())}")
                    .Append($"after={Uri.EscapeDataString(Encode(Key(page[^1])))}");
                paging["next"] = $"{request.Scheme}://{request.Host}{request.Path}?{string.Join('&', query)}";
            }

            if (start > 0)
            {
                paging["previous"] = $"{request.Scheme}://{request.Host}{request.Path}?before={Uri.EscapeDataString(Encode(Key(page[0])))}";
            }

            result["paging"] = paging;
        }

        return Results.Content(result.ToJsonString(), "application/json");
    }

    private static async Task<IResult> CreateAsync(
        string wabaId, HttpRequest request, TemplateStore templates, PhoneNumberRegistry registry, TemplateWebhooks webhooks, CancellationToken cancellationToken)
    {
        if (Authorize(request, wabaId, registry) is { } failure)
        {
            return failure.ToResult();
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            return GraphErrors.WhatsApp(100, "The request body is not valid JSON.").ToResult();
        }

        using (document)
        {
            var (template, error) = TemplateRules.Parse(document.RootElement, TemplateStore.NewTemplateId());
            if (error is not null)
            {
                return GraphErrors.WhatsApp(100, error).ToResult();
            }

            templates.EnsureSeeded(wabaId);
            if (templates.Find(wabaId, template!.Name, template.Language) is not null)
            {
                return new GraphFailure(StatusCodes.Status400BadRequest, new GraphError
                {
                    Message = "Invalid parameter",
                    Type = "OAuthException",
                    Code = 100,
                    ErrorSubcode = 2388024,
                    ErrorData = new GraphErrorData("whatsapp", $"Content in {template.Language} already exists for {template.Name}: message template names must be unique per language."),
                    FbTraceId = FbTraceId.New(),
                }).ToResult();
            }

            templates.Save(wabaId, template);
            webhooks.ScheduleReview(wabaId, template);
            return Results.Json(new JsonObject { ["id"] = template.Id, ["status"] = template.Status, ["category"] = template.Category });
        }
    }

    /// <summary>?name= deletes every language of a name; ?hsm_id=&amp;name= one template (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-management).</summary>
    private static IResult Delete(string wabaId, HttpRequest request, TemplateStore templates, PhoneNumberRegistry registry, string? name, string? hsm_id)
    {
        if (Authorize(request, wabaId, registry) is { } failure)
        {
            return failure.ToResult();
        }

        if (string.IsNullOrEmpty(name))
        {
            return GraphErrors.WhatsApp(131008, "The parameter name is required.").ToResult();
        }

        var matching = templates.List(wabaId).Where(t => t.Name == name && (hsm_id is null || t.Id == hsm_id)).ToList();
        if (matching.Count == 0)
        {
            return GraphErrors.WhatsApp(100, $"Message template \"{name}\" was not found{(hsm_id is null ? "" : $" with id {hsm_id}")}.").ToResult();
        }

        if (matching.Any(t => t.Status == "DISABLED"))
        {
            return GraphErrors.WhatsApp(100, "Disabled templates cannot be deleted.").ToResult();
        }

        foreach (var template in matching)
        {
            templates.Remove(wabaId, template);
        }

        return Results.Json(new JsonObject { ["success"] = true });
    }

    /// <summary>GET /{template-id}: called by the shared node route when the id is a template's.</summary>
    public static IResult Node(HttpRequest request, string wabaId, MessageTemplate template, PhoneNumberRegistry registry) =>
        Authorize(request, wabaId, registry) is { } failure ? failure.ToResult() : Results.Content(GraphJson(template).ToJsonString(), "application/json");

    /// <summary>The token must be the access token of a phone number of that WABA.</summary>
    private static GraphFailure? Authorize(HttpRequest request, string wabaId, PhoneNumberRegistry registry)
    {
        var numbers = registry.All().Where(n => n.WabaId == wabaId).ToList();
        if (numbers.Count == 0)
        {
            return GraphErrors.UnknownObject(wabaId, request.Method);
        }

        var header = request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : request.Query["access_token"].ToString();
        var presented = Encoding.UTF8.GetBytes(token);
        return numbers.Any(n => CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(n.AccessToken)))
            ? null
            : GraphErrors.InvalidToken();
    }

    /// <summary>A template as Graph returns it in lists and on its node.</summary>
    public static JsonObject GraphJson(MessageTemplate template)
    {
        var components = template.ComponentsJson is { } json ? JsonNode.Parse(json)!.AsArray() : Synthesized(template);
        var node = new JsonObject
        {
            ["name"] = template.Name,
            ["parameter_format"] = template.ParameterFormat,
            ["components"] = components,
            ["language"] = template.Language,
            ["status"] = template.Status,
            ["category"] = template.Category,
            ["quality_score"] = new JsonObject { ["score"] = template.QualityScore },
            ["id"] = template.Id,
        };
        if (template.RejectedReason is { } reason)
        {
            node["rejected_reason"] = reason;
        }

        return node;
    }

    private static JsonArray Synthesized(MessageTemplate template)
    {
        var components = new JsonArray();
        if (template.Header is { } header)
        {
            var component = new JsonObject { ["type"] = "HEADER", ["format"] = header.Format };
            if (header.Text is not null)
            {
                component["text"] = header.Text;
            }

            components.Add(component);
        }

        components.Add(new JsonObject { ["type"] = "BODY", ["text"] = template.BodyText });
        if (template.FooterText is not null)
        {
            components.Add(new JsonObject { ["type"] = "FOOTER", ["text"] = template.FooterText });
        }

        return components;
    }

    private static string Key(MessageTemplate template) => template.Name + "\u0001" + template.Language;

    private static string Encode(string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(key));

    private static string? Decode(string cursor)
    {
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private sealed record TemplateEventRequest(string? Name, string? Language, string? Field, string? Event, string? NewQuality, string? NewCategory, string? Reason,
        string? Recommendation = null, bool? OmitPreviousCategory = null);

    private sealed record TemplateEventResult(string Field, string? Webhook);
}

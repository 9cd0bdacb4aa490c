using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using OneClick.MetaSandbox.Templates;
using static OneClick.MetaSandbox.Messages.PayloadChecker;

namespace OneClick.MetaSandbox.Messages;

/// <summary>
/// Template sends: shape first, then the stored template of the WABA (name + language, status), then the parameters
/// the template's header and body variables expect (132000 on a count mismatch, 132012 on a wrong media header).
/// </summary>
internal static partial class TemplateValidator
{
    private static readonly string[] ComponentTypes = ["header", "body", "button", "carousel", "limited_time_offer", "order_status"];

    private static readonly string[] ParameterTypes =
    [
        "text", "currency", "date_time", "image", "video", "document", "location", "payload", "action",
        "coupon_code", "group_id", "product", "order_status", "limited_time_offer", "tap_target_configuration",
    ];

    private static readonly string[] ButtonSubTypes = ["quick_reply", "url", "copy_code", "catalog", "flow", "mpm", "voice_call"];

    public static MessageTemplate? Validate(JsonElement template, string wabaId, TemplateStore templates, PayloadChecker check)
    {
        var name = check.String(template, "name", "template['name']", maxLength: 512);
        if (name is not null && !NamePattern().IsMatch(name))
        {
            check.BadValue("Param template['name'] must contain only lowercase letters, digits and underscores.");
        }

        var language = check.Object(template, "language", "template['language']");
        var code = language is { } lang ? check.String(lang, "code", "template['language']['code']") : null;
        var components = ReadComponents(template, check);
        if (check.Failed)
        {
            return null;
        }

        var stored = templates.Find(wabaId, name!, code!);
        if (stored is null)
        {
            check.Fail(132001, $"template name ({name}) does not exist in {code}");
            return null;
        }

        switch (stored.Status)
        {
            case "APPROVED":
                break;
            case "PAUSED":
                check.Fail(132015, $"Template {name} ({code}) is paused due to low quality.");
                return null;
            case "DISABLED":
                check.Fail(132016, $"Template {name} ({code}) is disabled.");
                return null;
            default:
                check.Fail(132001, $"template name ({name}) does not exist in {code} (status {stored.Status})");
                return null;
        }

        CheckHeader(stored, components.Header, check);
        CheckBody(stored, components.Body, check);
        CheckButtons(stored, components.Buttons, check);
        CheckOfferAndCarousel(stored, template, check);
        return check.Failed ? null : stored;
    }

    private sealed record SentComponents(List<JsonElement> Header, List<JsonElement> Body, List<JsonElement> Buttons);

    private static SentComponents ReadComponents(JsonElement template, PayloadChecker check)
    {
        var sent = new SentComponents([], [], []);
        if (check.Array(template, "components", "template['components']", required: false) is not { } components)
        {
            return sent;
        }

        var index = 0;
        foreach (var component in components.EnumerateArray())
        {
            var path = Path("template['components']", index++);
            var type = check.OneOf(component, "type", Path(path, "type"), ComponentTypes);
            if (type == "button")
            {
                check.OneOf(component, "sub_type", Path(path, "sub_type"), ButtonSubTypes);
                if (!Has(component, "index"))
                {
                    check.Missing(Path(path, "index"));
                }

                sent.Buttons.Add(component);
            }

            var parameters = check.Array(component, "parameters", Path(path, "parameters"), required: false);
            if (check.Failed || parameters is null)
            {
                continue;
            }

            var parameterIndex = 0;
            foreach (var parameter in parameters.Value.EnumerateArray())
            {
                CheckParameter(parameter, Path(Path(path, "parameters"), parameterIndex++), isBody: type == "body", check);
                if (type == "header")
                {
                    sent.Header.Add(parameter);
                }
                else if (type == "body")
                {
                    sent.Body.Add(parameter);
                }
            }
        }

        return sent;
    }

    private static void CheckParameter(JsonElement parameter, string path, bool isBody, PayloadChecker check)
    {
        var type = check.OneOf(parameter, "type", Path(path, "type"), ParameterTypes);
        switch (type)
        {
            case "text":
                var text = check.String(parameter, "text", Path(path, "text"), maxLength: 32768);
                // A classic Meta rejection that surprises people: body parameters may not contain these.
                if (isBody && text is not null && (text.Contains('\n', StringComparison.Ordinal)
                    || text.Contains('\t', StringComparison.Ordinal) || text.Contains("     ", StringComparison.Ordinal)))
                {
                    check.Invalid("Param text cannot have new-line/tab characters or more than 4 consecutive spaces");
                }

                break;
            case "currency":
                if (check.Object(parameter, "currency", Path(path, "currency")) is { } currency)
                {
                    check.String(currency, "fallback_value", Path(Path(path, "currency"), "fallback_value"));
                    check.String(currency, "code", Path(Path(path, "currency"), "code"));
                    check.Number(currency, "amount_1000", Path(Path(path, "currency"), "amount_1000"));
                }

                break;
            case "date_time":
                if (check.Object(parameter, "date_time", Path(path, "date_time")) is { } dateTime)
                {
                    check.String(dateTime, "fallback_value", Path(Path(path, "date_time"), "fallback_value"));
                }

                break;
            case "image" or "video" or "document":
                if (check.Object(parameter, type, Path(path, type)) is { } media)
                {
                    ContentValidators.Media(type, media, check);
                }

                break;
            case "group_id":
                check.String(parameter, "group_id", Path(path, "group_id"));
                break;
            case "payload":
                check.String(parameter, "payload", Path(path, "payload"));
                break;
        }
    }

    private static void CheckHeader(MessageTemplate stored, List<JsonElement> sent, PayloadChecker check)
    {
        if (stored.Header is not { } header || header.Format == "TEXT")
        {
            CheckCount("header", stored.HeaderVariables.Count, sent.Count, check);
            return;
        }

        // A media header needs exactly one parameter of the same media type.
        var expectedType = header.Format.ToLowerInvariant();
        if (sent.Count != 1)
        {
            CheckCount("header", 1, sent.Count, check);
        }
        else if (sent[0].GetProperty("type").GetString() is var received && received != expectedType)
        {
            check.Fail(132012, $"header: Format mismatch, expected {header.Format}, received {received?.ToUpperInvariant()}");
        }
    }

    private static void CheckBody(MessageTemplate stored, List<JsonElement> sent, PayloadChecker check)
    {
        var expected = stored.BodyVariables;
        CheckCount("body", expected.Count, sent.Count, check);
        if (check.Failed || stored.ParameterFormat != MessageTemplate.Named)
        {
            return;
        }

        // Named templates match parameters by parameter_name, not by position.
        var names = sent.Select(p => p.TryGetProperty("parameter_name", out var n) ? n.GetString() : null).ToHashSet(StringComparer.Ordinal);
        var missing = expected.Where(name => !names.Contains(name)).ToList();
        if (missing.Count > 0)
        {
            check.Fail(132000, $"body: parameter_name missing for {string.Join(", ", missing)}");
        }
    }

    /// <summary>
    /// Templates created through the management API know their buttons: a URL button whose URL has a variable needs a
    /// url button component with one text parameter at its index, a copy-code button one with a coupon_code (132000).
    /// </summary>
    private static void CheckButtons(MessageTemplate stored, List<JsonElement> sent, PayloadChecker check)
    {
        if (check.Failed || stored.ComponentsJson is null)
        {
            return;
        }

        using var document = JsonDocument.Parse(stored.ComponentsJson);
        var buttons = document.RootElement.EnumerateArray()
            .Where(c => c.TryGetProperty("type", out var t) && string.Equals(t.GetString(), "BUTTONS", StringComparison.OrdinalIgnoreCase)
                && c.TryGetProperty("buttons", out var b) && b.ValueKind == JsonValueKind.Array)
            .SelectMany(c => c.GetProperty("buttons").EnumerateArray())
            .Select(b => (Type: b.TryGetProperty("type", out var t) ? t.GetString()?.ToUpperInvariant() : null,
                HasVariable: b.TryGetProperty("url", out var u) && TemplateRules.Variables(u.GetString() ?? "").Count > 0))
            .ToList();
        var byIndex = new Dictionary<int, JsonElement>();
        foreach (var component in sent)
        {
            var raw = component.GetProperty("index");
            var index = raw.ValueKind == JsonValueKind.Number ? raw.GetInt32()
                : int.TryParse(raw.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : -1;
            if (index < 0 || index >= buttons.Count)
            {
                check.BadValue($"Param template['components'] has a button with index {raw} but the template has {buttons.Count} button(s).");
                return;
            }

            byIndex[index] = component;
        }

        for (var i = 0; i < buttons.Count; i++)
        {
            var expected = buttons[i].Type is "COPY_CODE" or "MPM" || buttons[i].HasVariable ? 1 : 0;
            var received = byIndex.TryGetValue(i, out var component) && component.TryGetProperty("parameters", out var parameters)
                && parameters.ValueKind == JsonValueKind.Array ? parameters.GetArrayLength() : 0;
            if (expected == 1 && received != 1)
            {
                CheckCount($"button {i.ToString(CultureInfo.InvariantCulture)}", expected, received, check);
                return;
            }
        }
    }

    /// <summary>
    /// A limited-time offer with has_expiration needs expiration_time_ms; a carousel needs one card per template card;
    /// an MPM button's sections are 1–10 with at most 30 products in all (131009 otherwise, as Meta answers).
    /// </summary>
    private static void CheckOfferAndCarousel(MessageTemplate stored, JsonElement template, PayloadChecker check)
    {
        if (check.Failed || stored.ComponentsJson is null)
        {
            return;
        }

        using var document = JsonDocument.Parse(stored.ComponentsJson);
        var definition = document.RootElement.EnumerateArray().ToList();
        JsonElement? Defined(string type) => definition.FirstOrDefault(c => c.TryGetProperty("type", out var t) && string.Equals(t.GetString(), type, StringComparison.OrdinalIgnoreCase)) is { ValueKind: JsonValueKind.Object } found ? found : null;
        var sent = template.TryGetProperty("components", out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToList() : [];
        JsonElement? Sent(string type) => sent.FirstOrDefault(c => c.TryGetProperty("type", out var t) && t.GetString() == type) is { ValueKind: JsonValueKind.Object } found ? found : null;

        if (Defined("LIMITED_TIME_OFFER") is { } offer && offer.TryGetProperty("limited_time_offer", out var o) && o.TryGetProperty("has_expiration", out var e) && e.ValueKind == JsonValueKind.True)
        {
            var ms = Sent("limited_time_offer") is { } given && given.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Array && p.GetArrayLength() == 1
                && p[0].TryGetProperty("limited_time_offer", out var lto) && lto.TryGetProperty("expiration_time_ms", out var x) && x.ValueKind == JsonValueKind.Number;
            if (!ms)
            {
                check.Fail(132000, "limited_time_offer: expiration_time_ms is required for an offer with has_expiration");
                return;
            }
        }

        if (Defined("CAROUSEL") is { } carousel && carousel.TryGetProperty("cards", out var cards))
        {
            var given = Sent("carousel") is { } c && c.TryGetProperty("cards", out var g) && g.ValueKind == JsonValueKind.Array ? g.GetArrayLength() : 0;
            if (given != cards.GetArrayLength())
            {
                check.Fail(132000, string.Create(CultureInfo.InvariantCulture, $"carousel: number of cards ({given}) does not match the template's ({cards.GetArrayLength()})"));
                return;
            }
        }

        foreach (var button in sent.Where(c => c.TryGetProperty("sub_type", out var s) && s.GetString() == "mpm"))
        {
            if (!button.TryGetProperty("parameters", out var parameters) || parameters.ValueKind != JsonValueKind.Array || parameters.GetArrayLength() != 1
                || !parameters[0].TryGetProperty("action", out var action) || !action.TryGetProperty("sections", out var sections) || sections.ValueKind != JsonValueKind.Array)
            {
                check.Missing("template['components'][]['parameters'][0]['action']['sections']");
                return;
            }

            var products = sections.EnumerateArray().Sum(s => s.TryGetProperty("product_items", out var items) && items.ValueKind == JsonValueKind.Array ? items.GetArrayLength() : 0);
            if (sections.GetArrayLength() is < 1 or > 10 || products is < 1 or > 30)
            {
                check.BadValue("An MPM button has 1 to 10 sections and 1 to 30 products in all.");
            }
        }
    }

    private static void CheckCount(string component, int expected, int received, PayloadChecker check)
    {
        if (expected != received)
        {
            check.Fail(132000, string.Create(CultureInfo.InvariantCulture,
                $"{component}: number of localizable_params ({received}) does not match the expected number of params ({expected})"));
        }
    }

    [GeneratedRegex("^[a-z0-9_]+$")]
    private static partial Regex NamePattern();
}

using System.Text.Json;
using static OneClick.MetaSandbox.Messages.PayloadChecker;

namespace OneClick.MetaSandbox.Messages;

/// <summary>
/// Interactive messages: reply buttons, lists, CTA URL, flows and the commerce kinds (product, product_list,
/// catalog_message: https://developers.facebook.com/docs/whatsapp/guides/commerce-guides/share-products-with-customers)
/// in depth; other kinds only need an action.
/// </summary>
internal static class InteractiveValidator
{
    private static readonly string[] Kinds =
    [
        "button", "list", "cta_url", "flow", "product", "product_list", "catalog_message",
        "location_request_message", "address_message", "call_permission_request", "voice_call",
    ];

    private static readonly string[] HeaderTypes = ["text", "image", "video", "document"];

    public static void Validate(JsonElement interactive, PayloadChecker check)
    {
        var kind = check.OneOf(interactive, "type", "interactive['type']", Kinds);
        if (kind is null)
        {
            return;
        }

        if (kind is "product" or "catalog_message" && Has(interactive, "header"))
        {
            check.Invalid($"Param interactive['header'] is not allowed for a {kind} message.");
        }
        else if (kind == "product_list" && !Has(interactive, "header"))
        {
            check.Missing("interactive['header']");
        }
        else if (kind == "product_list")
        {
            check.OneOf(interactive.GetProperty("header"), "type", "interactive['header']['type']", ["text"]);
        }

        Header(interactive, check);

        var bodyRequired = kind is "button" or "list" or "cta_url" or "flow" or "product_list" or "catalog_message";
        if (check.Object(interactive, "body", "interactive['body']", bodyRequired) is { } body)
        {
            check.String(body, "text", "interactive['body']['text']", maxLength: kind == "list" ? 4096 : 1024);
        }

        if (check.Object(interactive, "footer", "interactive['footer']", required: false) is { } footer)
        {
            check.String(footer, "text", "interactive['footer']['text']", maxLength: 60);
        }

        var action = check.Object(interactive, "action", "interactive['action']");
        if (action is null)
        {
            return;
        }

        switch (kind)
        {
            case "button":
                ReplyButtons(action.Value, check);
                break;
            case "list":
                List(action.Value, check);
                break;
            case "cta_url":
                CallToActionUrl(action.Value, check);
                break;
            case "flow":
                Flow(action.Value, check);
                break;
            case "product":
                check.String(action.Value, "catalog_id", "interactive['action']['catalog_id']");
                check.String(action.Value, "product_retailer_id", "interactive['action']['product_retailer_id']");
                break;
            case "product_list":
                ProductList(action.Value, check);
                break;
            case "catalog_message":
                check.OneOf(action.Value, "name", "interactive['action']['name']", ["catalog_message"]);
                if (check.Object(action.Value, "parameters", "interactive['action']['parameters']", required: false) is { } parameters)
                {
                    check.String(parameters, "thumbnail_product_retailer_id", "interactive['action']['parameters']['thumbnail_product_retailer_id']", required: false);
                }

                break;
        }
    }

    private static void Header(JsonElement interactive, PayloadChecker check)
    {
        if (check.Object(interactive, "header", "interactive['header']", required: false) is not { } header)
        {
            return;
        }

        var type = check.OneOf(header, "type", "interactive['header']['type']", HeaderTypes);
        if (type == "text")
        {
            check.String(header, "text", "interactive['header']['text']", maxLength: 60);
        }
        else if (type is not null && check.Object(header, type, Path("interactive['header']", type)) is { } media)
        {
            ContentValidators.Media(type, media, check);
        }
    }

    private static void ReplyButtons(JsonElement action, PayloadChecker check)
    {
        const string buttonsPath = "interactive['action']['buttons']";
        if (check.Array(action, "buttons", buttonsPath, 1, 3) is not { } buttons)
        {
            return;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var titles = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var button in buttons.EnumerateArray())
        {
            var path = Path(buttonsPath, index++);
            check.OneOf(button, "type", Path(path, "type"), ["reply"]);
            if (check.Object(button, "reply", Path(path, "reply")) is not { } reply)
            {
                return;
            }

            var id = check.String(reply, "id", Path(Path(path, "reply"), "id"), maxLength: 256);
            var title = check.String(reply, "title", Path(Path(path, "reply"), "title"), maxLength: 20);
            if (check.Failed)
            {
                return;
            }

            if (!ids.Add(id!))
            {
                check.BadValue($"Buttons must have unique ids; '{id}' is used more than once.");
            }
            else if (!titles.Add(title!))
            {
                check.BadValue($"Buttons must have unique titles; '{title}' is used more than once.");
            }
        }
    }

    private static void List(JsonElement action, PayloadChecker check)
    {
        check.String(action, "button", "interactive['action']['button']", maxLength: 20);

        const string sectionsPath = "interactive['action']['sections']";
        if (check.Array(action, "sections", sectionsPath, 1, 10) is not { } sections)
        {
            return;
        }

        var rowIds = new HashSet<string>(StringComparer.Ordinal);
        var sectionIndex = 0;
        foreach (var section in sections.EnumerateArray())
        {
            var sectionPath = Path(sectionsPath, sectionIndex++);
            // A title is only required when there is more than one section.
            check.String(section, "title", Path(sectionPath, "title"), required: sections.GetArrayLength() > 1, maxLength: 24);
            if (check.Array(section, "rows", Path(sectionPath, "rows")) is not { } rows)
            {
                return;
            }

            if (rows.GetArrayLength() == 0)
            {
                check.BadValue($"Param {Path(sectionPath, "rows")} must have at least 1 element.");
                return;
            }

            var rowIndex = 0;
            foreach (var row in rows.EnumerateArray())
            {
                var rowPath = Path(Path(sectionPath, "rows"), rowIndex++);
                var id = check.String(row, "id", Path(rowPath, "id"), maxLength: 200);
                check.String(row, "title", Path(rowPath, "title"), maxLength: 24);
                check.String(row, "description", Path(rowPath, "description"), required: false, maxLength: 72);
                if (check.Failed)
                {
                    return;
                }

                if (!rowIds.Add(id!))
                {
                    check.BadValue($"Rows must have unique ids; '{id}' is used more than once.");
                    return;
                }
            }
        }

        if (rowIds.Count > 10)
        {
            check.BadValue($"A list message can have at most 10 rows in total; got {rowIds.Count}.");
        }
    }

    private static void CallToActionUrl(JsonElement action, PayloadChecker check)
    {
        check.OneOf(action, "name", "interactive['action']['name']", ["cta_url"]);
        if (check.Object(action, "parameters", "interactive['action']['parameters']") is { } parameters)
        {
            check.String(parameters, "display_text", "interactive['action']['parameters']['display_text']", maxLength: 20);
            check.Url(parameters, "url", "interactive['action']['parameters']['url']");
        }
    }

    private static void Flow(JsonElement action, PayloadChecker check)
    {
        check.OneOf(action, "name", "interactive['action']['name']", ["flow"]);
        if (check.Object(action, "parameters", "interactive['action']['parameters']") is not { } parameters)
        {
            return;
        }

        check.String(parameters, "flow_message_version", "interactive['action']['parameters']['flow_message_version']");
        check.String(parameters, "flow_cta", "interactive['action']['parameters']['flow_cta']", maxLength: 20);
        if (!Has(parameters, "flow_id") && !Has(parameters, "flow_name"))
        {
            check.Missing("interactive['action']['parameters']['flow_id'] or ['flow_name']");
        }
    }

    /// <summary>Multi-product: catalog_id, 1–10 sections (titled ≤ 24 when more than one), 1–30 products in all.</summary>
    private static void ProductList(JsonElement action, PayloadChecker check)
    {
        check.String(action, "catalog_id", "interactive['action']['catalog_id']");
        const string sectionsPath = "interactive['action']['sections']";
        if (check.Array(action, "sections", sectionsPath, 1, 10) is not { } sections)
        {
            return;
        }

        var products = 0;
        var sectionIndex = 0;
        foreach (var section in sections.EnumerateArray())
        {
            var sectionPath = Path(sectionsPath, sectionIndex++);
            check.String(section, "title", Path(sectionPath, "title"), required: sections.GetArrayLength() > 1, maxLength: 24);
            if (check.Array(section, "product_items", Path(sectionPath, "product_items")) is not { } items || items.GetArrayLength() == 0)
            {
                check.BadValue($"Param {Path(sectionPath, "product_items")} must have at least 1 element.");
                return;
            }

            var itemIndex = 0;
            foreach (var item in items.EnumerateArray())
            {
                products++;
                check.String(item, "product_retailer_id", Path(Path(Path(sectionPath, "product_items"), itemIndex++), "product_retailer_id"));
            }
        }

        if (products > 30)
        {
            check.BadValue($"A product_list message can have at most 30 products in total; got {products}.");
        }
    }
}

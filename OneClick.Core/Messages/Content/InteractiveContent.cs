using System.Text.Json.Nodes;
using OneClick.Core.Validation;
using static OneClick.Core.Messages.Content.MessageContent;

namespace OneClick.Core.Messages.Content;

/// <summary>
/// Interactive messages in Meta's shape (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-reply-buttons-messages, .../interactive-list-messages, .../interactive-cta-url-messages): reply buttons (1–3; id ≤ 256, title ≤ 20, unique;
/// body ≤ 1024), list (button label ≤ 20; 1–10 sections, titles ≤ 24 required when more than one; ≤ 10 rows in all;
/// row id ≤ 200 unique, title ≤ 24, description ≤ 72; body ≤ 4096; text header only) and cta_url (display_text ≤ 20,
/// http(s) url). Header text ≤ 60 or a media header; footer ≤ 60. The validated object is passed to Meta as given.
/// Also flow (https://developers.facebook.com/docs/whatsapp/flows/guides/sendingaflow: flow_message_version "3",
/// flow_id or flow_name, flow_cta ≤ 20, flow_action navigate with flow_action_payload.screen, or data_exchange) and the
/// commerce kinds (https://developers.facebook.com/docs/whatsapp/guides/commerce-guides/share-products-with-customers):
/// product (catalog_id, product_retailer_id; no header, body optional), product_list (text header required, body,
/// catalog_id, 1–10 sections each titled ≤ 24, 1–30 product_items in all) and catalog_message (body, optional
/// thumbnail_product_retailer_id; no header).
/// </summary>
public static class InteractiveContent
{
    public static JsonObject? Build(JsonObject? interactive, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (interactive is null)
            return Fail<JsonObject>(errors, "interactive", "An interactive message needs an 'interactive' object (type button, list, cta_url, flow, product, product_list or catalog_message).");
        var ok = true;
        void Add(string field, string problem)
        {
            errors.Add(field, problem);
            ok = false;
        }

        var kind = Str(interactive, "type");
        if (kind is not ("button" or "list" or "cta_url" or "flow" or "product" or "product_list" or "catalog_message"))
        {
            Add("interactive.type", "button (reply buttons), list, cta_url, flow, product, product_list or catalog_message.");
            return null;
        }

        if (kind is "product" or "catalog_message" && interactive["header"] is not null)
            Add("interactive.header", $"A {kind} message has no header: Meta shows the product image.");
        else if (kind == "product_list" && interactive["header"] is null)
            Add("interactive.header", "A product_list needs a text header.");
        else if (interactive["header"] is { } headerNode)
        {
            var header = headerNode as JsonObject;
            var headerType = header is null ? null : Str(header, "type");
            var textOnly = kind is "list" or "product_list";
            if (headerType is not ("text" or "image" or "video" or "document") || (textOnly && headerType != "text"))
                Add("interactive.header.type", textOnly ? $"A {kind} header is text." : "text, image, video or document.");
            else if (headerType == "text" && Str(header!, "text") is not { Length: >= 1 and <= 60 })
                Add("interactive.header.text", "1 to 60 characters.");
            else if (headerType != "text")
            {
                var media = header![headerType] as JsonObject;
                var headerErrors = new ValidationErrors();
                MediaObject($"interactive.header.{headerType}", media is null ? null : Str(media, "id"), media is null ? null : Str(media, "link"), headerErrors);
                foreach (var (field, problems) in headerErrors.ToDictionary())
                    foreach (var problem in problems)
                        Add(field, problem);
            }
        }

        var bodyLimit = kind == "list" ? 4096 : 1024;
        var bodyOptional = kind == "product"; // a single-product message may leave out the body
        if (!(bodyOptional && interactive["body"] is null)
            && ((interactive["body"] as JsonObject) is not { } body || Str(body, "text") is not { Length: > 0 } bodyText || string.IsNullOrWhiteSpace(bodyText) || bodyText.Length > bodyLimit))
            Add("interactive.body.text", bodyOptional ? $"At most {bodyLimit} characters, when given." : $"Required, at most {bodyLimit} characters.");
        if (interactive["footer"] is { } footer && ((footer as JsonObject) is not { } f || Str(f, "text") is not { Length: >= 1 and <= 60 }))
            Add("interactive.footer.text", "1 to 60 characters.");

        if (interactive["action"] is not JsonObject action)
        {
            Add("interactive.action", "Required.");
            return null;
        }
        switch (kind)
        {
            case "button":
                ReplyButtons(action, Add);
                break;
            case "list":
                List(action, Add);
                break;
            case "flow":
                Flow(action, Add);
                break;
            case "product":
                Required(action, "catalog_id", Add);
                Required(action, "product_retailer_id", Add);
                break;
            case "product_list":
                ProductList(action, Add);
                break;
            case "catalog_message":
                if (Str(action, "name") != "catalog_message")
                    Add("interactive.action.name", "Must be \"catalog_message\".");
                if (action["parameters"] is { } p && (p is not JsonObject po || (po["thumbnail_product_retailer_id"] is not null && Str(po, "thumbnail_product_retailer_id") is not { Length: > 0 })))
                    Add("interactive.action.parameters.thumbnail_product_retailer_id", "The retailer id (SKU) of the product shown as the thumbnail.");
                break;
            default:
                if (Str(action, "name") != "cta_url")
                    Add("interactive.action.name", "Must be \"cta_url\".");
                var parameters = action["parameters"] as JsonObject;
                if (parameters is null || Str(parameters, "display_text") is not { Length: >= 1 and <= 20 })
                    Add("interactive.action.parameters.display_text", "1 to 20 characters.");
                if (parameters is null || !IsHttpUrl(Str(parameters, "url")))
                    Add("interactive.action.parameters.url", "An absolute http(s) URL of at most 2000 characters.");
                break;
        }
        return ok ? (JsonObject)interactive.DeepClone() : null;
    }

    private static void ReplyButtons(JsonObject action, Action<string, string> add)
    {
        if (action["buttons"] is not JsonArray { Count: >= 1 and <= 3 } buttons)
        {
            add("interactive.action.buttons", "Between 1 and 3 reply buttons.");
            return;
        }
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var titles = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < buttons.Count; i++)
        {
            var path = $"interactive.action.buttons[{i}]";
            var button = buttons[i] as JsonObject;
            if (button is null || Str(button, "type") != "reply" || button["reply"] is not JsonObject reply)
            {
                add(path, "{\"type\":\"reply\",\"reply\":{\"id\":...,\"title\":...}}.");
                continue;
            }
            var id = Str(reply, "id");
            var title = Str(reply, "title");
            if (id is not { Length: >= 1 and <= 256 })
                add(path + ".reply.id", "1 to 256 characters.");
            else if (!ids.Add(id))
                add(path + ".reply.id", $"Button ids must be unique; '{id}' is used twice.");
            if (title is not { Length: >= 1 and <= 20 })
                add(path + ".reply.title", "1 to 20 characters.");
            else if (!titles.Add(title))
                add(path + ".reply.title", $"Button titles must be unique; '{title}' is used twice.");
        }
    }

    private static void List(JsonObject action, Action<string, string> add)
    {
        if (Str(action, "button") is not { Length: >= 1 and <= 20 })
            add("interactive.action.button", "The label of the list button: 1 to 20 characters.");
        if (action["sections"] is not JsonArray { Count: >= 1 and <= 10 } sections)
        {
            add("interactive.action.sections", "Between 1 and 10 sections.");
            return;
        }
        var rowIds = new HashSet<string>(StringComparer.Ordinal);
        var rowCount = 0;
        for (var s = 0; s < sections.Count; s++)
        {
            var path = $"interactive.action.sections[{s}]";
            if (sections[s] is not JsonObject section)
            {
                add(path, "A section object with rows.");
                continue;
            }
            var title = Str(section, "title");
            if ((sections.Count > 1 && title is null) || title is { Length: 0 or > 24 })
                add(path + ".title", sections.Count > 1 ? "Required when there is more than one section: 1 to 24 characters." : "1 to 24 characters.");
            if (section["rows"] is not JsonArray { Count: >= 1 } rows)
            {
                add(path + ".rows", "At least one row.");
                continue;
            }
            for (var r = 0; r < rows.Count; r++)
            {
                rowCount++;
                var rowPath = $"{path}.rows[{r}]";
                if (rows[r] is not JsonObject row)
                {
                    add(rowPath, "A row object with id and title.");
                    continue;
                }
                var id = Str(row, "id");
                if (id is not { Length: >= 1 and <= 200 })
                    add(rowPath + ".id", "1 to 200 characters.");
                else if (!rowIds.Add(id))
                    add(rowPath + ".id", $"Row ids must be unique; '{id}' is used twice.");
                if (Str(row, "title") is not { Length: >= 1 and <= 24 })
                    add(rowPath + ".title", "1 to 24 characters.");
                if (row["description"] is not null && Str(row, "description") is not { Length: <= 72 })
                    add(rowPath + ".description", "At most 72 characters.");
            }
        }
        if (rowCount > 10)
            add("interactive.action.sections", $"At most 10 rows in all sections together; this list has {rowCount}.");
    }

    private static void Required(JsonObject action, string member, Action<string, string> add)
    {
        if (Str(action, member) is not { Length: > 0 } value || string.IsNullOrWhiteSpace(value))
            add("interactive.action." + member, "Required.");
    }

    private static void Flow(JsonObject action, Action<string, string> add)
    {
        if (Str(action, "name") != "flow")
            add("interactive.action.name", "Must be \"flow\".");
        if (action["parameters"] is not JsonObject parameters)
        {
            add("interactive.action.parameters", "Required: flow_message_version, flow_id or flow_name, flow_cta.");
            return;
        }
        const string path = "interactive.action.parameters";
        if (Str(parameters, "flow_message_version") != "3")
            add(path + ".flow_message_version", "Must be \"3\".");
        if ((Str(parameters, "flow_id") is { Length: > 0 }) == (Str(parameters, "flow_name") is { Length: > 0 }))
            add(path + ".flow_id", "Give exactly one of flow_id and flow_name.");
        if (Str(parameters, "flow_cta") is not { Length: >= 1 and <= 20 })
            add(path + ".flow_cta", "The button label: 1 to 20 characters.");
        if (parameters["flow_token"] is not null && Str(parameters, "flow_token") is not { Length: > 0 })
            add(path + ".flow_token", "A non-empty string (it comes back in the flow's reply).");
        if (parameters["mode"] is not null && Str(parameters, "mode") is not ("draft" or "published"))
            add(path + ".mode", "draft or published.");
        var flowAction = parameters["flow_action"] is null ? "navigate" : Str(parameters, "flow_action");
        if (flowAction is not ("navigate" or "data_exchange"))
        {
            add(path + ".flow_action", "navigate (the default) or data_exchange.");
            return;
        }
        var payload = parameters["flow_action_payload"];
        if (flowAction == "navigate" && (payload is not JsonObject p || Str(p, "screen") is not { Length: > 0 }))
            add(path + ".flow_action_payload.screen", "navigate needs the first screen's id.");
        else if (flowAction == "data_exchange" && payload is not null)
            add(path + ".flow_action_payload", "data_exchange takes no payload: the flow's endpoint answers instead.");
        else if (payload is JsonObject { } withData && withData["data"] is { } data && data is not JsonObject { Count: > 0 })
            add(path + ".flow_action_payload.data", "A non-empty object, when given.");
    }

    private static void ProductList(JsonObject action, Action<string, string> add)
    {
        Required(action, "catalog_id", add);
        if (action["sections"] is not JsonArray { Count: >= 1 and <= 10 } sections)
        {
            add("interactive.action.sections", "Between 1 and 10 sections.");
            return;
        }
        var items = 0;
        for (var s = 0; s < sections.Count; s++)
        {
            var path = $"interactive.action.sections[{s}]";
            if (sections[s] is not JsonObject section)
            {
                add(path, "A section object with title and product_items.");
                continue;
            }
            var title = Str(section, "title");
            if ((sections.Count > 1 && title is null) || title is { Length: 0 or > 24 })
                add(path + ".title", "Required when there is more than one section: 1 to 24 characters.");
            if (section["product_items"] is not JsonArray { Count: >= 1 } products)
            {
                add(path + ".product_items", "At least one product.");
                continue;
            }
            for (var i = 0; i < products.Count; i++)
            {
                items++;
                if (products[i] is not JsonObject product || Str(product, "product_retailer_id") is not { Length: > 0 })
                    add($"{path}.product_items[{i}].product_retailer_id", "Required: the product's retailer id (SKU).");
            }
        }
        if (items > 30)
            add("interactive.action.sections", $"At most 30 products in all sections together; this list has {items}.");
    }
}

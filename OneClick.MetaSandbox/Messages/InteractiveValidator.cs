using System.Text.Json;
using static OneClick.MetaSandbox.Messages.PayloadChecker;

namespace OneClick.MetaSandbox.Messages;

/// <summary>Interactive messages: reply buttons, lists, CTA URL and flows in depth; other kinds only need an action.</summary>
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

        Header(interactive, check);

        var bodyRequired = kind is "button" or "list" or "cta_url" or "flow";
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
        if (check.Array(action, "buttons", buttonsPath) is not { } buttons)
        {
            return;
        }

        var count = buttons.GetArrayLength();
        if (count is < 1 or > 3)
        {
            check.BadValue($"Param {buttonsPath} must have between 1 and 3 elements.");
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
        if (check.Array(action, "sections", sectionsPath) is not { } sections)
        {
            return;
        }

        var sectionCount = sections.GetArrayLength();
        if (sectionCount is < 1 or > 10)
        {
            check.BadValue($"Param {sectionsPath} must have between 1 and 10 elements.");
            return;
        }

        var rowIds = new HashSet<string>(StringComparer.Ordinal);
        var sectionIndex = 0;
        foreach (var section in sections.EnumerateArray())
        {
            var sectionPath = Path(sectionsPath, sectionIndex++);
            // A title is only required when there is more than one section.
            check.String(section, "title", Path(sectionPath, "title"), required: sectionCount > 1, maxLength: 24);
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
}

using System.Text.Json.Nodes;
using OneClick.Core.Contacts;
using OneClick.Core.Templates;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;

namespace OneClick.Core.Messages.Content;

/// <summary>The content to send for one recipient, and the template's category for template messages.</summary>
public sealed record PreparedContent(JsonNode Content, string? Category);

/// <summary>
/// The per-recipient step of a send, after the shape checks of <see cref="MessageContent"/>: contact placeholders
/// are resolved (<see cref="Personalizer"/>), then a template send is checked against the synced template
/// (<see cref="TemplateSendValidator"/>), whose category the message keeps.
/// </summary>
public sealed class MessageContentPreparer(TemplateService templates)
{
    public async Task<PreparedContent?> PrepareAsync(
        TenantEntity tenant, string type, JsonNode content, ContactEntity contact, ValidationErrors errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var personalised = Personalizer.Resolve(type, content, contact);
        if (!personalised.Resolved)
        {
            foreach (var (field, problem) in personalised.Problems)
                errors.Add(field, problem);
            return null;
        }

        string? category = null;
        if (type == "template")
        {
            var template = (JsonObject)personalised.Content!;
            var languages = await templates.ForSendAsync(tenant, MessageContent.Str(template, "name")!, cancellationToken).ConfigureAwait(false);
            var sent = TemplateSendValidator.Validate(template, languages, errors);
            if (sent is null)
                return null;
            category = sent.Category;
        }
        return new PreparedContent(personalised.Content!, category);
    }
}

using OneClick.Core.Messages;
using OneClick.Core.Templates;

namespace OneClick.Core.Campaigns;

/// <summary>What an audience comes to before sending: how many would get the message and why the others would not.</summary>
/// <param name="NoPhoneNumber">
/// Of <paramref name="Recipients"/>, those known only by BSUID while the template needs a phone number: Meta will
/// refuse each with 131062, so the operator sees them before launch (0 when the message can go to a BSUID).
/// </param>
public sealed record AudiencePreviewResult(
    long Recipients, long Groups, long OptedOut, long OutsideWindow, long Excluded, long Duplicates, long NotFound, bool Truncated, bool FreeForm,
    long NoPhoneNumber = 0);

/// <summary>
/// Walks an audience the way dispatch will (same sources, same rules) and counts; stops after
/// <see cref="MaxContacts"/> contacts and says so (<c>truncated</c>), so a request never runs long.
/// </summary>
public sealed class AudiencePreview(AudienceReader reader, TemplateStore templates, TimeProvider clock)
{
    public const int MaxContacts = 20_000;

    /// <summary>
    /// Template categories Meta will not send to a BSUID (131062): authentication templates (one-tap, zero-tap and
    /// copy-code) still need the phone number.
    /// https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids
    /// </summary>
    public static readonly IReadOnlySet<string> PhoneOnlyCategories = new HashSet<string>(["AUTHENTICATION"], StringComparer.OrdinalIgnoreCase);

    /// <summary>True when the message is a template whose (synced) category Meta only sends to phone numbers.</summary>
    public async Task<bool> NeedsPhoneAsync(string tenantId, SendMessageRequest? message, CancellationToken cancellationToken)
    {
        if (message is null || message.Type is not (null or "template") || message.Template is not { Name: { } name, Language: { } language })
            return false;
        var template = await templates.GetAsync(tenantId, name, language, cancellationToken).ConfigureAwait(false);
        return template is not null && PhoneOnlyCategories.Contains(template.Category);
    }

    public async Task<AudiencePreviewResult> PreviewAsync(string tenantId, AudienceSpec audience, SendMessageRequest? message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audience);
        var freeForm = (message?.Type ?? "template") != "template";
        var needsPhone = await NeedsPhoneAsync(tenantId, message, cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long recipients = 0, groups = 0, optedOut = 0, outside = 0, excluded = 0, duplicates = 0, notFound = 0, noPhone = 0;
        var truncated = false;
        var now = clock.GetUtcNow();
        foreach (var source in AudienceReader.Sources(audience))
        {
            string? continuation = null;
            do
            {
                if (seen.Count >= MaxContacts)
                {
                    truncated = true;
                    break;
                }
                var page = await reader.PageAsync(tenantId, audience, source, continuation, cancellationToken).ConfigureAwait(false);
                continuation = page.Next;
                var fresh = page.Keys.Where(seen.Add).ToList();
                duplicates += page.Keys.Count - fresh.Count;
                groups += fresh.Count(k => k.StartsWith(CampaignRecipientEntity.GroupPrefix, StringComparison.Ordinal));
                var ids = fresh.Where(k => !k.StartsWith(CampaignRecipientEntity.GroupPrefix, StringComparison.Ordinal)).ToList();
                var contacts = await reader.ContactsAsync(tenantId, ids, cancellationToken).ConfigureAwait(false);
                var exclusions = new HashSet<string>(StringComparer.Ordinal);
                foreach (var list in audience.ExcludeLists ?? [])
                    exclusions.UnionWith(await reader.MembersAmongAsync(tenantId, list, ids, cancellationToken).ConfigureAwait(false));
                foreach (var id in ids)
                {
                    if (exclusions.Contains(id))
                        excluded++;
                    else if (!contacts.TryGetValue(id, out var contact))
                        notFound++;
                    else if (contact.IsOptedOut)
                        optedOut++;
                    else if (freeForm && (contact.LastInboundAt is null || now - contact.LastInboundAt >= CampaignDispatcher.Window))
                        outside++;
                    else
                    {
                        recipients++;
                        if (needsPhone && contact.PhoneNumber.Length == 0)
                            noPhone++;
                    }
                }
            }
            while (continuation is not null);
        }
        return new AudiencePreviewResult(recipients + groups, groups, optedOut, outside, excluded, duplicates, notFound, truncated, freeForm, noPhone);
    }
}

using System.Text.RegularExpressions;

namespace OneClick.Core.Contacts;

/// <summary>
/// Meta's business-scoped user ids (BSUIDs): an ISO 3166 alpha-2 country code, a dot, then letters and digits
/// ("US.13491208655302741918"); a parent BSUID, shared by the businesses of one portfolio, adds "ENT."
/// ("US.ENT.11815799212886844830"). Both are letters, digits and dots only, so they are safe table keys as they are.
/// https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids
/// </summary>
public static partial class UserIds
{
    public const int MaxLength = 128;

    public static bool IsUserId(string? value) => value is { Length: <= MaxLength } && UserId().IsMatch(value) && !IsParentUserId(value);

    public static bool IsParentUserId(string? value) => value is { Length: <= MaxLength } && ParentUserId().IsMatch(value);

    /// <summary>Either kind: what Meta's <c>recipient</c> field takes.</summary>
    public static bool IsAny(string? value) => IsUserId(value) || IsParentUserId(value);

    public const string FormatHint = "A business-scoped user id: a two-letter country code, a dot and letters or digits (e.g. US.13491208655302741918); a parent id has \"ENT.\" after the country (US.ENT.11815799212886844830).";

    [GeneratedRegex(@"^[A-Z]{2}\.[A-Za-z0-9]{1,120}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserId();

    [GeneratedRegex(@"^[A-Z]{2}\.ENT\.[A-Za-z0-9]{1,120}$", RegexOptions.CultureInvariant)]
    private static partial Regex ParentUserId();
}

/// <summary>
/// Who a person is to WhatsApp: a phone number (E.164), a BSUID, a parent BSUID, any of which may be missing
/// (a user with a username may come without a phone number), and the username when Meta shows one.
/// </summary>
public sealed record ContactIdentity(string? Phone = null, string? UserId = null, string? ParentUserId = null, string? Username = null)
{
    public bool IsEmpty => Phone is null && UserId is null && ParentUserId is null;

    /// <summary>The identity's keys, strongest first: the order lookups try them in.</summary>
    public IEnumerable<string> Keys()
    {
        if (Phone is not null)
            yield return ContactPhoneIndexEntity.RowKeyFor(Phone);
        if (UserId is not null)
            yield return ContactUserIndexEntity.UserRowKeyFor(UserId);
        if (ParentUserId is not null)
            yield return ContactUserIndexEntity.ParentRowKeyFor(ParentUserId);
    }

    public override string ToString() => Phone ?? UserId ?? ParentUserId ?? "(nobody)";
}

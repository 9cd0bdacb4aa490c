using System.Text.RegularExpressions;

namespace OneClick.Core.Tenants;

/// <summary>
/// Tenant ids appear in table keys, Key Vault secret names and URLs, so they are restricted to
/// lowercase letters, digits and single dashes.
/// </summary>
public static partial class TenantIds
{
    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    public static string New() => "t" + Guid.CreateVersion7().ToString("N")[..20];

    [GeneratedRegex("^(?=.{3,40}$)[a-z0-9]+(?:-[a-z0-9]+)*$")]
    private static partial Regex Pattern();
}

using OneClick.Core.Validation;

namespace OneClick.Functions.Tenants;

/// <summary>The shape every Meta secret or token takes in a request body (a tenant's credentials, the platform app).</summary>
internal static class MetaSecrets
{
    public static void Check(ValidationErrors errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 2048 || value.Any(char.IsWhiteSpace))
            errors.Add(field, "Required: up to 2048 characters, no spaces.");
    }
}

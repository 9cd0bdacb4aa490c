namespace OneClick.Core.Secrets;

/// <summary>Where tenants' Meta secrets live: Azure Key Vault in Azure, a local file in development.</summary>
public interface ISecretStore
{
    /// <returns>The secret's value, or null when it does not exist.</returns>
    Task<string?> GetAsync(string name, CancellationToken cancellationToken);

    Task SetAsync(string name, string value, CancellationToken cancellationToken);
}

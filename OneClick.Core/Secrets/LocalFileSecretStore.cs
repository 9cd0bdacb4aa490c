using System.Text.Json;

namespace OneClick.Core.Secrets;

/// <summary>
/// Development-only secret store: one JSON file on the developer's disk. Startup refuses it outside
/// the Development environment, so production always goes through Key Vault.
/// </summary>
public sealed class LocalFileSecretStore(string path) : ISecretStore, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<string?> GetAsync(string name, CancellationToken cancellationToken)
    {
        var secrets = await ReadAsync(cancellationToken).ConfigureAwait(false);
        return secrets.GetValueOrDefault(name);
    }

    public async Task SetAsync(string name, string value, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var secrets = await ReadAsync(cancellationToken).ConfigureAwait(false);
            secrets[name] = value;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var temp = path + ".tmp";
            await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(secrets), cancellationToken).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Dictionary<string, string>> ReadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
            return [];
        var json = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
    }

    public void Dispose() => _gate.Dispose();
}

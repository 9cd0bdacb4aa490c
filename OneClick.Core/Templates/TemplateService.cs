using System.Text.Json;
using System.Text.Json.Nodes;
using OneClick.Core.Results;
using OneClick.Core.Secrets;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;

namespace OneClick.Core.Templates;

/// <summary>POST /api/templates: Meta's create body (parameterFormat may also be written parameter_format, as at Meta).</summary>
public sealed record CreateTemplateRequest(string? Name, string? Language, string? Category, string? ParameterFormat, JsonArray? Components)
{
    [System.Text.Json.Serialization.JsonPropertyName("parameter_format")]
    public string? MetaParameterFormat { get; init; }

    /// <summary>"named" or "positional" (null = positional), whichever spelling the caller used.</summary>
    public string? Format => ParameterFormat ?? MetaParameterFormat;
}

public sealed record TemplateSyncResult(int Pages, int Fetched, int Added, int Updated, int Removed);

/// <summary>The tenant has no WABA id or access token yet: nothing can be asked of Meta.</summary>
public sealed class TenantNotConnectedException(string message) : Exception(message);

/// <summary>
/// Keeps a tenant's templates in step with its WABA: full sync (every page), create (validated locally, then
/// submitted to Meta for review), delete, and the lookup a template send validates against.
/// </summary>
public sealed class TemplateService(TemplateStore store, TenantSecrets secrets, MetaTemplateClient meta, TimeProvider clock)
{
    /// <summary>A sync stops here; a WABA holds at most 6,000 templates (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview), so this is never reached normally.</summary>
    public const int MaxPages = 200;

    public async Task<TemplateSyncResult> SyncAsync(TenantEntity tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var (wabaId, token) = await CredentialsAsync(tenant, cancellationToken).ConfigureAwait(false);
        var started = clock.GetUtcNow();
        var local = (await store.AllAsync(tenant.Id, cancellationToken).ConfigureAwait(false)).ToDictionary(t => t.RowKey, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int pages = 0, fetched = 0, added = 0, updated = 0;
        string? cursor = null;
        do
        {
            var page = await meta.ListAsync(wabaId, token, cursor, null, cancellationToken).ConfigureAwait(false);
            pages++;
            foreach (var remote in page.Templates)
            {
                if (ToEntity(tenant.Id, remote, started) is not { } entity)
                    continue;
                fetched++;
                seen.Add(entity.RowKey);
                if (local.TryGetValue(entity.RowKey, out var existing))
                {
                    entity.CreatedAt = existing.CreatedAt;
                    (entity.LastStatusEvent, entity.PreviousQualityScore, entity.PreviousCategory) = (existing.LastStatusEvent, existing.PreviousQualityScore, existing.PreviousCategory);
                    (entity.UpcomingCategory, entity.UpcomingCategoryAt) = (existing.UpcomingCategory, existing.UpcomingCategoryAt);
                    updated++;
                }
                else
                {
                    added++;
                }
                await store.UpsertAsync(entity, cancellationToken).ConfigureAwait(false);
            }
            cursor = page.NextCursor;
        }
        while (cursor is not null && pages < MaxPages);

        // Gone at Meta → gone here; rows written after the sync started (a create, a webhook) are left alone.
        var removed = 0;
        foreach (var stale in local.Values.Where(t => !seen.Contains(t.RowKey) && t.UpdatedAt < started))
        {
            await store.DeleteAsync(tenant.Id, stale.RowKey, cancellationToken).ConfigureAwait(false);
            removed++;
        }
        return new TemplateSyncResult(pages, fetched, added, updated, removed);
    }

    /// <summary>Validates locally, submits to Meta (status PENDING until the review webhook) and stores the template.</summary>
    public async Task<Outcome<TemplateEntity>> CreateAsync(TenantEntity tenant, CreateTemplateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(request);
        var errors = TemplateCreateValidator.Validate(request);
        if (errors.Any)
            return Failure.Invalid(errors);

        var (wabaId, token) = await CredentialsAsync(tenant, cancellationToken).ConfigureAwait(false);
        var format = string.Equals(request.Format, "named", StringComparison.OrdinalIgnoreCase) ? TemplateDefinition.Named : TemplateDefinition.Positional;
        var body = new JsonObject
        {
            ["name"] = request.Name,
            ["language"] = request.Language,
            ["category"] = request.Category!.ToUpperInvariant(),
            ["parameter_format"] = format.ToLowerInvariant(),
            ["components"] = request.Components!.DeepClone(),
        };
        var created = await meta.CreateAsync(wabaId, token, body, cancellationToken).ConfigureAwait(false);

        var now = clock.GetUtcNow();
        var entity = new TemplateEntity
        {
            PartitionKey = tenant.Id,
            RowKey = TemplateEntity.RowKeyFor(request.Name!, request.Language!),
            MetaId = created.Id ?? "",
            Name = request.Name!,
            Language = request.Language!,
            Category = created.Category ?? request.Category!.ToUpperInvariant(),
            Status = created.Status ?? TemplateStatuses.Pending,
            ParameterFormat = format,
            ComponentsJson = request.Components.ToJsonString(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (await store.TryAddAsync(entity, cancellationToken).ConfigureAwait(false))
            return Outcome.Ok(entity);

        // A row exists: the review webhook may have come first (keep its status), or an old row of a deleted template.
        var stored = await store.UpdateAsync(tenant.Id, entity.RowKey, existing =>
        {
            var reviewedAlready = existing.FromWebhookOnly && existing.MetaId == entity.MetaId;
            existing.MetaId = entity.MetaId;
            existing.ParameterFormat = entity.ParameterFormat;
            existing.ComponentsJson = entity.ComponentsJson;
            existing.FromWebhookOnly = false;
            existing.UpdatedAt = now;
            if (!reviewedAlready)
                (existing.Status, existing.Category, existing.QualityScore, existing.LastStatusEvent) = (entity.Status, entity.Category, "UNKNOWN", null);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (stored is null)
            await store.UpsertAsync(entity, cancellationToken).ConfigureAwait(false);
        return Outcome.Ok(stored ?? entity);
    }

    /// <summary>Deletes one language (or every language) of a template at Meta and here; the rows deleted (empty: none known).</summary>
    public async Task<IReadOnlyList<TemplateEntity>> DeleteAsync(TenantEntity tenant, string name, string? language, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var rows = (await store.ByNameAsync(tenant.Id, name, cancellationToken).ConfigureAwait(false))
            .Where(t => language is null || t.Language == language).ToList();
        if (rows.Count == 0)
            return rows;
        var (wabaId, token) = await CredentialsAsync(tenant, cancellationToken).ConfigureAwait(false);
        try
        {
            await meta.DeleteAsync(wabaId, token, name, language is null ? null : rows[0].MetaId, cancellationToken).ConfigureAwait(false);
        }
        catch (Meta.MetaApiException e) when (e.Code == 100 && e.Details?.Contains("not found", StringComparison.OrdinalIgnoreCase) == true)
        {
            // Already gone at Meta: remove it here too.
        }
        foreach (var row in rows)
            await store.DeleteAsync(tenant.Id, row.RowKey, cancellationToken).ConfigureAwait(false);
        return rows;
    }

    /// <summary>
    /// Every language of a template name for a send. A name never synced is fetched from Meta once (by name), so a
    /// tenant can send without a full sync first; null credentials just mean "not known".
    /// </summary>
    public async Task<IReadOnlyList<TemplateEntity>> ForSendAsync(TenantEntity tenant, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var known = await store.ByNameAsync(tenant.Id, name, cancellationToken).ConfigureAwait(false);
        if (known.Count > 0 || tenant.WabaId is null)
            return known;
        var credentials = await secrets.GetAsync(tenant.Id, cancellationToken).ConfigureAwait(false);
        if (credentials is null)
            return known;
        var now = clock.GetUtcNow();
        RemoteTemplatePage page;
        try
        {
            page = await meta.ListAsync(tenant.WabaId, credentials.AccessToken, null, name, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Meta.MetaApiException or Meta.MetaUnreachableException)
        {
            // Meta cannot tell us now: the template is simply not known (the send is refused with that reason).
            return known;
        }
        foreach (var remote in page.Templates.Where(t => t.Name == name))
        {
            if (ToEntity(tenant.Id, remote, now) is not { } entity)
                continue;
            await store.TryAddAsync(entity, cancellationToken).ConfigureAwait(false);
            known.Add(entity);
        }
        return known;
    }

    private async Task<(string WabaId, string Token)> CredentialsAsync(TenantEntity tenant, CancellationToken cancellationToken)
    {
        var credentials = await secrets.GetAsync(tenant.Id, cancellationToken).ConfigureAwait(false);
        if (tenant.WabaId is null || credentials is null)
            throw new TenantNotConnectedException("The tenant has no Meta credentials: store them with PUT /api/tenants/{id}/credentials.");
        return (tenant.WabaId, credentials.AccessToken);
    }

    public static string NormalizeLanguage(string language) => language.Replace('-', '_');

    private static TemplateEntity? ToEntity(string tenantId, RemoteTemplate remote, DateTimeOffset now)
    {
        if (remote.Name is not { Length: > 0 } name || remote.Language is not { Length: > 0 } language)
            return null;
        language = NormalizeLanguage(language);
        return new TemplateEntity
        {
            PartitionKey = tenantId,
            RowKey = TemplateEntity.RowKeyFor(name, language),
            MetaId = remote.Id ?? "",
            Name = name,
            Language = language,
            Category = remote.Category?.ToUpperInvariant() ?? "",
            Status = remote.Status?.ToUpperInvariant() ?? TemplateStatuses.Pending,
            QualityScore = remote.QualityScore?.Score ?? "UNKNOWN",
            ParameterFormat = string.Equals(remote.ParameterFormat, "named", StringComparison.OrdinalIgnoreCase) ? TemplateDefinition.Named : TemplateDefinition.Positional,
            ComponentsJson = remote.Components.ValueKind == JsonValueKind.Array ? remote.Components.GetRawText() : "[]",
            RejectedReason = remote.RejectedReason,
            SyncedAt = now,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }
}

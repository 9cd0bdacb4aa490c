using OneClick.Core.Messages;
using OneClick.Core.Sending;
using OneClick.Core.Tenants;

namespace OneClick.Core.Health;

/// <summary>
/// A single send while Meta restricts or bans the account is skipped at once with "account_restricted" or
/// "account_disabled" and the reason, rather than held until an unknown lift: a restriction lasts hours to weeks and
/// a one-to-one message (a code, a reminder) is usually stale by then. Sends after the lift go as usual.
/// </summary>
public sealed class AccountHealthSendGuard(TenantStore tenants, TimeProvider clock) : ISendGuard
{
    public async Task<SkipReason?> SkipReasonAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var tenant = await tenants.GetAsync(message.TenantId, cancellationToken).ConfigureAwait(false);
        return AccountHealth.Hold(tenant, message.Type == "template", clock.GetUtcNow());
    }
}

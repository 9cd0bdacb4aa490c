namespace OneClick.Core.Messages;

/// <summary>Queue message for outbound-messages: send one stored message. Version 1.</summary>
public sealed record SendMessageCommand(int V, string TenantId, string MessageId, string CorrelationId)
{
    public const int CurrentVersion = 1;
}

/// <summary>
/// OneClick's reference in Meta's biz_opaque_callback_data: Meta echoes it on every status webhook,
/// which settles sends whose answer OneClick never saw.
/// </summary>
public static class CallbackReference
{
    private const string Prefix = "oc1:";

    public static string For(string messageId) => Prefix + messageId;

    public static string? MessageIdFrom(string? callbackData) =>
        callbackData is not null && callbackData.StartsWith(Prefix, StringComparison.Ordinal) && MessageStore.IsValidId(callbackData[Prefix.Length..])
            ? callbackData[Prefix.Length..]
            : null;
}

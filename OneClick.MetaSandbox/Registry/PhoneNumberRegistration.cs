namespace OneClick.MetaSandbox.Registry;

/// <summary>
/// A business phone number the sandbox knows, with its secrets. Never log or return this object as is:
/// use <see cref="ToView"/>, which leaves out the access token and app secret.
/// </summary>
internal sealed record PhoneNumberRegistration(
    string PhoneNumberId,
    string WabaId,
    string AccessToken,
    string AppSecret,
    Uri? WebhookUrl,
    string DisplayPhoneNumber,
    string VerifiedName,
    string QualityRating,
    string ThroughputLevel,
    string MessagingLimitTier,
    string Status,
    bool TokenExpired,
    bool IsOfficialBusinessAccount,
    DateTimeOffset RegisteredAt)
{
    public PhoneNumberView ToView() => new(
        PhoneNumberId,
        WabaId,
        WebhookUrl?.ToString(),
        DisplayPhoneNumber,
        VerifiedName,
        QualityRating,
        ThroughputLevel,
        MessagingLimitTier,
        Status,
        TokenExpired,
        IsOfficialBusinessAccount,
        RegisteredAt);

    // Records print every property by default; keep the secrets out of any accidental log line.
    public override string ToString() => $"PhoneNumber {PhoneNumberId} (WABA {WabaId})";
}

/// <summary>What the control API shows for a registration (no secrets).</summary>
internal sealed record PhoneNumberView(
    string PhoneNumberId,
    string WabaId,
    string? WebhookUrl,
    string DisplayPhoneNumber,
    string VerifiedName,
    string QualityRating,
    string ThroughputLevel,
    string MessagingLimitTier,
    string Status,
    bool TokenExpired,
    bool IsOfficialBusinessAccount,
    DateTimeOffset RegisteredAt);

/// <summary>Body of POST /_sandbox/phone-numbers. A class, not a record, so its secrets never reach ToString.</summary>
internal sealed class RegisterPhoneNumberRequest
{
    public string? PhoneNumberId { get; set; }
    public string? WabaId { get; set; }
    public string? AccessToken { get; set; }
    public string? AppSecret { get; set; }
    public string? WebhookUrl { get; set; }
    public string? DisplayPhoneNumber { get; set; }
    public string? VerifiedName { get; set; }
    public string? QualityRating { get; set; }
    public string? ThroughputLevel { get; set; }
    public string? MessagingLimitTier { get; set; }
    public string? Status { get; set; }
    public bool? TokenExpired { get; set; }
    public bool? IsOfficialBusinessAccount { get; set; }
}

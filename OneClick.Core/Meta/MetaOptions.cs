namespace OneClick.Core.Meta;

/// <summary>Where the Graph API is: Meta's in production, the sandbox locally and in tests.</summary>
public sealed class MetaOptions
{
    public const string Section = "Meta";

    public Uri GraphBaseUrl { get; set; } = new("https://graph.facebook.com");
    public string GraphApiVersion { get; set; } = "v25.0";

    /// <summary>A send that gets no answer within this time is uncertain: Meta may have accepted it.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(20);
}

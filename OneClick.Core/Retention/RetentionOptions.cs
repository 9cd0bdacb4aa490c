namespace OneClick.Core.Retention;

/// <summary>How long personal data kept only for operations (parked webhook bodies, automation runs) is kept.</summary>
public sealed class RetentionOptions
{
    public const string Section = "OneClick:Retention";

    /// <summary>Parked webhook bodies and automation runs older than this many days are deleted by the daily purge.</summary>
    public int Days { get; set; } = 30;
}

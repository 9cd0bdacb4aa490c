namespace OneClick.Cli.Infrastructure;

/// <summary>The process exit codes scripts can rely on (docs/cli.md).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The API answered with a problem (4xx/5xx): its problem details were printed.</summary>
    public const int Refused = 1;
    /// <summary>Bad arguments or options, or no URL/key configured.</summary>
    public const int Usage = 2;
    /// <summary>The app could not be reached (connection refused, DNS, timeout).</summary>
    public const int Unreachable = 3;
}

namespace OneClick.FunctionsHost.Http;

/// <summary>
/// Refuses paths that could walk out of a route once something decodes them: any '.' or '..' segment, or a backslash,
/// in the raw path or in any decoding of it (so %2e%2e, %5c and double-encoded %252e%252e are caught too).
/// </summary>
internal static class RequestPathGuard
{
    private const int MaxDecodings = 4;

    public static bool IsSafe(string rawPath)
    {
        var current = rawPath;
        for (var round = 0; round <= MaxDecodings; round++)
        {
            if (current.Contains('\\', StringComparison.Ordinal) || current.Contains('\0', StringComparison.Ordinal))
                return false;
            foreach (var segment in current.Split('/'))
                if (segment is "." or "..")
                    return false;
            var decoded = Uri.UnescapeDataString(current);
            if (decoded == current)
                return true;
            current = decoded;
        }
        return false; // Still changing after several decodings: nothing legitimate looks like that.
    }
}

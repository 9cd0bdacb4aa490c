using System.Globalization;
using System.Security.Cryptography;

namespace OneClick.MetaSandbox.Graph;

/// <summary>Ids of Graph nodes the sandbox creates (templates, uploaded media): numeric strings, as at Meta.</summary>
internal static class GraphIds
{
    /// <summary>
    /// 17 digits starting with 1 or 2. Never 16 digits starting with "77": those are inbound media ids, whose more
    /// specific route would take the GET of such a node (a template id there once made a test fail 1 time in 200).
    /// </summary>
    public static string NewNodeId() =>
        RandomNumberGenerator.GetInt32(1_000_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture)
        + RandomNumberGenerator.GetInt32(1_000_000, 9_999_999).ToString(CultureInfo.InvariantCulture);
}

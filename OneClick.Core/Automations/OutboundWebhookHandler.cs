using System.Net;
using System.Net.Sockets;

namespace OneClick.Core.Automations;

/// <summary>
/// The HTTP handler for automation <c>webhook</c> actions, whose URLs tenants choose. The address is checked when
/// the socket connects — after DNS, so a name that resolves (or re-resolves) to an inside address is refused too —
/// redirects are not followed, and connect time and response size are bounded.
/// </summary>
public static class OutboundWebhookHandler
{
    /// <summary>Setting that lets webhook actions use http and reach inside addresses: local development and tests only.</summary>
    public const string AllowInternalSetting = "OneClick:Automations:AllowInternalWebhooks";
    public const long MaxResponseBytes = 64 * 1024;
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public static SocketsHttpHandler Create(bool allowInternal) => new()
    {
        AllowAutoRedirect = false,
        ConnectTimeout = ConnectTimeout,
        MaxResponseHeadersLength = 16, // KiB
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            if (!allowInternal && context.InitialRequestMessage.RequestUri?.Scheme != Uri.UriSchemeHttps)
                throw new OutboundAddressRefusedException("The webhook URL must use https.");
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
            var allowed = addresses.Where(a => allowInternal || !IsInside(a)).ToArray();
            if (allowed.Length == 0)
                throw new OutboundAddressRefusedException("The webhook address is not allowed: it resolves to a private, loopback, link-local or multicast address.");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>True for addresses that lead inside: loopback, private, link-local (cloud metadata), CGNAT, multicast, and their IPv6 forms.</summary>
    public static bool IsInside(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
            return true;
        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return b[0] is 0 or 10 or 127 || b[0] >= 224 // this network, private, loopback, multicast and reserved
                || (b[0] == 100 && b[1] >= 64 && b[1] < 128) // CGNAT 100.64/10
                || (b[0] == 169 && b[1] == 254) // link-local, including 169.254.169.254
                || (b[0] == 172 && b[1] >= 16 && b[1] < 32)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 198 && b[1] is 18 or 19);
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
            || address.IsIPv6Teredo || (b[0] == 0x20 && b[1] == 0x02) // 6to4 embeds an IPv4 address
            || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b); // NAT64 64:ff9b::/96
    }
}

/// <summary>The webhook's address leads inside; the message names no address or port on purpose.</summary>
public sealed class OutboundAddressRefusedException(string message) : HttpRequestException(message);

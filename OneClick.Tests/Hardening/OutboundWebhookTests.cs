using System.Net;
using System.Net.Sockets;
using System.Text;
using OneClick.Core.Automations;

namespace OneClick.Tests.Hardening;

/// <summary>Automation webhook URLs are the tenant's choice: none of them may reach inside the app's network.</summary>
public sealed class OutboundWebhookTests
{
    [Theory]
    [InlineData("https://127.0.0.1:{port}/hook")]
    [InlineData("https://localhost:{port}/hook")]
    [InlineData("https://169.254.169.254/metadata/instance")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("https://172.16.0.1/hook")]
    [InlineData("https://192.168.1.1/hook")]
    [InlineData("https://100.64.0.1/hook")]
    [InlineData("https://224.0.0.1/hook")]
    [InlineData("https://[::1]:{port}/hook")]
    [InlineData("https://[fe80::1]/hook")]
    [InlineData("https://[fd00::1]/hook")]
    [InlineData("https://[ff02::1]/hook")]
    [InlineData("https://[::ffff:127.0.0.1]:{port}/hook")]
    [InlineData("http://example.com/hook")]
    public async Task Inside_addresses_and_plain_http_are_refused_at_connect_time_without_naming_the_port(string template)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var http = new HttpClient(OutboundWebhookHandler.Create(allowInternal: false)) { Timeout = TimeSpan.FromSeconds(5) };

        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => http.PostAsync(new Uri(template.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)), null));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2), "refused before any connection attempt");
        var lastError = AutomationActionRunner.WebhookFailure(error);
        Assert.StartsWith(template.StartsWith("http:", StringComparison.Ordinal) ? "The webhook URL must use https" : "The webhook address is not allowed", lastError, StringComparison.Ordinal);
        Assert.DoesNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture), lastError, StringComparison.Ordinal);
        Assert.False(listener.Pending(), "nothing reached the inside listener");
    }

    [Fact]
    public async Task A_closed_port_is_reported_without_its_number()
    {
        using var http = new HttpClient(OutboundWebhookHandler.Create(allowInternal: true));
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => http.PostAsync(new Uri("http://127.0.0.1:9/hook"), null));
        Assert.Equal("The webhook could not be reached (ConnectionError).", AutomationActionRunner.WebhookFailure(error));
    }

    [Fact]
    public async Task Redirects_are_not_followed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            Assert.True(await stream.ReadAsync(new byte[4096]) > 0);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        });
        using var http = new HttpClient(OutboundWebhookHandler.Create(allowInternal: true));

        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/hook"));
        await server;

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
    }

    [Theory]
    [InlineData("93.184.216.34", false)]
    [InlineData("2606:4700::1111", false)]
    [InlineData("100.127.255.255", true)]
    [InlineData("198.18.0.1", true)]
    [InlineData("64:ff9b::a9fe:a9fe", true)]
    [InlineData("2002:a9fe:a9fe::1", true)]
    public void Classifies_addresses(string address, bool inside) =>
        Assert.Equal(inside, OutboundWebhookHandler.IsInside(IPAddress.Parse(address)));
}

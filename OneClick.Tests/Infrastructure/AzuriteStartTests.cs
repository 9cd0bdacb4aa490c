using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;

namespace OneClick.Tests.Infrastructure;

public class AzuriteStartTests
{
    [Fact]
    public async Task Azurite_whose_port_was_taken_before_it_bound_it_starts_again_on_other_ports()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ONECLICK_TEST_STORAGE")))
            return; // an external account: no Azurite is started
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var attempts = 0;

        await using var azurite = await Azurite.StartAsync(null, () =>
        {
            attempts++;
            return attempts == 1 ? (Azurite.FreePort(), Azurite.FreePort(), taken) : (Azurite.FreePort(), Azurite.FreePort(), Azurite.FreePort());
        });

        Assert.Equal(2, attempts);
        Assert.DoesNotContain($":{taken}/", azurite.ConnectionString, StringComparison.Ordinal);
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient("started");
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity("p", "r"));
        Assert.NotNull((await table.GetEntityAsync<TableEntity>("p", "r")).Value);
    }
}

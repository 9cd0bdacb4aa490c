using System.Globalization;
using OneClick.Core.Campaigns;

namespace OneClick.Tests.Campaigns;

public sealed class CampaignShardTests
{
    [Fact]
    public void A_recipients_shard_is_fixed_by_its_key_for_good()
    {
        // Live occurrences are stored under these partitions: the hash must never change between versions.
        Assert.Equal("t|k1|0639310445230543121|3", CampaignRecipientStore.PartitionOf("t|k1|0639310445230543121", "c01a207ca387b792bbb7aa9bf"));
        Assert.Equal("t|k1|0639310445230543121|2", CampaignRecipientStore.PartitionOf("t|k1|0639310445230543121", "grp|120363025246125678@g.us"));
    }

    [Fact]
    public void Recipients_spread_evenly_over_the_shards_and_each_send_batch_is_one_shard()
    {
        var rows = Enumerable.Range(0, 4_000)
            .Select(i => new CampaignRecipientEntity { RowKey = "c" + i.ToString("D24", CultureInfo.InvariantCulture) })
            .ToList();
        var perShard = rows.GroupBy(r => CampaignRecipientStore.PartitionOf("t|k|o", r.RowKey)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(CampaignRecipientStore.Shards, perShard.Count);
        Assert.All(perShard.Values, n => Assert.InRange(n, 800, 1_200));

        var batches = CampaignRecipientStore.Batches("t|k|o", rows).ToList();
        Assert.All(batches, b => Assert.InRange(b.Length, 1, CampaignRecipientStore.BatchSize));
        Assert.All(batches, b => Assert.Single(b.Select(r => CampaignRecipientStore.PartitionOf("t|k|o", r.RowKey)).Distinct()));
        Assert.Equal(4_000, batches.Sum(b => b.Length));
    }
}

using OneClick.Core.Campaigns;
using OneClick.Core.Messages;

namespace OneClick.Tests.Units;

/// <summary>
/// biz_opaque_callback_data: what OneClick puts in a send and reads back from status webhooks. Anything it did not
/// write itself (another app on the number, a tampered value) must read as "not ours", never as a wrong id.
/// </summary>
[Trait("Category", "Unit")]
public sealed class CallbackReferenceTests
{
    private const string MessageId = "m0123456789abcdef0123456789abcdef";
    private const string Occurrence = "0000000001767225600";

    [Fact]
    public void A_message_reference_round_trips()
    {
        Assert.Equal("oc1:" + MessageId, CallbackReference.For(MessageId));
        Assert.Equal(MessageId, CallbackReference.MessageIdFrom(CallbackReference.For(MessageId)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("oc1:")]
    [InlineData("oc1:m0123")] // too short
    [InlineData("oc1:x0123456789abcdef0123456789abcdef")] // not a message id
    [InlineData("oc1:m0123456789abcdef0123456789abcdeg")] // not hex
    [InlineData("OC1:m0123456789abcdef0123456789abcdef")] // the prefix is case-sensitive
    [InlineData("someone-else's data")]
    public void Anything_else_is_not_a_message_reference(string? callbackData) =>
        Assert.Null(CallbackReference.MessageIdFrom(callbackData));

    [Fact]
    public void A_campaign_reference_round_trips_and_the_recipient_key_may_hold_colons()
    {
        var reference = CampaignCallbackReference.For("kcampaign1", Occurrence, "r:+14155550100");
        Assert.Equal("oc2:kcampaign1:0000000001767225600:r:+14155550100", reference);
        Assert.Equal(("kcampaign1", Occurrence, "r:+14155550100"), CampaignCallbackReference.Parse(reference));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("oc1:m0123456789abcdef0123456789abcdef")] // a message reference is not a campaign reference
    [InlineData("oc2:kcampaign1:0000000001767225600")] // no recipient
    [InlineData("oc2:kcampaign1:0000000001767225600:")] // empty recipient
    [InlineData("oc2:campaign1:0000000001767225600:r1")] // not a campaign id
    [InlineData("oc2:kcampaign1:123:r1")] // occurrence not 19 digits
    [InlineData("oc2:kcampaign1:00000000017672256x0:r1")]
    public void A_malformed_campaign_reference_is_not_ours(string? callbackData) =>
        Assert.Null(CampaignCallbackReference.Parse(callbackData));

    [Fact]
    public void A_recipient_key_over_400_characters_is_refused()
    {
        Assert.NotNull(CampaignCallbackReference.Parse(CampaignCallbackReference.For("kc", Occurrence, new string('r', 400))));
        Assert.Null(CampaignCallbackReference.Parse(CampaignCallbackReference.For("kc", Occurrence, new string('r', 401))));
    }
}

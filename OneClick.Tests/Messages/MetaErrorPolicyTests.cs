using System.Net;
using OneClick.Core.Meta;
using OneClick.Core.Sending;

namespace OneClick.Tests.Messages;

/// <summary>The send error policy table (docs/campaigns.md, "Send errors"): what each Meta code makes OneClick do.</summary>
public sealed class MetaErrorPolicyTests
{
    [Theory]
    // Transient: retried with backoff, synchronous or in a failed status webhook.
    [InlineData(1, MetaErrorCategory.Transient)]
    [InlineData(2, MetaErrorCategory.Transient)]
    [InlineData(4, MetaErrorCategory.Transient)]
    [InlineData(80007, MetaErrorCategory.Transient)]
    [InlineData(130429, MetaErrorCategory.Transient)]
    [InlineData(131000, MetaErrorCategory.Transient)]
    [InlineData(131016, MetaErrorCategory.Transient)]
    [InlineData(131056, MetaErrorCategory.Transient)]
    [InlineData(131057, MetaErrorCategory.Transient)]
    [InlineData(132069, MetaErrorCategory.Transient)]
    [InlineData(131049, MetaErrorCategory.RetryAfterADay)]
    // Account: campaigns pause.
    [InlineData(131048, MetaErrorCategory.Account)]
    [InlineData(368, MetaErrorCategory.Account)]
    [InlineData(131031, MetaErrorCategory.Account)]
    [InlineData(131042, MetaErrorCategory.Account)]
    [InlineData(131037, MetaErrorCategory.Account)]
    // Recipient: that person only (130497 is per country, so not the whole account).
    [InlineData(130497, MetaErrorCategory.Recipient)]
    [InlineData(131026, MetaErrorCategory.Recipient)]
    [InlineData(131050, MetaErrorCategory.Recipient)]
    [InlineData(131062, MetaErrorCategory.Recipient)]
    [InlineData(137000, MetaErrorCategory.Recipient)]
    // Permanent: the request must change; unknown codes too.
    [InlineData(100, MetaErrorCategory.Permanent)]
    [InlineData(132000, MetaErrorCategory.Permanent)]
    [InlineData(132068, MetaErrorCategory.Permanent)]
    [InlineData(131063, MetaErrorCategory.Permanent)]
    [InlineData(131064, MetaErrorCategory.Permanent)]
    [InlineData(132008, MetaErrorCategory.Permanent)]
    [InlineData(999_999, MetaErrorCategory.Permanent)]
    public void Each_code_has_its_category(int code, MetaErrorCategory expected) => Assert.Equal(expected, MetaErrorPolicy.Categorize(code));

    [Theory]
    [InlineData(131000, MetaErrorKind.Retryable)]
    [InlineData(131049, MetaErrorKind.RetryAfterADay)]
    [InlineData(131048, MetaErrorKind.Account)]
    [InlineData(130497, MetaErrorKind.Terminal)]
    [InlineData(132068, MetaErrorKind.Terminal)]
    public void Categories_map_to_what_the_send_path_does(int code, MetaErrorKind expected) => Assert.Equal(expected, MetaErrorPolicy.Classify(code));

    [Fact]
    public void Graphs_is_transient_makes_a_request_error_retryable_but_not_an_account_state_or_the_24_hour_rule()
    {
        Assert.Equal(MetaErrorKind.Retryable, MetaErrorPolicy.Classify(999_999, isTransient: true));
        Assert.Equal(MetaErrorKind.Retryable, MetaErrorPolicy.Classify(100, isTransient: true));
        Assert.Equal(MetaErrorKind.Terminal, MetaErrorPolicy.Classify(100, isTransient: false));
        Assert.Equal(MetaErrorKind.Account, MetaErrorPolicy.Classify(131048, isTransient: true));
        Assert.Equal(MetaErrorKind.RetryAfterADay, MetaErrorPolicy.Classify(131049, isTransient: true));
        var error = new MetaApiException(HttpStatusCode.BadRequest, 135000, null, "OAuthException", "(#135000) Generic user error", null, null, isTransient: true);
        Assert.Equal(MetaErrorKind.Retryable, error.Kind);
    }

    [Fact]
    public void The_pair_rate_limit_waits_at_least_six_seconds_and_a_throttled_flow_six_minutes()
    {
        Assert.Equal(TimeSpan.FromSeconds(6), MetaErrorPolicy.MinimumDelay(131056));
        Assert.Equal(TimeSpan.FromMinutes(6), MetaErrorPolicy.MinimumDelay(132069));
        Assert.Equal(TimeSpan.Zero, MetaErrorPolicy.MinimumDelay(130429));
        Assert.Equal(TimeSpan.Zero, MetaErrorPolicy.MinimumDelay(null));
        // The plain backoff alone would retry sooner than Meta's pair limit allows.
        Assert.True(MessageSender.Backoff(1, throttled: true) < MetaErrorPolicy.PairRateLimitDelay);
    }
}

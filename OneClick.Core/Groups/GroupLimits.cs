namespace OneClick.Core.Groups;

/// <summary>Meta's Groups API limits (https://developers.facebook.com/documentation/business-messaging/whatsapp/groups and https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/reference), checked before calling Meta.</summary>
public static class GroupLimits
{
    public const int MaxSubject = 128;
    public const int MaxDescription = 2048;
    /// <summary>Participants per group, the business excluded.</summary>
    public const int MaxParticipants = 8;
    public const int MaxGroupsPerNumber = 10_000;
    public const int MaxPictureBytes = 5 * 1024 * 1024;
    public const int MinPictureSide = 192;
    public const int MaxPinned = 3;
    public const int MinPinDays = 1;
    public const int MaxPinDays = 30;

    public static readonly string[] JoinApprovalModes = ["auto_approve", "approval_required"];

    /// <summary>What Meta delivers to groups: text, media, and (text or media) templates (https://developers.facebook.com/documentation/business-messaging/whatsapp/groups and https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/groups-messaging).</summary>
    public static readonly string[] SendableTypes = ["text", "template", "image", "video", "audio", "document", "sticker"];

    /// <summary>Width and height of a JPEG from its SOF marker; null when the bytes are not a JPEG.</summary>
    public static (int Width, int Height)? JpegSize(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8)
            return null;
        var i = 2;
        while (i + 4 <= data.Length)
        {
            if (data[i] != 0xFF)
                return null;
            var marker = data[i + 1];
            if (marker == 0xFF)
            {
                i++;
                continue;
            }
            var length = (data[i + 2] << 8) | data[i + 3];
            // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
                return i + 9 > data.Length ? null : ((data[i + 7] << 8) | data[i + 8], (data[i + 5] << 8) | data[i + 6]);
            if (length < 2)
                return null;
            i += 2 + length;
        }
        return null;
    }
}

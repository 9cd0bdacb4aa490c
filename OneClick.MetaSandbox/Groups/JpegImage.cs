namespace OneClick.MetaSandbox.Groups;

/// <summary>Reads a JPEG's dimensions from its SOF marker, enough to apply Meta's group-picture rules.</summary>
internal static class JpegImage
{
    /// <summary>Width and height, or null when the bytes are not a JPEG.</summary>
    public static (int Width, int Height)? Dimensions(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8)
        {
            return null;
        }

        var i = 2;
        while (i + 4 <= data.Length)
        {
            if (data[i] != 0xFF)
            {
                return null;
            }

            var marker = data[i + 1];
            if (marker == 0xFF)
            {
                i++;
                continue;
            }

            var length = (data[i + 2] << 8) | data[i + 3];
            // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (i + 9 > data.Length)
                {
                    return null;
                }

                var height = (data[i + 5] << 8) | data[i + 6];
                var width = (data[i + 7] << 8) | data[i + 8];
                return (width, height);
            }

            if (length < 2)
            {
                return null;
            }

            i += 2 + length;
        }

        return null;
    }
}

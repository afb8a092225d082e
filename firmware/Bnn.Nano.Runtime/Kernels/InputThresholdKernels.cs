namespace Bnn.Nano.Runtime.Kernels
{
    /// <summary>
    /// Binarizes 8-bit inputs with per-channel thresholds: bit c of pixel p = value(input[p * channels + c]) &gt;=
    /// thresholds[c], value = int8 (two's complement) when <c>signedInput</c>, else uint8. The input is byte[] HWC
    /// (channels bytes per pixel); the output a bit tensor (see <see cref="ConvGeometry"/>) of
    /// (channels + 63) &gt;&gt; 6 words per pixel from <c>outputOffset</c>, padding bits 0. For a flat feature
    /// vector: pixels = 1, channels = n, one threshold per feature.
    /// </summary>
    public static class InputThresholdKernels
    {
        /// <summary>
        /// One pass over the bytes. The encoding is folded into two loop constants, value = (byte ^ flip) - bias with
        /// flip = bias = 128 for int8 and 0 for uint8 (4 IL per value, no branch on the encoding in the loop).
        /// </summary>
        public static void Run(byte[] input, bool signedInput, int pixels, int channels, int[] thresholds, ulong[] output, int outputOffset)
        {
            int flip = signedInput ? 128 : 0;
            int i = 0;
            int word = outputOffset;
            for (int p = 0; p < pixels; p++)
            {
                int c = 0;
                while (c < channels)
                {
                    int end = c + 64 < channels ? c + 64 : channels;
                    ulong bits = 0UL;
                    ulong bit = 1UL;
                    while (c < end)
                    {
                        if ((input[i] ^ flip) - flip >= thresholds[c])
                        {
                            bits |= bit;
                        }

                        bit <<= 1;
                        i++;
                        c++;
                    }

                    output[word++] = bits;
                }
            }
        }
    }
}

namespace Bnn.Nano.Runtime.Kernels
{
    /// <summary>
    /// First-layer convolution with int8 weights: 8-bit feature map (byte[] HWC, see <see cref="ConvGeometry"/>) ×
    /// int8 weights → thresholded bits. Zero padding only (g.PadValue must be 0): taps outside the input contribute
    /// nothing.
    /// <para>
    /// Weights: g.OutChannels rows of n = <c>KernelHeight * KernelWidth * InChannels</c> sbyte values, row-major, no
    /// padding; value index within a row = <c>(ky * KernelWidth + kx) * InChannels + c</c>.
    /// For output pixel (oy, ox) and channel o: dot = Σ w[o][(ky·kW + kx)·inC + c] · x over the window values x (int8
    /// when <c>signedInput</c>, else uint8; 0 outside the input); output bit o = dot &gt;= thresholds[o]
    /// (<see cref="OutputStages.ThresholdPack"/>), output pixels HWC from <c>outputOffset</c>, padding bits 0.
    /// <c>dots</c> is scratch of at least OutChannels entries. The caller guarantees that no dot overflows an int
    /// (<see cref="Model.ModelBuilder"/> refuses windows where n · 128 · |x|max could exceed 2^31 − 1).
    /// </para>
    /// </summary>
    public static class Int8WeightConv2dKernels
    {
        /// <summary>The math, one tap at a time: the oracle for every other variant.</summary>
        public static void Reference(byte[] input, bool signedInput, ConvGeometry g, sbyte[] weights, int[] thresholds, int[] dots, ulong[] output, int outputOffset)
        {
            RequireZeroPadding(g);
            int channels = g.InChannels;
            int rowValues = g.KernelHeight * g.KernelWidth * channels;
            int outPixel = outputOffset;
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    for (int o = 0; o < g.OutChannels; o++)
                    {
                        int acc = 0;
                        for (int ky = 0; ky < g.KernelHeight; ky++)
                        {
                            int iy = (oy * g.StrideY) - g.PadTop + ky;
                            for (int kx = 0; kx < g.KernelWidth; kx++)
                            {
                                int ix = (ox * g.StrideX) - g.PadLeft + kx;
                                if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth)
                                {
                                    continue;
                                }

                                for (int c = 0; c < channels; c++)
                                {
                                    int x = input[(((iy * g.InWidth) + ix) * channels) + c];
                                    if (signedInput && x >= 128)
                                    {
                                        x -= 256;
                                    }

                                    acc += weights[(o * rowValues) + (((ky * g.KernelWidth) + kx) * channels) + c] * x;
                                }
                            }
                        }

                        dots[o] = acc;
                    }

                    OutputStages.ThresholdPack(dots, thresholds, g.OutChannels, output, outPixel);
                    outPixel += g.OutWordsPerPixel;
                }
            }
        }

        /// <summary>Scratch entries <see cref="Im2ColMac"/> needs: one short per window value, KernelHeight * KernelWidth * InChannels.</summary>
        public static int ScratchLength(ConvGeometry g)
        {
            return g.KernelHeight * g.KernelWidth * g.InChannels;
        }

        /// <summary>
        /// im2col + multiply-accumulate. Per output pixel the window's n values are gathered once into a short patch (<see cref="WindowGather"/>)
        /// (signed already, 0 on taps outside the input); then each output channel runs one tight loop over its weight
        /// row and the patch, unrolled by 4 (a tail loop takes the last n mod 4 values).
        /// <para>
        /// IL count (nanoCLR cost model, docs/cost-model.md; static counts of the Release device build): the gather
        /// copies one value in 17–18 IL (zero fill 11) plus ~53 per kernel row, shared by all output channels; the MAC
        /// loop does 4 values in 57 IL (14.25 per value and output channel), the tail loop 21 per value, plus ~17 per
        /// output channel. <see cref="Reference"/>'s inner loop is 50 IL per value and output channel (both arms of
        /// the sign fix), plus its tap loops. Exact counts and the choice between the two:
        /// <see cref="CostModel.Int8WeightConvIm2ColPays"/>.
        /// </para>
        /// Scratch: <paramref name="patch"/> of at least <see cref="ScratchLength"/> entries.
        /// </summary>
        public static void Im2ColMac(byte[] input, bool signedInput, ConvGeometry g, sbyte[] weights, int[] thresholds, int[] dots, ulong[] output, int outputOffset, short[] patch)
        {
            RequireZeroPadding(g);
            int channels = g.InChannels;
            int outChannels = g.OutChannels;
            int kernelHeight = g.KernelHeight;
            int kernelWidth = g.KernelWidth;
            int strideY = g.StrideY;
            int strideX = g.StrideX;
            int outWords = g.OutWordsPerPixel;
            int outHeight = g.OutHeight;
            int outWidth = g.OutWidth;

            int windowValues = kernelHeight * kernelWidth * channels;
            int quadEnd = windowValues & ~3;

            int outPixel = outputOffset;
            for (int oy = 0; oy < outHeight; oy++)
            {
                int iy0 = (oy * strideY) - g.PadTop;
                int ix0 = -g.PadLeft;
                for (int ox = 0; ox < outWidth; ox++)
                {
                    WindowGather.Gather(input, signedInput, g, iy0, ix0, patch, 0);

                    // Multiply-accumulate: one pass over the patch per output channel.
                    int wi = 0;
                    for (int o = 0; o < outChannels; o++)
                    {
                        int acc = 0;
                        int p = 0;
                        while (p < quadEnd)
                        {
                            acc += (weights[wi] * patch[p])
                                + (weights[wi + 1] * patch[p + 1])
                                + (weights[wi + 2] * patch[p + 2])
                                + (weights[wi + 3] * patch[p + 3]);
                            wi += 4;
                            p += 4;
                        }

                        while (p < windowValues)
                        {
                            acc += weights[wi++] * patch[p++];
                        }

                        dots[o] = acc;
                    }

                    OutputStages.ThresholdPack(dots, thresholds, outChannels, output, outPixel);
                    outPixel += outWords;
                    ix0 += strideX;
                }
            }
        }

        /// <summary>
        /// Groups of three output channels (21-bit lanes of one long) of <see cref="Im2ColSwarMac9"/>: 22 per output word
        /// of 64 channels (the last group of a word holds channel 63 alone), then ceil(rest / 3). Channel o is lane
        /// (o mod 64) mod 3 of group 22·(o div 64) + (o mod 64) div 3, so a group never spans two output words.
        /// </summary>
        public static int SwarGroups(int outChannels)
        {
            return ((outChannels >> 6) * 22) + (((outChannels & 63) + 2) / 3);
        }

        /// <summary>Longs per group of <see cref="Im2ColSwarMac9"/>'s packed constants: the thresholds, then the 9 weights.</summary>
        public const int SwarLongsPerGroup = 10;

        /// <summary>
        /// Packs the int8 weights of a 9-value window (<paramref name="outChannels"/> rows of 9) and the thresholds for
        /// <see cref="Im2ColSwarMac9"/>: <see cref="SwarLongsPerGroup"/> longs per group (<see cref="SwarGroups"/>), lane j
        /// at bit 21·j. The group's first long holds in lane j 2^20 − clamp(threshold, −2^19, 2^19), so that lane j of the
        /// kernel's sum is dot − threshold + 2^20, in 0 .. 2^21 − 1, whose bit 20 is the output bit (dot ≥ threshold); the
        /// clamp keeps every bit, since |dot| ≤ 293,760 &lt; 2^19. Then <c>packed[10q + 1 + k] = w[lane 0][k] +
        /// w[lane 1][k]·2^21 + w[lane 2][k]·2^42</c>. A lane without a channel holds 0 throughout (its bit 20 stays 0).
        /// Runs once, when the model is built.
        /// </summary>
        public static void PackSwar(sbyte[] weights, int[] thresholds, int outChannels, long[] packed)
        {
            int length = SwarGroups(outChannels) * SwarLongsPerGroup;
            if (weights.Length != outChannels * 9 || thresholds.Length != outChannels || packed.Length != length)
            {
                throw new BnnException("int8-weight conv: lane packing needs " + outChannels.ToString() + " rows of 9 weights, "
                    + outChannels.ToString() + " thresholds and " + length.ToString() + " packed entries");
            }

            for (int i = 0; i < packed.Length; i++)
            {
                packed[i] = 0;
            }

            for (int o = 0; o < outChannels; o++)
            {
                int group = (((o >> 6) * 22) + ((o & 63) / 3)) * SwarLongsPerGroup;
                int shift = ((o & 63) % 3) * 21;
                int threshold = thresholds[o];
                if (threshold < -SwarThresholdLimit)
                {
                    threshold = -SwarThresholdLimit;
                }
                else if (threshold > SwarThresholdLimit)
                {
                    threshold = SwarThresholdLimit;
                }

                packed[group] += (long)(SwarLaneBias - threshold) << shift;
                for (int k = 0; k < 9; k++)
                {
                    packed[group + 1 + k] += (long)weights[(o * 9) + k] << shift;
                }
            }
        }

        /// <summary>
        /// <see cref="Im2ColMac"/> for windows of exactly 9 values (a 3×3 kernel over one channel, the usual first layer
        /// on a spectrogram or a grey image; also 1×3 over 3 channels, 1×9, 9×1), three output channels per multiply
        /// (SIMD within a register) and the thresholds folded into the lanes. Per output pixel the window is held in nine
        /// locals (gathered, or slid along the row where <see cref="SwarWindowSlides"/>); for each group of three channels, the packed thresholds plus Σ p_k · packed weights_k
        /// over the 9 window values hold in 21-bit lane j the value dot_j − threshold_j + 2^20 (<see cref="PackSwar"/>),
        /// so bit 20 of each lane is that channel's output bit: the three bits are
        /// masked, gathered by one multiply into bits 60..62 and shifted into the output word. No dots are stored and no
        /// <see cref="OutputStages.ThresholdPack"/> runs. Exact: every lane value stays in 0 .. 2^21 − 1, so no lane
        /// borrows from or carries into the next.
        /// <para>
        /// IL count (static, Release device build; benchmarks/kernel-il-costs.md): ≈ 100 per group of three output
        /// channels (the 9 multiply-adds, the bit gather, the loop) and ≈ 100 per pixel besides the gather call; a pixel
        /// whose window slides spends ≈ 125 in all on its window and output word, against ≈ 465 with the gather. It
        /// replaced two slower forms: one lane per channel (nine int locals, one unrolled 9-term expression per channel,
        /// 83 IL per channel plus ThresholdPack's 22) and three lanes with the dots taken back out for ThresholdPack
        /// (124 per group plus 22 per channel). It beats Im2ColMac even for a single channel (two empty lanes); the
        /// choice: <see cref="CostModel.Int8WeightConvSwarMacPays"/>.
        /// </para>
        /// Scratch: <paramref name="patch"/> of at least 9 entries.
        /// </summary>
        public static void Im2ColSwarMac9(byte[] input, bool signedInput, ConvGeometry g, long[] packed, ulong[] output, int outputOffset, short[] patch)
        {
            RequireZeroPadding(g);
            int end = SwarGroups(g.OutChannels) * SwarLongsPerGroup;
            if (ScratchLength(g) != 9 || packed.Length != end)
            {
                throw new BnnException("int8-weight conv: Im2ColSwarMac9 needs a window of 9 values (this one has " + ScratchLength(g).ToString() + ") and "
                    + end.ToString() + " packed weights and thresholds");
            }

            int strideY = g.StrideY;
            int strideX = g.StrideX;
            int outWords = g.OutWordsPerPixel;
            int outHeight = g.OutHeight;
            int outWidth = g.OutWidth;
            int inHeight = g.InHeight;
            int inWidth = g.InWidth;

            // A sliding window (SwarWindowSlides) keeps six of the nine values from the pixel before and reads one new
            // column of three (0 outside the input; int8 as (b ^ 128) − 128, the values the gather gives).
            bool sliding = SwarWindowSlides(g);
            int flip = signedInput ? 128 : 0;
            long p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0, p8 = 0;

            int outPixel = outputOffset;
            for (int oy = 0; oy < outHeight; oy++)
            {
                int iy0 = (oy * strideY) - g.PadTop;
                int ix0 = -g.PadLeft;

                // Start of each window row in the input, or -1 for a row in the padding.
                int row0 = iy0 >= 0 && iy0 < inHeight ? iy0 * inWidth : -1;
                int row1 = iy0 + 1 >= 0 && iy0 + 1 < inHeight ? (iy0 + 1) * inWidth : -1;
                int row2 = iy0 + 2 >= 0 && iy0 + 2 < inHeight ? (iy0 + 2) * inWidth : -1;
                for (int ox = 0; ox < outWidth; ox++)
                {
                    if (sliding && ox > 0)
                    {
                        int x = ix0 + 2;
                        p0 = p1;
                        p1 = p2;
                        p3 = p4;
                        p4 = p5;
                        p6 = p7;
                        p7 = p8;
                        if (x < inWidth)
                        {
                            p2 = row0 < 0 ? 0 : (input[row0 + x] ^ flip) - flip;
                            p5 = row1 < 0 ? 0 : (input[row1 + x] ^ flip) - flip;
                            p8 = row2 < 0 ? 0 : (input[row2 + x] ^ flip) - flip;
                        }
                        else
                        {
                            p2 = 0;
                            p5 = 0;
                            p8 = 0;
                        }
                    }
                    else
                    {
                        WindowGather.Gather(input, signedInput, g, iy0, ix0, patch, 0);
                        p0 = patch[0];
                        p1 = patch[1];
                        p2 = patch[2];
                        p3 = patch[3];
                        p4 = patch[4];
                        p5 = patch[5];
                        p6 = patch[6];
                        p7 = patch[7];
                        p8 = patch[8];
                    }

                    int at = 0;
                    for (int word = 0; word < outWords; word++)
                    {
                        // 22 groups per output word of 64 channels.
                        int wordEnd = at + (22 * SwarLongsPerGroup) < end ? at + (22 * SwarLongsPerGroup) : end;
                        ulong bits = 0;
                        int shift = 0;
                        while (at < wordEnd)
                        {
                            long lanes = packed[at] + (packed[at + 1] * p0) + (packed[at + 2] * p1) + (packed[at + 3] * p2)
                                + (packed[at + 4] * p3) + (packed[at + 5] * p4) + (packed[at + 6] * p5)
                                + (packed[at + 7] * p6) + (packed[at + 8] * p7) + (packed[at + 9] * p8);

                            // Bits 20, 41 and 62 (the lanes' output bits) times 1 + 2^20 + 2^40 land, among others, on
                            // bits 60, 61 and 62; no two partial products share a bit, so nothing carries.
                            bits |= (((ulong)lanes & 0x4000_0200_0010_0000UL) * 0x0000_0100_0010_0001UL) >> 60 << shift;
                            shift += 3;
                            at += SwarLongsPerGroup;
                        }

                        output[outPixel + word] = bits;
                    }

                    outPixel += outWords;
                    ix0 += strideX;
                }
            }
        }

        /// <summary>
        /// True when <see cref="Im2ColSwarMac9"/> slides its window along a row instead of gathering it at every pixel:
        /// a 3×3 kernel over one channel at horizontal stride 1 (the keyword model's first layer). Only the first pixel
        /// of each output row is gathered; the others read one new column of three values (about 95 IL per pixel, against
        /// ≈ 470 for the gather and the nine patch reads).
        /// </summary>
        public static bool SwarWindowSlides(ConvGeometry g)
        {
            return g.KernelHeight == 3 && g.KernelWidth == 3 && g.InChannels == 1 && g.StrideX == 1;
        }

        /// <summary>Largest threshold magnitude a lane holds: beyond it every 9-value dot (|dot| ≤ 293,760) is on one side.</summary>
        private const int SwarThresholdLimit = 1 << 19;

        /// <summary>The offset that makes every lane non-negative: dot − threshold + 2^20.</summary>
        private const int SwarLaneBias = 1 << 20;

        private static void RequireZeroPadding(ConvGeometry g)
        {
            if (g.PadValue != 0)
            {
                throw new BnnException("int8-weight conv: padValue " + g.PadValue.ToString() + " is not supported (8-bit inputs are zero-padded: padValue must be 0)");
            }
        }
    }
}

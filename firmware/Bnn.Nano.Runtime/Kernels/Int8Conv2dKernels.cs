namespace Bnn.Nano.Runtime.Kernels
{
    /// <summary>
    /// First-layer convolution: 8-bit feature map (byte[] HWC, see <see cref="ConvGeometry"/>) × ±1 weights →
    /// thresholded bits. Zero padding only (g.PadValue must be 0): taps outside the input contribute nothing.
    /// <para>
    /// Weights: g.OutChannels rows of <c>(KernelHeight * KernelWidth * InChannels + 63) &gt;&gt; 6</c> words; bit
    /// index within a row = <c>(ky * KernelWidth + kx) * InChannels + c</c>, bit 1 = +1, bits past the window are 0.
    /// For output pixel (oy, ox) and channel o: dot = Σ (w ? +x : -x) over the window values x (int8 when
    /// <c>signedInput</c>, else uint8; 0 outside the input); output bit o = dot &gt;= thresholds[o]
    /// (<see cref="OutputStages.ThresholdPack"/>), output pixels HWC from <c>outputOffset</c>, padding bits 0.
    /// <c>dots</c> is scratch of at least OutChannels entries.
    /// </para>
    /// </summary>
    public static class Int8Conv2dKernels
    {
        /// <summary>The math, one window value at a time: the oracle for every other variant.</summary>
        public static void Reference(byte[] input, bool signedInput, ConvGeometry g, ulong[] weights, int[] thresholds, int[] dots, ulong[] output, int outputOffset)
        {
            RequireZeroPadding(g);
            int channels = g.InChannels;
            int rowWords = ((g.KernelHeight * g.KernelWidth * channels) + 63) >> 6;
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

                                    int bit = (((ky * g.KernelWidth) + kx) * channels) + c;
                                    if (((weights[(o * rowWords) + (bit >> 6)] >> (bit & 63)) & 1UL) != 0)
                                    {
                                        acc += x;
                                    }
                                    else
                                    {
                                        acc -= x;
                                    }
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

        /// <summary>
        /// Scratch entries <see cref="Im2ColPartialSumTable"/> needs for a window of n = KernelHeight * KernelWidth *
        /// InChannels values in G = ceil(n / 4) groups: the partial-sum table (16·G entries) followed by the window
        /// patch (4·G entries); 20·G in all (≈ 5 shorts, 10 bytes, per window value).
        /// </summary>
        public static int ScratchLength(ConvGeometry g)
        {
            int groups = ((g.KernelHeight * g.KernelWidth * g.InChannels) + 3) >> 2;
            return groups * 20;
        }

        /// <summary>
        /// im2col + shared partial-sum table (as <see cref="Int8BinaryDotKernels.PartialSumTable"/> does for dense
        /// layers). Per output pixel, the window's n values are gathered into a patch (signed already, 0 on padded
        /// taps and past n), then for each group of 4 values the 16 signed sums table[16k + m] = Σ_j (bit j of m ?
        /// +x_j : -x_j) are built once; every output channel then adds one table entry per 4 weight bits (one nibble
        /// of its row, whose bit order is the window order).
        /// <para>
        /// IL count (nanoCLR cost model, docs/cost-model.md; static counts of the Release device build), per window
        /// value: gather 18 IL (one pass per kernel row, the sign conversion hoisted out of the loop) and table build
        /// 206 IL per group of 4 (51.5 per value; 16 stores), both shared by all output channels; then per value and
        /// output channel 3.2 IL: a full weight word is read with 16 unrolled table adds, 205 IL per 64 values
        /// (index = base + constant + ((half &gt;&gt; shift) &amp; 15)), where a loop over the nibbles costs 27 IL per 4
        /// values (6.75 per value: the shift, pointer step and loop control cost more than the add itself). A direct
        /// add/subtract costs ~22 IL per value and output channel (docs/cost-model.md), so the table wins from
        /// 4 output channels up: 70 + 3.2·O &lt; 22·O.
        /// </para>
        /// Scratch: <paramref name="scratch"/> of at least <see cref="ScratchLength"/> entries; |entry| ≤ 4·255, so
        /// short suffices.
        /// </summary>
        public static void Im2ColPartialSumTable(byte[] input, bool signedInput, ConvGeometry g, ulong[] weights, int[] thresholds, int[] dots, ulong[] output, int outputOffset, short[] scratch)
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
            int groups = (windowValues + 3) >> 2;
            int rowWords = (windowValues + 63) >> 6;
            int fullWords = groups >> 4;
            int tailGroups = groups & 15;
            int patchStart = groups << 4;
            int patchEnd = patchStart + (groups << 2);
            short[] table = scratch;

            // Patch values past the window stay 0 for the whole call (the last group's missing inputs).
            for (int p = patchStart + windowValues; p < patchEnd; p++)
            {
                table[p] = 0;
            }

            int outPixel = outputOffset;
            for (int oy = 0; oy < outHeight; oy++)
            {
                int iy0 = (oy * strideY) - g.PadTop;
                int ix0 = -g.PadLeft;
                for (int ox = 0; ox < outWidth; ox++)
                {
                    WindowGather.Gather(input, signedInput, g, iy0, ix0, table, patchStart);

                    // Build: the 16 signed sums of each group of 4 window values.
                    int t = 0;
                    for (int p = patchStart; p < patchEnd; p += 4)
                    {
                        int x0 = table[p];
                        int x1 = table[p + 1];
                        int x2 = table[p + 2];
                        int x3 = table[p + 3];
                        Int8BinaryDotKernels.WriteGroupSums(table, t, x0, x1, x2, x3);
                        t += 16;
                    }

                    // Read: one entry per weight nibble; full words unrolled (16 nibbles), then the tail nibbles.
                    int wi = 0;
                    for (int o = 0; o < outChannels; o++)
                    {
                        int acc = 0;
                        int tb = 0;
                        int wordEnd = wi + fullWords;
                        while (wi < wordEnd)
                        {
                            ulong w = weights[wi++];
                            uint lo = (uint)w;
                            uint hi = (uint)(w >> 32);
                            acc += table[tb + (int)(lo & 15u)]
                                + table[tb + 16 + (int)((lo >> 4) & 15u)]
                                + table[tb + 32 + (int)((lo >> 8) & 15u)]
                                + table[tb + 48 + (int)((lo >> 12) & 15u)]
                                + table[tb + 64 + (int)((lo >> 16) & 15u)]
                                + table[tb + 80 + (int)((lo >> 20) & 15u)]
                                + table[tb + 96 + (int)((lo >> 24) & 15u)]
                                + table[tb + 112 + (int)(lo >> 28)]
                                + table[tb + 128 + (int)(hi & 15u)]
                                + table[tb + 144 + (int)((hi >> 4) & 15u)]
                                + table[tb + 160 + (int)((hi >> 8) & 15u)]
                                + table[tb + 176 + (int)((hi >> 12) & 15u)]
                                + table[tb + 192 + (int)((hi >> 16) & 15u)]
                                + table[tb + 208 + (int)((hi >> 20) & 15u)]
                                + table[tb + 224 + (int)((hi >> 24) & 15u)]
                                + table[tb + 240 + (int)(hi >> 28)];
                            tb += 256;
                        }

                        if (tailGroups != 0)
                        {
                            ulong w = weights[wi++];
                            int n = tailGroups;
                            while (n-- > 0)
                            {
                                acc += table[tb + (int)(w & 15UL)];
                                w >>= 4;
                                tb += 16;
                            }
                        }

                        dots[o] = acc;
                    }

                    OutputStages.ThresholdPack(dots, thresholds, outChannels, output, outPixel);
                    outPixel += outWords;
                    ix0 += strideX;
                }
            }
        }

        private static void RequireZeroPadding(ConvGeometry g)
        {
            if (g.PadValue != 0)
            {
                throw new BnnException("int8 conv: padValue " + g.PadValue.ToString() + " is not supported (8-bit inputs are zero-padded: padValue must be 0)");
            }
        }
    }
}

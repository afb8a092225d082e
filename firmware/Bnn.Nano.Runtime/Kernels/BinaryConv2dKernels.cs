namespace Bnn.Nano.Runtime.Kernels
{
    /// <summary>
    /// Binary convolution: ±1 feature map (bit tensor, see <see cref="ConvGeometry"/>) × ±1 weights → thresholded bits.
    /// <para>
    /// Weights: g.OutChannels rows; row o holds KernelHeight * KernelWidth taps in row-major (ky, kx) order, each tap
    /// g.InWordsPerPixel words in the bit convention (channel bits past InChannels are 0). Row o starts at word
    /// <c>o * KernelHeight * KernelWidth * InWordsPerPixel</c>.
    /// </para>
    /// <para>
    /// For output pixel (oy, ox) and channel o: dot = Σ over taps (ky, kx) and channels c of x·w, x = ±1 from input
    /// pixel (oy * StrideY - PadTop + ky, ox * StrideX - PadLeft + kx) when it lies inside the input, else x = PadValue
    /// (0, +1 or -1); then output bit o of that pixel = dot &gt;= thresholds[o]
    /// (<see cref="OutputStages.ThresholdPack"/>), output pixels HWC from <c>outputOffset</c>, padding bits 0.
    /// <c>dots</c> is scratch of at least OutChannels entries.
    /// </para>
    /// </summary>
    public static class BinaryConv2dKernels
    {
        /// <summary>The math, one bit at a time: the oracle for every other variant.</summary>
        public static void Reference(ulong[] input, int inputOffset, ConvGeometry g, ulong[] weights, int[] thresholds, int[] dots, ulong[] output, int outputOffset)
        {
            int words = g.InWordsPerPixel;
            int channels = g.InChannels;
            int rowWords = g.KernelHeight * g.KernelWidth * words;
            int outPixel = outputOffset;
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    for (int o = 0; o < g.OutChannels; o++)
                    {
                        int dot = 0;
                        for (int ky = 0; ky < g.KernelHeight; ky++)
                        {
                            int iy = (oy * g.StrideY) - g.PadTop + ky;
                            for (int kx = 0; kx < g.KernelWidth; kx++)
                            {
                                int ix = (ox * g.StrideX) - g.PadLeft + kx;
                                bool inside = iy >= 0 && iy < g.InHeight && ix >= 0 && ix < g.InWidth;
                                int tap = (o * rowWords) + (((ky * g.KernelWidth) + kx) * words);
                                int pixel = inputOffset + (((iy * g.InWidth) + ix) * words);
                                for (int c = 0; c < channels; c++)
                                {
                                    int w = ((weights[tap + (c >> 6)] >> (c & 63)) & 1UL) != 0 ? 1 : -1;
                                    int x = g.PadValue;
                                    if (inside)
                                    {
                                        x = ((input[pixel + (c >> 6)] >> (c & 63)) & 1UL) != 0 ? 1 : -1;
                                    }

                                    dot += x * w;
                                }
                            }
                        }

                        dots[o] = dot;
                    }

                    OutputStages.ThresholdPack(dots, thresholds, g.OutChannels, output, outPixel);
                    outPixel += g.OutWordsPerPixel;
                }
            }
        }

        /// <summary>
        /// Scratch words <see cref="Im2ColDenseDotU64"/> needs: one window ("patch") of
        /// KernelHeight * KernelWidth * InWordsPerPixel words.
        /// </summary>
        public static int ScratchLength(ConvGeometry g)
        {
            return g.KernelHeight * g.KernelWidth * g.InWordsPerPixel;
        }

        /// <summary>
        /// im2col + dense dot. Each output pixel's window is laid out as one contiguous patch of
        /// P = KernelHeight * KernelWidth * InWordsPerPixel words, in exactly the order of a weight row, so every output
        /// channel is a plain dense dot over P words, by the variant <see cref="BinaryDotKernels.Cheapest"/> picks for P
        /// (<see cref="BinaryDotKernels.NineWordSwarU64"/> for the 9 words of a 3×3 window of ≤ 64 channels,
        /// <see cref="BinaryDotKernels.HarleySealU64"/> from 8 words, else <see cref="BinaryDotKernels.SwarU64"/>), with
        /// n = taps × InChannels (padding channel bits are 0 on both sides, so XOR leaves them 0).
        /// <para>
        /// IL count (nanoCLR cost model, docs/cost-model.md; static counts of the Release device build): the hot loop
        /// is the dense kernel's, per output channel. A per-tap loop over the input in place would pay, per output
        /// channel, the tap/row address arithmetic and loop control (~15 IL per kernel row of taps) and could not
        /// unroll or carry-save across tap boundaries (a tap is only InWordsPerPixel words, typically 1). The gather
        /// costs one native Array.Copy per kernel row (HWC keeps the KernelWidth taps of one input row contiguous; 21 IL
        /// per row) once per output pixel, shared by all output channels; when the window is contiguous in the input
        /// (KernelHeight == 1, i.e. conv1d, or KernelWidth == InWidth) interior pixels read the input in place with no
        /// copy at all.
        /// </para>
        /// <para>
        /// Edge pixels (some taps outside the input): padded taps of the patch are filled with the pad pixel (all
        /// channel bits 1 for PadValue +1, 0 for -1), which makes the dense dot exact. For PadValue 0 they are filled
        /// with 0 (x = -1, contributing C - 2·popcount(w_tap)), n counts only the valid taps, and
        /// 2·popcount(w_tap) of each padded tap is added back to the dot; that correction runs on edge pixels only.
        /// </para>
        /// Scratch: <paramref name="scratch"/> of at least <see cref="ScratchLength"/> words.
        /// </summary>
        public static void Im2ColDenseDotU64(ulong[] input, int inputOffset, ConvGeometry g, ulong[] weights, int[] thresholds, int[] dots, ulong[] output, int outputOffset, ulong[] scratch)
        {
            int outChannels = g.OutChannels;
            int outWords = g.OutWordsPerPixel;
            int outHeight = g.OutHeight;
            int outWidth = g.OutWidth;
            int patchWords = ScratchLength(g);
            int fullBits = g.KernelHeight * g.KernelWidth * g.InChannels;
            int outPixel = outputOffset;
            for (int oy = 0; oy < outHeight; oy++)
            {
                for (int ox = 0; ox < outWidth; ox++)
                {
                    ulong[] source;
                    int sourceOffset;
                    int bitCount = Window(input, inputOffset, g, oy, ox, scratch, out source, out sourceOffset);
                    BinaryDotKernels.Cheapest(source, sourceOffset, bitCount, weights, patchWords, outChannels, dots);
                    if (bitCount != fullBits)
                    {
                        AddPaddedTapWeights(g, weights, oy, ox, dots);
                    }

                    OutputStages.ThresholdPack(dots, thresholds, outChannels, output, outPixel);
                    outPixel += outWords;
                }
            }
        }

        /// <summary>
        /// <see cref="Im2ColDenseDotU64"/> followed by a max-pool over its output (<paramref name="pool"/>: the pool
        /// layer's geometry, its input the convolution's output, no padding), in one pass that never writes the
        /// convolution's output: each pooled pixel's bits start at 0 and every convolution pixel of its pool window ORs
        /// its thresholded bits into them (max of ±1 values = OR of their bits, as <see cref="MaxPoolBitsKernels"/>).
        /// For rows of 9 words (<see cref="CostModel.NineWordSwarPays"/>) and an exact window (no zero-padding
        /// correction) <see cref="BinaryDotKernels.NineWordSwarThresholdOrU64"/> skips every output channel already 1 in
        /// the pooled pixel, so of a 2×2 pool window with as many +1 as −1 outputs about 1 + 1/2 + 1/4 + 1/8 of the 4
        /// pixels' dots are computed (<see cref="CostModel.MaxPoolFusionPays"/> says when the fusion is used).
        /// Convolution pixels no pool window covers (the floor of an odd size) are not computed at all.
        /// Output: the pool's output pixels HWC from <paramref name="outputOffset"/>; it must not overlap the input.
        /// </summary>
        public static void Im2ColDenseDotMaxPoolU64(ulong[] input, int inputOffset, ConvGeometry g, ConvGeometry pool, ulong[] weights, int[] thresholds, int[] dots, ulong[] output, int outputOffset, ulong[] scratch)
        {
            MaxPoolBitsKernels.Validate(pool);
            if (pool.InHeight != g.OutHeight || pool.InWidth != g.OutWidth || pool.InChannels != g.OutChannels)
            {
                throw new BnnException("conv + max pool: the pool reads " + pool.InHeight.ToString() + "x" + pool.InWidth.ToString() + "x" + pool.InChannels.ToString()
                    + " but the convolution writes " + g.OutHeight.ToString() + "x" + g.OutWidth.ToString() + "x" + g.OutChannels.ToString());
            }

            int outChannels = g.OutChannels;
            int outWords = g.OutWordsPerPixel;
            int patchWords = ScratchLength(g);
            int fullBits = g.KernelHeight * g.KernelWidth * g.InChannels;
            bool skipping = CostModel.NineWordSwarPays(patchWords);
            int poolHeight = pool.KernelHeight;
            int poolWidth = pool.KernelWidth;
            int outPixel = outputOffset;
            for (int py = 0; py < pool.OutHeight; py++)
            {
                for (int px = 0; px < pool.OutWidth; px++)
                {
                    for (int j = 0; j < outWords; j++)
                    {
                        output[outPixel + j] = 0UL;
                    }

                    int oy = py * pool.StrideY;
                    int oyEnd = oy + poolHeight;
                    for (; oy < oyEnd; oy++)
                    {
                        int ox = px * pool.StrideX;
                        int oxEnd = ox + poolWidth;
                        for (; ox < oxEnd; ox++)
                        {
                            ulong[] source;
                            int sourceOffset;
                            int bitCount = Window(input, inputOffset, g, oy, ox, scratch, out source, out sourceOffset);
                            if (skipping && bitCount == fullBits)
                            {
                                BinaryDotKernels.NineWordSwarThresholdOrU64(source, sourceOffset, bitCount, weights, patchWords, thresholds, outChannels, output, outPixel);
                            }
                            else
                            {
                                BinaryDotKernels.Cheapest(source, sourceOffset, bitCount, weights, patchWords, outChannels, dots);
                                if (bitCount != fullBits)
                                {
                                    AddPaddedTapWeights(g, weights, oy, ox, dots);
                                }

                                OutputStages.ThresholdOr(dots, thresholds, outChannels, output, outPixel);
                            }
                        }
                    }

                    outPixel += outWords;
                }
            }
        }

        /// <summary>
        /// Lays out the window of output pixel (oy, ox) as one patch in weight-row order and returns the dot's bit
        /// count n: the whole window's, or at an edge with PadValue 0 only its valid taps' (the caller then adds
        /// <see cref="AddPaddedTapWeights"/>). The patch is <paramref name="scratch"/>, or the input itself where an
        /// interior window is contiguous there (<paramref name="source"/> from <paramref name="sourceOffset"/>).
        /// </summary>
        private static int Window(ulong[] input, int inputOffset, ConvGeometry g, int oy, int ox, ulong[] scratch, out ulong[] source, out int sourceOffset)
        {
            int words = g.InWordsPerPixel;
            int kernelHeight = g.KernelHeight;
            int kernelWidth = g.KernelWidth;
            int inHeight = g.InHeight;
            int inWidth = g.InWidth;
            int iy0 = (oy * g.StrideY) - g.PadTop;
            int ix0 = (ox * g.StrideX) - g.PadLeft;
            int ky0 = iy0 < 0 ? -iy0 : 0;
            int ky1 = inHeight - iy0 < kernelHeight ? inHeight - iy0 : kernelHeight;
            int kx0 = ix0 < 0 ? -ix0 : 0;
            int kx1 = inWidth - ix0 < kernelWidth ? inWidth - ix0 : kernelWidth;
            source = scratch;
            sourceOffset = 0;
            if (ky0 == 0 && ky1 == kernelHeight && kx0 == 0 && kx1 == kernelWidth)
            {
                int start = inputOffset + (((iy0 * inWidth) + ix0) * words);
                if (kernelHeight == 1 || kernelWidth == inWidth)
                {
                    source = input;
                    sourceOffset = start;
                }
                else
                {
                    int tapRowWords = kernelWidth * words;
                    int rowStride = inWidth * words;
                    int to = 0;
                    for (int ky = 0; ky < kernelHeight; ky++)
                    {
                        System.Array.Copy(input, start, scratch, to, tapRowWords);
                        start += rowStride;
                        to += tapRowWords;
                    }
                }

                return kernelHeight * kernelWidth * g.InChannels;
            }

            GatherEdgePatch(input, inputOffset, g, iy0, ix0, kx0, kx1, scratch);
            return g.PadValue == 0 ? (ky1 - ky0) * (kx1 - kx0) * g.InChannels : kernelHeight * kernelWidth * g.InChannels;
        }

        /// <summary>
        /// Writes the window of an edge pixel into the patch: valid taps copied from the input (one Array.Copy per
        /// input row), padded taps set to the pad pixel (channel bits all 1 for PadValue +1, else 0).
        /// </summary>
        private static void GatherEdgePatch(ulong[] input, int inputOffset, ConvGeometry g, int iy0, int ix0, int kx0, int kx1, ulong[] patch)
        {
            int words = g.InWordsPerPixel;
            int kernelWidth = g.KernelWidth;
            int tapRowWords = kernelWidth * words;
            int channelBits = g.InChannels & 63;
            ulong lastWord = channelBits == 0 ? ulong.MaxValue : (1UL << channelBits) - 1UL;
            ulong fullWord = ulong.MaxValue;
            if (g.PadValue != 1)
            {
                lastWord = 0UL;
                fullWord = 0UL;
            }

            int to = 0;
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                int iy = iy0 + ky;
                int validFrom = kx0;
                int validTo = kx1;
                if (iy < 0 || iy >= g.InHeight)
                {
                    validFrom = kernelWidth;
                    validTo = kernelWidth;
                }

                if (validTo > validFrom)
                {
                    int count = (validTo - validFrom) * words;
                    int from = inputOffset + (((iy * g.InWidth) + ix0 + validFrom) * words);
                    System.Array.Copy(input, from, patch, to + (validFrom * words), count);
                }

                for (int kx = 0; kx < kernelWidth; kx++)
                {
                    if (kx < validFrom || kx >= validTo)
                    {
                        int end = to + (kx * words) + words - 1;
                        for (int j = to + (kx * words); j < end; j++)
                        {
                            patch[j] = fullWord;
                        }

                        patch[end] = lastWord;
                    }
                }

                to += tapRowWords;
            }
        }

        /// <summary>
        /// Zero padding: the patch held x = -1 (bits 0) on padded taps, which contributed C - 2·popcount(w_tap) to each
        /// dot while n already excluded their C; adds 2·popcount(w_tap) of every padded tap back, per output channel.
        /// </summary>
        private static void AddPaddedTapWeights(ConvGeometry g, ulong[] weights, int oy, int ox, int[] dots)
        {
            int words = g.InWordsPerPixel;
            int kernelWidth = g.KernelWidth;
            int kernelHeight = g.KernelHeight;
            int iy0 = (oy * g.StrideY) - g.PadTop;
            int ix0 = (ox * g.StrideX) - g.PadLeft;
            int rowWords = kernelHeight * kernelWidth * words;
            int rowStart = 0;
            for (int o = 0; o < g.OutChannels; o++)
            {
                int pop = 0;
                int tap = rowStart;
                for (int ky = 0; ky < kernelHeight; ky++)
                {
                    bool rowInside = iy0 + ky >= 0 && iy0 + ky < g.InHeight;
                    for (int kx = 0; kx < kernelWidth; kx++)
                    {
                        if (!rowInside || ix0 + kx < 0 || ix0 + kx >= g.InWidth)
                        {
                            for (int j = tap; j < tap + words; j++)
                            {
                                pop += Popcount.CountU64(weights[j]);
                            }
                        }

                        tap += words;
                    }
                }

                dots[o] += 2 * pop;
                rowStart += rowWords;
            }
        }
    }
}

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

        /// <summary>Output channels <see cref="Im2ColSwarMac9"/> computes with one 64-bit multiply-accumulate (21-bit lanes).</summary>
        public const int SwarLanes = 3;

        /// <summary>
        /// Entries of the lane-packed weights of <see cref="Im2ColSwarMac9"/>, and the dots scratch it needs: 9 longs and
        /// 3 dots per group of <see cref="SwarLanes"/> output channels (the last group padded).
        /// </summary>
        public static int SwarWeightsLength(int outChannels)
        {
            return ((outChannels + SwarLanes - 1) / SwarLanes) * 9;
        }

        /// <summary>
        /// Packs the int8 weights of a 9-value window (<paramref name="outChannels"/> rows of 9) for
        /// <see cref="Im2ColSwarMac9"/>: three channels per long, lane j of group q holding channel 3q + j at bit 21·j,
        /// <c>packed[9q + k] = w[3q][k] + w[3q+1][k]·2^21 + w[3q+2][k]·2^42</c> (a missing channel of the last group is
        /// 0). Runs once, when the model is built.
        /// </summary>
        public static void PackSwarWeights(sbyte[] weights, int outChannels, long[] packed)
        {
            if (weights.Length != outChannels * 9 || packed.Length != SwarWeightsLength(outChannels))
            {
                throw new BnnException("int8-weight conv: lane packing needs " + outChannels.ToString() + " rows of 9 weights and " + SwarWeightsLength(outChannels).ToString() + " packed entries");
            }

            for (int i = 0; i < packed.Length; i++)
            {
                packed[i] = 0;
            }

            for (int o = 0; o < outChannels; o++)
            {
                int group = (o / SwarLanes) * 9;
                int shift = (o % SwarLanes) * 21;
                for (int k = 0; k < 9; k++)
                {
                    packed[group + k] += (long)weights[(o * 9) + k] << shift;
                }
            }
        }

        /// <summary>
        /// <see cref="Im2ColMac"/> for windows of exactly 9 values (a 3×3 kernel over one channel, the usual first layer
        /// on a spectrogram or a grey image; also 1×3 over 3 channels, 1×9, 9×1), three output channels per multiply
        /// (SIMD within a register). Per output pixel the gathered window is read once into nine locals; the lane-packed
        /// weights (<see cref="PackSwarWeights"/>) hold three channels' weights in 21-bit lanes of one long, so
        /// Σ p_k · packed_k over the 9 window values is <c>dot₀ + dot₁·2^21 + dot₂·2^42</c>, from which the three dots
        /// are taken back by sign-extending each lane. Exact: |dot| ≤ 9 · 255 · 128 = 293,760 &lt; 2^20 fits a signed
        /// 21-bit lane, and the sum stays below 2^61, so nothing wraps.
        /// <para>
        /// IL count (static, Release device build): 124 per group of three output channels (the 9 multiply-adds, the
        /// three lane extractions and stores, the loop), ~80 per pixel besides the gather and ThresholdPack calls. The
        /// exact counter measures, per output pixel and channel of a 3×3×1 window, 70 IL against Im2ColMac's 185 for 64
        /// channels, and against 111 for a one-lane-per-channel variant (nine int locals, one unrolled 9-term expression
        /// per channel: 83 IL per channel), which this kernel replaced. It loses to Im2ColMac for a single channel (two
        /// empty lanes); the choice: <see cref="CostModel.Int8WeightConvSwarMacPays"/>.
        /// </para>
        /// Scratch: <paramref name="patch"/> of at least 9 entries, <paramref name="dots"/> of at least
        /// <see cref="SwarWeightsLength"/> / 3 entries (whole groups).
        /// </summary>
        public static void Im2ColSwarMac9(byte[] input, bool signedInput, ConvGeometry g, long[] swarWeights, int[] thresholds, int[] dots, ulong[] output, int outputOffset, short[] patch)
        {
            RequireZeroPadding(g);
            int outChannels = g.OutChannels;
            if (ScratchLength(g) != 9 || swarWeights.Length != SwarWeightsLength(outChannels) || dots.Length < SwarWeightsLength(outChannels) / 3)
            {
                throw new BnnException("int8-weight conv: Im2ColSwarMac9 needs a window of 9 values (this one has " + ScratchLength(g).ToString() + "), "
                    + SwarWeightsLength(outChannels).ToString() + " packed weights and " + (SwarWeightsLength(outChannels) / 3).ToString() + " dots");
            }

            int strideY = g.StrideY;
            int strideX = g.StrideX;
            int outWords = g.OutWordsPerPixel;
            int outHeight = g.OutHeight;
            int outWidth = g.OutWidth;

            int outPixel = outputOffset;
            for (int oy = 0; oy < outHeight; oy++)
            {
                int iy0 = (oy * strideY) - g.PadTop;
                int ix0 = -g.PadLeft;
                for (int ox = 0; ox < outWidth; ox++)
                {
                    WindowGather.Gather(input, signedInput, g, iy0, ix0, patch, 0);
                    long p0 = patch[0];
                    long p1 = patch[1];
                    long p2 = patch[2];
                    long p3 = patch[3];
                    long p4 = patch[4];
                    long p5 = patch[5];
                    long p6 = patch[6];
                    long p7 = patch[7];
                    long p8 = patch[8];

                    int wi = 0;
                    for (int o = 0; o < outChannels; o += SwarLanes)
                    {
                        long lanes = (swarWeights[wi] * p0) + (swarWeights[wi + 1] * p1) + (swarWeights[wi + 2] * p2)
                            + (swarWeights[wi + 3] * p3) + (swarWeights[wi + 4] * p4) + (swarWeights[wi + 5] * p5)
                            + (swarWeights[wi + 6] * p6) + (swarWeights[wi + 7] * p7) + (swarWeights[wi + 8] * p8);
                        int dot = (int)((lanes << 43) >> 43);
                        dots[o] = dot;
                        lanes = (lanes - dot) >> 21;
                        dot = (int)((lanes << 43) >> 43);
                        dots[o + 1] = dot;
                        dots[o + 2] = (int)((lanes - dot) >> 21);
                        wi += 9;
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
                throw new BnnException("int8-weight conv: padValue " + g.PadValue.ToString() + " is not supported (8-bit inputs are zero-padded: padValue must be 0)");
            }
        }
    }
}

namespace Bnn.Nano.Runtime.Kernels
{
    /// <summary>
    /// Kernel choices made on the device cost model: IL instructions executed by the nanoCLR interpreter
    /// (docs/cost-model.md), never host timings.
    /// </summary>
    public static class CostModel
    {
        /// <summary>
        /// The partial-sum table costs ~48.5 IL ops per input to build and ~4.25 per input and output to read; the
        /// reference add/subtract costs ~22.2 per input and output. The table wins when
        /// 48.5 + 4.25·outputs &lt; 22.2·outputs, i.e. from 3 outputs up.
        /// </summary>
        public static bool PartialSumTablePays(int outputs)
        {
            // In hundredths of an IL instruction per input.
            return 4850 + (425 * outputs) < 2220 * outputs;
        }

        /// <summary>
        /// The im2col partial-sum table of an 8-bit convolution costs ~70 IL ops per window value to gather and build
        /// (shared by all output channels) plus ~3.2 per value and output channel; the reference ~22 per value and
        /// output channel: the table wins when 70 + 3.2·O &lt; 22·O, from 4 output channels up.
        /// </summary>
        public static bool Int8ConvPartialSumTablePays(int outChannels)
        {
            // In tenths of an IL instruction per window value.
            return 700 + (32 * outChannels) < 220 * outChannels;
        }

        /// <summary>
        /// Int8WeightConv2d: <see cref="Int8WeightConv2dKernels.Im2ColMac"/> gathers the window once per output pixel
        /// (<see cref="WindowGather"/>: a call, ~17 IL per value and ~53 per kernel row, shared by all output channels)
        /// and then spends ~14 IL per value and output channel (its 4-value loop: 57 IL);
        /// <see cref="Int8WeightConv2dKernels.Reference"/> spends ~46 per value and output channel plus its tap loops.
        /// Measured with the exact IL counter (tests/Bnn.Nano.Tests/Cost/Int8WeightConv2dCostTests.cs, ThresholdPack
        /// included), per output pixel of a 1×1 kernel with one output channel: 1 input channel Reference 219,
        /// Im2ColMac 261; 2: 267 vs 300; 3: 314 vs 339; 4: 363 vs 350; with 2 output channels over 1 value: 370 vs 325;
        /// per MAC, 3×3×3 → 32 channels: 54.4 vs 17.5. The gather pays except for a single output channel over a
        /// window of at most 3 values.
        /// </summary>
        public static bool Int8WeightConvIm2ColPays(int windowValues, int outChannels)
        {
            return outChannels >= 2 || windowValues >= 4;
        }

        /// <summary>
        /// Int8WeightConv2d with a window of exactly 9 values: <see cref="Int8WeightConv2dKernels.Im2ColSwarMac9"/> (the
        /// window in nine locals, three channels per 64-bit multiply-accumulate with the thresholds folded in: 101 IL per
        /// group of three channels, no ThresholdPack) instead of <see cref="Int8WeightConv2dKernels.Im2ColMac"/> (152 per
        /// channel for 9 values, plus 22 for ThresholdPack); it wins even for one output channel (two empty lanes).
        /// Measured with the exact IL counter (tests/Bnn.Nano.Tests/Cost/Int8WeightConv2dCostTests.cs): see
        /// docs/cost-model.md.
        /// </summary>
        public static bool Int8WeightConvSwarMacPays(int windowValues)
        {
            return windowValues == 9;
        }

        /// <summary>
        /// Harley–Seal spends ~136 IL ops more per output row than SWAR (its three final popcounts) and saves ~182
        /// per full 8-word block, so it pays from one block up: rows of at least 8 words (512 bits).
        /// </summary>
        public static bool HarleySealPays(int wordsPerRow)
        {
            return wordsPerRow >= 8;
        }

        /// <summary>
        /// Rows of exactly 9 words (a 3×3 window of at most 64 channels): <see cref="BinaryDotKernels.NineWordSwarU64"/>
        /// spends 298 IL ops per output (static) against ≈ 470 for Harley–Seal (one block, one tail word, three final
        /// popcounts), for 67 per call (the nine input words read into locals), repaid by the first output. Measured
        /// with the exact IL counter (tests/Bnn.Nano.Tests/Cost/BinaryDotCostTests.cs): see docs/cost-model.md.
        /// </summary>
        public static bool NineWordSwarPays(int wordsPerRow)
        {
            return wordsPerRow == 9;
        }

        /// <summary>
        /// A binary convolution followed by a max-pool runs as one <see cref="BinaryConv2dKernels.Im2ColDenseDotMaxPoolU64"/>
        /// when the pool windows do not overlap (stride ≥ kernel on both axes): every convolution pixel is then computed
        /// at most once, as in the two layers apart, while the fused form skips the output channels already 1 in the
        /// pooled pixel, the ThresholdPack of every pixel and the pool's pass. Overlapping windows would compute shared
        /// pixels again.
        /// </summary>
        public static bool MaxPoolFusionPays(ConvGeometry pool)
        {
            return pool.StrideY >= pool.KernelHeight && pool.StrideX >= pool.KernelWidth;
        }
    }
}

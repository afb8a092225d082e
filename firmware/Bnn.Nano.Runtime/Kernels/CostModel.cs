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
        /// (~17 IL per value plus ~53 per kernel row, shared by all output channels) and then spends ~14 IL per value
        /// and output channel (its 4-value loop: 57 IL); <see cref="Int8WeightConv2dKernels.Reference"/> spends ~46 per
        /// value and output channel plus its tap loops. Measured per output pixel with the exact IL counter
        /// (tests/Bnn.Nano.Tests/Cost/Int8WeightConv2dCostTests.cs, ThresholdPack included): 1×1 kernel, 1 input
        /// channel, 1 output channel: Reference 217, Im2ColMac 229; 2 input channels: 263 vs 268; 3: 309 vs 307;
        /// 2 output channels: 369 vs 295; 64 output channels: 9,793 vs 4,387; a 5×5×1 kernel, 1 output channel (10×10
        /// input, pad 2): 81.8 vs 47.6 IL per MAC. The gather pays except for a single output channel over a window of at most
        /// 2 values, where it loses ≤ 12 IL per pixel.
        /// </summary>
        public static bool Int8WeightConvIm2ColPays(int windowValues, int outChannels)
        {
            return outChannels >= 2 || windowValues >= 3;
        }

        /// <summary>
        /// Harley–Seal spends ~136 IL ops more per output row than SWAR (its three final popcounts) and saves ~182
        /// per full 8-word block, so it pays from one block up: rows of at least 8 words (512 bits).
        /// </summary>
        public static bool HarleySealPays(int wordsPerRow)
        {
            return wordsPerRow >= 8;
        }
    }
}

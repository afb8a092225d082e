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
        /// Harley–Seal spends ~136 IL ops more per output row than SWAR (its three final popcounts) and saves ~182
        /// per full 8-word block, so it pays from one block up: rows of at least 8 words (512 bits).
        /// </summary>
        public static bool HarleySealPays(int wordsPerRow)
        {
            return wordsPerRow >= 8;
        }
    }
}

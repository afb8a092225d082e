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
    }
}

namespace Bnn.Nano.Runtime.Kernels
{
    /// <summary>What a layer does with its integer dot products: binarize against thresholds, or score.</summary>
    public static class OutputStages
    {
        /// <summary>
        /// Output bit o = dots[o] &gt;= thresholds[o] (batch norm + sign folded by the compiler; a negative BN scale was
        /// turned into inverted weights and threshold). Bits are packed LSB-first into
        /// ceil(count/64) words of <paramref name="output"/> from <paramref name="outputOffset"/>; padding bits are 0.
        /// </summary>
        public static void ThresholdPack(int[] dots, int[] thresholds, int count, ulong[] output, int outputOffset)
        {
            int o = 0;
            int word = outputOffset;
            while (o < count)
            {
                int end = o + 64 < count ? o + 64 : count;
                ulong bits = 0;
                ulong bit = 1;
                while (o < end)
                {
                    if (dots[o] >= thresholds[o])
                    {
                        bits |= bit;
                    }

                    bit <<= 1;
                    o++;
                }

                output[word++] = bits;
            }
        }

        /// <summary>
        /// <see cref="ThresholdPack"/> OR-ed into the words already there: bit o becomes 1 when dots[o] &gt;= thresholds[o]
        /// and stays 1 otherwise (a max-pool fused into the layer: the OR over the pool window's pixels).
        /// </summary>
        public static void ThresholdOr(int[] dots, int[] thresholds, int count, ulong[] output, int outputOffset)
        {
            int o = 0;
            int word = outputOffset;
            while (o < count)
            {
                int end = o + 64 < count ? o + 64 : count;
                ulong bits = output[word];
                ulong bit = 1;
                while (o < end)
                {
                    if (dots[o] >= thresholds[o])
                    {
                        bits |= bit;
                    }

                    bit <<= 1;
                    o++;
                }

                output[word++] = bits;
            }
        }

        /// <summary>
        /// Integer class scores s_c = scales[c] * dots[c] + biases[c] (fixed point: real score ≈ s_c / 2^shift). The
        /// loader checks |scale| * n + |bias| &lt; 2^31, so no score overflows.
        /// </summary>
        public static void AffineScores(int[] dots, int[] scales, int[] biases, int count, int[] scores)
        {
            for (int c = 0; c < count; c++)
            {
                scores[c] = scales[c] * dots[c] + biases[c];
            }
        }

        /// <summary>Index of the largest score; the lowest index wins ties (as ONNX ArgMax/TopK).</summary>
        public static int ArgMax(int[] scores, int count)
        {
            int best = 0;
            int bestScore = scores[0];
            for (int c = 1; c < count; c++)
            {
                if (scores[c] > bestScore)
                {
                    bestScore = scores[c];
                    best = c;
                }
            }

            return best;
        }
    }
}

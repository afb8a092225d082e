namespace Bnn.Nano.Runtime.Kernels
{
    /// <summary>
    /// Full-precision dense head: bits in (±1, bit convention of <see cref="BinaryDotKernels"/>) → integer scores.
    /// Weights: <c>outputs</c> rows of <c>inputWords * 64</c> sbytes, one per bit position (0 at padding positions);
    /// score_c = Σ_i w_ci·(bit_i ? +1 : -1) + biases[c]. With |w| ≤ 128, |score| ≤ 128·64·inputWords + |bias|; the
    /// loader keeps that below 2^31.
    /// </summary>
    public static class Int8HeadKernels
    {
        /// <summary>The math, one bit at a time: the oracle for every other variant.</summary>
        public static void Reference(ulong[] input, int inputOffset, int inputWords, sbyte[] weights, int[] biases, int outputs, int[] scores)
        {
            int bits = inputWords * 64;
            for (int c = 0; c < outputs; c++)
            {
                int score = biases[c];
                int rowStart = c * bits;
                for (int i = 0; i < bits; i++)
                {
                    int w = weights[rowStart + i];
                    if (((input[inputOffset + (i >> 6)] >> (i & 63)) & 1UL) != 0)
                    {
                        score += w;
                    }
                    else
                    {
                        score -= w;
                    }
                }

                scores[c] = score;
            }
        }

        /// <summary>
        /// rowSums[c] = Σ_i w_ci over the whole row (padding positions are 0): computed once at load for
        /// <see cref="NibbleSwitch"/>.
        /// </summary>
        public static void RowSums(sbyte[] weights, int inputWords, int outputs, int[] rowSums)
        {
            int bits = inputWords * 64;
            int k = 0;
            for (int c = 0; c < outputs; c++)
            {
                int sum = 0;
                int end = k + bits;
                while (k < end)
                {
                    sum += weights[k++];
                }

                rowSums[c] = sum;
            }
        }

        /// <summary>
        /// score_c = 2·Σ_{set bits} w_ci - rowSums[c] + biases[c] (since Σ w·(±1) = Σ_set w - Σ_clear w), so only the
        /// weights of set bits are read. Each 32-bit half of an input word is taken 4 bits at a time: a 16-way
        /// <c>switch</c> on the nibble jumps to the sum of exactly its set weights.
        /// <para>
        /// IL count (nanoCLR cost model, docs/cost-model.md; Release device build), per nibble: 6 (mask, switch), the
        /// case (3 + 3 to 5 per set weight + 1 per add: 14 on average over the 16 nibble values, 25 for 15, 1 for 0)
        /// and 10 (shift, weight index step, loop test): ~30, i.e. ~7.5 IL per input bit and output on random bits,
        /// 10.3 when every bit is set, and a half whose remaining bits are all 0 ends its loop early. The reference's
        /// add/subtract per bit costs ~35 IL (bit extraction, branch, loop); a de Bruijn walk over the set bits ~27 per
        /// set bit (~13.5 per bit); per-row nibble tables would cost ~3 per bit but 8× the weight memory. Needs
        /// <paramref name="rowSums"/> from <see cref="RowSums"/>, computed once at load.
        /// </para>
        /// </summary>
        public static void NibbleSwitch(ulong[] input, int inputOffset, int inputWords, sbyte[] weights, int[] rowSums, int[] biases, int outputs, int[] scores)
        {
            int rowStart = 0;
            int inputEnd = inputOffset + inputWords;
            for (int c = 0; c < outputs; c++)
            {
                int acc = 0;
                int half = rowStart;
                for (int wi = inputOffset; wi < inputEnd; wi++)
                {
                    ulong word = input[wi];
                    for (int h = 0; h < 2; h++)
                    {
                        uint v = h == 0 ? (uint)word : (uint)(word >> 32);
                        int k = half;
                        while (v != 0)
                        {
                            switch (v & 15u)
                            {
                                case 0:
                                    break;
                                case 1:
                                    acc += weights[k];
                                    break;
                                case 2:
                                    acc += weights[k + 1];
                                    break;
                                case 3:
                                    acc += weights[k] + weights[k + 1];
                                    break;
                                case 4:
                                    acc += weights[k + 2];
                                    break;
                                case 5:
                                    acc += weights[k] + weights[k + 2];
                                    break;
                                case 6:
                                    acc += weights[k + 1] + weights[k + 2];
                                    break;
                                case 7:
                                    acc += weights[k] + weights[k + 1] + weights[k + 2];
                                    break;
                                case 8:
                                    acc += weights[k + 3];
                                    break;
                                case 9:
                                    acc += weights[k] + weights[k + 3];
                                    break;
                                case 10:
                                    acc += weights[k + 1] + weights[k + 3];
                                    break;
                                case 11:
                                    acc += weights[k] + weights[k + 1] + weights[k + 3];
                                    break;
                                case 12:
                                    acc += weights[k + 2] + weights[k + 3];
                                    break;
                                case 13:
                                    acc += weights[k] + weights[k + 2] + weights[k + 3];
                                    break;
                                case 14:
                                    acc += weights[k + 1] + weights[k + 2] + weights[k + 3];
                                    break;
                                case 15:
                                    acc += weights[k] + weights[k + 1] + weights[k + 2] + weights[k + 3];
                                    break;
                            }

                            v >>= 4;
                            k += 4;
                        }

                        half += 32;
                    }
                }

                scores[c] = (2 * acc) - rowSums[c] + biases[c];
                rowStart = half;
            }
        }
    }
}

namespace Bnn.Nano.Runtime.Kernels
{
    /// <summary>
    /// 8-bit inputs × binary weights (the first layer): dots[o] = Σ_i (w_oi ? +x_i : -x_i), exact integers.
    /// Inputs are bytes read as int8 (two's complement) when <c>signedInput</c> is true, else as uint8.
    /// Weights: bits as in <see cref="BinaryDotKernels"/>, one row of wordsPerRow 64-bit words per output.
    /// </summary>
    public static class Int8BinaryDotKernels
    {
        /// <summary>The math, branchy add/subtract per input (22.2 IL ops per input and output): the oracle.</summary>
        public static void Reference(byte[] input, bool signedInput, int inputCount, ulong[] weights, int wordsPerRow, int outputs, int[] dots)
        {
            for (int o = 0; o < outputs; o++)
            {
                int acc = 0;
                int rowStart = o * wordsPerRow;
                for (int i = 0; i < inputCount; i++)
                {
                    int x = input[i];
                    if (signedInput && x >= 128)
                    {
                        x -= 256;
                    }

                    if (((weights[rowStart + (i >> 6)] >> (i & 63)) & 1UL) != 0)
                    {
                        acc += x;
                    }
                    else
                    {
                        acc -= x;
                    }
                }

                dots[o] = acc;
            }
        }

        /// <summary>
        /// Writes the 16 signed sums of one group of 4 values: table[t + m] = Σ_j (bit j of m ? +x_j : -x_j). Shared
        /// by the dense and the convolution partial-sum kernels (a static call costs 4 IL ops against ~200 here).
        /// </summary>
        public static void WriteGroupSums(short[] table, int t, int x0, int x1, int x2, int x3)
        {
            int s0 = -x0 - x1 - x2 - x3;
            int s1 = s0 + x0 + x0;
            int s2 = s0 + x1 + x1;
            int s3 = s1 + x1 + x1;
            int d2 = x2 + x2;
            int d3 = x3 + x3;
            int d23 = d2 + d3;
            table[t] = (short)s0;
            table[t + 1] = (short)s1;
            table[t + 2] = (short)s2;
            table[t + 3] = (short)s3;
            table[t + 4] = (short)(s0 + d2);
            table[t + 5] = (short)(s1 + d2);
            table[t + 6] = (short)(s2 + d2);
            table[t + 7] = (short)(s3 + d2);
            table[t + 8] = (short)(s0 + d3);
            table[t + 9] = (short)(s1 + d3);
            table[t + 10] = (short)(s2 + d3);
            table[t + 11] = (short)(s3 + d3);
            table[t + 12] = (short)(s0 + d23);
            table[t + 13] = (short)(s1 + d23);
            table[t + 14] = (short)(s2 + d23);
            table[t + 15] = (short)(s3 + d23);
        }

        /// <summary>Entries of the partial-sum table for <paramref name="inputCount"/> inputs.</summary>
        public static int TableLength(int inputCount)
        {
            return ((inputCount + 3) >> 2) << 4;
        }

        /// <summary>
        /// Shared partial-sum tables: for each group of 4 inputs the 16 signed sums are computed once per inference
        /// (table[16g + m] = Σ_j (bit j of m ? +x_j : -x_j)); each output then reads one entry per 4 inputs, indexed by
        /// its 4 weight bits. About 48.5 IL ops per input to build plus 4.25 per input and output, against 22.2 for the
        /// reference: it wins from about 3 outputs up (docs/cost-model.md). Scratch: <paramref name="table"/> of at
        /// least <see cref="TableLength"/> entries; |entry| ≤ 4·255 = 1020, so short suffices.
        /// </summary>
        public static void PartialSumTable(byte[] input, bool signedInput, int inputCount, ulong[] weights, int wordsPerRow, int outputs, short[] table, int[] dots)
        {
            int groups = (inputCount + 3) >> 2;
            int t = 0;
            for (int i = 0; i < inputCount; i += 4)
            {
                int x0 = input[i];
                int x1 = i + 1 < inputCount ? input[i + 1] : 0;
                int x2 = i + 2 < inputCount ? input[i + 2] : 0;
                int x3 = i + 3 < inputCount ? input[i + 3] : 0;
                if (signedInput)
                {
                    x0 = (int)(sbyte)x0;
                    x1 = (int)(sbyte)x1;
                    x2 = (int)(sbyte)x2;
                    x3 = (int)(sbyte)x3;
                }

                WriteGroupSums(table, t, x0, x1, x2, x3);
                t += 16;
            }

            int rowStart = 0;
            for (int o = 0; o < outputs; o++)
            {
                int acc = 0;
                int tb = 0;
                int left = groups;
                int wi = rowStart;
                while (left > 0)
                {
                    ulong w = weights[wi++];
                    int n = left < 16 ? left : 16;
                    left -= n;
                    while (n-- > 0)
                    {
                        acc += table[tb + (int)(w & 15UL)];
                        w >>= 4;
                        tb += 16;
                    }
                }

                dots[o] = acc;
                rowStart += wordsPerRow;
            }
        }
    }
}

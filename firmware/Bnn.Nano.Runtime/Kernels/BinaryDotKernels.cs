namespace Bnn.Nano.Runtime.Kernels
{
    /// <summary>
    /// Binary × binary dot products: dots[o] = n - 2 * popcount(x ^ w_o) over n valid bits.
    /// Bit convention (docs/bit-convention.md): bit 1 is +1, bit 0 is -1, LSB-first in 64-bit words (low 32-bit word
    /// first), bits past n are 0 in input and weights alike, so padding never reaches the popcount.
    /// Input: <paramref name="input"/>[inputOffset ..] holds ceil(n/64) words. Weights: one row of
    /// <paramref name="wordsPerRow"/> words per output, row-major.
    /// </summary>
    public static class BinaryDotKernels
    {
        /// <summary>The math, one bit at a time: the oracle for every other variant.</summary>
        public static void Reference(ulong[] input, int inputOffset, int bitCount, ulong[] weights, int wordsPerRow, int outputs, int[] dots)
        {
            for (int o = 0; o < outputs; o++)
            {
                int dot = 0;
                int rowStart = o * wordsPerRow;
                for (int i = 0; i < bitCount; i++)
                {
                    int x = (int)((input[inputOffset + (i >> 6)] >> (i & 63)) & 1UL);
                    int w = (int)((weights[rowStart + (i >> 6)] >> (i & 63)) & 1UL);
                    dot += x == w ? 1 : -1;
                }

                dots[o] = dot;
            }
        }

        /// <summary>
        /// The variant with the fewest IL instructions on the device cost model for rows of
        /// <paramref name="wordsPerRow"/> words: <see cref="NineWordSwarU64"/> for 9 (<see cref="CostModel.NineWordSwarPays"/>),
        /// <see cref="HarleySealU64"/> from 8 (<see cref="CostModel.HarleySealPays"/>), else <see cref="SwarU64"/>.
        /// </summary>
        public static void Cheapest(ulong[] input, int inputOffset, int bitCount, ulong[] weights, int wordsPerRow, int outputs, int[] dots)
        {
            if (CostModel.NineWordSwarPays(wordsPerRow))
            {
                NineWordSwarU64(input, inputOffset, bitCount, weights, wordsPerRow, outputs, dots);
            }
            else if (CostModel.HarleySealPays(wordsPerRow))
            {
                HarleySealU64(input, inputOffset, bitCount, weights, wordsPerRow, outputs, dots);
            }
            else
            {
                SwarU64(input, inputOffset, bitCount, weights, wordsPerRow, outputs, dots);
            }
        }

        /// <summary>SWAR popcount of each 64-bit XOR word (25.2 IL ops per 32 bits): the portable fallback.</summary>
        public static void SwarU64(ulong[] input, int inputOffset, int bitCount, ulong[] weights, int wordsPerRow, int outputs, int[] dots)
        {
            int w = 0;
            for (int o = 0; o < outputs; o++)
            {
                int pop = 0;
                int end = inputOffset + wordsPerRow;
                for (int i = inputOffset; i < end; i++)
                {
                    ulong x = input[i] ^ weights[w++];
                    x -= (x >> 1) & 0x5555555555555555UL;
                    x = (x & 0x3333333333333333UL) + ((x >> 2) & 0x3333333333333333UL);
                    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FUL;
                    pop += (int)((x * 0x0101010101010101UL) >> 56);
                }

                dots[o] = bitCount - 2 * pop;
            }
        }

        /// <summary>
        /// Rows of exactly 9 words (a 3×3 window of at most 64 channels, the usual binary convolution): the 9 input
        /// words are read once into locals, then each output is one unrolled SWAR popcount with no loop over the row.
        /// The 4-bit partial counts of three words are added before the 8-bit step (a nibble then holds at most
        /// 3 × 4 = 12), and the three 8-bit sums (at most 3 × 24 = 72 per byte) before one fold into 16-bit fields and
        /// the horizontal multiply.
        /// <para>
        /// IL count (static, Release device build): 298 per output and 67 per call (benchmarks/kernel-il-costs.md); the
        /// exact counter measures 299 per output over 64 outputs against 470 for <see cref="HarleySealU64"/> (one 8-word
        /// block, one SWAR tail word and three final popcounts) and 513 for <see cref="SwarU64"/>. The choice:
        /// <see cref="CostModel.NineWordSwarPays"/>.
        /// </para>
        /// </summary>
        public static void NineWordSwarU64(ulong[] input, int inputOffset, int bitCount, ulong[] weights, int wordsPerRow, int outputs, int[] dots)
        {
            if (wordsPerRow != 9)
            {
                throw new BnnException("binary dot: NineWordSwarU64 needs rows of 9 words, these have " + wordsPerRow.ToString());
            }

            ulong x0 = input[inputOffset];
            ulong x1 = input[inputOffset + 1];
            ulong x2 = input[inputOffset + 2];
            ulong x3 = input[inputOffset + 3];
            ulong x4 = input[inputOffset + 4];
            ulong x5 = input[inputOffset + 5];
            ulong x6 = input[inputOffset + 6];
            ulong x7 = input[inputOffset + 7];
            ulong x8 = input[inputOffset + 8];
            int w = 0;
            for (int o = 0; o < outputs; o++)
            {
                ulong a = x0 ^ weights[w];
                ulong b = x1 ^ weights[w + 1];
                ulong c = x2 ^ weights[w + 2];
                a -= (a >> 1) & 0x5555555555555555UL;
                b -= (b >> 1) & 0x5555555555555555UL;
                c -= (c >> 1) & 0x5555555555555555UL;
                ulong nibbles = (a & 0x3333333333333333UL) + ((a >> 2) & 0x3333333333333333UL)
                    + (b & 0x3333333333333333UL) + ((b >> 2) & 0x3333333333333333UL)
                    + (c & 0x3333333333333333UL) + ((c >> 2) & 0x3333333333333333UL);
                ulong bytes = (nibbles & 0x0F0F0F0F0F0F0F0FUL) + ((nibbles >> 4) & 0x0F0F0F0F0F0F0F0FUL);

                a = x3 ^ weights[w + 3];
                b = x4 ^ weights[w + 4];
                c = x5 ^ weights[w + 5];
                a -= (a >> 1) & 0x5555555555555555UL;
                b -= (b >> 1) & 0x5555555555555555UL;
                c -= (c >> 1) & 0x5555555555555555UL;
                nibbles = (a & 0x3333333333333333UL) + ((a >> 2) & 0x3333333333333333UL)
                    + (b & 0x3333333333333333UL) + ((b >> 2) & 0x3333333333333333UL)
                    + (c & 0x3333333333333333UL) + ((c >> 2) & 0x3333333333333333UL);
                bytes += (nibbles & 0x0F0F0F0F0F0F0F0FUL) + ((nibbles >> 4) & 0x0F0F0F0F0F0F0F0FUL);

                a = x6 ^ weights[w + 6];
                b = x7 ^ weights[w + 7];
                c = x8 ^ weights[w + 8];
                a -= (a >> 1) & 0x5555555555555555UL;
                b -= (b >> 1) & 0x5555555555555555UL;
                c -= (c >> 1) & 0x5555555555555555UL;
                nibbles = (a & 0x3333333333333333UL) + ((a >> 2) & 0x3333333333333333UL)
                    + (b & 0x3333333333333333UL) + ((b >> 2) & 0x3333333333333333UL)
                    + (c & 0x3333333333333333UL) + ((c >> 2) & 0x3333333333333333UL);
                bytes += (nibbles & 0x0F0F0F0F0F0F0F0FUL) + ((nibbles >> 4) & 0x0F0F0F0F0F0F0F0FUL);

                // Up to 576 set bits: fold the bytes into 16-bit fields before the horizontal multiply.
                bytes = (bytes + (bytes >> 8)) & 0x00FF00FF00FF00FFUL;
                dots[o] = bitCount - (2 * (int)((bytes * 0x0001000100010001UL) >> 48));
                w += 9;
            }
        }

        /// <summary>
        /// <see cref="NineWordSwarU64"/> with the threshold applied in place and the result OR-ed into bits, for a binary
        /// convolution whose max-pool is fused into it (<see cref="BinaryConv2dKernels.Im2ColDenseDotMaxPoolU64"/>): bit
        /// o of the words at output[outputOffset ..] becomes 1 when dot_o &gt;= thresholds[o] and stays 1 otherwise.
        /// An output whose bit is already 1 (set by an earlier pixel of the pool window) is skipped: the OR could not
        /// change it, so its 298 IL of popcount are not spent. Bits past <paramref name="outputs"/> are left as they are.
        /// </summary>
        public static void NineWordSwarThresholdOrU64(ulong[] input, int inputOffset, int bitCount, ulong[] weights, int wordsPerRow, int[] thresholds, int outputs, ulong[] output, int outputOffset)
        {
            if (wordsPerRow != 9)
            {
                throw new BnnException("binary dot: NineWordSwarThresholdOrU64 needs rows of 9 words, these have " + wordsPerRow.ToString());
            }

            ulong x0 = input[inputOffset];
            ulong x1 = input[inputOffset + 1];
            ulong x2 = input[inputOffset + 2];
            ulong x3 = input[inputOffset + 3];
            ulong x4 = input[inputOffset + 4];
            ulong x5 = input[inputOffset + 5];
            ulong x6 = input[inputOffset + 6];
            ulong x7 = input[inputOffset + 7];
            ulong x8 = input[inputOffset + 8];
            int w = 0;
            int o = 0;
            int word = outputOffset;
            while (o < outputs)
            {
                int end = o + 64 < outputs ? o + 64 : outputs;
                ulong bits = output[word];
                ulong bit = 1UL;
                for (; o < end; o++)
                {
                    if ((bits & bit) == 0UL)
                    {
                        // The popcount of NineWordSwarU64, term for term.
                        ulong a = x0 ^ weights[w];
                        ulong b = x1 ^ weights[w + 1];
                        ulong c = x2 ^ weights[w + 2];
                        a -= (a >> 1) & 0x5555555555555555UL;
                        b -= (b >> 1) & 0x5555555555555555UL;
                        c -= (c >> 1) & 0x5555555555555555UL;
                        ulong nibbles = (a & 0x3333333333333333UL) + ((a >> 2) & 0x3333333333333333UL)
                            + (b & 0x3333333333333333UL) + ((b >> 2) & 0x3333333333333333UL)
                            + (c & 0x3333333333333333UL) + ((c >> 2) & 0x3333333333333333UL);
                        ulong bytes = (nibbles & 0x0F0F0F0F0F0F0F0FUL) + ((nibbles >> 4) & 0x0F0F0F0F0F0F0F0FUL);

                        a = x3 ^ weights[w + 3];
                        b = x4 ^ weights[w + 4];
                        c = x5 ^ weights[w + 5];
                        a -= (a >> 1) & 0x5555555555555555UL;
                        b -= (b >> 1) & 0x5555555555555555UL;
                        c -= (c >> 1) & 0x5555555555555555UL;
                        nibbles = (a & 0x3333333333333333UL) + ((a >> 2) & 0x3333333333333333UL)
                            + (b & 0x3333333333333333UL) + ((b >> 2) & 0x3333333333333333UL)
                            + (c & 0x3333333333333333UL) + ((c >> 2) & 0x3333333333333333UL);
                        bytes += (nibbles & 0x0F0F0F0F0F0F0F0FUL) + ((nibbles >> 4) & 0x0F0F0F0F0F0F0F0FUL);

                        a = x6 ^ weights[w + 6];
                        b = x7 ^ weights[w + 7];
                        c = x8 ^ weights[w + 8];
                        a -= (a >> 1) & 0x5555555555555555UL;
                        b -= (b >> 1) & 0x5555555555555555UL;
                        c -= (c >> 1) & 0x5555555555555555UL;
                        nibbles = (a & 0x3333333333333333UL) + ((a >> 2) & 0x3333333333333333UL)
                            + (b & 0x3333333333333333UL) + ((b >> 2) & 0x3333333333333333UL)
                            + (c & 0x3333333333333333UL) + ((c >> 2) & 0x3333333333333333UL);
                        bytes += (nibbles & 0x0F0F0F0F0F0F0F0FUL) + ((nibbles >> 4) & 0x0F0F0F0F0F0F0F0FUL);

                        bytes = (bytes + (bytes >> 8)) & 0x00FF00FF00FF00FFUL;
                        if (bitCount - (2 * (int)((bytes * 0x0001000100010001UL) >> 48)) >= thresholds[o])
                        {
                            bits |= bit;
                        }
                    }

                    bit <<= 1;
                    w += 9;
                }

                output[word++] = bits;
            }
        }

        /// <summary>
        /// Harley–Seal carry-save adders over blocks of 8 words, one popcount per block (17.6 IL ops per 32 bits on
        /// the interpreter against 25.2 for SWAR); the words past the last full block use SWAR.
        /// </summary>
        public static void HarleySealU64(ulong[] input, int inputOffset, int bitCount, ulong[] weights, int wordsPerRow, int outputs, int[] dots)
        {
            int blockWords = wordsPerRow & ~7;
            int rowStart = 0;
            for (int o = 0; o < outputs; o++)
            {
                ulong ones = 0, twos = 0, fours = 0;
                int eights = 0;
                int w = rowStart;
                int i = inputOffset;
                int blockEnd = inputOffset + blockWords;
                while (i < blockEnd)
                {
                    ulong a = input[i] ^ weights[w];
                    ulong b = input[i + 1] ^ weights[w + 1];
                    ulong u = ones ^ a;
                    ulong twosA = (ones & a) | (u & b);
                    ones = u ^ b;
                    a = input[i + 2] ^ weights[w + 2];
                    b = input[i + 3] ^ weights[w + 3];
                    u = ones ^ a;
                    ulong twosB = (ones & a) | (u & b);
                    ones = u ^ b;
                    u = twos ^ twosA;
                    ulong foursA = (twos & twosA) | (u & twosB);
                    twos = u ^ twosB;

                    a = input[i + 4] ^ weights[w + 4];
                    b = input[i + 5] ^ weights[w + 5];
                    u = ones ^ a;
                    twosA = (ones & a) | (u & b);
                    ones = u ^ b;
                    a = input[i + 6] ^ weights[w + 6];
                    b = input[i + 7] ^ weights[w + 7];
                    u = ones ^ a;
                    twosB = (ones & a) | (u & b);
                    ones = u ^ b;
                    u = twos ^ twosA;
                    ulong foursB = (twos & twosA) | (u & twosB);
                    twos = u ^ twosB;

                    u = fours ^ foursA;
                    ulong x = (fours & foursA) | (u & foursB);
                    fours = u ^ foursB;

                    x -= (x >> 1) & 0x5555555555555555UL;
                    x = (x & 0x3333333333333333UL) + ((x >> 2) & 0x3333333333333333UL);
                    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FUL;
                    eights += (int)((x * 0x0101010101010101UL) >> 56);
                    i += 8;
                    w += 8;
                }

                int pop = 8 * eights
                    + 4 * Popcount.CountU64(fours)
                    + 2 * Popcount.CountU64(twos)
                    + Popcount.CountU64(ones);

                int end = inputOffset + wordsPerRow;
                while (i < end)
                {
                    ulong x = input[i++] ^ weights[w++];
                    x -= (x >> 1) & 0x5555555555555555UL;
                    x = (x & 0x3333333333333333UL) + ((x >> 2) & 0x3333333333333333UL);
                    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FUL;
                    pop += (int)((x * 0x0101010101010101UL) >> 56);
                }

                dots[o] = bitCount - 2 * pop;
                rowStart += wordsPerRow;
            }
        }
    }
}

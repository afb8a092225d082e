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

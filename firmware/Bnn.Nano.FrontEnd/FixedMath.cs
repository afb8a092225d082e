namespace Bnn.Nano.FrontEnd
{
    /// <summary>
    /// Integer-only elementary functions for building the front end's tables at construction (nanoFramework's mscorlib
    /// has no System.Math, and integer code gives the same bits on every machine). Values are fixed-point Q30
    /// (1.0 = 2^30) held in int or long; products are formed in 64 bits. Accuracy against System.Math (measured in
    /// tests/Bnn.Nano.Tests/FrontEnd/FixedMathTests.cs): sine and cosine within 1.2·2^-30, log2 within 1·2^-30, exp2
    /// within 8e-10 relative: about the resolution of the Q30 tables built from them.
    /// </summary>
    public static class FixedMath
    {
        /// <summary>1.0 in Q30.</summary>
        public const int OneQ30 = 1 << 30;

        /// <summary>round(π/2 · 2^30).</summary>
        private const long HalfPiQ30 = 1686629713;

        /// <summary>round(ln 2 · 2^30).</summary>
        private const long Ln2Q30 = 744261118;

        /// <summary>sin(2π·phase/2^32) in Q30: the phase is a fraction of a full turn in Q32, so it wraps like the angle.</summary>
        public static int SinQ30(uint phase)
        {
            uint quadrant = phase >> 30;
            long f = phase & 0x3FFFFFFF; // position inside the quadrant, Q30 of a quarter turn
            bool cosine = (quadrant & 1) != 0; // quadrants 1 and 3: sin(q·π/2 + φ) = ±cos φ
            if (f > (1 << 29))
            {
                // Past an eighth of a turn: sin φ = cos(π/2 − φ), keeping the polynomial argument within [0, π/4].
                f = (1L << 30) - f;
                cosine = !cosine;
            }

            long x = ((f * HalfPiQ30) + (1L << 29)) >> 30; // φ in radians, Q30, 0..π/4
            long r = cosine ? CosPoly(x) : SinPoly(x);
            return (int)(quadrant >= 2 ? -r : r);
        }

        /// <summary>cos(2π·phase/2^32) in Q30 (a quarter turn ahead of the sine).</summary>
        public static int CosQ30(uint phase)
        {
            return SinQ30(phase + 0x40000000u);
        }

        /// <summary>The phase (Q32 turns) of index/period, rounded: 2π·index/period as an angle for <see cref="SinQ30"/>.</summary>
        public static uint PhaseQ32(int index, int period)
        {
            ulong p = (ulong)period;
            return (uint)((((ulong)index << 32) + (p >> 1)) / p);
        }

        /// <summary>log2(x) in Q30 for 1 ≤ x &lt; 2^62 (x = 0 or negative gives 0).</summary>
        public static long Log2Q30(long x)
        {
            if (x <= 0)
            {
                return 0;
            }

            int msb = BitLength(x) - 1;
            long m = msb >= 30 ? x >> (msb - 30) : x << (30 - msb); // mantissa in [1, 2), Q30
            long result = (long)msb << 30;

            // One fraction bit per squaring: m² ≥ 2 means the next bit of log2(m) is 1.
            for (int bit = 29; bit >= 0; bit--)
            {
                m = ((m * m) + (1L << 29)) >> 30;
                if (m >= (2L << 30))
                {
                    m >>= 1;
                    result |= 1L << bit;
                }
            }

            return result;
        }

        /// <summary>2^y in Q30 for 0 ≤ y &lt; 32 given in Q30 (the result must stay below 2^62).</summary>
        public static long Exp2Q30(long yQ30)
        {
            int whole = (int)(yQ30 >> 30);
            long fraction = yQ30 & (OneQ30 - 1);
            long z = ((fraction * Ln2Q30) + (1L << 29)) >> 30; // fraction·ln 2 in [0, 0.694)

            // e^z = 1 + z(1 + z/2(1 + z/3(...))), 14 terms: truncation below 1e-14.
            long t = OneQ30;
            for (int k = 14; k >= 1; k--)
            {
                long d = (long)k << 30;
                t = OneQ30 + (((z * t) + (d >> 1)) / d);
            }

            return t << whole;
        }

        /// <summary>Number of significant bits of a non-negative value: 0 for 0, 1 for 1, 64 − leading zeros otherwise.</summary>
        public static int BitLength(long x)
        {
            int n = 0;
            if ((x >> 32) != 0)
            {
                x >>= 32;
                n = 32;
            }

            if ((x >> 16) != 0)
            {
                x >>= 16;
                n += 16;
            }

            if ((x >> 8) != 0)
            {
                x >>= 8;
                n += 8;
            }

            if ((x >> 4) != 0)
            {
                x >>= 4;
                n += 4;
            }

            if ((x >> 2) != 0)
            {
                x >>= 2;
                n += 2;
            }

            if ((x >> 1) != 0)
            {
                x >>= 1;
                n += 1;
            }

            return n + (int)x;
        }

        /// <summary>cos x for 0 ≤ x ≤ π/4 in Q30: Taylor series to x^12 in Horner form (truncation below 4e-13).</summary>
        private static long CosPoly(long x)
        {
            long x2 = ((x * x) + (1L << 29)) >> 30;
            long t = OneQ30;
            t = Step(t, x2, 132);
            t = Step(t, x2, 90);
            t = Step(t, x2, 56);
            t = Step(t, x2, 30);
            t = Step(t, x2, 12);
            return Step(t, x2, 2);
        }

        /// <summary>sin x for 0 ≤ x ≤ π/4 in Q30: Taylor series to x^13 in Horner form.</summary>
        private static long SinPoly(long x)
        {
            long x2 = ((x * x) + (1L << 29)) >> 30;
            long t = OneQ30;
            t = Step(t, x2, 156);
            t = Step(t, x2, 110);
            t = Step(t, x2, 72);
            t = Step(t, x2, 42);
            t = Step(t, x2, 20);
            t = Step(t, x2, 6);
            return ((x * t) + (1L << 29)) >> 30;
        }

        /// <summary>1 − x2·t/d in Q30, rounded.</summary>
        private static long Step(long t, long x2, int d)
        {
            long den = (long)d << 30;
            return OneQ30 - (((x2 * t) + (den >> 1)) / den);
        }
    }
}

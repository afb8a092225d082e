namespace Bnn.Nano.Runtime.Kernels
{
    /// <summary>
    /// Population count for nanoFramework, which has no BitOperations. SWAR on 64-bit words: on the nanoCLR
    /// interpreter a ulong instruction is dispatched once, so it costs about half the IL instructions per bit of
    /// the 32-bit form (docs/cost-model.md). Hot loops inline this body rather than call it (a call costs 4 IL ops).
    /// </summary>
    public static class Popcount
    {
        public static int CountU64(ulong x)
        {
            x -= (x >> 1) & 0x5555555555555555UL;
            x = (x & 0x3333333333333333UL) + ((x >> 2) & 0x3333333333333333UL);
            x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FUL;
            return (int)((x * 0x0101010101010101UL) >> 56);
        }

        /// <summary>The plain definition, one bit at a time: the oracle the SWAR form is tested against.</summary>
        public static int CountU64Reference(ulong x)
        {
            int count = 0;
            for (int i = 0; i < 64; i++)
            {
                count += (int)((x >> i) & 1UL);
            }

            return count;
        }
    }
}

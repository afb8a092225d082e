using System;

namespace Bnn.Nano.Compiler.Passes;

/// <summary>
/// Packs ±1 weights into rows of groups of bits, each group ceil(bits/32) uint32 words LSB-first, bit 1 = +1,
/// padding bits 0 (docs/bit-convention.md). A dense row over an HWC input has one group per pixel; a conv row one
/// group per kernel tap; an 8-bit-input row is one group.
/// </summary>
public static class BitPacking
{
    /// <param name="plusOne">(row, group, bit) → true where the weight is +1.</param>
    /// <param name="invertRow">Per row: true flips the row's bits (negative BN scale); padding stays 0.</param>
    public static uint[] PackRows(int rows, int groups, int groupBits, Func<int, int, int, bool> plusOne, bool[] invertRow)
    {
        int words = (groupBits + 31) >> 5;
        uint[] packed = new uint[rows * groups * words];
        for (int o = 0; o < rows; o++)
        {
            for (int g = 0; g < groups; g++)
            {
                int start = ((o * groups) + g) * words;
                for (int b = 0; b < groupBits; b++)
                {
                    if (plusOne(o, g, b) != invertRow[o])
                    {
                        packed[start + (b >> 5)] |= 1u << (b & 31);
                    }
                }
            }
        }

        return packed;
    }

    /// <summary>Packs ±1 values (any value ≥ 0 counts as +1) into uint32 words LSB-first.</summary>
    public static uint[] PackSigns(int[] signs)
    {
        uint[] packed = new uint[(signs.Length + 31) >> 5];
        for (int i = 0; i < signs.Length; i++)
        {
            if (signs[i] >= 0)
            {
                packed[i >> 5] |= 1u << (i & 31);
            }
        }

        return packed;
    }

    /// <summary>Uint32 words of groups → ulong words per group, low word first (the runtime's layout).</summary>
    public static ulong[] ToRuntimeWords(uint[] words32, int groupCount, int groupBits)
    {
        int w32 = (groupBits + 31) >> 5;
        int w64 = (groupBits + 63) >> 6;
        ulong[] result = new ulong[groupCount * w64];
        for (int g = 0; g < groupCount; g++)
        {
            for (int k = 0; k < w32; k++)
            {
                result[(g * w64) + (k >> 1)] |= (ulong)words32[(g * w32) + k] << (32 * (k & 1));
            }
        }

        return result;
    }
}

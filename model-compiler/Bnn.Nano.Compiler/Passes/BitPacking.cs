using Bnn.Nano.Compiler.Ir;

namespace Bnn.Nano.Compiler.Passes;

/// <summary>Packs ±1 weights into rows of uint32 words, LSB-first, bit 1 = +1, padding bits 0 (docs/bit-convention.md).</summary>
public static class BitPacking
{
    /// <param name="invertRow">Per output: true flips the row's bits (negative BN scale); padding stays 0.</param>
    public static uint[] PackRows(DenseLayer layer, bool[] invertRow)
    {
        int words = (layer.Inputs + 31) >> 5;
        uint[] packed = new uint[layer.Outputs * words];
        for (int o = 0; o < layer.Outputs; o++)
        {
            for (int i = 0; i < layer.Inputs; i++)
            {
                bool plusOne = layer.BinaryWeight(o, i) > 0;
                if (plusOne != invertRow[o])
                {
                    packed[(o * words) + (i >> 5)] |= 1u << (i & 31);
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
}

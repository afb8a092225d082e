using System;
using Bnn.Nano.Runtime;
using Bnn.Nano.Runtime.Kernels;
using Xunit;

namespace Bnn.Nano.Tests.Runtime;

/// <summary>Every optimised kernel against the one reference kernel of its kind, on seeded random shapes.</summary>
public class KernelParityTests
{
    private static readonly int[] s_edgeWidths = [1, 31, 32, 33, 63, 64, 65, 511, 512, 513, 4097];

    [Fact]
    public void popcount_swar_equals_bit_by_bit_count()
    {
        Random random = new(1);
        ulong[] edges = [0, ulong.MaxValue, 1, 1UL << 63, 0x5555555555555555, 0xAAAAAAAAAAAAAAAA];
        foreach (ulong x in edges)
        {
            Assert.Equal(Popcount.CountU64Reference(x), Popcount.CountU64(x));
        }

        for (int i = 0; i < 100_000; i++)
        {
            ulong x = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 40);
            Assert.Equal(Popcount.CountU64Reference(x), Popcount.CountU64(x));
        }
    }

    [Fact]
    public void binary_dot_kernels_match_reference_on_1000_random_shapes()
    {
        Random random = new(2);
        int cases = 0;
        foreach (int width in s_edgeWidths)
        {
            CheckBinaryShape(random, width, random.Next(1, 9));
            cases++;
        }

        while (cases < 1200)
        {
            int width = random.Next(4) == 0 ? random.Next(1, 3000) : random.Next(1, 200);
            CheckBinaryShape(random, width, random.Next(1, 12));
            cases++;
        }
    }

    [Fact]
    public void nine_word_swar_matches_reference_on_400_random_rows_of_9_words()
    {
        // Rows of 513..576 bits (a 3×3 window of 57..64 channels, or any 9-word patch); the padding bits are 0.
        Random random = new(4);
        for (int i = 0; i < 400; i++)
        {
            CheckBinaryShape(random, random.Next(513, 577), random.Next(1, 70));
        }
    }

    [Fact]
    public void nine_word_swar_reaches_both_extremes_and_refuses_other_row_lengths()
    {
        // 576 agreeing bits (pop 0) and 576 differing ones (pop 576, more than one byte of the horizontal sum holds).
        ulong[] input = new ulong[9];
        Array.Fill(input, ulong.MaxValue);
        ulong[] weights = new ulong[18];
        Array.Fill(weights, ulong.MaxValue, 0, 9);
        int[] dots = new int[2];
        BinaryDotKernels.NineWordSwarU64(input, 0, 576, weights, 9, 2, dots);
        Assert.Equal([576, -576], dots);

        BnnException e = Assert.Throws<BnnException>(() => BinaryDotKernels.NineWordSwarU64(new ulong[8], 0, 512, new ulong[8], 8, 1, dots));
        Assert.Contains("9 words", e.Message, StringComparison.Ordinal);
        Assert.Contains("8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void int8_dot_kernels_match_reference_on_1000_random_shapes()
    {
        Random random = new(3);
        int cases = 0;
        foreach (int width in s_edgeWidths)
        {
            CheckInt8Shape(random, width, random.Next(1, 9), signed: true);
            CheckInt8Shape(random, width, random.Next(1, 9), signed: false);
            cases += 2;
        }

        while (cases < 1200)
        {
            int width = random.Next(4) == 0 ? random.Next(1, 3000) : random.Next(1, 200);
            CheckInt8Shape(random, width, random.Next(1, 12), signed: random.Next(2) == 0);
            cases++;
        }
    }

    [Fact]
    public void single_bit_and_extreme_values()
    {
        // One input bit: dot is +1 when the bits agree, -1 when they differ.
        int[] dots = new int[2];
        BinaryDotKernels.HarleySealU64([1UL], 0, 1, [1UL, 0UL], 1, 2, dots);
        Assert.Equal([1, -1], dots);

        // All inputs at the int8 extremes against all-(+1) and all-(-1) rows.
        byte[] input = new byte[33];
        Array.Fill(input, (byte)0x80);
        ulong[] weights = [(1UL << 33) - 1, 0UL];
        AssertInt8KernelsAgree(input, true, weights, 1, 2, dots);
        Assert.Equal([-128 * 33, 128 * 33], dots);
        AssertInt8KernelsAgree(input, false, weights, 1, 2, dots);
        Assert.Equal([128 * 33, -128 * 33], dots);
    }

    [Fact]
    public void threshold_pack_sets_bits_lsb_first_and_clears_padding()
    {
        int[] dots = new int[70];
        int[] thresholds = new int[70];
        for (int i = 0; i < 70; i++)
        {
            dots[i] = i % 3 == 0 ? 5 : -5;
        }

        ulong[] output = [ulong.MaxValue, ulong.MaxValue, ulong.MaxValue];
        OutputStages.ThresholdPack(dots, thresholds, 70, output, 1);
        Assert.Equal(ulong.MaxValue, output[0]);
        for (int i = 0; i < 128; i++)
        {
            bool expected = i < 70 && i % 3 == 0;
            Assert.Equal(expected, ((output[1 + (i >> 6)] >> (i & 63)) & 1) == 1);
        }
    }

    [Fact]
    public void argmax_lowest_index_wins_ties()
    {
        Assert.Equal(1, OutputStages.ArgMax([3, 7, 7, -1], 4));
        Assert.Equal(0, OutputStages.ArgMax([int.MinValue, int.MinValue], 2));
    }

    private static void AssertInt8KernelsAgree(byte[] input, bool signed, ulong[] weights, int wordsPerRow, int outputs, int[] dots)
    {
        int[] reference = new int[outputs];
        Int8BinaryDotKernels.Reference(input, signed, input.Length, weights, wordsPerRow, outputs, reference);
        short[] table = new short[Int8BinaryDotKernels.TableLength(input.Length)];
        Int8BinaryDotKernels.PartialSumTable(input, signed, input.Length, weights, wordsPerRow, outputs, table, dots);
        Assert.Equal(reference, dots);
    }

    private static void CheckBinaryShape(Random random, int bits, int outputs)
    {
        int words = (bits + 63) >> 6;
        int offset = random.Next(3);
        ulong[] input = new ulong[offset + words + random.Next(2)];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = RandomWord(random);
        }

        MaskPadding(input, offset, bits);
        ulong[] weights = RandomRows(random, bits, outputs);
        int[] expected = new int[outputs];
        BinaryDotKernels.Reference(input, offset, bits, weights, words, outputs, expected);
        int[] actual = new int[outputs];
        BinaryDotKernels.SwarU64(input, offset, bits, weights, words, outputs, actual);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"SwarU64 differs at bits={bits} outputs={outputs}");
        Array.Clear(actual);
        BinaryDotKernels.HarleySealU64(input, offset, bits, weights, words, outputs, actual);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"HarleySealU64 differs at bits={bits} outputs={outputs}");
        Array.Clear(actual);
        BinaryDotKernels.Cheapest(input, offset, bits, weights, words, outputs, actual);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"Cheapest differs at bits={bits} outputs={outputs}");
        if (words == 9)
        {
            Array.Clear(actual);
            BinaryDotKernels.NineWordSwarU64(input, offset, bits, weights, words, outputs, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"NineWordSwarU64 differs at bits={bits} outputs={outputs}");
        }
    }

    private static void CheckInt8Shape(Random random, int inputs, int outputs, bool signed)
    {
        byte[] input = new byte[inputs];
        random.NextBytes(input);
        ulong[] weights = RandomRows(random, inputs, outputs);
        int[] expected = new int[outputs];
        Int8BinaryDotKernels.Reference(input, signed, inputs, weights, (inputs + 63) >> 6, outputs, expected);
        int[] actual = new int[outputs];
        short[] table = new short[Int8BinaryDotKernels.TableLength(inputs)];
        Int8BinaryDotKernels.PartialSumTable(input, signed, inputs, weights, (inputs + 63) >> 6, outputs, table, actual);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"PartialSumTable differs at inputs={inputs} outputs={outputs} signed={signed}");

        // The reference itself against the definition, on a few values.
        int o = random.Next(outputs);
        long sum = 0;
        for (int i = 0; i < inputs; i++)
        {
            int x = signed ? (sbyte)input[i] : input[i];
            bool plus = ((weights[(o * ((inputs + 63) >> 6)) + (i >> 6)] >> (i & 63)) & 1) == 1;
            sum += plus ? x : -x;
        }

        Assert.Equal(sum, expected[o]);
    }

    private static ulong[] RandomRows(Random random, int bits, int outputs)
    {
        int words = (bits + 63) >> 6;
        ulong[] rows = new ulong[words * outputs];
        for (int o = 0; o < outputs; o++)
        {
            for (int w = 0; w < words; w++)
            {
                rows[(o * words) + w] = RandomWord(random);
            }

            MaskPadding(rows, o * words, bits);
        }

        return rows;
    }

    private static ulong RandomWord(Random random) => random.Next(8) switch
    {
        0 => 0,
        1 => ulong.MaxValue,
        _ => (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63),
    };

    private static void MaskPadding(ulong[] words, int offset, int bits)
    {
        int used = bits & 63;
        if (used != 0)
        {
            words[offset + ((bits - 1) >> 6)] &= (1UL << used) - 1;
        }
    }
}

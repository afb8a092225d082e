using System;
using Bnn.Nano.Runtime;
using Bnn.Nano.Runtime.Kernels;
using Xunit;

namespace Bnn.Nano.Tests.Runtime;

/// <summary>
/// Convolution, pooling, input-threshold and dense-head kernels: every optimised kernel against its reference on
/// seeded random geometries, and every reference against an independent computation on decoded ±1 / int arrays.
/// </summary>
public class ConvKernelParityTests
{
    private const ulong Sentinel = 0xA5A5_5A5A_DEAD_BEEF;

    private static readonly int[] s_edgeChannels = [1, 31, 32, 33, 63, 64, 65, 100];

    // ---------------------------------------------------------------- geometry

    [Fact]
    public void geometry_computes_output_size_and_words_per_pixel()
    {
        ConvGeometry g = new(7, 9, 65, 33, 3, 2, 2, 3, 1, 0, 2, 1, -1);
        Assert.Equal(((7 + 1 + 2 - 3) / 2) + 1, g.OutHeight);
        Assert.Equal(((9 + 0 + 1 - 2) / 3) + 1, g.OutWidth);
        Assert.Equal(2, g.InWordsPerPixel);
        Assert.Equal(1, g.OutWordsPerPixel);
        Assert.Equal(-1, g.PadValue);
        Assert.True(g.HasPadding);

        ConvGeometry conv1d = new(1, 50, 6, 16, 1, 5, 1, 2, 0, 2, 0, 2, 0);
        Assert.Equal(1, conv1d.OutHeight);
        Assert.Equal(((50 + 4 - 5) / 2) + 1, conv1d.OutWidth);
        Assert.Equal(1, conv1d.InWordsPerPixel);
    }

    [Theory]
    [InlineData("inHeight", 0, 8, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 0)]
    [InlineData("inHeight", 65536, 8, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 0)]
    [InlineData("inWidth", 8, -1, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 0)]
    [InlineData("inChannels", 8, 8, 0, 16, 3, 3, 1, 1, 1, 1, 1, 1, 0)]
    [InlineData("inChannels", 8, 8, 65536, 16, 3, 3, 1, 1, 1, 1, 1, 1, 0)]
    [InlineData("outChannels", 8, 8, 16, 0, 3, 3, 1, 1, 1, 1, 1, 1, 0)]
    [InlineData("outChannels", 8, 8, 16, 65536, 3, 3, 1, 1, 1, 1, 1, 1, 0)]
    [InlineData("kernelHeight", 8, 8, 16, 16, 0, 3, 1, 1, 0, 1, 0, 1, 0)]
    [InlineData("kernelWidth", 8, 8, 16, 16, 3, -3, 1, 1, 1, 0, 1, 0, 0)]
    [InlineData("strideY", 8, 8, 16, 16, 3, 3, 0, 1, 1, 1, 1, 1, 0)]
    [InlineData("strideX", 8, 8, 16, 16, 3, 3, 1, 70000, 1, 1, 1, 1, 0)]
    [InlineData("padTop", 8, 8, 16, 16, 3, 3, 1, 1, -1, 1, 1, 1, 0)]
    [InlineData("padTop", 8, 8, 16, 16, 3, 3, 1, 1, 3, 1, 1, 1, 0)]
    [InlineData("padLeft", 8, 8, 16, 16, 3, 3, 1, 1, 1, -2, 1, 1, 0)]
    [InlineData("padLeft", 8, 8, 16, 16, 3, 3, 1, 1, 1, 4, 1, 1, 0)]
    [InlineData("padBottom", 8, 8, 16, 16, 3, 3, 1, 1, 1, 1, -1, 1, 0)]
    [InlineData("padBottom", 8, 8, 16, 16, 2, 3, 1, 1, 1, 1, 2, 1, 0)]
    [InlineData("padRight", 8, 8, 16, 16, 3, 3, 1, 1, 1, 1, 1, -1, 0)]
    [InlineData("padRight", 8, 8, 16, 16, 3, 1, 1, 1, 1, 0, 1, 1, 0)]
    [InlineData("padValue", 8, 8, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 2)]
    [InlineData("padValue", 8, 8, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, -2)]
    [InlineData("kernelHeight", 2, 8, 16, 16, 5, 3, 1, 1, 1, 1, 1, 1, 0)]
    [InlineData("kernelWidth", 8, 1, 16, 16, 3, 4, 1, 1, 1, 1, 1, 1, 0)]
    [InlineData("kernelWidth", 1, 1, 16, 16, 1, 2, 1, 1, 0, 0, 0, 0, 0)]
    [InlineData("inChannels", 300, 300, 200, 16, 255, 255, 1, 1, 0, 0, 0, 0, 0)]
    [InlineData("inHeight * inWidth * inChannels", 65535, 65535, 1000, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0)]
    [InlineData("outHeight * outWidth * outWordsPerPixel", 40000, 40000, 1, 65535, 1, 1, 1, 1, 0, 0, 0, 0, 0)]
    public void invalid_geometry_throws_naming_the_argument(
        string name,
        int inHeight,
        int inWidth,
        int inChannels,
        int outChannels,
        int kernelHeight,
        int kernelWidth,
        int strideY,
        int strideX,
        int padTop,
        int padLeft,
        int padBottom,
        int padRight,
        int padValue)
    {
        BnnException e = Assert.Throws<BnnException>(() => new ConvGeometry(
            inHeight, inWidth, inChannels, outChannels, kernelHeight, kernelWidth, strideY, strideX, padTop, padLeft, padBottom, padRight, padValue));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("conv geometry: ", e.Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- binary conv

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(0, 0, 1, 0)]
    [InlineData(-1, 0, 1, 0)]
    public void binary_conv1d_hand_checked_pad_values(int padValue, int bit0, int bit1, int bit2)
    {
        // Input [+1, -1, +1], one channel; kernel [+1, +1, +1]; pad 1 each side; threshold 1.
        // dots: [pad + 1 - 1, 1 - 1 + 1, -1 + 1 + pad] = [pad, 1, pad].
        ConvGeometry g = new(1, 3, 1, 1, 1, 3, 1, 1, 0, 1, 0, 1, padValue);
        ulong[] input = [1, 0, 1];
        ulong[] weights = [1, 1, 1];
        int[] thresholds = [1];
        foreach (bool optimised in new[] { false, true })
        {
            ulong[] output = new ulong[3];
            int[] dots = new int[1];
            if (optimised)
            {
                BinaryConv2dKernels.Im2ColDenseDotU64(input, 0, g, weights, thresholds, dots, output, 0, new ulong[BinaryConv2dKernels.ScratchLength(g)]);
            }
            else
            {
                BinaryConv2dKernels.Reference(input, 0, g, weights, thresholds, dots, output, 0);
            }

            Assert.Equal([(ulong)bit0, (ulong)bit1, (ulong)bit2], output);
            Assert.Equal(padValue, dots[0]);
        }
    }

    [Fact]
    public void binary_conv_matches_reference_and_oracle_on_1000_random_geometries()
    {
        Random random = new(11);
        int cases = 0;
        foreach (int channels in s_edgeChannels)
        {
            for (int padValue = -1; padValue <= 1; padValue++)
            {
                CheckBinaryConv(random, RandomGeometry(random, channels, padValue, conv1d: false));
                CheckBinaryConv(random, RandomGeometry(random, channels, padValue, conv1d: true));
                cases += 2;
            }
        }

        while (cases < 1100)
        {
            int channels = random.Next(3) == 0 ? s_edgeChannels[random.Next(s_edgeChannels.Length)] : random.Next(1, 140);
            CheckBinaryConv(random, RandomGeometry(random, channels, random.Next(-1, 2), conv1d: random.Next(4) == 0));
            cases++;
        }
    }

    [Fact]
    public void binary_conv_with_nine_word_windows_matches_reference_and_oracle_on_300_random_geometries()
    {
        // A 3×3 window of at most 64 channels is a 9-word patch, whose dot BinaryDotKernels.Cheapest runs with
        // NineWordSwarU64: every pad value, stride and edge pixel through that path.
        Random random = new(13);
        int cases = 0;
        while (cases < 300)
        {
            int channels = random.Next(3) == 0 ? s_edgeChannels[random.Next(5)] : random.Next(1, 65);
            ConvGeometry g = RandomGeometry(random, channels, random.Next(-1, 2), conv1d: false);
            if (BinaryConv2dKernels.ScratchLength(g) == 9)
            {
                CheckBinaryConv(random, g);
                cases++;
            }
        }
    }

    // ---------------------------------------------------------------- int8 conv

    [Fact]
    public void int8_conv_matches_reference_and_oracle_on_1000_random_geometries()
    {
        Random random = new(12);
        int cases = 0;
        foreach (int channels in s_edgeChannels)
        {
            CheckInt8Conv(random, RandomGeometry(random, channels, 0, conv1d: false), signed: true);
            CheckInt8Conv(random, RandomGeometry(random, channels, 0, conv1d: true), signed: false);
            CheckInt8Conv(random, RandomGeometry(random, channels, 0, conv1d: random.Next(2) == 0), signed: random.Next(2) == 0);
            cases += 3;
        }

        while (cases < 1100)
        {
            int channels = random.Next(3) == 0 ? s_edgeChannels[random.Next(s_edgeChannels.Length)] : random.Next(1, 140);
            CheckInt8Conv(random, RandomGeometry(random, channels, 0, conv1d: random.Next(4) == 0), signed: random.Next(2) == 0);
            cases++;
        }
    }

    [Fact]
    public void int8_conv_extreme_values_and_wide_windows()
    {
        // All inputs at the extremes, all weights +1 or -1, windows spanning several weight words.
        ConvGeometry g = new(3, 3, 37, 2, 3, 3, 1, 1, 1, 1, 1, 1, 0);
        int n = 9 * 37;
        int rowWords = (n + 63) >> 6;
        ulong[] weights = new ulong[2 * rowWords];
        for (int i = 0; i < n; i++)
        {
            weights[i >> 6] |= 1UL << (i & 63);
        }

        foreach (bool signed in new[] { true, false })
        {
            foreach (byte value in new byte[] { 0x80, 0x7F, 0xFF, 0x00 })
            {
                byte[] input = new byte[9 * 37];
                Array.Fill(input, value);
                int x = signed ? (sbyte)value : value;
                int[] thresholds = [x * 37 * 9, -(x * 37 * 9)];

                // The centre pixel sees all 9 taps: dots = [9·37·x, -9·37·x], exactly at the thresholds.
                ulong[] expected = RunInt8Reference(input, signed, g, weights, thresholds);
                ulong[] actual = RunInt8Optimised(input, signed, g, weights, thresholds, garbageScratch: true);
                Assert.Equal(expected, actual);
                Assert.Equal(3UL, expected[4]);
            }
        }
    }

    [Fact]
    public void int8_conv_rejects_pad_values_other_than_zero()
    {
        ConvGeometry g = new(4, 4, 3, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        byte[] input = new byte[48];
        ulong[] weights = new ulong[2];
        ulong[] output = new ulong[16];
        BnnException e = Assert.Throws<BnnException>(() => Int8Conv2dKernels.Reference(input, false, g, weights, new int[2], new int[2], output, 0));
        Assert.Contains("padValue", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<BnnException>(() => Int8Conv2dKernels.Im2ColPartialSumTable(input, false, g, weights, new int[2], new int[2], output, 0, new short[Int8Conv2dKernels.ScratchLength(g)]));
        Assert.Contains("padValue", e.Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- max pool

    [Fact]
    public void max_pool_matches_reference_and_oracle_on_1000_random_geometries()
    {
        Random random = new(13);
        int cases = 0;
        while (cases < 1100)
        {
            int channels = cases < 80 ? s_edgeChannels[cases % s_edgeChannels.Length] : random.Next(1, 200);
            bool conv1d = random.Next(4) == 0;
            int inHeight = conv1d ? 1 : random.Next(1, 10);
            int inWidth = random.Next(1, conv1d ? 30 : 10);
            int kernelHeight = random.Next(1, Math.Min(5, inHeight) + 1);
            int kernelWidth = random.Next(1, Math.Min(5, inWidth) + 1);
            ConvGeometry g = new(inHeight, inWidth, channels, channels, kernelHeight, kernelWidth, random.Next(1, 4), random.Next(1, 4), 0, 0, 0, 0, random.Next(-1, 2));
            CheckMaxPool(random, g);
            cases++;
        }
    }

    [Fact]
    public void max_pool_rejects_channel_change_and_padding()
    {
        ulong[] input = new ulong[64];
        ulong[] output = new ulong[64];
        ConvGeometry changes = new(4, 4, 8, 9, 2, 2, 2, 2, 0, 0, 0, 0, 0);
        BnnException e = Assert.Throws<BnnException>(() => MaxPoolBitsKernels.Run(input, 0, changes, output, 0));
        Assert.Contains("outChannels", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<BnnException>(() => MaxPoolBitsKernels.Reference(input, 0, changes, output, 0));
        Assert.Contains("outChannels", e.Message, StringComparison.Ordinal);

        ConvGeometry padded = new(4, 4, 8, 8, 2, 2, 2, 2, 0, 1, 0, 0, 0);
        e = Assert.Throws<BnnException>(() => MaxPoolBitsKernels.Run(input, 0, padded, output, 0));
        Assert.Contains("pads", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<BnnException>(() => MaxPoolBitsKernels.Reference(input, 0, padded, output, 0));
        Assert.Contains("pads", e.Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- input thresholds

    [Fact]
    public void input_threshold_matches_plain_computation_on_1000_random_shapes()
    {
        Random random = new(14);
        for (int c = 0; c < 1100; c++)
        {
            int channels = c < 80 ? s_edgeChannels[c % s_edgeChannels.Length] : random.Next(1, 300);
            int pixels = random.Next(4) == 0 ? 1 : random.Next(1, 20);
            bool signed = random.Next(2) == 0;
            byte[] input = new byte[pixels * channels];
            random.NextBytes(input);
            int[] thresholds = new int[channels];
            for (int i = 0; i < channels; i++)
            {
                thresholds[i] = random.Next(8) switch
                {
                    0 => -129,
                    1 => 256,
                    2 => signed ? -128 : 0,
                    3 => signed ? 127 : 255,
                    _ => signed ? random.Next(-140, 140) : random.Next(-10, 270),
                };
            }

            int words = (channels + 63) >> 6;
            int offset = random.Next(3);
            ulong[] output = new ulong[offset + (pixels * words) + 2];
            Array.Fill(output, Sentinel);
            InputThresholdKernels.Run(input, signed, pixels, channels, thresholds, output, offset);

            ulong[] expected = new ulong[output.Length];
            Array.Fill(expected, Sentinel);
            for (int p = 0; p < pixels; p++)
            {
                for (int w = 0; w < words; w++)
                {
                    expected[offset + (p * words) + w] = 0;
                }

                for (int ch = 0; ch < channels; ch++)
                {
                    byte b = input[(p * channels) + ch];
                    int value = signed ? (sbyte)b : b;
                    if (value >= thresholds[ch])
                    {
                        expected[offset + (p * words) + (ch >> 6)] |= 1UL << (ch & 63);
                    }
                }
            }

            Assert.Equal(expected, output);
        }
    }

    // ---------------------------------------------------------------- int8 head

    [Fact]
    public void int8_head_matches_reference_and_oracle_on_1000_random_shapes()
    {
        Random random = new(15);
        for (int c = 0; c < 1100; c++)
        {
            int inputWords = random.Next(1, 9);
            int bits = random.Next(4) == 0 ? inputWords * 64 : random.Next(((inputWords - 1) * 64) + 1, (inputWords * 64) + 1);
            int outputs = random.Next(1, 13);
            int offset = random.Next(3);
            ulong[] input = new ulong[offset + inputWords + random.Next(2)];
            int density = random.Next(4);
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = density switch
                {
                    0 => 0,
                    1 => ulong.MaxValue,
                    2 => (ulong)random.NextInt64() & (ulong)random.NextInt64() & (ulong)random.NextInt64(),
                    _ => RandomWord(random),
                };
            }

            MaskPadding(input, offset, bits);
            sbyte[] weights = new sbyte[outputs * inputWords * 64];
            int[] biases = new int[outputs];
            for (int o = 0; o < outputs; o++)
            {
                for (int i = 0; i < bits; i++)
                {
                    weights[(o * inputWords * 64) + i] = random.Next(6) switch
                    {
                        0 => sbyte.MinValue,
                        1 => sbyte.MaxValue,
                        _ => (sbyte)random.Next(-128, 128),
                    };
                }

                biases[o] = random.Next(-100_000, 100_001);
            }

            int[] expected = new int[outputs];
            Int8HeadKernels.Reference(input, offset, inputWords, weights, biases, outputs, expected);
            for (int o = 0; o < outputs; o++)
            {
                long score = biases[o];
                for (int i = 0; i < bits; i++)
                {
                    bool plus = ((input[offset + (i >> 6)] >> (i & 63)) & 1) == 1;
                    int w = weights[(o * inputWords * 64) + i];
                    score += plus ? w : -w;
                }

                Assert.Equal(score, expected[o]);
            }

            int[] rowSums = new int[outputs];
            Int8HeadKernels.RowSums(weights, inputWords, outputs, rowSums);
            int[] actual = new int[outputs];
            Int8HeadKernels.NibbleSwitch(input, offset, inputWords, weights, rowSums, biases, outputs, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), "NibbleSwitch differs at inputWords=" + inputWords + " bits=" + bits + " outputs=" + outputs);
        }
    }

    // ---------------------------------------------------------------- binary conv checks

    private static void CheckBinaryConv(Random random, ConvGeometry g)
    {
        int words = g.InWordsPerPixel;
        int taps = g.KernelHeight * g.KernelWidth;
        int inOffset = random.Next(3);
        ulong[] input = new ulong[inOffset + (g.InHeight * g.InWidth * words) + random.Next(2)];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = RandomWord(random);
        }

        for (int p = 0; p < g.InHeight * g.InWidth; p++)
        {
            MaskPadding(input, inOffset + (p * words), g.InChannels);
        }

        ulong[] weights = new ulong[g.OutChannels * taps * words];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = RandomWord(random);
        }

        for (int t = 0; t < g.OutChannels * taps; t++)
        {
            MaskPadding(weights, t * words, g.InChannels);
        }

        // Independent oracle on decoded ±1 arrays.
        int[,,] x = DecodeBits(input, inOffset, g.InHeight * g.InWidth, g.InChannels, g.InWidth);
        int[,,] w = DecodeBits(weights, 0, g.OutChannels * taps, g.InChannels, taps);
        int[,,] oracle = new int[g.OutHeight, g.OutWidth, g.OutChannels];
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                for (int o = 0; o < g.OutChannels; o++)
                {
                    int dot = 0;
                    for (int ky = 0; ky < g.KernelHeight; ky++)
                    {
                        for (int kx = 0; kx < g.KernelWidth; kx++)
                        {
                            int iy = (oy * g.StrideY) - g.PadTop + ky;
                            int ix = (ox * g.StrideX) - g.PadLeft + kx;
                            bool inside = iy >= 0 && iy < g.InHeight && ix >= 0 && ix < g.InWidth;
                            for (int c = 0; c < g.InChannels; c++)
                            {
                                int xv = inside ? x[iy, ix, c] : g.PadValue;
                                dot += xv * w[o, (ky * g.KernelWidth) + kx, c];
                            }
                        }
                    }

                    oracle[oy, ox, o] = dot;
                }
            }
        }

        // Thresholds taken from the oracle's own dots (and one above), so an error of 1 flips a bit.
        foreach (int bump in new[] { 0, 1 })
        {
            int[] thresholds = new int[g.OutChannels];
            for (int o = 0; o < g.OutChannels; o++)
            {
                thresholds[o] = oracle[random.Next(g.OutHeight), random.Next(g.OutWidth), o] + (random.Next(2) * bump);
            }

            int outOffset = random.Next(3);
            int outLength = outOffset + (g.OutHeight * g.OutWidth * g.OutWordsPerPixel) + random.Next(2);
            ulong[] expected = ExpectedOutput(oracle, g, thresholds, outOffset, outLength);

            ulong[] reference = new ulong[outLength];
            Array.Fill(reference, Sentinel);
            int[] referenceDots = new int[g.OutChannels + random.Next(2)];
            BinaryConv2dKernels.Reference(input, inOffset, g, weights, thresholds, referenceDots, reference, outOffset);
            Assert.True(expected.AsSpan().SequenceEqual(reference), "Reference differs from the oracle at " + RandomConvGeometry.Describe(g));
            AssertLastPixelDots(oracle, g, referenceDots, "Reference");

            ulong[] scratch = new ulong[BinaryConv2dKernels.ScratchLength(g) + random.Next(3)];
            for (int i = 0; i < scratch.Length; i++)
            {
                scratch[i] = RandomWord(random);
            }

            ulong[] optimised = new ulong[outLength];
            Array.Fill(optimised, Sentinel);
            int[] optimisedDots = new int[g.OutChannels];
            BinaryConv2dKernels.Im2ColDenseDotU64(input, inOffset, g, weights, thresholds, optimisedDots, optimised, outOffset, scratch);
            Assert.True(expected.AsSpan().SequenceEqual(optimised), "Im2ColDenseDotU64 differs at " + RandomConvGeometry.Describe(g));
            AssertLastPixelDots(oracle, g, optimisedDots, "Im2ColDenseDotU64");
        }
    }

    // ---------------------------------------------------------------- int8 conv checks

    private static void CheckInt8Conv(Random random, ConvGeometry g, bool signed)
    {
        int n = g.KernelHeight * g.KernelWidth * g.InChannels;
        int rowWords = (n + 63) >> 6;
        byte[] input = new byte[g.InHeight * g.InWidth * g.InChannels];
        random.NextBytes(input);
        for (int i = 0; i < input.Length; i++)
        {
            if (random.Next(8) == 0)
            {
                input[i] = (byte)(random.Next(4) switch { 0 => 0x80, 1 => 0x7F, 2 => 0xFF, _ => 0x00 });
            }
        }

        ulong[] weights = new ulong[g.OutChannels * rowWords];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = RandomWord(random);
        }

        for (int o = 0; o < g.OutChannels; o++)
        {
            MaskPadding(weights, o * rowWords, n);
        }

        // Independent oracle on decoded ints.
        int[,,] oracle = new int[g.OutHeight, g.OutWidth, g.OutChannels];
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                for (int o = 0; o < g.OutChannels; o++)
                {
                    int dot = 0;
                    for (int ky = 0; ky < g.KernelHeight; ky++)
                    {
                        for (int kx = 0; kx < g.KernelWidth; kx++)
                        {
                            int iy = (oy * g.StrideY) - g.PadTop + ky;
                            int ix = (ox * g.StrideX) - g.PadLeft + kx;
                            if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth)
                            {
                                continue;
                            }

                            for (int c = 0; c < g.InChannels; c++)
                            {
                                byte b = input[(((iy * g.InWidth) + ix) * g.InChannels) + c];
                                int value = signed ? (sbyte)b : b;
                                int bit = (((ky * g.KernelWidth) + kx) * g.InChannels) + c;
                                bool plus = ((weights[(o * rowWords) + (bit >> 6)] >> (bit & 63)) & 1) == 1;
                                dot += plus ? value : -value;
                            }
                        }
                    }

                    oracle[oy, ox, o] = dot;
                }
            }
        }

        foreach (int bump in new[] { 0, 1 })
        {
            int[] thresholds = new int[g.OutChannels];
            for (int o = 0; o < g.OutChannels; o++)
            {
                thresholds[o] = oracle[random.Next(g.OutHeight), random.Next(g.OutWidth), o] + (random.Next(2) * bump);
            }

            int outOffset = random.Next(3);
            int outLength = outOffset + (g.OutHeight * g.OutWidth * g.OutWordsPerPixel) + random.Next(2);
            ulong[] expected = ExpectedOutput(oracle, g, thresholds, outOffset, outLength);

            ulong[] reference = new ulong[outLength];
            Array.Fill(reference, Sentinel);
            int[] referenceDots = new int[g.OutChannels];
            Int8Conv2dKernels.Reference(input, signed, g, weights, thresholds, referenceDots, reference, outOffset);
            Assert.True(expected.AsSpan().SequenceEqual(reference), "Reference differs from the oracle at " + RandomConvGeometry.Describe(g) + " signed=" + signed);
            AssertLastPixelDots(oracle, g, referenceDots, "Reference");

            short[] scratch = new short[Int8Conv2dKernels.ScratchLength(g) + random.Next(3)];
            for (int i = 0; i < scratch.Length; i++)
            {
                scratch[i] = (short)random.Next(short.MinValue, short.MaxValue + 1);
            }

            ulong[] optimised = new ulong[outLength];
            Array.Fill(optimised, Sentinel);
            int[] optimisedDots = new int[g.OutChannels];
            Int8Conv2dKernels.Im2ColPartialSumTable(input, signed, g, weights, thresholds, optimisedDots, optimised, outOffset, scratch);
            Assert.True(expected.AsSpan().SequenceEqual(optimised), "Im2ColPartialSumTable differs at " + RandomConvGeometry.Describe(g) + " signed=" + signed);
            AssertLastPixelDots(oracle, g, optimisedDots, "Im2ColPartialSumTable");
        }
    }

    private static ulong[] RunInt8Reference(byte[] input, bool signed, ConvGeometry g, ulong[] weights, int[] thresholds)
    {
        ulong[] output = new ulong[g.OutHeight * g.OutWidth * g.OutWordsPerPixel];
        Int8Conv2dKernels.Reference(input, signed, g, weights, thresholds, new int[g.OutChannels], output, 0);
        return output;
    }

    private static ulong[] RunInt8Optimised(byte[] input, bool signed, ConvGeometry g, ulong[] weights, int[] thresholds, bool garbageScratch)
    {
        ulong[] output = new ulong[g.OutHeight * g.OutWidth * g.OutWordsPerPixel];
        short[] scratch = new short[Int8Conv2dKernels.ScratchLength(g)];
        if (garbageScratch)
        {
            Array.Fill(scratch, (short)0x7BCD);
        }

        Int8Conv2dKernels.Im2ColPartialSumTable(input, signed, g, weights, thresholds, new int[g.OutChannels], output, 0, scratch);
        return output;
    }

    // ---------------------------------------------------------------- max pool checks

    private static void CheckMaxPool(Random random, ConvGeometry g)
    {
        int words = g.InWordsPerPixel;
        int inOffset = random.Next(3);
        ulong[] input = new ulong[inOffset + (g.InHeight * g.InWidth * words) + random.Next(2)];
        int density = random.Next(3);
        for (int i = 0; i < input.Length; i++)
        {
            // Sparse maps too, so that "all -1" windows occur and the OR is not trivially all ones.
            input[i] = density == 0 ? (ulong)random.NextInt64() & (ulong)random.NextInt64() & (ulong)random.NextInt64() & (ulong)random.NextInt64() : RandomWord(random);
        }

        for (int p = 0; p < g.InHeight * g.InWidth; p++)
        {
            MaskPadding(input, inOffset + (p * words), g.InChannels);
        }

        int[,,] x = DecodeBits(input, inOffset, g.InHeight * g.InWidth, g.InChannels, g.InWidth);
        int outOffset = random.Next(3);
        int outLength = outOffset + (g.OutHeight * g.OutWidth * g.OutWordsPerPixel) + random.Next(2);
        ulong[] expected = new ulong[outLength];
        Array.Fill(expected, Sentinel);
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int pixel = outOffset + (((oy * g.OutWidth) + ox) * words);
                for (int j = 0; j < words; j++)
                {
                    expected[pixel + j] = 0;
                }

                for (int c = 0; c < g.InChannels; c++)
                {
                    int max = int.MinValue;
                    for (int ky = 0; ky < g.KernelHeight; ky++)
                    {
                        for (int kx = 0; kx < g.KernelWidth; kx++)
                        {
                            max = Math.Max(max, x[(oy * g.StrideY) + ky, (ox * g.StrideX) + kx, c]);
                        }
                    }

                    if (max == 1)
                    {
                        expected[pixel + (c >> 6)] |= 1UL << (c & 63);
                    }
                }
            }
        }

        ulong[] reference = new ulong[outLength];
        Array.Fill(reference, Sentinel);
        MaxPoolBitsKernels.Reference(input, inOffset, g, reference, outOffset);
        Assert.True(expected.AsSpan().SequenceEqual(reference), "max pool Reference differs from the oracle at " + RandomConvGeometry.Describe(g));

        ulong[] actual = new ulong[outLength];
        Array.Fill(actual, Sentinel);
        MaxPoolBitsKernels.Run(input, inOffset, g, actual, outOffset);
        Assert.True(expected.AsSpan().SequenceEqual(actual), "max pool Run differs at " + RandomConvGeometry.Describe(g));
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>A random valid geometry with <paramref name="channels"/> input channels and out channels including the word edges.</summary>
    private static ConvGeometry RandomGeometry(Random random, int channels, int padValue, bool conv1d) => RandomConvGeometry.Draw(
        random,
        () => conv1d,
        conv1dMaxWidth: 40,
        () => random.Next(5) switch
        {
            0 => s_edgeChannels[random.Next(s_edgeChannels.Length)],
            1 => random.Next(1, 4),
            _ => random.Next(1, 17),
        },
        () => channels,
        padValue,
        maxWork: 120_000);

    /// <summary>Decodes count pixels of a bit tensor into ±1 values [index / width, index % width, channel].</summary>
    private static int[,,] DecodeBits(ulong[] words, int offset, int count, int channels, int width)
    {
        int wordsPerPixel = (channels + 63) >> 6;
        int[,,] values = new int[count / width, width, channels];
        for (int p = 0; p < count; p++)
        {
            for (int c = 0; c < channels; c++)
            {
                ulong bit = (words[offset + (p * wordsPerPixel) + (c >> 6)] >> (c & 63)) & 1;
                values[p / width, p % width, c] = bit == 1 ? 1 : -1;
            }

            // Channel padding bits must be 0 (the convention the kernels rely on).
            for (int c = channels; c < wordsPerPixel * 64; c++)
            {
                Assert.Equal(0UL, (words[offset + (p * wordsPerPixel) + (c >> 6)] >> (c & 63)) & 1);
            }
        }

        return values;
    }

    /// <summary>The output a kernel must write: thresholded oracle dots, 0 padding bits, sentinel elsewhere.</summary>
    private static ulong[] ExpectedOutput(int[,,] oracle, ConvGeometry g, int[] thresholds, int outOffset, int outLength)
    {
        ulong[] expected = new ulong[outLength];
        Array.Fill(expected, Sentinel);
        int words = g.OutWordsPerPixel;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int pixel = outOffset + (((oy * g.OutWidth) + ox) * words);
                for (int j = 0; j < words; j++)
                {
                    expected[pixel + j] = 0;
                }

                for (int o = 0; o < g.OutChannels; o++)
                {
                    if (oracle[oy, ox, o] >= thresholds[o])
                    {
                        expected[pixel + (o >> 6)] |= 1UL << (o & 63);
                    }
                }
            }
        }

        return expected;
    }

    /// <summary>After a call the dots scratch holds the last output pixel's dot products: checked exactly.</summary>
    private static void AssertLastPixelDots(int[,,] oracle, ConvGeometry g, int[] dots, string kernel)
    {
        for (int o = 0; o < g.OutChannels; o++)
        {
            Assert.True(oracle[g.OutHeight - 1, g.OutWidth - 1, o] == dots[o], kernel + " last-pixel dot " + o + " is " + dots[o] + ", expected " + oracle[g.OutHeight - 1, g.OutWidth - 1, o] + " at " + RandomConvGeometry.Describe(g));
        }
    }

    private static ulong RandomWord(Random random) => random.Next(8) switch
    {
        0 => 0,
        1 => ulong.MaxValue,
        _ => (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63),
    };

    private static void MaskPadding(ulong[] words, int offset, int bits)
    {
        int wordCount = (bits + 63) >> 6;
        int used = bits & 63;
        if (used != 0)
        {
            words[offset + wordCount - 1] &= (1UL << used) - 1;
        }
    }
}

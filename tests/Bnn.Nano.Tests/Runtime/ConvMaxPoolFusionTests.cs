using System;
using Bnn.Nano.Runtime;
using Bnn.Nano.Runtime.Kernels;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.Runtime;

/// <summary>
/// A binary convolution with its max-pool fused (<see cref="BinaryConv2dKernels.Im2ColDenseDotMaxPoolU64"/>, and the
/// model running it in place of the two layers) against the two reference kernels one after the other.
/// </summary>
public class ConvMaxPoolFusionTests
{
    private const ulong Sentinel = 0xA5A5_5A5A_DEAD_BEEF;

    [Fact]
    public void fused_kernel_equals_reference_conv_then_reference_pool_on_random_geometries()
    {
        // Half of the cases are 3×3 windows of ≤ 64 channels (9-word patches: the path that skips channels already
        // set), every pad value, out channel counts across the 64-bit word edge; sparse and dense activations.
        Random random = new(31);
        int nineWord = 0, other = 0;
        while (nineWord < 300 || other < 300)
        {
            bool wantNine = nineWord < 300 && (other >= 300 || random.Next(2) == 0);
            int channels = wantNine ? random.Next(1, 65) : random.Next(1, 140);
            int[] outChoices = [1, 3, 17, 63, 64, 65, 100];
            ConvGeometry g = RandomConvGeometry.Draw(random, () => false, 1, () => outChoices[random.Next(outChoices.Length)], () => channels, random.Next(-1, 2), maxWork: 150_000);
            bool isNine = BinaryConv2dKernels.ScratchLength(g) == 9;
            if (isNine != wantNine)
            {
                continue;
            }

            CheckFused(random, g);
            nineWord += isNine ? 1 : 0;
            other += isNine ? 0 : 1;
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void a_model_runs_conv_and_pool_as_one_kernel_wherever_the_arena_puts_the_pooled_bits(int padValue)
    {
        foreach (bool poolOverConvInput in new[] { false, true })
        {
            Random random = new(40 + padValue + (poolOverConvInput ? 10 : 0));
            TwoLayerModel m = TwoLayerModel.Random(random, padValue, poolOverConvInput);
            BnnModel model = m.Build();
            Assert.True(model.RunsWithNextLayer(1));
            Assert.False(model.RunsWithNextLayer(0));
            Assert.False(model.RunsWithNextLayer(2));

            ulong[] pooled = new ulong[m.Pool.OutHeight * m.Pool.OutWidth * m.Pool.OutWordsPerPixel];
            for (int sample = 0; sample < 20; sample++)
            {
                byte[] input = new byte[m.Conv.InHeight * m.Conv.InWidth * m.Conv.InChannels];
                random.NextBytes(input);
                (ulong[] expectedPooled, int[] expectedScores) = m.Reference(input);

                Assert.Equal(-1, model.RunLayers(input, 2));
                model.CopyOutputBits(2, pooled);
                Assert.Equal(expectedPooled, pooled);
                model.Run(input);
                Assert.Equal(expectedScores, model.Scores);
            }
        }
    }

    [Fact]
    public void overlapping_pool_windows_are_not_fused()
    {
        var pool = new ConvGeometry(6, 6, 8, 8, 3, 3, 2, 2, 0, 0, 0, 0, 0);
        Assert.False(CostModel.MaxPoolFusionPays(pool));
        Assert.True(CostModel.MaxPoolFusionPays(new ConvGeometry(6, 6, 8, 8, 2, 2, 2, 2, 0, 0, 0, 0, 0)));
        Assert.True(CostModel.MaxPoolFusionPays(new ConvGeometry(6, 6, 8, 8, 2, 1, 3, 1, 0, 0, 0, 0, 0)));
    }

    [Fact]
    public void a_pool_that_does_not_read_the_convolutions_output_is_refused()
    {
        var conv = new ConvGeometry(6, 6, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var wrongSize = new ConvGeometry(5, 6, 16, 16, 2, 2, 2, 2, 0, 0, 0, 0, 0);
        var padded = new ConvGeometry(6, 6, 16, 16, 2, 2, 2, 2, 1, 1, 1, 1, 0);
        ulong[] input = new ulong[36], weights = new ulong[16 * 9], output = new ulong[36], scratch = new ulong[9];
        int[] thresholds = new int[16], dots = new int[16];
        var e = Assert.Throws<BnnException>(() => BinaryConv2dKernels.Im2ColDenseDotMaxPoolU64(input, 0, conv, wrongSize, weights, thresholds, dots, output, 0, scratch));
        Assert.Equal("conv + max pool: the pool reads 5x6x16 but the convolution writes 6x6x16", e.Message);
        e = Assert.Throws<BnnException>(() => BinaryConv2dKernels.Im2ColDenseDotMaxPoolU64(input, 0, conv, padded, weights, thresholds, dots, output, 0, scratch));
        Assert.StartsWith("max pool: pads", e.Message, StringComparison.Ordinal);
    }

    private static void CheckFused(Random random, ConvGeometry g)
    {
        int words = g.InWordsPerPixel;
        int taps = g.KernelHeight * g.KernelWidth;
        ulong[] input = new ulong[g.InHeight * g.InWidth * words];
        bool sparse = random.Next(2) == 0;
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = sparse ? (ulong)random.NextInt64() & (ulong)random.NextInt64() : (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
        }

        ulong[] weights = new ulong[g.OutChannels * taps * words];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
        }

        MaskChannelPadding(input, g.InChannels, words);
        MaskChannelPadding(weights, g.InChannels, words);

        // Thresholds around zero (the dot's middle), some at the extremes: outputs both set and clear.
        int n = taps * g.InChannels;
        int[] thresholds = new int[g.OutChannels];
        for (int o = 0; o < thresholds.Length; o++)
        {
            thresholds[o] = random.Next(8) == 0 ? (random.Next(2) == 0 ? -n : n + 1) : random.Next(-n / 4, (n / 4) + 1);
        }

        int kernelHeight = random.Next(1, Math.Min(3, g.OutHeight) + 1);
        int kernelWidth = random.Next(1, Math.Min(3, g.OutWidth) + 1);
        var pool = new ConvGeometry(g.OutHeight, g.OutWidth, g.OutChannels, g.OutChannels, kernelHeight, kernelWidth, kernelHeight + random.Next(2), kernelWidth + random.Next(2), 0, 0, 0, 0, 0);

        ulong[] conv = new ulong[g.OutHeight * g.OutWidth * g.OutWordsPerPixel];
        BinaryConv2dKernels.Reference(input, 0, g, weights, thresholds, new int[g.OutChannels], conv, 0);
        int outOffset = random.Next(3);
        int pooledWords = pool.OutHeight * pool.OutWidth * pool.OutWordsPerPixel;
        ulong[] expected = new ulong[outOffset + pooledWords + 1];
        Array.Fill(expected, Sentinel);
        MaxPoolBitsKernels.Reference(conv, 0, pool, expected, outOffset);

        ulong[] actual = new ulong[expected.Length];
        Array.Fill(actual, Sentinel);
        ulong[] scratch = new ulong[BinaryConv2dKernels.ScratchLength(g)];
        Array.Fill(scratch, Sentinel);
        BinaryConv2dKernels.Im2ColDenseDotMaxPoolU64(input, 0, g, pool, weights, thresholds, new int[g.OutChannels], actual, outOffset, scratch);
        Assert.True(expected.AsSpan().SequenceEqual(actual), "fused conv + max-pool differs at " + RandomConvGeometry.Describe(g) + ", pool " + RandomConvGeometry.Describe(pool));
    }

    /// <summary>Clears the bits past <paramref name="channels"/> in the last word of every pixel or tap.</summary>
    private static void MaskChannelPadding(ulong[] words, int channels, int wordsPerPixel)
    {
        int used = channels & 63;
        if (used == 0)
        {
            return;
        }

        for (int last = wordsPerPixel - 1; last < words.Length; last += wordsPerPixel)
        {
            words[last] &= (1UL << used) - 1;
        }
    }

    /// <summary>
    /// Input threshold → binary conv 3×3 (40 channels in: 9-word patches; 70 out: two words) → max-pool 2×2 → binary
    /// dense scores, with the pooled bits placed either clear of the convolution's input or over it (the fused kernel
    /// then writes them in the convolution's output words and the model copies them into place).
    /// </summary>
    private sealed class TwoLayerModel
    {
        public ConvGeometry Conv { get; private init; } = null!;

        public ConvGeometry Pool { get; private init; } = null!;

        private int[] InputThresholds { get; init; } = [];

        private ulong[] ConvWeights { get; init; } = [];

        private int[] ConvThresholds { get; init; } = [];

        private ulong[] DenseWeights { get; init; } = [];

        private int[] Scales { get; init; } = [];

        private int[] Biases { get; init; } = [];

        private int InputBitsAt { get; init; }

        private int ConvAt { get; init; }

        private int PoolAt { get; init; }

        private int ArenaWords { get; init; }

        public static TwoLayerModel Random(Random random, int padValue, bool poolOverConvInput)
        {
            const int InChannels = 40, OutChannels = 70, Classes = 5;
            var conv = new ConvGeometry(7, 6, InChannels, OutChannels, 3, 3, 1, 1, 1, 1, 1, 1, padValue);
            var pool = new ConvGeometry(conv.OutHeight, conv.OutWidth, OutChannels, OutChannels, 2, 2, 2, 2, 0, 0, 0, 0, 0);
            int inputWords = conv.InHeight * conv.InWidth * conv.InWordsPerPixel;
            int convWords = conv.OutHeight * conv.OutWidth * conv.OutWordsPerPixel;
            int poolWords = pool.OutHeight * pool.OutWidth * pool.OutWordsPerPixel;

            // Clear: input bits | conv | pool. Over: pool on top of the input bits (dead once the conv has run).
            int inputAt = 0, convAt = inputWords, poolAt = poolOverConvInput ? 0 : inputWords + convWords;
            var thresholds = new int[InChannels];
            for (int c = 0; c < InChannels; c++)
            {
                thresholds[c] = random.Next(-20, 20);
            }

            var convWeights = new ulong[OutChannels * 9];
            for (int i = 0; i < convWeights.Length; i++)
            {
                convWeights[i] = (ulong)random.NextInt64() & ((1UL << InChannels) - 1);
            }

            var convThresholds = new int[OutChannels];
            for (int o = 0; o < OutChannels; o++)
            {
                convThresholds[o] = random.Next(-60, 61);
            }

            int denseWordsPerRow = poolWords;
            var denseWeights = new ulong[Classes * denseWordsPerRow];
            for (int i = 0; i < denseWeights.Length; i++)
            {
                denseWeights[i] = (ulong)random.NextInt64() & (i % 2 == 1 ? (1UL << (OutChannels - 64)) - 1 : ulong.MaxValue);
            }

            return new TwoLayerModel
            {
                Conv = conv,
                Pool = pool,
                InputThresholds = thresholds,
                ConvWeights = convWeights,
                ConvThresholds = convThresholds,
                DenseWeights = denseWeights,
                Scales = [1, 2, 3, 1, 2],
                Biases = [0, -5, 5, 10, -10],
                InputBitsAt = inputAt,
                ConvAt = convAt,
                PoolAt = poolAt,
                ArenaWords = Math.Max(poolAt + poolWords, convAt + convWords),
            };
        }

        public BnnModel Build()
        {
            ModelBuilder builder = new(Conv.InHeight, Conv.InWidth, Conv.InChannels, true, ArenaWords, 4);
            builder.AddInputThreshold(InputThresholds, InputBitsAt);
            builder.AddBinaryConv2d(Conv, ConvWeights, ConvThresholds, InputBitsAt, ConvAt);
            builder.AddMaxPool2d(Pool, ConvAt, PoolAt);
            builder.AddBinaryDenseScores(Scales.Length, DenseWeights, Scales, Biases, 0, PoolAt);
            return builder.Build();
        }

        /// <summary>The pooled bits and the scores computed with the reference kernels, one layer after the other.</summary>
        public (ulong[] Pooled, int[] Scores) Reference(byte[] input)
        {
            var bits = new ulong[Conv.InHeight * Conv.InWidth * Conv.InWordsPerPixel];
            InputThresholdKernels.Run(input, true, Conv.InHeight * Conv.InWidth, Conv.InChannels, InputThresholds, bits, 0);
            var conv = new ulong[Conv.OutHeight * Conv.OutWidth * Conv.OutWordsPerPixel];
            BinaryConv2dKernels.Reference(bits, 0, Conv, ConvWeights, ConvThresholds, new int[Conv.OutChannels], conv, 0);
            var pooled = new ulong[Pool.OutHeight * Pool.OutWidth * Pool.OutWordsPerPixel];
            MaxPoolBitsKernels.Reference(conv, 0, Pool, pooled, 0);

            int rowWords = pooled.Length;
            int pixels = Pool.OutHeight * Pool.OutWidth;
            int paddingBits = (rowWords * 64) - (pixels * Pool.OutChannels);
            var dots = new int[Scales.Length];
            BinaryDotKernels.Reference(pooled, 0, rowWords * 64, DenseWeights, rowWords, Scales.Length, dots);
            var scores = new int[Scales.Length];
            for (int c = 0; c < scores.Length; c++)
            {
                scores[c] = (Scales[c] * (dots[c] - paddingBits)) + Biases[c];
            }

            return (pooled, scores);
        }
    }
}

using System;
using System.Buffers.Binary;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Runtime;
using Bnn.Nano.Runtime.Kernels;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.Runtime;

/// <summary>
/// Int8WeightConv2d (kind 9): 8-bit input × int8 weights → thresholds → bits. Kernels against an independent oracle
/// and each other, a hand-checked golden case, ModelBuilder's refusals, a whole model (zero allocation per Run) and
/// hand-built blobs through BlobReader.
/// </summary>
public class Int8WeightConvTests
{
    private const ulong Sentinel = 0xA5A5_5A5A_DEAD_BEEF;

    // ---------------------------------------------------------------- kernels

    [Fact]
    public void im2col_mac_matches_reference_and_oracle_on_1200_random_geometries()
    {
        Random random = new(91);
        for (int c = 0; c < 1200; c++)
        {
            ConvGeometry g = RandomGeometry(random, c);
            Check(random, g, signed: (c & 1) == 0);
        }
    }

    [Fact]
    public void swar_mac_matches_reference_and_oracle_on_600_random_geometries_with_nine_value_windows()
    {
        // Im2ColSwarMac9 takes windows of exactly 9 values: 3×3 over one channel, 1×3 or 3×1 over three, 1×9 (conv1d);
        // the random channel counts leave every lane of the last group of three empty or used.
        Random random = new(95);
        int checkedGeometries = 0;
        for (int c = 0; checkedGeometries < 600; c++)
        {
            ConvGeometry g = RandomGeometry(random, c);
            if (Int8WeightConv2dKernels.ScratchLength(g) != 9)
            {
                continue;
            }

            Check(random, g, signed: (checkedGeometries & 1) == 0);
            checkedGeometries++;
        }
    }

    [Fact]
    public void hand_checked_golden_case()
    {
        // Input 1x3, one channel: [10, -20, 30] (int8) or [10, 236, 30] (uint8); kernel 1x3 [2, -1, 3]; pad 1 each side.
        // int8:  pixel 0: -1·10 + 3·(-20) = -70; pixel 1: 2·10 + (-1)·(-20) + 3·30 = 130; pixel 2: 2·(-20) + (-1)·30 = -70.
        // uint8: pixel 0: -10 + 708 = 698;      pixel 1: 20 - 236 + 90 = -126;              pixel 2: 472 - 30 = 442.
        // A second channel with weights [0, 1, 0] copies the centre value: 10, -20, 30 (int8) or 10, 236, 30 (uint8).
        ConvGeometry g = new(1, 3, 1, 2, 1, 3, 1, 1, 0, 1, 0, 1, 0);
        byte[] input = [10, unchecked((byte)-20), 30];
        sbyte[] weights = [2, -1, 3, 0, 1, 0];
        int[] thresholds = [130, 30];
        foreach (bool signed in new[] { true, false })
        {
            int[] expectedLastDots = signed ? [-70, 30] : [442, 30];

            // int8: bits ch0 = [F, T, F], ch1 = [F, F, T]; uint8: ch0 = [T, F, T], ch1 = [F, T, T].
            ulong[] expected = signed ? [0b00, 0b01, 0b10] : [0b01, 0b10, 0b11];
            foreach (bool optimised in new[] { false, true })
            {
                ulong[] output = new ulong[3];
                int[] dots = new int[2];
                if (optimised)
                {
                    Int8WeightConv2dKernels.Im2ColMac(input, signed, g, weights, thresholds, dots, output, 0, new short[Int8WeightConv2dKernels.ScratchLength(g)]);
                }
                else
                {
                    Int8WeightConv2dKernels.Reference(input, signed, g, weights, thresholds, dots, output, 0);
                }

                Assert.Equal(expected, output);
                Assert.Equal(expectedLastDots, dots);
            }
        }
    }

    [Fact]
    public void swar_mac_lanes_hold_worst_case_dots_of_either_sign_against_every_kind_of_threshold()
    {
        // 3×3 over one channel, 70 output channels (two output words: 22 groups in the first, whose last holds channel
        // 63 alone, and 2 in the second): weights -128 and 127 alternating per channel, so neighbouring lanes hold the
        // largest dots of opposite signs (±293,760 for uint8 255). Thresholds: the centre pixel's exact dot, one above
        // it, and values beyond the lanes' range (clamped) up to int.MinValue and int.MaxValue.
        const int Channels = 70;
        ConvGeometry g = new(3, 3, 1, Channels, 3, 3, 1, 1, 1, 1, 1, 1, 0);
        Assert.Equal(24, Int8WeightConv2dKernels.SwarGroups(Channels));
        sbyte[] weights = new sbyte[Channels * 9];
        for (int o = 0; o < Channels; o++)
        {
            Array.Fill(weights, o % 2 == 0 ? sbyte.MinValue : sbyte.MaxValue, o * 9, 9);
        }

        int[] far = [int.MinValue, -600_000, -524_289, 524_289, 600_000, int.MaxValue];
        foreach (bool signed in new[] { true, false })
        {
            foreach (byte value in new byte[] { 0x80, 0x7F, 0xFF, 0x00, 0x01 })
            {
                byte[] input = new byte[9];
                Array.Fill(input, value);
                int x = signed ? (sbyte)value : value;
                int[] thresholds = new int[Channels];
                for (int o = 0; o < Channels; o++)
                {
                    int centre = 9 * x * (o % 2 == 0 ? -128 : 127);
                    thresholds[o] = (o % 4) switch
                    {
                        0 => centre,
                        1 => centre + 1,
                        2 => far[(o / 4) % far.Length],
                        _ => 1 - centre,
                    };
                }

                ulong[] reference = new ulong[18];
                Int8WeightConv2dKernels.Reference(input, signed, g, weights, thresholds, new int[Channels], reference, 0);
                ulong[] swar = new ulong[18];
                RunSwarMac9(input, signed, g, weights, thresholds, swar, 0, new short[9]);
                Assert.Equal(reference, swar);
            }
        }
    }

    [Fact]
    public void swar_mac_refuses_other_window_sizes_and_wrongly_packed_constants()
    {
        ConvGeometry g = new(4, 4, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1, 0);
        BnnException e = Assert.Throws<BnnException>(() => Int8WeightConv2dKernels.Im2ColSwarMac9(new byte[32], false, g, new long[10], new ulong[16], 0, new short[18]));
        Assert.Contains("9 values (this one has 18)", e.Message, StringComparison.Ordinal);
        ConvGeometry nine = new(4, 4, 1, 4, 3, 3, 1, 1, 1, 1, 1, 1, 0);
        e = Assert.Throws<BnnException>(() => Int8WeightConv2dKernels.Im2ColSwarMac9(new byte[16], false, nine, new long[19], new ulong[16], 0, new short[9]));
        Assert.Contains("20 packed weights and thresholds", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<BnnException>(() => Int8WeightConv2dKernels.Im2ColSwarMac9(new byte[16], false, nine, new long[18], new ulong[16], 0, new short[9]));
        Assert.Contains("20 packed weights and thresholds", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<BnnException>(() => Int8WeightConv2dKernels.PackSwar(new sbyte[35], new int[4], 4, new long[20]));
        Assert.Contains("4 rows of 9 weights", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<BnnException>(() => Int8WeightConv2dKernels.PackSwar(new sbyte[36], new int[3], 4, new long[20]));
        Assert.Contains("4 thresholds", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<BnnException>(() => Int8WeightConv2dKernels.PackSwar(new sbyte[36], new int[4], 4, new long[18]));
        Assert.Contains("20 packed entries", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    public void extreme_values_reach_the_worst_case_dot_exactly(int inChannels)
    {
        // Every weight -128 against every input at its extreme: the centre pixel's dot is n·(-128)·x. With one input
        // channel the window has 9 values and Im2ColSwarMac9 runs too.
        ConvGeometry g = new(3, 3, inChannels, 2, 3, 3, 1, 1, 1, 1, 1, 1, 0);
        int n = 9 * inChannels;
        sbyte[] weights = new sbyte[2 * n];
        Array.Fill(weights, sbyte.MinValue);
        foreach (bool signed in new[] { true, false })
        {
            foreach (byte value in new byte[] { 0x80, 0x7F, 0xFF, 0x00 })
            {
                byte[] input = new byte[n];
                Array.Fill(input, value);
                int x = signed ? (sbyte)value : value;
                int centre = n * -128 * x;
                int[] thresholds = [centre, centre + 1];
                ulong[] reference = new ulong[9];
                Int8WeightConv2dKernels.Reference(input, signed, g, weights, thresholds, new int[2], reference, 0);
                Assert.Equal(1UL, reference[4]);
                short[] scratch = new short[Int8WeightConv2dKernels.ScratchLength(g)];
                foreach (string kernel in n == 9 ? new[] { "Im2ColMac", "Im2ColSwarMac9" } : new[] { "Im2ColMac" })
                {
                    Array.Fill(scratch, (short)0x7BCD);
                    ulong[] optimised = new ulong[9];
                    if (kernel == "Im2ColSwarMac9")
                    {
                        RunSwarMac9(input, signed, g, weights, thresholds, optimised, 0, scratch);
                    }
                    else
                    {
                        Int8WeightConv2dKernels.Im2ColMac(input, signed, g, weights, thresholds, new int[2], optimised, 0, scratch);
                    }

                    Assert.Equal(reference, optimised);
                }
            }
        }
    }

    [Fact]
    public void kernels_reject_pad_values_other_than_zero()
    {
        ConvGeometry g = new(4, 4, 3, 2, 3, 3, 1, 1, 1, 1, 1, 1, -1);
        byte[] input = new byte[48];
        sbyte[] weights = new sbyte[54];
        ulong[] output = new ulong[16];
        BnnException e = Assert.Throws<BnnException>(() => Int8WeightConv2dKernels.Reference(input, false, g, weights, new int[2], new int[2], output, 0));
        Assert.Contains("padValue", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<BnnException>(() => Int8WeightConv2dKernels.Im2ColMac(input, false, g, weights, new int[2], new int[2], output, 0, new short[27]));
        Assert.Contains("padValue", e.Message, StringComparison.Ordinal);
        ConvGeometry nine = new(4, 4, 1, 2, 3, 3, 1, 1, 1, 1, 1, 1, -1);
        e = Assert.Throws<BnnException>(() => Int8WeightConv2dKernels.Im2ColSwarMac9(new byte[16], false, nine, new long[10], output, 0, new short[9]));
        Assert.Contains("padValue", e.Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- ModelBuilder

    [Fact]
    public void layer_kind_9_is_a_known_first_layer_kind()
    {
        Assert.Equal(9, LayerKind.Int8WeightConv2d);
        Assert.Equal("Int8WeightConv2d", LayerKind.Name(9));
        Assert.True(LayerKind.IsKnown(9));
        Assert.False(LayerKind.IsKnown(10));
        Assert.True(LayerKind.ReadsBytes(9));
        Assert.False(LayerKind.ProducesScores(9));
    }

    [Fact]
    public void builder_refuses_wrong_weights_thresholds_pad_value_position_and_overflow()
    {
        ConvGeometry g = new(6, 6, 2, 5, 3, 3, 1, 1, 1, 1, 1, 1, 0);
        int words = 6 * 6;

        BnnException e = Assert.Throws<BnnException>(() => new ModelBuilder(6, 6, 2, true, words, 2).AddInt8WeightConv2d(g, new sbyte[(5 * 18) - 1], new int[5], 0));
        Assert.Contains("layer 0 (Int8WeightConv2d): int8 weights must hold 90 values (5 rows of 18)", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<BnnException>(() => new ModelBuilder(6, 6, 2, true, words, 2).AddInt8WeightConv2d(g, null!, new int[5], 0));
        Assert.Contains("int8 weights must hold 90", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<BnnException>(() => new ModelBuilder(6, 6, 2, true, words, 2).AddInt8WeightConv2d(g, new sbyte[90], new int[4], 0));
        Assert.Contains("layer 0 (Int8WeightConv2d): thresholds must hold 5 values", e.Message, StringComparison.Ordinal);

        ConvGeometry padOne = new(6, 6, 2, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        e = Assert.Throws<BnnException>(() => new ModelBuilder(6, 6, 2, true, words, 2).AddInt8WeightConv2d(padOne, new sbyte[90], new int[5], 0));
        Assert.Contains("layer 0 (Int8WeightConv2d): an 8-bit convolution pads with 0 only", e.Message, StringComparison.Ordinal);

        // Not first: after an InputThreshold layer (which keeps the 6x6x2 shape).
        ModelBuilder second = new(6, 6, 2, true, 2 * words, 3);
        second.AddInputThreshold(new int[2], 0);
        e = Assert.Throws<BnnException>(() => second.AddInt8WeightConv2d(g, new sbyte[90], new int[5], words));
        Assert.Contains("layer 1 (Int8WeightConv2d): only the first layer may read the 8-bit input", e.Message, StringComparison.Ordinal);

        // The first layer must read bytes: the message lists the new kind.
        e = Assert.Throws<BnnException>(() => new ModelBuilder(6, 6, 2, true, words, 2).AddMaxPool2d(new ConvGeometry(6, 6, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0), 0, 0));
        Assert.Contains("(Int8Dense, InputThreshold, Int8Conv2d or Int8WeightConv2d)", e.Message, StringComparison.Ordinal);

        // Overflow: |dot| ≤ n·128·128 (int8 input) or n·128·255 (uint8 input) must fit in 32 bits.
        int signedLimit = int.MaxValue / (128 * 128);
        int unsignedLimit = int.MaxValue / (128 * 255);
        Assert.Equal(131071, signedLimit);
        Assert.Equal(65793, unsignedLimit);
        AddWide(true, 2, 65535);
        e = Assert.Throws<BnnException>(() => AddWide(true, 3, 43691));
        Assert.Contains("layer 0 (Int8WeightConv2d): a window of 131073 values can overflow 32 bits", e.Message, StringComparison.Ordinal);
        AddWide(false, 3, 21931);
        e = Assert.Throws<BnnException>(() => AddWide(false, 2, 32897));
        Assert.Contains("layer 0 (Int8WeightConv2d): a window of 65794 values can overflow 32 bits", e.Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- whole model

    [Theory]
    [InlineData(true, 2, 70, 3)]
    [InlineData(false, 2, 70, 3)]
    [InlineData(true, 1, 1, 1)]
    [InlineData(false, 2, 1, 1)]
    [InlineData(true, 1, 5, 3)]
    [InlineData(false, 1, 1, 3)]
    [InlineData(false, 1, 64, 3)]
    [InlineData(true, 1, 2, 3)]
    public void model_with_int8_weight_conv_matches_the_kernels_and_allocates_nothing_per_run(bool signed, int inChannels, int outChannels, int kernel)
    {
        Random random = new(signed ? 92 : 93);
        TestModel m = TestModel.Random(random, signed, inChannels, outChannels, kernel);
        BnnModel model = m.Build();
        Assert.Equal(LayerKind.Int8WeightConv2d, model.GetLayer(0).Kind);
        Assert.Null(model.GetLayer(0).Weights);
        Assert.Same(m.ConvWeights, model.GetLayer(0).Int8Weights);
        // The kernel CostModel picks: Im2ColMac (and its short patch) unless 1 output channel over ≤ 3 window values;
        // for 9 window values Im2ColSwarMac9, with lane-packed copies of the weights and thresholds
        // (constants: 10 longs per group of three channels).
        int window = Int8WeightConv2dKernels.ScratchLength(m.Geometry);
        Assert.Equal(outChannels > 1 || window > 3, CostModel.Int8WeightConvIm2ColPays(window, outChannels));
        Assert.Equal(window == 9, CostModel.Int8WeightConvSwarMacPays(window));
        int packed = CostModel.Int8WeightConvSwarMacPays(window) ? Int8WeightConv2dKernels.SwarGroups(outChannels) * Int8WeightConv2dKernels.SwarLongsPerGroup : 0;
        Assert.Equal((m.ConvWeights.Length * 1) + (packed * 8) + (m.Thresholds.Length * 4) + (m.DenseWeights.Length * 8) + (m.Scales.Length * 8), model.ConstantBytes);
        int patch = CostModel.Int8WeightConvIm2ColPays(window, outChannels) ? window : 0;
        Assert.Equal((m.ArenaWords * 8) + (Math.Max(outChannels, 4) * 4) + (patch * 2) + (m.Scales.Length * 4), model.WorkingBytes);

        byte[][] inputs = new byte[16][];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = new byte[m.Geometry.InHeight * m.Geometry.InWidth * m.Geometry.InChannels];
            random.NextBytes(inputs[i]);
            Assert.Equal(m.ExpectedClass(inputs[i]), model.Run(inputs[i]));

            // Layer 0's bits are the reference kernel's.
            model.RunLayers(inputs[i], 0);
            ulong[] bits = new ulong[model.GetLayer(0).OutputWords];
            model.CopyOutputBits(0, bits);
            Assert.Equal(m.ReferenceConvBits(inputs[i]), bits);
        }

        Assert.Equal(0, AllocationTests.BytesAllocatedBy1000Runs(model, inputs));
    }

    // ---------------------------------------------------------------- blob

    [Theory]
    [InlineData(true, 3)]
    [InlineData(false, 1)]
    public void hand_built_blob_loads_and_runs_like_the_builder_model(bool signed, int inChannels)
    {
        Random random = new(94);
        TestModel m = TestModel.Random(random, signed, inChannels, outChannels: 7);
        byte[] blob = m.Blob();
        BnnModel loaded = BlobReader.Load(blob);
        BnnModel built = m.Build();
        Assert.Equal(built.ConstantBytes, loaded.ConstantBytes);
        Assert.Equal(m.ConvWeights, loaded.GetLayer(0).Int8Weights);
        for (int i = 0; i < 20; i++)
        {
            byte[] input = new byte[loaded.InputLength];
            random.NextBytes(input);
            Assert.Equal(built.Run(input), loaded.Run(input));
            Assert.Equal(built.Scores, loaded.Scores);
        }

        // The budget counts the int8 weights once (their section's bytes), not twice like binary weights.
        Assert.NotNull(BlobReader.Load(blob, loaded.RamBytes));

        // The compiler's report: flash = record + weights section + thresholds; 8-bit ops = MACs.
        LayerReport row = ModelReport.Build(blob).Layers[0];
        long macs = (long)m.Geometry.OutHeight * m.Geometry.OutWidth * 7 * 9 * inChannels;
        Assert.Equal("Int8WeightConv2d", row.Kind);
        Assert.Equal(inChannels == 1 ? "Im2ColSwarMac9" : "Im2ColMac", row.Kernel);
        Assert.Equal(BlobFormat.RecordSize + ((m.ConvWeights.Length + 3) & ~3) + (7 * 4), row.FlashBytes);
        Assert.Equal(macs, row.Int8Ops);
        Assert.Equal(0, row.BinaryOps);
        Assert.True(row.EstimatedIlOps > (inChannels == 1 ? 4.5 : 14) * macs, row.EstimatedIlOps.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void blob_with_a_wrong_or_damaged_kind_9_weights_section_is_refused()
    {
        TestModel m = TestModel.Random(new Random(95), true, inChannels: 3, outChannels: 7);
        byte[] blob = m.Blob();
        int record0 = BlobFormat.HeaderSize;
        int padded = ((m.ConvWeights.Length + 3) & ~3);
        Assert.Equal(padded, BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(record0 + BlobFormat.WeightsLengthAt)));

        // Weights section declared 4 bytes short (or long), CRC resealed.
        foreach (int delta in new[] { -4, 4 })
        {
            byte[] damaged = (byte[])blob.Clone();
            BinaryPrimitives.WriteInt32LittleEndian(damaged.AsSpan(record0 + BlobFormat.WeightsLengthAt), padded + delta);
            Reseal(damaged);
            BnnException e = Assert.Throws<BnnException>(() => BlobReader.Load(damaged));
            Assert.Contains("layer 0 (Int8WeightConv2d): int8 weights hold " + (padded + delta) + " bytes, expected " + padded, e.Message, StringComparison.Ordinal);
        }

        // A non-zero padding byte after the last weight, CRC resealed.
        Assert.True(padded > m.ConvWeights.Length, "the test model's weights must end in padding");
        byte[] dirty = (byte[])blob.Clone();
        dirty[BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(record0 + BlobFormat.WeightsAt)) + padded - 1] = 1;
        Reseal(dirty);
        Assert.Contains("int8 weights padding byte", Assert.Throws<BnnException>(() => BlobReader.Load(dirty)).Message, StringComparison.Ordinal);

        // A flipped weight byte without a new CRC; and a pad value of +1 behind a valid CRC.
        byte[] flipped = (byte[])blob.Clone();
        flipped[BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(record0 + BlobFormat.WeightsAt)) + 5] ^= 0x10;
        Assert.Contains("CRC", Assert.Throws<BnnException>(() => BlobReader.Load(flipped)).Message, StringComparison.Ordinal);
        byte[] padOne = (byte[])blob.Clone();
        padOne[record0 + BlobFormat.PadValueAt] = 1;
        Reseal(padOne);
        Assert.Contains("pads with 0 only", Assert.Throws<BnnException>(() => BlobReader.Load(padOne)).Message, StringComparison.Ordinal);

        // Every truncation is refused.
        for (int length = 0; length < blob.Length; length++)
        {
            Assert.Throws<BnnException>(() => BlobReader.Load(blob.AsSpan(0, length).ToArray()));
        }

        // A RAM limit one byte below what the model holds is refused.
        int ram = BlobReader.Load(blob).RamBytes;
        Assert.Contains("RAM", Assert.Throws<BnnException>(() => BlobReader.Load(blob, ram - 1)).Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>A 1×kernelWidth×channels input under a 1×kernelWidth kernel: one output pixel, a window of kernelWidth·channels values.</summary>
    private static void AddWide(bool signed, int kernelWidth, int channels)
    {
        ConvGeometry wide = new(1, kernelWidth, channels, 1, 1, kernelWidth, 1, 1, 0, 0, 0, 0, 0);
        new ModelBuilder(1, kernelWidth, channels, signed, 1, 2).AddInt8WeightConv2d(wide, new sbyte[kernelWidth * channels], new int[1], 0);
    }

    /// <summary>In channels 1..3 (the first layer's few input channels); out channels 1..130, word edges included.</summary>
    private static ConvGeometry RandomGeometry(Random random, int index)
    {
        int[] edges = [1, 2, 3, 4, 5, 31, 32, 33, 63, 64, 65, 127, 128, 129, 130];
        return RandomConvGeometry.Draw(
            random,
            () => random.Next(4) == 0,
            conv1dMaxWidth: 30,
            () => index < edges.Length ? edges[index] : random.Next(3) == 0 ? edges[random.Next(edges.Length)] : random.Next(1, 131),
            () => random.Next(1, 4),
            padValue: 0,
            maxWork: 60_000);
    }

    private static void Check(Random random, ConvGeometry g, bool signed)
    {
        int n = g.KernelHeight * g.KernelWidth * g.InChannels;
        byte[] input = new byte[g.InHeight * g.InWidth * g.InChannels];
        random.NextBytes(input);
        sbyte[] weights = new sbyte[g.OutChannels * n];
        for (int i = 0; i < input.Length; i++)
        {
            if (random.Next(8) == 0)
            {
                input[i] = (byte)(random.Next(4) switch { 0 => 0x80, 1 => 0x7F, 2 => 0xFF, _ => 0x00 });
            }
        }

        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = random.Next(6) switch { 0 => sbyte.MinValue, 1 => sbyte.MaxValue, 2 => 0, _ => (sbyte)random.Next(-128, 128) };
        }

        // Independent oracle: the formula of the spec, written with long sums over a padded view of the input.
        long[,,] oracle = new long[g.OutHeight, g.OutWidth, g.OutChannels];
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                for (int o = 0; o < g.OutChannels; o++)
                {
                    long dot = 0;
                    for (int i = 0; i < n; i++)
                    {
                        int c = i % g.InChannels;
                        int tap = i / g.InChannels;
                        int iy = (oy * g.StrideY) - g.PadTop + (tap / g.KernelWidth);
                        int ix = (ox * g.StrideX) - g.PadLeft + (tap % g.KernelWidth);
                        bool inside = iy >= 0 && iy < g.InHeight && ix >= 0 && ix < g.InWidth;
                        byte b = inside ? input[(((iy * g.InWidth) + ix) * g.InChannels) + c] : (byte)0;
                        dot += (long)weights[(o * n) + i] * (signed ? (sbyte)b : b);
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
                thresholds[o] = (int)oracle[random.Next(g.OutHeight), random.Next(g.OutWidth), o] + (random.Next(2) * bump);
            }

            int outOffset = random.Next(3);
            int outLength = outOffset + (g.OutHeight * g.OutWidth * g.OutWordsPerPixel) + random.Next(2);
            ulong[] expected = new ulong[outLength];
            Array.Fill(expected, Sentinel);
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    int pixel = outOffset + (((oy * g.OutWidth) + ox) * g.OutWordsPerPixel);
                    for (int j = 0; j < g.OutWordsPerPixel; j++)
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

            ulong[] reference = new ulong[outLength];
            Array.Fill(reference, Sentinel);
            int[] referenceDots = new int[g.OutChannels + random.Next(2)];
            Int8WeightConv2dKernels.Reference(input, signed, g, weights, thresholds, referenceDots, reference, outOffset);
            Assert.True(expected.AsSpan().SequenceEqual(reference), "Reference differs from the oracle at " + RandomConvGeometry.Describe(g) + " signed=" + signed);

            short[] scratch = new short[Int8WeightConv2dKernels.ScratchLength(g) + random.Next(3)];
            for (int i = 0; i < scratch.Length; i++)
            {
                scratch[i] = (short)random.Next(short.MinValue, short.MaxValue + 1);
            }

            ulong[] optimised = new ulong[outLength];
            Array.Fill(optimised, Sentinel);
            int[] optimisedDots = new int[g.OutChannels];
            Int8WeightConv2dKernels.Im2ColMac(input, signed, g, weights, thresholds, optimisedDots, optimised, outOffset, scratch);
            Assert.True(expected.AsSpan().SequenceEqual(optimised), "Im2ColMac differs at " + RandomConvGeometry.Describe(g) + " signed=" + signed);

            // Both leave the last output pixel's exact dots in the scratch.
            for (int o = 0; o < g.OutChannels; o++)
            {
                long last = oracle[g.OutHeight - 1, g.OutWidth - 1, o];
                Assert.True(last == referenceDots[o] && last == optimisedDots[o], "last-pixel dot " + o + " at " + RandomConvGeometry.Describe(g));
            }

            if (n == 9)
            {
                ulong[] swar = new ulong[outLength];
                Array.Fill(swar, Sentinel);
                RunSwarMac9(input, signed, g, weights, thresholds, swar, outOffset, scratch);
                Assert.True(expected.AsSpan().SequenceEqual(swar), "Im2ColSwarMac9 differs at " + RandomConvGeometry.Describe(g) + " signed=" + signed);
            }
        }
    }

    /// <summary>Packs the weights and thresholds as BnnModel does and runs Im2ColSwarMac9.</summary>
    private static void RunSwarMac9(byte[] input, bool signed, ConvGeometry g, sbyte[] weights, int[] thresholds, ulong[] output, int outputOffset, short[] scratch)
    {
        long[] packed = new long[Int8WeightConv2dKernels.SwarGroups(g.OutChannels) * Int8WeightConv2dKernels.SwarLongsPerGroup];
        Int8WeightConv2dKernels.PackSwar(weights, thresholds, g.OutChannels, packed);
        Int8WeightConv2dKernels.Im2ColSwarMac9(input, signed, g, packed, output, outputOffset, scratch);
    }

    private static void Reseal(byte[] blob)
    {
        uint crc = Crc32.Compute(blob, BlobFormat.CrcStart, blob.Length - BlobFormat.CrcStart);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(BlobFormat.CrcAt), crc);
    }

    /// <summary>
    /// 6x5xC input → Int8WeightConv2d k×k (3x3 unless given), pad k/2, stride 1 (6x5xO) → MaxPool2d 2x2 stride 2 (3x2xO) → BinaryDenseScores
    /// of 4 classes. Arena: conv output at word 0, pool output after it.
    /// </summary>
    private sealed class TestModel
    {
        public bool Signed;
        public ConvGeometry Geometry = null!;
        public ConvGeometry Pool = null!;
        public sbyte[] ConvWeights = null!;
        public int[] Thresholds = null!;
        public ulong[] DenseWeights = null!;
        public int[] Scales = null!;
        public int[] Biases = null!;
        public int ArenaWords;
        public int PoolOffset;

        public int Classes => Scales.Length;

        public static TestModel Random(Random random, bool signed, int inChannels, int outChannels, int kernel = 3)
        {
            TestModel m = new() { Signed = signed };
            int pad = kernel / 2;
            m.Geometry = new ConvGeometry(6, 5, inChannels, outChannels, kernel, kernel, 1, 1, pad, pad, pad, pad, 0);
            m.Pool = new ConvGeometry(6, 5, outChannels, outChannels, 2, 2, 2, 2, 0, 0, 0, 0, 0);
            int n = kernel * kernel * inChannels;
            m.ConvWeights = new sbyte[outChannels * n];
            for (int i = 0; i < m.ConvWeights.Length; i++)
            {
                m.ConvWeights[i] = (sbyte)random.Next(-128, 128);
            }

            // Thresholds near the middle of the dot range, so bits vary.
            m.Thresholds = new int[outChannels];
            for (int o = 0; o < outChannels; o++)
            {
                m.Thresholds[o] = random.Next(-2000, 2001) + (signed ? 0 : random.Next(-20_000, 20_001));
            }

            int words = m.Pool.OutWordsPerPixel;
            int pixels = m.Pool.OutHeight * m.Pool.OutWidth;
            m.PoolOffset = m.Geometry.OutHeight * m.Geometry.OutWidth * m.Geometry.OutWordsPerPixel;
            m.ArenaWords = m.PoolOffset + (pixels * words);
            m.DenseWeights = new ulong[4 * pixels * words];
            for (int i = 0; i < m.DenseWeights.Length; i++)
            {
                int used = outChannels - ((i % words) * 64);
                ulong mask = used >= 64 ? ulong.MaxValue : (1UL << used) - 1;
                m.DenseWeights[i] = (ulong)random.NextInt64() & mask;
            }

            m.Scales = new int[4];
            m.Biases = new int[4];
            for (int c = 0; c < 4; c++)
            {
                m.Scales[c] = random.Next(1, 5);
                m.Biases[c] = random.Next(-50, 51);
            }

            return m;
        }

        public BnnModel Build()
        {
            ModelBuilder builder = new(Geometry.InHeight, Geometry.InWidth, Geometry.InChannels, Signed, ArenaWords, 3);
            builder.AddInt8WeightConv2d(Geometry, ConvWeights, Thresholds, 0);
            builder.AddMaxPool2d(Pool, 0, PoolOffset);
            builder.AddBinaryDenseScores(Classes, DenseWeights, Scales, Biases, 0, PoolOffset);
            return builder.Build();
        }

        public ulong[] ReferenceConvBits(byte[] input)
        {
            ulong[] bits = new ulong[PoolOffset];
            Int8WeightConv2dKernels.Reference(input, Signed, Geometry, ConvWeights, Thresholds, new int[Geometry.OutChannels], bits, 0);
            return bits;
        }

        /// <summary>The class computed with the reference kernels only.</summary>
        public int ExpectedClass(byte[] input)
        {
            ulong[] arena = new ulong[ArenaWords];
            Int8WeightConv2dKernels.Reference(input, Signed, Geometry, ConvWeights, Thresholds, new int[Geometry.OutChannels], arena, 0);
            MaxPoolBitsKernels.Reference(arena, 0, Pool, arena, PoolOffset);
            int pixels = Pool.OutHeight * Pool.OutWidth;
            int[] dots = new int[Classes];
            // Reference reads bits contiguously: run it over whole words, where every channel-padding bit is 0 in input
            // and weights alike and so adds +1, then take those padding bits back out.
            int rowWords = pixels * Pool.OutWordsPerPixel;
            int paddingBits = (rowWords * 64) - (pixels * Pool.OutChannels);
            BinaryDotKernels.Reference(arena, PoolOffset, rowWords * 64, DenseWeights, rowWords, Classes, dots);
            int best = 0;
            long bestScore = long.MinValue;
            for (int c = 0; c < Classes; c++)
            {
                long score = ((long)Scales[c] * (dots[c] - paddingBits)) + Biases[c];
                if (score > bestScore)
                {
                    best = c;
                    bestScore = score;
                }
            }

            return best;
        }

        /// <summary>The same model as a version-1 blob, written field by field from docs/blob-format.md.</summary>
        public byte[] Blob()
        {
            int outC = Geometry.OutChannels;
            int pixels = Pool.OutHeight * Pool.OutWidth;
            int groupWords32 = (outC + 31) >> 5;
            int dataStart = BlobFormat.HeaderSize + (3 * BlobFormat.RecordSize);
            int convWeightsLength = (ConvWeights.Length + 3) & ~3;
            int convParamsAt = dataStart + convWeightsLength;
            int poolAt = convParamsAt + (outC * 4);
            int denseWeightsLength = 4 * Classes * pixels * groupWords32;
            int denseParamsAt = poolAt + denseWeightsLength;
            int total = denseParamsAt + (2 * Classes * 4);
            byte[] blob = new byte[total];
            Span<byte> b = blob;
            BinaryPrimitives.WriteUInt32LittleEndian(b[BlobFormat.MagicAt..], BlobFormat.Magic);
            BinaryPrimitives.WriteUInt16LittleEndian(b[BlobFormat.VersionAt..], BlobFormat.Version);
            BinaryPrimitives.WriteUInt16LittleEndian(b[BlobFormat.HeaderSizeAt..], BlobFormat.HeaderSize);
            BinaryPrimitives.WriteInt32LittleEndian(b[BlobFormat.TotalLengthAt..], total);
            BinaryPrimitives.WriteUInt16LittleEndian(b[BlobFormat.LayerCountAt..], 3);
            blob[BlobFormat.InputSignedAt] = Signed ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteUInt16LittleEndian(b[BlobFormat.InputHeightAt..], (ushort)Geometry.InHeight);
            BinaryPrimitives.WriteUInt16LittleEndian(b[BlobFormat.InputWidthAt..], (ushort)Geometry.InWidth);
            BinaryPrimitives.WriteInt32LittleEndian(b[BlobFormat.InputChannelsAt..], Geometry.InChannels);
            BinaryPrimitives.WriteInt32LittleEndian(b[BlobFormat.ClassCountAt..], Classes);
            BinaryPrimitives.WriteInt32LittleEndian(b[BlobFormat.ArenaWordsAt..], ArenaWords);

            Span<byte> conv = b.Slice(BlobFormat.HeaderSize, BlobFormat.RecordSize);
            Record(conv, LayerKind.Int8WeightConv2d, outC, Geometry, 0, 0, dataStart, convWeightsLength, convParamsAt, outC * 4);
            for (int i = 0; i < ConvWeights.Length; i++)
            {
                blob[dataStart + i] = unchecked((byte)ConvWeights[i]);
            }

            WriteInts(b[convParamsAt..], Thresholds);

            Span<byte> pool = b.Slice(BlobFormat.HeaderSize + BlobFormat.RecordSize, BlobFormat.RecordSize);
            Record(pool, LayerKind.MaxPool2d, outC, Pool, 0, PoolOffset, poolAt, 0, poolAt, 0);

            Span<byte> dense = b.Slice(BlobFormat.HeaderSize + (2 * BlobFormat.RecordSize), BlobFormat.RecordSize);
            Record(dense, LayerKind.BinaryDenseScores, Classes, null, PoolOffset, 0, poolAt, denseWeightsLength, denseParamsAt, 2 * Classes * 4);

            // Binary rows: per class, per pixel, one group of outC bits as uint32 words (low word first).
            int words64 = Pool.OutWordsPerPixel;
            int at = poolAt;
            for (int g = 0; g < Classes * pixels; g++)
            {
                for (int k = 0; k < groupWords32; k++)
                {
                    ulong word = DenseWeights[(g * words64) + (k >> 1)];
                    BinaryPrimitives.WriteUInt32LittleEndian(b[at..], (uint)(word >> (32 * (k & 1))));
                    at += 4;
                }
            }

            WriteInts(b[denseParamsAt..], Scales);
            WriteInts(b[(denseParamsAt + (4 * Classes))..], Biases);
            Reseal(blob);
            return blob;
        }

        private static void Record(Span<byte> r, int kind, int outC, ConvGeometry? g, int inputOffset, int outputOffset, int weightsAt, int weightsLength, int paramsAt, int paramsLength)
        {
            r[BlobFormat.KindAt] = (byte)kind;
            BinaryPrimitives.WriteUInt16LittleEndian(r[BlobFormat.RecordSizeAt..], BlobFormat.RecordSize);
            BinaryPrimitives.WriteInt32LittleEndian(r[BlobFormat.OutChannelsAt..], outC);
            if (g != null)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(r[BlobFormat.KernelHeightAt..], (ushort)g.KernelHeight);
                BinaryPrimitives.WriteUInt16LittleEndian(r[BlobFormat.KernelWidthAt..], (ushort)g.KernelWidth);
                BinaryPrimitives.WriteUInt16LittleEndian(r[BlobFormat.StrideYAt..], (ushort)g.StrideY);
                BinaryPrimitives.WriteUInt16LittleEndian(r[BlobFormat.StrideXAt..], (ushort)g.StrideX);
                BinaryPrimitives.WriteUInt16LittleEndian(r[BlobFormat.PadTopAt..], (ushort)g.PadTop);
                BinaryPrimitives.WriteUInt16LittleEndian(r[BlobFormat.PadLeftAt..], (ushort)g.PadLeft);
                BinaryPrimitives.WriteUInt16LittleEndian(r[BlobFormat.PadBottomAt..], (ushort)g.PadBottom);
                BinaryPrimitives.WriteUInt16LittleEndian(r[BlobFormat.PadRightAt..], (ushort)g.PadRight);
                r[BlobFormat.PadValueAt] = g.PadValue == -1 ? (byte)0xFF : (byte)g.PadValue;
            }

            BinaryPrimitives.WriteInt32LittleEndian(r[BlobFormat.InputOffsetAt..], inputOffset);
            BinaryPrimitives.WriteInt32LittleEndian(r[BlobFormat.OutputOffsetAt..], outputOffset);
            BinaryPrimitives.WriteInt32LittleEndian(r[BlobFormat.WeightsAt..], weightsAt);
            BinaryPrimitives.WriteInt32LittleEndian(r[BlobFormat.WeightsLengthAt..], weightsLength);
            BinaryPrimitives.WriteInt32LittleEndian(r[BlobFormat.ParamsAt..], paramsAt);
            BinaryPrimitives.WriteInt32LittleEndian(r[BlobFormat.ParamsLengthAt..], paramsLength);
        }

        private static void WriteInts(Span<byte> to, int[] values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(to[(4 * i)..], values[i]);
            }
        }
    }
}

using System;
using System.Linq;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Compiler.Reference;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.Compiler;

/// <summary>The compiled blob, run by the runtime, against the float reference: every class and every hidden bit.</summary>
public class CompiledModelParityTests
{
    [Theory]
    [InlineData(1, 16, true, new[] { 8 }, 3)]
    [InlineData(2, 33, false, new[] { 31, 65 }, 5)]
    [InlineData(3, 192, true, new[] { 128, 64 }, 6)]
    [InlineData(4, 784, false, new[] { 64, 64, 64 }, 10)]
    [InlineData(5, 7, true, new[] { 1 }, 2)]
    [InlineData(6, 100, true, new[] { 2 }, 4)]
    [InlineData(7, 300, false, new[] { 600, 129 }, 7)]
    public void runtime_matches_float_reference_on_every_class_and_hidden_bit(int seed, int inputs, bool signed, int[] hidden, int classes)
    {
        BnnNetwork network = RandomNetworks.Create(seed, inputs, signed, hidden, classes);
        Dataset data = RandomNetworks.Inputs(seed + 100, 300, inputs, signed, classes);
        AssertAgreement(network, data);
    }

    [Theory]
    [InlineData(1, 8, 8, 1, true)]
    [InlineData(2, 9, 7, 3, false)]
    [InlineData(3, 1, 40, 5, true)]
    [InlineData(4, 12, 12, 2, false)]
    [InlineData(5, 6, 5, 33, true)]
    [InlineData(6, 1, 30, 7, false)]
    [InlineData(7, 10, 10, 4, true)]
    [InlineData(8, 5, 9, 65, false)]
    [InlineData(9, 7, 7, 1, false)]
    [InlineData(10, 1, 17, 3, true)]
    public void conv_nets_match_float_reference_on_every_class_and_hidden_bit(int seed, int height, int width, int channels, bool signed)
    {
        BnnNetwork network = RandomNetworks.CreateConv(seed, new TensorShape(height, width, channels), signed, 4);
        Dataset data = RandomNetworks.Inputs(seed + 100, 120, height * width * channels, signed, 4);
        AssertAgreement(network, data);
    }

    [Theory]
    [InlineData(21, 8, 8, 1, true)]
    [InlineData(22, 9, 7, 3, false)]
    [InlineData(23, 1, 40, 5, true)]
    [InlineData(24, 12, 10, 2, false)]
    [InlineData(25, 6, 5, 33, true)]
    [InlineData(26, 10, 10, 4, false)]
    public void conv_nets_with_an_int8_weight_first_layer_match_float_reference_on_every_class_and_hidden_bit(int seed, int height, int width, int channels, bool signed)
    {
        BnnNetwork network = RandomNetworks.CreateConv(seed, new TensorShape(height, width, channels), signed, 4, int8FirstLayer: true);
        Assert.Equal(LayerKind.Int8WeightConv2d, ModelCompiler.Compile(network).Layers[0].Kind);
        Dataset data = RandomNetworks.Inputs(seed + 100, 120, height * width * channels, signed, 4);
        AssertAgreement(network, data);
    }

    [Fact]
    public void int8_weights_are_integers_in_range_survive_the_network_file_and_only_lead_the_network()
    {
        BatchNorm norm = BatchNorm.Identity(2);
        float[] good = [127, -127, 0, 5, 1, -1, 2, 3];
        Assert.Equal(-127, new Conv2dLayer(1, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, good, norm, int8Weights: true).Weight(0, 0, 1, 0));
        Assert.Equal(1, new Conv2dLayer(1, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, good, norm).Weight(0, 0, 0, 0));
        Assert.Contains("not an integer in -127..127", Assert.Throws<ArgumentException>(() => new Conv2dLayer(1, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, [128, 0, 0, 0, 0, 0, 0, 0], norm, int8Weights: true)).Message, StringComparison.Ordinal);
        Assert.Contains("not an integer in -127..127", Assert.Throws<ArgumentException>(() => new Conv2dLayer(1, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, [0.5f, 0, 0, 0, 0, 0, 0, 0], norm, int8Weights: true)).Message, StringComparison.Ordinal);

        BnnNetwork network = RandomNetworks.CreateConv(31, new TensorShape(6, 6, 2), true, 3, int8FirstLayer: true);
        string saved = NetworkFile.Serialize(network);
        BnnNetwork loaded = NetworkFile.Deserialize(saved);
        Assert.True(((Conv2dLayer)loaded.Layers[0]).Int8Weights);
        Assert.Equal(saved, NetworkFile.Serialize(loaded));
        Assert.DoesNotContain("Int8Weights", NetworkFile.Serialize(RandomNetworks.CreateConv(2, new TensorShape(6, 6, 2), true, 3)), StringComparison.Ordinal);

        // After another layer, int8 weights have no runtime kind: refused with the layer named.
        var first = (Conv2dLayer)network.Layers[0];
        BnnNetwork second = new(network.InputShape, network.InputSigned, [new InputThresholdLayer(new int[2]), first, .. network.Layers.Skip(1)], network.ClassNames);
        Assert.Contains("layer 1 (Conv2d", Assert.Throws<ArgumentException>(() => ModelCompiler.Compile(second)).Message, StringComparison.Ordinal);
    }

    /// <summary>Checks class and hidden-bit agreement on every sample; returns the number of samples checked.</summary>
    internal static int AssertAgreement(BnnNetwork network, Dataset data)
    {
        byte[] blob = BlobWriter.Write(ModelCompiler.Compile(network));
        BnnModel model = BlobReader.Load(blob);
        byte[] input = new byte[data.FeatureCount];
        ulong[] bits = new ulong[1 << 16];
        for (int s = 0; s < data.Count; s++)
        {
            data.Sample(s).CopyTo(input);
            FloatReference.Output expected = FloatReference.Forward(network, input);
            for (int l = 0; l < network.Layers.Count - 1; l++)
            {
                model.RunLayers(input, l);
                model.CopyOutputBits(l, bits);
                int[] signs = expected.HiddenSigns[l];
                int channels = model.GetLayer(l).OutChannels;
                int wordsPerPixel = (channels + 63) >> 6;
                for (int v = 0; v < signs.Length; v++)
                {
                    int pixel = v / channels, c = v % channels;
                    int bit = (int)((bits[(pixel * wordsPerPixel) + (c >> 6)] >> (c & 63)) & 1);
                    if (bit != (signs[v] > 0 ? 1 : 0))
                    {
                        Assert.Fail($"sample {s}, layer {l}, value {v} (pixel {pixel}, channel {c}): runtime bit {bit}, reference sign {signs[v]}");
                    }
                }
            }

            int actual = model.Run(input);
            Assert.True(expected.Class == actual, $"sample {s}: runtime class {actual}, reference class {expected.Class}");
        }

        return data.Count;
    }

    [Fact]
    public void folded_thresholds_agree_with_batch_norm_on_every_possible_dot()
    {
        BnnNetwork network = RandomNetworks.Create(11, 40, true, [200], 3);
        DenseLayer layer = (DenseLayer)network.Layers[1];
        for (int o = 0; o < layer.Outputs; o++)
        {
            BatchNormFolding.FoldedChannel folded = BatchNormFolding.FoldChannel(layer.Norm, o, -layer.Inputs, layer.Inputs);
            for (int dot = -layer.Inputs; dot <= layer.Inputs; dot++)
            {
                bool expected = layer.Norm.Apply(o, dot) >= 0;
                int seen = folded.InvertRow ? -dot : dot;
                Assert.Equal(expected, seen >= folded.Threshold);
            }
        }
    }

    [Fact]
    public void negative_zero_and_positive_bn_scales_fold_to_one_comparison()
    {
        BatchNorm norm = new([2f, -2f, 0f, 0f], [0.5f, 0.5f, 1f, -1f], [3f, 3f, 0f, 0f], [1f, 1f, 1f, 1f], 0f);
        Assert.Equal(new BatchNormFolding.FoldedChannel(3, false), BatchNormFolding.FoldChannel(norm, 0, -10, 10));
        // -2(d - 3) + 0.5 >= 0  <=>  d <= 3.25  <=>  -d >= -3.
        Assert.Equal(new BatchNormFolding.FoldedChannel(-3, true), BatchNormFolding.FoldChannel(norm, 1, -10, 10));
        Assert.Equal(new BatchNormFolding.FoldedChannel(-10, false), BatchNormFolding.FoldChannel(norm, 2, -10, 10));
        Assert.Equal(new BatchNormFolding.FoldedChannel(11, false), BatchNormFolding.FoldChannel(norm, 3, -10, 10));
    }

    [Fact]
    public void arena_plan_never_overlaps_a_layers_input_and_output_and_uses_the_largest_pair()
    {
        Random random = new(5);
        for (int trial = 0; trial < 500; trial++)
        {
            int count = random.Next(2, 8);
            int[] inWords = new int[count], outWords = new int[count];
            int width = random.Next(1, 20);
            for (int l = 0; l < count; l++)
            {
                inWords[l] = l == 0 ? 0 : width;
                width = random.Next(1, 20);
                outWords[l] = l == count - 1 ? 0 : width;
            }

            ArenaPlanner.Plan plan = ArenaPlanner.PlanChain(inWords, outWords);
            int largestPair = 0;
            for (int l = 0; l < count; l++)
            {
                largestPair = Math.Max(largestPair, inWords[l] + outWords[l]);
                bool disjoint = plan.OutputOffsets[l] + outWords[l] <= plan.InputOffsets[l] || plan.InputOffsets[l] + inWords[l] <= plan.OutputOffsets[l];
                Assert.True(disjoint || outWords[l] == 0 || inWords[l] == 0);
                Assert.True(plan.OutputOffsets[l] + outWords[l] <= plan.ArenaWords);
                if (l > 0)
                {
                    Assert.Equal(plan.OutputOffsets[l - 1], plan.InputOffsets[l]);
                }
            }

            Assert.Equal(largestPair, plan.ArenaWords);
        }
    }
}

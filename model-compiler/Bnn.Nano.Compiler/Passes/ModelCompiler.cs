using System;
using System.Collections.Generic;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Compiler.Passes;

/// <summary>
/// The pass pipeline: choose each layer's runtime kind from its type and position, fold batch norm (and α) into
/// thresholds, quantise the scores, bit-pack, plan the arena.
/// </summary>
public static class ModelCompiler
{
    public static CompiledModel Compile(BnnNetwork network)
    {
        int count = network.Layers.Count;
        TensorShape[] shapes = network.Shapes();
        int[] kinds = new int[count];
        for (int l = 0; l < count; l++)
        {
            kinds[l] = KindOf(network.Layers[l], l, count);
        }

        int[] inputWords = new int[count];
        int[] outputWords = new int[count];
        for (int l = 0; l < count; l++)
        {
            inputWords[l] = LayerKind.ReadsBytes(kinds[l]) ? 0 : PackedWords(shapes[l]);
            outputWords[l] = LayerKind.ProducesScores(kinds[l]) ? 0 : PackedWords(shapes[l + 1]);
        }

        ArenaPlanner.Plan plan = ArenaPlanner.PlanChain(inputWords, outputWords);
        List<CompiledLayer> layers = new(count);
        for (int l = 0; l < count; l++)
        {
            CompiledLayer compiled = CompileLayer(network, network.Layers[l], kinds[l], shapes[l], shapes[l + 1]);
            layers.Add(compiled with
            {
                InputOffset = inputWords[l] == 0 ? 0 : plan.InputOffsets[l],
                OutputOffset = outputWords[l] == 0 ? 0 : plan.OutputOffsets[l],
            });
        }

        return new CompiledModel(network.InputShape, network.InputSigned, layers, plan.ArenaWords, network.ClassNames, network.Properties);
    }

    /// <summary>Words of a packed bit tensor: pixels × ceil(channels/64).</summary>
    public static int PackedWords(TensorShape shape) => shape.Height * shape.Width * ((shape.Channels + 63) >> 6);

    private static int KindOf(NetworkLayer layer, int index, int count)
    {
        bool first = index == 0, last = index == count - 1;
        int kind = layer switch
        {
            DenseLayer when last => first ? throw Unsupported(layer, index, "a single dense layer over 8-bit input cannot produce scores; add a hidden layer") : LayerKind.BinaryDenseScores,
            DenseLayer => first ? LayerKind.Int8Dense : LayerKind.BinaryDense,
            Conv2dLayer { Int8Weights: true } => first ? LayerKind.Int8WeightConv2d : throw Unsupported(layer, index, "int8 weights are supported in the first layer only"),
            Conv2dLayer => first ? LayerKind.Int8Conv2d : LayerKind.BinaryConv2d,
            MaxPool2dLayer => LayerKind.MaxPool2d,
            InputThresholdLayer => LayerKind.InputThreshold,
            Int8HeadLayer => LayerKind.Int8DenseHead,
            _ => throw Unsupported(layer, index, "unknown layer type"),
        };
        if (first != LayerKind.ReadsBytes(kind))
        {
            throw Unsupported(layer, index, first ? "the first layer must read the 8-bit input (dense, conv or input threshold)" : "only the first layer may read the 8-bit input");
        }

        if (last != LayerKind.ProducesScores(kind))
        {
            throw Unsupported(layer, index, last ? "the last layer must be dense or an int8 head" : "a score layer must be last");
        }

        return kind;
    }

    private static ArgumentException Unsupported(NetworkLayer layer, int index, string why) =>
        new($"layer {index} ({layer.Describe()}): {why}");

    private static CompiledLayer CompileLayer(BnnNetwork network, NetworkLayer layer, int kind, TensorShape input, TensorShape output)
    {
        switch (layer)
        {
            case DenseLayer dense when kind == LayerKind.BinaryDenseScores:
                {
                    ScoreQuantization.QuantizedScores scores = ScoreQuantization.Quantize(dense.Norm, dense.Alpha, dense.Inputs);
                    uint[] weights = PackDense(dense, input, new bool[dense.Outputs], out int groups, out int groupBits);
                    return new CompiledLayer(kind, input, output, null, weights, groups, groupBits, null, null, scores.Scales, scores.Biases, scores.Shift, 0, 0);
                }

            case DenseLayer dense:
                {
                    bool bytes = kind == LayerKind.Int8Dense;
                    (int min, int max) = BatchNormFolding.DotRange(dense.Inputs, bytes, network.InputSigned);
                    (int[] thresholds, bool[] invert) = Fold(dense.Outputs, dense.Norm, dense.Activation, min, max);
                    uint[] weights = bytes
                        ? BitPacking.PackRows(dense.Outputs, 1, dense.Inputs, (o, _, i) => dense.BinaryWeight(o, i) > 0, invert)
                        : PackDense(dense, input, invert, out _, out _);
                    return bytes
                        ? new CompiledLayer(kind, input, output, null, weights, 1, dense.Inputs, null, thresholds, null, null, 0, 0, 0)
                        : new CompiledLayer(kind, input, output, null, weights, input.Height * input.Width, input.Channels, null, thresholds, null, null, 0, 0, 0);
                }

            case Conv2dLayer conv when kind == LayerKind.Int8WeightConv2d:
                {
                    if (conv.PadValue != 0)
                    {
                        throw new ArgumentException($"layer 0 ({conv.Describe()}): an 8-bit input convolution pads with 0 only");
                    }

                    (int min, int max) = BatchNormFolding.DotRange(conv.TapCount, int8Input: true, network.InputSigned, weightMagnitude: 127);
                    (int[] thresholds, bool[] invert) = Fold(conv.OutChannels, conv.Norm, conv.Activation, min, max);

                    // Rows [o][ky][kx][c], as in the IR; a negative BN scale negates the row (−127..127 stays in range).
                    sbyte[] weights = new sbyte[conv.OutChannels * conv.TapCount];
                    for (int i = 0; i < weights.Length; i++)
                    {
                        int w = conv.Weight(i);
                        weights[i] = (sbyte)(invert[i / conv.TapCount] ? -w : w);
                    }

                    WindowSpec window = new(conv.KernelHeight, conv.KernelWidth, conv.StrideY, conv.StrideX, conv.PadTop, conv.PadLeft, conv.PadBottom, conv.PadRight, conv.PadValue);
                    return new CompiledLayer(kind, input, output, window, null, 0, 0, weights, thresholds, null, null, 0, 0, 0);
                }

            case Conv2dLayer conv:
                {
                    bool bytes = kind == LayerKind.Int8Conv2d;
                    if (bytes && conv.PadValue != 0)
                    {
                        throw new ArgumentException($"layer 0 ({conv.Describe()}): an 8-bit input convolution pads with 0 only");
                    }

                    (int min, int max) = BatchNormFolding.DotRange(conv.TapCount, bytes, network.InputSigned);
                    (int[] thresholds, bool[] invert) = Fold(conv.OutChannels, conv.Norm, conv.Activation, min, max);
                    int taps = conv.KernelHeight * conv.KernelWidth;
                    uint[] weights = bytes
                        ? BitPacking.PackRows(conv.OutChannels, 1, conv.TapCount, (o, _, b) => conv.Weight(o, b / conv.InChannels / conv.KernelWidth, b / conv.InChannels % conv.KernelWidth, b % conv.InChannels) > 0, invert)
                        : BitPacking.PackRows(conv.OutChannels, taps, conv.InChannels, (o, t, c) => conv.Weight(o, t / conv.KernelWidth, t % conv.KernelWidth, c) > 0, invert);
                    WindowSpec window = new(conv.KernelHeight, conv.KernelWidth, conv.StrideY, conv.StrideX, conv.PadTop, conv.PadLeft, conv.PadBottom, conv.PadRight, conv.PadValue);
                    return new CompiledLayer(kind, input, output, window, weights, bytes ? 1 : taps, bytes ? conv.TapCount : conv.InChannels, null, thresholds, null, null, 0, 0, 0);
                }

            case MaxPool2dLayer pool:
                {
                    WindowSpec window = new(pool.PoolHeight, pool.PoolWidth, pool.StrideY, pool.StrideX, 0, 0, 0, 0, 0);
                    return new CompiledLayer(kind, input, output, window, null, 0, 0, null, null, null, null, 0, 0, 0);
                }

            case InputThresholdLayer threshold:
                return new CompiledLayer(kind, input, output, null, null, 0, 0, null, threshold.Thresholds, null, null, 0, 0, 0);

            case Int8HeadLayer head:
                return new CompiledLayer(kind, input, output, null, null, 0, 0, head.Weights, null, null, head.Biases, 0, 0, 0);

            default:
                throw new ArgumentException($"layer {layer.Describe()} cannot be compiled");
        }
    }

    /// <summary>Dense weights over an HWC input: one group of C bits per pixel, input index i = pixel · C + c.</summary>
    private static uint[] PackDense(DenseLayer dense, TensorShape input, bool[] invert, out int groups, out int groupBits)
    {
        int channels = input.Channels;
        groups = input.Height * input.Width;
        groupBits = channels;
        return BitPacking.PackRows(dense.Outputs, groups, channels, (o, p, c) => dense.BinaryWeight(o, (p * channels) + c) > 0, invert);
    }

    private static (int[] Thresholds, bool[] Invert) Fold(int channels, BatchNorm norm, Func<int, double, double> activation, int minDot, int maxDot)
    {
        int[] thresholds = new int[channels];
        bool[] invert = new bool[channels];
        for (int o = 0; o < channels; o++)
        {
            int channel = o;
            BatchNormFolding.FoldedChannel folded = BatchNormFolding.FoldChannel(d => activation(channel, d), norm.Scale(o), minDot, maxDot, o);
            thresholds[o] = folded.Threshold;
            invert[o] = folded.InvertRow;
        }

        return (thresholds, invert);
    }
}

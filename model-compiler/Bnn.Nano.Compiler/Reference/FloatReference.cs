using System;
using Bnn.Nano.Compiler.Ir;

namespace Bnn.Nano.Compiler.Reference;

/// <summary>
/// The readable float reference: the network evaluated as written, in double, with ±1 weights and real batch norm.
/// The compiled runtime must agree with it on every class and every hidden bit; a disagreement is a bug.
/// Tensors are HWC arrays of doubles.
/// </summary>
public static class FloatReference
{
    /// <summary>Result of one forward pass: each hidden layer's ±1 outputs (HWC) and the class scores.</summary>
    public sealed record Output(int[][] HiddenSigns, double[] Scores, int Class);

    public static Output Forward(BnnNetwork network, ReadOnlySpan<byte> input)
    {
        if (input.Length != network.InputLength)
        {
            throw new ArgumentException($"input has {input.Length} features, the network takes {network.InputLength}", nameof(input));
        }

        double[] values = new double[input.Length];
        for (int i = 0; i < input.Length; i++)
        {
            values[i] = network.InputSigned ? (sbyte)input[i] : input[i];
        }

        TensorShape[] shapes = network.Shapes();
        int last = network.Layers.Count - 1;
        int[][] hidden = new int[last][];
        for (int l = 0; l <= last; l++)
        {
            NetworkLayer layer = network.Layers[l];
            TensorShape inShape = shapes[l];
            if (l == last)
            {
                double[] scores = layer switch
                {
                    DenseLayer dense => Dense(dense, values, activate: false),
                    Int8HeadLayer head => Head(head, values),
                    _ => throw new NotSupportedException($"the last layer must be dense or a head, not {layer.Describe()}"),
                };
                return new Output(hidden, scores, ArgMax(scores));
            }

            values = layer switch
            {
                DenseLayer dense => Dense(dense, values, activate: true),
                Conv2dLayer conv => Conv(conv, inShape, values),
                MaxPool2dLayer pool => MaxPool(pool, inShape, values),
                InputThresholdLayer threshold => Threshold(threshold, values),
                _ => throw new NotSupportedException($"layer {l} ({layer.Describe()}) cannot be a hidden layer"),
            };
            hidden[l] = Array.ConvertAll(values, v => (int)v);
        }

        throw new InvalidOperationException("unreachable: a network has at least one layer");
    }

    /// <summary>Index of the largest score, lowest index on ties.</summary>
    public static int ArgMax(ReadOnlySpan<double> scores)
    {
        int best = 0;
        for (int c = 1; c < scores.Length; c++)
        {
            if (scores[c] > scores[best])
            {
                best = c;
            }
        }

        return best;
    }

    private static double Sign(double y) => y >= 0 ? 1 : -1;

    private static double[] Dense(DenseLayer layer, double[] x, bool activate)
    {
        double[] y = new double[layer.Outputs];
        for (int o = 0; o < layer.Outputs; o++)
        {
            double dot = 0;
            for (int i = 0; i < layer.Inputs; i++)
            {
                dot += layer.BinaryWeight(o, i) * x[i];
            }

            double real = layer.Activation(o, dot);
            y[o] = activate ? Sign(real) : real;
        }

        return y;
    }

    private static double[] Conv(Conv2dLayer layer, TensorShape inShape, double[] x)
    {
        TensorShape outShape = layer.OutputShape(inShape);
        double[] y = new double[outShape.Count];
        for (int oy = 0; oy < outShape.Height; oy++)
        {
            for (int ox = 0; ox < outShape.Width; ox++)
            {
                for (int o = 0; o < layer.OutChannels; o++)
                {
                    double dot = 0;
                    for (int ky = 0; ky < layer.KernelHeight; ky++)
                    {
                        int iy = (oy * layer.StrideY) - layer.PadTop + ky;
                        for (int kx = 0; kx < layer.KernelWidth; kx++)
                        {
                            int ix = (ox * layer.StrideX) - layer.PadLeft + kx;
                            bool inside = iy >= 0 && iy < inShape.Height && ix >= 0 && ix < inShape.Width;
                            for (int c = 0; c < layer.InChannels; c++)
                            {
                                double value = inside ? x[(((iy * inShape.Width) + ix) * inShape.Channels) + c] : layer.PadValue;
                                dot += layer.Weight(o, ky, kx, c) * value;
                            }
                        }
                    }

                    y[(((oy * outShape.Width) + ox) * layer.OutChannels) + o] = Sign(layer.Activation(o, dot));
                }
            }
        }

        return y;
    }

    private static double[] MaxPool(MaxPool2dLayer layer, TensorShape inShape, double[] x)
    {
        TensorShape outShape = layer.OutputShape(inShape);
        double[] y = new double[outShape.Count];
        for (int oy = 0; oy < outShape.Height; oy++)
        {
            for (int ox = 0; ox < outShape.Width; ox++)
            {
                for (int c = 0; c < inShape.Channels; c++)
                {
                    double best = double.NegativeInfinity;
                    for (int py = 0; py < layer.PoolHeight; py++)
                    {
                        for (int px = 0; px < layer.PoolWidth; px++)
                        {
                            int iy = (oy * layer.StrideY) + py, ix = (ox * layer.StrideX) + px;
                            best = Math.Max(best, x[(((iy * inShape.Width) + ix) * inShape.Channels) + c]);
                        }
                    }

                    y[(((oy * outShape.Width) + ox) * inShape.Channels) + c] = best;
                }
            }
        }

        return y;
    }

    private static double[] Threshold(InputThresholdLayer layer, double[] x)
    {
        int channels = layer.Thresholds.Length;
        double[] y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] >= layer.Thresholds[i % channels] ? 1 : -1;
        }

        return y;
    }

    private static double[] Head(Int8HeadLayer layer, double[] x)
    {
        double[] y = new double[layer.Outputs];
        for (int o = 0; o < layer.Outputs; o++)
        {
            double sum = layer.Biases[o];
            for (int i = 0; i < layer.Inputs; i++)
            {
                sum += layer.Weights[(o * layer.Inputs) + i] * x[i];
            }

            y[o] = layer.Scale * sum;
        }

        return y;
    }
}

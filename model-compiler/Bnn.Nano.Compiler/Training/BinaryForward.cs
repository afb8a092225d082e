using System;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Reference;

namespace Bnn.Nano.Compiler.Training;

/// <summary>
/// Class predictions of a <see cref="BnnNetwork"/> equal to <see cref="FloatReference"/>'s, multithreaded. For networks
/// made only of dense layers it is fast: dot products of ±1 weights with integer (or ±1) inputs are exact in float
/// (|sum| &lt; 2^24), and <see cref="DenseLayer.Activation"/> evaluates the rest in double as the reference does.
/// Other networks go through the reference itself.
/// </summary>
internal static class BinaryForward
{
    public static int[] Predict(BnnNetwork network, Dataset data)
    {
        int count = data.Count;
        var predictions = new int[count];
        var runner = new RangeRunner(0);
        DenseLayer[]? dense = AllDense(network);
        if (dense == null)
        {
            runner.Run(count, network.InputLength * 64.0, (start, end) =>
            {
                for (int s = start; s < end; s++)
                {
                    predictions[s] = FloatReference.Forward(network, data.Sample(s)).Class;
                }
            });
            return predictions;
        }

        float[] x = TrainingLoop.ToFloats(data);
        int inputs = network.InputLength;
        int widest = inputs;
        var weights = new float[dense.Length][];
        for (int l = 0; l < dense.Length; l++)
        {
            widest = Math.Max(widest, dense[l].Outputs);
            weights[l] = new float[dense[l].Weights.Length];
            for (int k = 0; k < weights[l].Length; k++)
            {
                weights[l][k] = dense[l].Weights[k] >= 0f ? 1f : -1f;
            }
        }

        runner.Run(count, weights[0].Length * 2.0, (start, end) =>
        {
            var current = new float[widest];
            var next = new float[widest];
            var scores = new double[network.ClassCount];
            for (int s = start; s < end; s++)
            {
                ReadOnlySpan<float> input = x.AsSpan(s * inputs, inputs);
                for (int l = 0; l < dense.Length; l++)
                {
                    DenseLayer layer = dense[l];
                    bool last = l == dense.Length - 1;
                    for (int o = 0; o < layer.Outputs; o++)
                    {
                        double y = layer.Activation(o, Kernels.Dot(input, weights[l].AsSpan(o * layer.Inputs, layer.Inputs)));
                        if (last)
                        {
                            scores[o] = y;
                        }
                        else
                        {
                            next[o] = y >= 0 ? 1f : -1f;
                        }
                    }

                    (current, next) = (next, current);
                    input = current.AsSpan(0, layer.Outputs);
                }

                predictions[s] = FloatReference.ArgMax(scores);
            }
        });

        return predictions;
    }

    private static DenseLayer[]? AllDense(BnnNetwork network)
    {
        var dense = new DenseLayer[network.Layers.Count];
        for (int l = 0; l < dense.Length; l++)
        {
            if (network.Layers[l] is not DenseLayer layer)
            {
                return null;
            }

            dense[l] = layer;
        }

        return dense;
    }
}

using System;
using Bnn.Nano.Compiler.Ir;

namespace Bnn.Nano.Compiler.Reference;

/// <summary>
/// The readable float reference: the network evaluated as written, in double, with ±1 weights and real batch norm.
/// The compiled runtime must agree with it on every class and every hidden bit; a disagreement is a bug.
/// </summary>
public static class FloatReference
{
    /// <summary>Result of one forward pass: the hidden layers' ±1 activations and the class scores.</summary>
    public sealed record Output(int[][] HiddenSigns, double[] Scores, int Class);

    public static Output Forward(BnnNetwork network, ReadOnlySpan<byte> input)
    {
        if (input.Length != network.InputLength)
        {
            throw new ArgumentException($"input has {input.Length} features, the network takes {network.InputLength}", nameof(input));
        }

        double[] activations = new double[input.Length];
        for (int i = 0; i < input.Length; i++)
        {
            activations[i] = network.InputSigned ? (sbyte)input[i] : input[i];
        }

        int hiddenCount = network.Layers.Count - 1;
        int[][] hidden = new int[hiddenCount][];
        for (int l = 0; l < network.Layers.Count; l++)
        {
            DenseLayer layer = network.Layers[l];
            double[] next = new double[layer.Outputs];
            for (int o = 0; o < layer.Outputs; o++)
            {
                double dot = 0;
                for (int i = 0; i < layer.Inputs; i++)
                {
                    dot += layer.BinaryWeight(o, i) * activations[i];
                }

                next[o] = layer.Norm.Apply(o, dot);
            }

            if (l == hiddenCount)
            {
                return new Output(hidden, next, ArgMax(next));
            }

            hidden[l] = new int[layer.Outputs];
            for (int o = 0; o < layer.Outputs; o++)
            {
                hidden[l][o] = next[o] >= 0 ? 1 : -1;
                next[o] = hidden[l][o];
            }

            activations = next;
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
}

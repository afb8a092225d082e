using System;
using System.Collections.Generic;

namespace Bnn.Nano.Compiler.Ir;

/// <summary>
/// A trained binarized MLP in float form: what the trainer (and later the importers) produce, and what the float
/// reference evaluates. Layer roles follow position: the first layer reads the 8-bit input features, hidden layers
/// read ±1 activations and emit sign(BN(dot)), the last layer's BN output is the class score.
/// </summary>
public sealed class BnnNetwork
{
    public BnnNetwork(int inputLength, bool inputSigned, IReadOnlyList<DenseLayer> layers, IReadOnlyList<string> classNames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputLength, 1);
        if (layers.Count == 0)
        {
            throw new ArgumentException("a network needs at least one layer", nameof(layers));
        }

        int width = inputLength;
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i].Inputs != width)
            {
                throw new ArgumentException($"layer {i} has {layers[i].Inputs} inputs but receives {width}", nameof(layers));
            }

            width = layers[i].Outputs;
        }

        if (classNames.Count != width)
        {
            throw new ArgumentException($"{classNames.Count} class names for {width} outputs", nameof(classNames));
        }

        InputLength = inputLength;
        InputSigned = inputSigned;
        Layers = layers;
        ClassNames = classNames;
    }

    /// <summary>Number of 8-bit input features.</summary>
    public int InputLength { get; }

    /// <summary>True: features are int8; false: uint8.</summary>
    public bool InputSigned { get; }

    public IReadOnlyList<DenseLayer> Layers { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public int ClassCount => ClassNames.Count;
}

/// <summary>
/// A dense layer with latent real weights (binary weight = +1 where latent ≥ 0, else -1) followed by batch norm.
/// Weights are row-major: <c>Weights[o * Inputs + i]</c>.
/// </summary>
public sealed class DenseLayer
{
    public DenseLayer(int inputs, int outputs, float[] weights, BatchNorm norm)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        if (weights.Length != inputs * outputs)
        {
            throw new ArgumentException($"weights hold {weights.Length} values, expected {inputs}x{outputs}", nameof(weights));
        }

        if (norm.Count != outputs)
        {
            throw new ArgumentException($"batch norm has {norm.Count} channels, expected {outputs}", nameof(norm));
        }

        Inputs = inputs;
        Outputs = outputs;
        Weights = weights;
        Norm = norm;
    }

    public int Inputs { get; }

    public int Outputs { get; }

    public float[] Weights { get; }

    public BatchNorm Norm { get; }

    /// <summary>The binary weight: +1 where the latent weight is ≥ 0 (docs/bit-convention.md), else -1.</summary>
    public int BinaryWeight(int output, int input) => Weights[(output * Inputs) + input] >= 0f ? 1 : -1;
}

/// <summary>
/// Inference-time batch norm per channel: y = (x - Mean) · Gamma / sqrt(Variance + Epsilon) + Beta, evaluated in
/// double from the float parameters. <see cref="Apply"/> is the one definition used by the float reference and by
/// threshold folding, so both agree exactly.
/// </summary>
public sealed class BatchNorm
{
    public BatchNorm(float[] gamma, float[] beta, float[] mean, float[] variance, float epsilon)
    {
        int n = gamma.Length;
        if (beta.Length != n || mean.Length != n || variance.Length != n)
        {
            throw new ArgumentException("batch norm parameter arrays differ in length");
        }

        Gamma = gamma;
        Beta = beta;
        Mean = mean;
        Variance = variance;
        Epsilon = epsilon;
    }

    public float[] Gamma { get; }

    public float[] Beta { get; }

    public float[] Mean { get; }

    public float[] Variance { get; }

    public float Epsilon { get; }

    public int Count => Gamma.Length;

    /// <summary>Gamma / sqrt(Variance + Epsilon) of one channel.</summary>
    public double Scale(int channel) => Gamma[channel] / Math.Sqrt((double)Variance[channel] + Epsilon);

    public double Apply(int channel, double x) => ((x - Mean[channel]) * Scale(channel)) + Beta[channel];
}

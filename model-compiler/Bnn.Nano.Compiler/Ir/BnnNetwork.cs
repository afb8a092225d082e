using System;
using System.Collections.Generic;
using System.Linq;

namespace Bnn.Nano.Compiler.Ir;

/// <summary>Height × width × channels of a tensor, stored HWC; a flat vector is 1 × 1 × n.</summary>
public readonly record struct TensorShape(int Height, int Width, int Channels)
{
    public int Count => Height * Width * Channels;

    public static TensorShape Vector(int length) => new(1, 1, length);

    public override string ToString() => Height == 1 && Width == 1 ? Channels.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Height}x{Width}x{Channels}";
}

/// <summary>
/// A trained binarized network in float form: what the trainer and the importers produce, and what the float
/// reference evaluates. The first layer reads the 8-bit input features; later layers read ±1 activations; the last
/// layer produces class scores. Layer roles follow from kind and position (see <see cref="NetworkLayer"/>).
/// </summary>
public sealed class BnnNetwork
{
    public BnnNetwork(int inputLength, bool inputSigned, IReadOnlyList<NetworkLayer> layers, IReadOnlyList<string> classNames)
        : this(TensorShape.Vector(inputLength), inputSigned, layers, classNames)
    {
    }

    /// <param name="properties">Model properties carried into the blob (keys of Bnn.Nano.Runtime.Model.ModelProperty).</param>
    public BnnNetwork(TensorShape inputShape, bool inputSigned, IReadOnlyList<NetworkLayer> layers, IReadOnlyList<string> classNames, IReadOnlyDictionary<int, int>? properties = null)
    {
        if (inputShape.Height < 1 || inputShape.Width < 1 || inputShape.Channels < 1)
        {
            throw new ArgumentException($"input shape {inputShape} is empty", nameof(inputShape));
        }

        if (layers.Count == 0)
        {
            throw new ArgumentException("a network needs at least one layer", nameof(layers));
        }

        TensorShape shape = inputShape;
        for (int i = 0; i < layers.Count; i++)
        {
            try
            {
                shape = layers[i].OutputShape(shape);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"layer {i} ({layers[i].Describe()}): {e.Message}", nameof(layers), e);
            }
        }

        if (classNames.Count != shape.Count)
        {
            throw new ArgumentException($"{classNames.Count} class names for {shape.Count} outputs", nameof(classNames));
        }

        InputShape = inputShape;
        InputSigned = inputSigned;
        Layers = layers;
        ClassNames = classNames;
        Properties = new SortedDictionary<int, int>(properties?.ToDictionary() ?? []);
        foreach (int key in Properties.Keys)
        {
            if (key is < 1 or > 65535)
            {
                throw new ArgumentException($"model property key {key} is outside 1..65535", nameof(properties));
            }
        }
    }

    /// <summary>Model properties (sorted by key) that travel in the blob, e.g. input quantisation and window length.</summary>
    public IReadOnlyDictionary<int, int> Properties { get; }

    /// <summary>The same network with these model properties (replacing any earlier ones).</summary>
    public BnnNetwork WithProperties(IReadOnlyDictionary<int, int> properties) => new(InputShape, InputSigned, Layers, ClassNames, properties);

    public TensorShape InputShape { get; }

    /// <summary>Number of 8-bit input features.</summary>
    public int InputLength => InputShape.Count;

    /// <summary>True: features are int8; false: uint8.</summary>
    public bool InputSigned { get; }

    public IReadOnlyList<NetworkLayer> Layers { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public int ClassCount => ClassNames.Count;

    /// <summary>The input shape of every layer, and the output of the last at index Layers.Count.</summary>
    public TensorShape[] Shapes()
    {
        TensorShape[] shapes = new TensorShape[Layers.Count + 1];
        shapes[0] = InputShape;
        for (int i = 0; i < Layers.Count; i++)
        {
            shapes[i + 1] = Layers[i].OutputShape(shapes[i]);
        }

        return shapes;
    }
}

/// <summary>One layer of a <see cref="BnnNetwork"/>.</summary>
public abstract class NetworkLayer
{
    /// <summary>The output shape for a given input shape; throws ArgumentException when the input does not fit.</summary>
    public abstract TensorShape OutputShape(TensorShape input);

    public abstract string Describe();
}

/// <summary>
/// A dense layer with latent real weights (binary weight = +1 where latent ≥ 0, else -1), optional positive
/// per-output scaling factors α (XNOR-Net), then batch norm: y = BN(α · dot). It flattens an HWC input: input index
/// i = (y · W + x) · C + c. Weights are row-major: <c>Weights[o * Inputs + i]</c>.
/// </summary>
public sealed class DenseLayer : NetworkLayer
{
    public DenseLayer(int inputs, int outputs, float[] weights, BatchNorm norm, float[]? alpha = null)
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

        Scaling.Check(alpha, outputs);
        Inputs = inputs;
        Outputs = outputs;
        Weights = weights;
        Norm = norm;
        Alpha = alpha;
    }

    public int Inputs { get; }

    public int Outputs { get; }

    public float[] Weights { get; }

    public BatchNorm Norm { get; }

    /// <summary>Per-output scaling factors (all &gt; 0), or null for none.</summary>
    public float[]? Alpha { get; }

    /// <summary>The binary weight: +1 where the latent weight is ≥ 0 (docs/bit-convention.md), else -1.</summary>
    public int BinaryWeight(int output, int input) => Weights[(output * Inputs) + input] >= 0f ? 1 : -1;

    /// <summary>The layer's real output for an integer dot product: BN(α · dot).</summary>
    public double Activation(int output, double dot) => Norm.Apply(output, Scaling.Apply(Alpha, output, dot));

    public override TensorShape OutputShape(TensorShape input)
    {
        if (input.Count != Inputs)
        {
            throw new ArgumentException($"dense layer takes {Inputs} inputs, receives {input} = {input.Count}");
        }

        return TensorShape.Vector(Outputs);
    }

    public override string Describe() => $"Dense {Inputs}→{Outputs}";
}

/// <summary>
/// A 2-D convolution with binary weights (latent, sign as in <see cref="DenseLayer"/>), optional α, then batch norm
/// and sign. Weights <c>[o][ky][kx][c]</c>. Taps outside the input contribute <see cref="PadValue"/> (0, +1 or -1;
/// an 8-bit first layer pads with 0). A conv1d is a conv2d over a 1 × W input with KernelHeight 1.
/// With <see cref="Int8Weights"/> (first layer only) the weights are the integers −127..127 themselves, not signs:
/// dot = Σ w·x over the 8-bit input, and α (one per output channel) carries their real scale.
/// </summary>
public sealed class Conv2dLayer : NetworkLayer
{
    public Conv2dLayer(int inChannels, int outChannels, int kernelHeight, int kernelWidth, int strideY, int strideX, int padTop, int padLeft, int padBottom, int padRight, int padValue, float[] weights, BatchNorm norm, float[]? alpha = null, bool int8Weights = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(strideY, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(strideX, 1);
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0 || padTop >= kernelHeight || padBottom >= kernelHeight || padLeft >= kernelWidth || padRight >= kernelWidth)
        {
            throw new ArgumentException("padding must be 0..kernel-1 on every side");
        }

        if (padValue is < -1 or > 1)
        {
            throw new ArgumentException($"pad value {padValue} is not -1, 0 or +1", nameof(padValue));
        }

        if (weights.Length != outChannels * kernelHeight * kernelWidth * inChannels)
        {
            throw new ArgumentException($"weights hold {weights.Length} values, expected {outChannels}x{kernelHeight}x{kernelWidth}x{inChannels}", nameof(weights));
        }

        if (norm.Count != outChannels)
        {
            throw new ArgumentException($"batch norm has {norm.Count} channels, expected {outChannels}", nameof(norm));
        }

        Scaling.Check(alpha, outChannels);
        if (int8Weights)
        {
            for (int i = 0; i < weights.Length; i++)
            {
                float w = weights[i];
                if (w != MathF.Round(w) || w < -127f || w > 127f)
                {
                    throw new ArgumentException($"int8 weight {i} is {w}, not an integer in -127..127", nameof(weights));
                }
            }
        }

        Int8Weights = int8Weights;
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        StrideY = strideY;
        StrideX = strideX;
        PadTop = padTop;
        PadLeft = padLeft;
        PadBottom = padBottom;
        PadRight = padRight;
        PadValue = padValue;
        Weights = weights;
        Norm = norm;
        Alpha = alpha;
    }

    public int InChannels { get; }

    public int OutChannels { get; }

    public int KernelHeight { get; }

    public int KernelWidth { get; }

    public int StrideY { get; }

    public int StrideX { get; }

    public int PadTop { get; }

    public int PadLeft { get; }

    public int PadBottom { get; }

    public int PadRight { get; }

    public int PadValue { get; }

    public float[] Weights { get; }

    public BatchNorm Norm { get; }

    public float[]? Alpha { get; }

    /// <summary>True: <see cref="Weights"/> are int8 values used as they are (an 8-bit first layer); false: binary (their signs).</summary>
    public bool Int8Weights { get; }

    public int TapCount => KernelHeight * KernelWidth * InChannels;

    /// <summary>The weight a dot product uses: the int8 value, or the sign (+1 for a latent ≥ 0) of a binary weight.</summary>
    public int Weight(int output, int ky, int kx, int c) => Weight((((((output * KernelHeight) + ky) * KernelWidth) + kx) * InChannels) + c);

    /// <summary>The same by flat index <c>[o][ky][kx][c]</c>.</summary>
    public int Weight(int index) => Int8Weights ? (int)Weights[index] : Weights[index] >= 0f ? 1 : -1;

    public double Activation(int output, double dot) => Norm.Apply(output, Scaling.Apply(Alpha, output, dot));

    public override TensorShape OutputShape(TensorShape input)
    {
        if (input.Channels != InChannels)
        {
            throw new ArgumentException($"convolution takes {InChannels} channels, receives {input}");
        }

        int height = ((input.Height + PadTop + PadBottom - KernelHeight) / StrideY) + 1;
        int width = ((input.Width + PadLeft + PadRight - KernelWidth) / StrideX) + 1;
        if (input.Height + PadTop + PadBottom < KernelHeight || input.Width + PadLeft + PadRight < KernelWidth)
        {
            throw new ArgumentException($"a {KernelHeight}x{KernelWidth} kernel does not fit the padded {input} input");
        }

        return new TensorShape(height, width, OutChannels);
    }

    public override string Describe() => $"Conv2d {KernelHeight}x{KernelWidth}/{StrideY}x{StrideX} {InChannels}→{OutChannels} pad {PadTop},{PadLeft},{PadBottom},{PadRight} value {PadValue}{(Int8Weights ? " int8 weights" : string.Empty)}";
}

/// <summary>Max-pool over ±1 activations (valid windows, no padding).</summary>
public sealed class MaxPool2dLayer : NetworkLayer
{
    public MaxPool2dLayer(int poolHeight, int poolWidth, int strideY, int strideX)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(poolHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(poolWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(strideY, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(strideX, 1);
        PoolHeight = poolHeight;
        PoolWidth = poolWidth;
        StrideY = strideY;
        StrideX = strideX;
    }

    public int PoolHeight { get; }

    public int PoolWidth { get; }

    public int StrideY { get; }

    public int StrideX { get; }

    public override TensorShape OutputShape(TensorShape input)
    {
        if (input.Height < PoolHeight || input.Width < PoolWidth)
        {
            throw new ArgumentException($"a {PoolHeight}x{PoolWidth} pool does not fit the {input} input");
        }

        return new TensorShape(((input.Height - PoolHeight) / StrideY) + 1, ((input.Width - PoolWidth) / StrideX) + 1, input.Channels);
    }

    public override string Describe() => $"MaxPool2d {PoolHeight}x{PoolWidth}/{StrideY}x{StrideX}";
}

/// <summary>Binarizes the 8-bit input: bit = value ≥ Thresholds[channel] (integer thresholds on the 8-bit values).</summary>
public sealed class InputThresholdLayer : NetworkLayer
{
    public InputThresholdLayer(int[] thresholds)
    {
        if (thresholds.Length == 0)
        {
            throw new ArgumentException("no thresholds", nameof(thresholds));
        }

        Thresholds = thresholds;
    }

    public int[] Thresholds { get; }

    public override TensorShape OutputShape(TensorShape input)
    {
        if (input.Channels != Thresholds.Length)
        {
            throw new ArgumentException($"{Thresholds.Length} thresholds for {input.Channels} channels");
        }

        return input;
    }

    public override string Describe() => $"InputThreshold {Thresholds.Length} channels";
}

/// <summary>
/// A full-precision head: score_c = Scale · (Σ_i Weights[c·Inputs + i] · x_i + Biases[c]) with x_i = ±1, int8
/// weights and int32 biases already quantised, so the float reference and the runtime compute the same integers.
/// </summary>
public sealed class Int8HeadLayer : NetworkLayer
{
    public Int8HeadLayer(int inputs, int outputs, sbyte[] weights, int[] biases, float scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        if (weights.Length != inputs * outputs || biases.Length != outputs)
        {
            throw new ArgumentException($"head needs {inputs}x{outputs} weights and {outputs} biases");
        }

        if (!(scale > 0) || float.IsInfinity(scale))
        {
            throw new ArgumentException($"head scale {scale} must be a positive number", nameof(scale));
        }

        Inputs = inputs;
        Outputs = outputs;
        Weights = weights;
        Biases = biases;
        Scale = scale;
    }

    public int Inputs { get; }

    public int Outputs { get; }

    public sbyte[] Weights { get; }

    public int[] Biases { get; }

    public float Scale { get; }

    public override TensorShape OutputShape(TensorShape input)
    {
        if (input.Count != Inputs)
        {
            throw new ArgumentException($"head takes {Inputs} inputs, receives {input} = {input.Count}");
        }

        return TensorShape.Vector(Outputs);
    }

    public override string Describe() => $"Int8Head {Inputs}→{Outputs}";
}

/// <summary>Per-output XNOR-Net scaling factors α &gt; 0.</summary>
internal static class Scaling
{
    public static void Check(float[]? alpha, int outputs)
    {
        if (alpha == null)
        {
            return;
        }

        if (alpha.Length != outputs)
        {
            throw new ArgumentException($"{alpha.Length} scaling factors for {outputs} outputs");
        }

        foreach (float a in alpha)
        {
            if (!(a > 0) || float.IsInfinity(a))
            {
                throw new ArgumentException($"scaling factor {a} must be a positive number");
            }
        }
    }

    public static double Apply(float[]? alpha, int output, double dot) => alpha == null ? dot : alpha[output] * dot;
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

    /// <summary>An identity batch norm (gamma 1, beta 0, mean 0, variance 1, epsilon 0).</summary>
    public static BatchNorm Identity(int channels)
    {
        float[] ones = new float[channels];
        Array.Fill(ones, 1f);
        return new BatchNorm(ones, new float[channels], new float[channels], (float[])ones.Clone(), 0f);
    }
}

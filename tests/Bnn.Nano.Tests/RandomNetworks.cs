using System;
using System.Collections.Generic;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Ir;

namespace Bnn.Nano.Tests;

/// <summary>
/// Seeded random networks and inputs with the edges folding must handle: negative and zero BN scales, scaling
/// factors, every layer kind, channels that are not multiples of 32, all pad values.
/// </summary>
internal static class RandomNetworks
{
    /// <summary>An MLP: int8 dense, binary dense hidden layers, binary dense scores.</summary>
    public static BnnNetwork Create(int seed, int inputLength, bool signed, int[] hidden, int classes)
    {
        Random random = new(seed);
        List<NetworkLayer> layers = [];
        int width = inputLength;
        int[] sizes = [.. hidden, classes];
        for (int l = 0; l < sizes.Length; l++)
        {
            layers.Add(Dense(random, width, sizes[l], l == 0 ? ByteSpread(signed) * Math.Sqrt(width) : Math.Sqrt(width)));
            width = sizes[l];
        }

        return new BnnNetwork(inputLength, signed, layers, Names(classes));
    }

    /// <summary>
    /// A conv net over an H×W×C input: first an 8-bit conv (zero padding) or an input threshold followed by a
    /// binary conv (with <paramref name="int8FirstLayer"/>: always an 8-bit conv with int8 weights), then binary convs
    /// with random pads and pad values, a max-pool, a dense layer, and either a binary score layer or an int8 head.
    /// </summary>
    public static BnnNetwork CreateConv(int seed, TensorShape input, bool signed, int classes, bool int8FirstLayer = false)
    {
        Random random = new(seed);
        List<NetworkLayer> layers = [];
        TensorShape shape = input;
        if (int8FirstLayer)
        {
            layers.Add(Int8WeightConv(random, shape, random.Next(1, 70), ByteSpread(signed)));
        }
        else if (random.Next(3) == 0)
        {
            int[] thresholds = new int[input.Channels];
            for (int c = 0; c < thresholds.Length; c++)
            {
                thresholds[c] = signed ? random.Next(-40, 40) : random.Next(60, 200);
            }

            layers.Add(new InputThresholdLayer(thresholds));
            layers.Add(Conv(random, shape, random.Next(1, 70), 1, random.Next(-1, 2)));
        }
        else
        {
            layers.Add(Conv(random, shape, random.Next(1, 70), ByteSpread(signed), 0));
        }

        shape = Advance(layers, input);
        int convs = random.Next(0, 3);
        for (int i = 0; i < convs && shape.Height >= 2 && shape.Width >= 2; i++)
        {
            layers.Add(Conv(random, shape, random.Next(1, 100), 1, random.Next(-1, 2)));
            shape = Advance(layers, input);
        }

        if (shape.Height >= 2 && shape.Width >= 2)
        {
            int ph = Math.Min(shape.Height, random.Next(1, 3)), pw = Math.Min(shape.Width, random.Next(1, 3));
            layers.Add(new MaxPool2dLayer(ph, pw, random.Next(1, 3), random.Next(1, 3)));
            shape = Advance(layers, input);
        }

        int hidden = random.Next(1, 80);
        layers.Add(Dense(random, shape.Count, hidden, Math.Sqrt(shape.Count)));
        if (random.Next(2) == 0)
        {
            layers.Add(Dense(random, hidden, classes, Math.Sqrt(hidden)));
        }
        else
        {
            sbyte[] weights = new sbyte[hidden * classes];
            int[] biases = new int[classes];
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] = (sbyte)random.Next(-128, 128);
            }

            for (int c = 0; c < classes; c++)
            {
                biases[c] = random.Next(-500, 500);
            }

            layers.Add(new Int8HeadLayer(hidden, classes, weights, biases, 0.01f));
        }

        return new BnnNetwork(input, signed, layers, Names(classes));
    }

    public static Dataset Inputs(int seed, int count, int featureCount, bool signed, int classes)
    {
        Random random = new(seed);
        byte[] features = new byte[count * featureCount];
        random.NextBytes(features);
        int[] labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = random.Next(classes);
        }

        return new Dataset("random", featureCount, signed, features, labels, Names(classes));
    }

    private static double ByteSpread(bool signed) => signed ? 74 : 147;

    private static TensorShape Advance(List<NetworkLayer> layers, TensorShape input)
    {
        TensorShape shape = input;
        foreach (NetworkLayer layer in layers)
        {
            shape = layer.OutputShape(shape);
        }

        return shape;
    }

    private static Conv2dLayer Conv(Random random, TensorShape input, int outChannels, double spreadPerTap, int padValue)
    {
        int inChannels = input.Channels;
        int kh = random.Next(1, Math.Min(3, input.Height) + 1), kw = random.Next(1, Math.Min(3, input.Width) + 1);
        int[] pads = [random.Next(kh), random.Next(kw), random.Next(kh), random.Next(kw)];
        float[] weights = RandomWeights(random, outChannels * kh * kw * inChannels);
        BatchNorm norm = Norm(random, outChannels, spreadPerTap * Math.Sqrt(kh * kw * inChannels));
        return new Conv2dLayer(inChannels, outChannels, kh, kw, random.Next(1, 3), random.Next(1, 3), pads[0], pads[1], pads[2], pads[3], padValue, weights, norm, random.Next(2) == 0 ? Alpha(random, outChannels) : null);
    }

    /// <summary>An 8-bit-input conv with int8 weights (uniform −127..127, some rows all zero), zero padding, α or not.</summary>
    private static Conv2dLayer Int8WeightConv(Random random, TensorShape input, int outChannels, double inputSpread)
    {
        int inChannels = input.Channels;
        int kh = random.Next(1, Math.Min(3, input.Height) + 1), kw = random.Next(1, Math.Min(3, input.Width) + 1);
        int[] pads = [random.Next(kh), random.Next(kw), random.Next(kh), random.Next(kw)];
        int taps = kh * kw * inChannels;
        float[] weights = new float[outChannels * taps];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = random.Next(-127, 128);
        }

        for (int i = 0; i < taps; i++)
        {
            weights[((outChannels - 1) * taps) + i] = outChannels > 2 ? 0 : weights[((outChannels - 1) * taps) + i];
        }

        float[]? alpha = random.Next(2) == 0 ? Alpha(random, outChannels) : null;
        BatchNorm norm = Norm(random, outChannels, inputSpread * 73 * Math.Sqrt(taps) * (alpha == null ? 1 : 0.55));
        return new Conv2dLayer(inChannels, outChannels, kh, kw, random.Next(1, 3), random.Next(1, 3), pads[0], pads[1], pads[2], pads[3], 0, weights, norm, alpha, int8Weights: true);
    }

    private static DenseLayer Dense(Random random, int inputs, int outputs, double spread)
    {
        return new DenseLayer(inputs, outputs, RandomWeights(random, inputs * outputs), Norm(random, outputs, spread), random.Next(3) == 0 ? Alpha(random, outputs) : null);
    }

    private static float[] RandomWeights(Random random, int count)
    {
        float[] weights = new float[count];
        for (int i = 0; i < count; i++)
        {
            weights[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return weights;
    }

    private static float[] Alpha(Random random, int count)
    {
        float[] alpha = new float[count];
        for (int i = 0; i < count; i++)
        {
            alpha[i] = (float)(0.05 + random.NextDouble());
        }

        return alpha;
    }

    /// <summary>BN with means where outputs actually flip; 30% negative scales, 3% zero scales.</summary>
    private static BatchNorm Norm(Random random, int outputs, double spread)
    {
        float[] gamma = new float[outputs], beta = new float[outputs], mean = new float[outputs], variance = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double kind = random.NextDouble();
            gamma[o] = kind < 0.3 ? -(float)(0.1 + random.NextDouble()) : kind < 0.33 ? 0f : (float)(0.1 + random.NextDouble());
            beta[o] = (float)((random.NextDouble() - 0.5) * 2);
            mean[o] = (float)((random.NextDouble() - 0.5) * spread);
            variance[o] = (float)(spread * spread * (0.2 + random.NextDouble()));
        }

        return new BatchNorm(gamma, beta, mean, variance, 1e-4f);
    }

    private static string[] Names(int classes)
    {
        string[] names = new string[classes];
        for (int c = 0; c < classes; c++)
        {
            names[c] = "class" + c;
        }

        return names;
    }
}

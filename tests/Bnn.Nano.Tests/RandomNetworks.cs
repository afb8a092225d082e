using System;
using System.Collections.Generic;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Ir;

namespace Bnn.Nano.Tests;

/// <summary>Seeded random networks and inputs with the edges folding must handle (negative and zero BN scales).</summary>
internal static class RandomNetworks
{
    public static BnnNetwork Create(int seed, int inputLength, bool signed, int[] hidden, int classes)
    {
        Random random = new(seed);
        List<DenseLayer> layers = [];
        int width = inputLength;
        int[] sizes = [.. hidden, classes];
        for (int l = 0; l < sizes.Length; l++)
        {
            int outputs = sizes[l];
            float[] weights = new float[width * outputs];
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] = (float)((random.NextDouble() * 2) - 1);
            }

            // Typical dot magnitude of this layer, to place the BN means where outputs actually flip.
            double spread = Math.Sqrt(width) * (l == 0 ? (signed ? 74 : 147) : 1);
            float[] gamma = new float[outputs], beta = new float[outputs], mean = new float[outputs], variance = new float[outputs];
            for (int o = 0; o < outputs; o++)
            {
                double kind = random.NextDouble();
                gamma[o] = kind < 0.3 ? -(float)(0.1 + random.NextDouble()) : kind < 0.33 ? 0f : (float)(0.1 + random.NextDouble());
                beta[o] = (float)((random.NextDouble() - 0.5) * 2);
                mean[o] = (float)((random.NextDouble() - 0.5) * spread + (l == 0 && !signed ? 0 : 0));
                variance[o] = (float)(spread * spread * (0.2 + random.NextDouble()));
            }

            layers.Add(new DenseLayer(width, outputs, weights, new BatchNorm(gamma, beta, mean, variance, 1e-4f)));
            width = outputs;
        }

        string[] names = new string[classes];
        for (int c = 0; c < classes; c++)
        {
            names[c] = "class" + c;
        }

        return new BnnNetwork(inputLength, signed, layers, names);
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

        string[] names = new string[classes];
        for (int c = 0; c < classes; c++)
        {
            names[c] = "class" + c;
        }

        return new Dataset("random", featureCount, signed, features, labels, names);
    }
}

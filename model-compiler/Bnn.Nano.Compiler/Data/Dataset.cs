using System;
using System.Collections.Generic;

namespace Bnn.Nano.Compiler.Data;

/// <summary>
/// Labelled samples of 8-bit features, stored as the bytes the runtime receives (int8 as two's complement when
/// <see cref="Signed"/>, else uint8). Sample i occupies Features[i * FeatureCount ..].
/// </summary>
public sealed class Dataset
{
    public Dataset(string name, int featureCount, bool signed, byte[] features, int[] labels, IReadOnlyList<string> classNames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        if (features.Length != labels.Length * featureCount)
        {
            throw new ArgumentException($"{features.Length} feature bytes do not make {labels.Length} samples of {featureCount}", nameof(features));
        }

        foreach (int label in labels)
        {
            if (label < 0 || label >= classNames.Count)
            {
                throw new ArgumentException($"label {label} is outside 0..{classNames.Count - 1}", nameof(labels));
            }
        }

        Name = name;
        FeatureCount = featureCount;
        Signed = signed;
        Features = features;
        Labels = labels;
        ClassNames = classNames;
    }

    public string Name { get; }

    public int FeatureCount { get; }

    public bool Signed { get; }

    public byte[] Features { get; }

    public int[] Labels { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public int Count => Labels.Length;

    public int ClassCount => ClassNames.Count;

    public ReadOnlySpan<byte> Sample(int index) => Features.AsSpan(index * FeatureCount, FeatureCount);

    /// <summary>The integer value of one feature (int8 or uint8 decoding of its byte).</summary>
    public int Value(int index, int feature)
    {
        byte b = Features[(index * FeatureCount) + feature];
        return Signed ? (sbyte)b : b;
    }

    /// <summary>The samples at <paramref name="indices"/>, in that order.</summary>
    public Dataset Subset(string name, IReadOnlyList<int> indices)
    {
        byte[] features = new byte[indices.Count * FeatureCount];
        int[] labels = new int[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            Sample(indices[k]).CopyTo(features.AsSpan(k * FeatureCount));
            labels[k] = Labels[indices[k]];
        }

        return new Dataset(name, FeatureCount, Signed, features, labels, ClassNames);
    }
}

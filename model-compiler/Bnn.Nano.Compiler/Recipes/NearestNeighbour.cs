using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Bnn.Nano.Compiler.Data;

namespace Bnn.Nano.Compiler;

/// <summary>
/// Non-neural baselines on UWave recordings: 1-nearest-neighbour classification of the z-normalised series (all three
/// axes, 315 samples each, float) by Euclidean distance, or by multivariate dynamic time warping (DTW_D: one warping
/// path shared by the axes, local cost = Σ over axes of the squared difference) with a Sakoe–Chiba band. Ties go to the
/// lowest training index, so results are deterministic for any thread count.
/// </summary>
public static class NearestNeighbour
{
    /// <summary>The classes 1-NN (Euclidean) predicts for the <paramref name="test"/> recordings.</summary>
    public static int[] PredictEuclidean(IReadOnlyList<UWaveRecording> recordings, IReadOnlyList<int> train, IReadOnlyList<int> test)
    {
        float[][] trainSeries = Flatten(recordings, train);
        float[][] testSeries = Flatten(recordings, test);
        return Predict(recordings, train, testSeries, (query, k, bestSoFar) => SquaredEuclidean(query, trainSeries[k], bestSoFar));
    }

    /// <summary>
    /// The classes 1-NN with DTW predicts, the warping path limited to |i − j| ≤ <paramref name="band"/> samples
    /// (0 = Euclidean; <see cref="UWaveDataset.SamplesPerAxis"/> − 1 = unconstrained).
    /// </summary>
    public static int[] PredictDtw(IReadOnlyList<UWaveRecording> recordings, IReadOnlyList<int> train, IReadOnlyList<int> test, int band)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(band);
        float[][] trainSeries = Flatten(recordings, train);
        float[][] testSeries = Flatten(recordings, test);
        return Predict(recordings, train, testSeries, (query, k, bestSoFar) => Dtw(query, trainSeries[k], band, bestSoFar));
    }

    /// <summary>Share of <paramref name="test"/> recordings whose predicted class equals their label.</summary>
    public static double Accuracy(IReadOnlyList<UWaveRecording> recordings, IReadOnlyList<int> test, int[] predictions)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(predictions);
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            correct += recordings[test[i]].Label == predictions[i] ? 1 : 0;
        }

        return test.Count == 0 ? 0 : correct / (double)test.Count;
    }

    /// <summary>
    /// Squared Euclidean distance between two series of samples interleaved x, y, z; stops early (returning a value
    /// above <paramref name="bestSoFar"/>) once the partial sum exceeds it.
    /// </summary>
    public static double SquaredEuclidean(float[] a, float[] b, double bestSoFar = double.PositiveInfinity)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            sum += d * d;
            if (sum > bestSoFar)
            {
                return sum;
            }
        }

        return sum;
    }

    /// <summary>
    /// DTW_D distance (sum of squared per-sample distances along the best warping path) between two series of
    /// samples interleaved x, y, z, with a Sakoe–Chiba band; returns +∞ early once every cell of a row exceeds
    /// <paramref name="bestSoFar"/>.
    /// </summary>
    public static double Dtw(float[] a, float[] b, int band, double bestSoFar = double.PositiveInfinity)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        const int axes = UWaveDataset.AxisCount;
        int n = a.Length / axes, m = b.Length / axes;
        band = Math.Max(band, Math.Abs(n - m));
        double[] previous = new double[m + 1];
        double[] current = new double[m + 1];
        Array.Fill(previous, double.PositiveInfinity);
        previous[0] = 0;
        for (int i = 1; i <= n; i++)
        {
            Array.Fill(current, double.PositiveInfinity);
            int from = Math.Max(1, i - band), to = Math.Min(m, i + band);
            double rowMin = double.PositiveInfinity;
            for (int j = from; j <= to; j++)
            {
                double cost = 0;
                for (int c = 0; c < axes; c++)
                {
                    double d = a[((i - 1) * axes) + c] - b[((j - 1) * axes) + c];
                    cost += d * d;
                }

                double best = Math.Min(previous[j - 1], Math.Min(previous[j], current[j - 1]));
                current[j] = cost + best;
                rowMin = Math.Min(rowMin, current[j]);
            }

            if (rowMin > bestSoFar)
            {
                return double.PositiveInfinity;
            }

            (previous, current) = (current, previous);
        }

        return previous[m];
    }

    private static int[] Predict(IReadOnlyList<UWaveRecording> recordings, IReadOnlyList<int> train, float[][] testSeries, Func<float[], int, double, double> distance)
    {
        int[] predictions = new int[testSeries.Length];
        Parallel.For(0, testSeries.Length, q =>
        {
            double best = double.PositiveInfinity;
            int bestIndex = -1;
            for (int k = 0; k < train.Count; k++)
            {
                double d = distance(testSeries[q], k, best);
                if (d < best)
                {
                    best = d;
                    bestIndex = k;
                }
            }

            predictions[q] = bestIndex < 0 ? 0 : recordings[train[bestIndex]].Label;
        });
        return predictions;
    }

    /// <summary>Each recording as one series of samples interleaved x, y, z.</summary>
    private static float[][] Flatten(IReadOnlyList<UWaveRecording> recordings, IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentNullException.ThrowIfNull(indices);
        const int axes = UWaveDataset.AxisCount;
        float[][] series = new float[indices.Count][];
        for (int k = 0; k < indices.Count; k++)
        {
            UWaveRecording r = recordings[indices[k]];
            float[] s = new float[UWaveDataset.SamplesPerAxis * axes];
            for (int t = 0; t < UWaveDataset.SamplesPerAxis; t++)
            {
                for (int c = 0; c < axes; c++)
                {
                    s[(t * axes) + c] = r.Axes[c][t];
                }
            }

            series[k] = s;
        }

        return series;
    }
}

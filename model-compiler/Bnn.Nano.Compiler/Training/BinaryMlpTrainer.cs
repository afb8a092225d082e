using System;
using System.Diagnostics;
using System.Threading;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Ir;

namespace Bnn.Nano.Compiler.Training;

/// <summary>
/// Trains binarized MLPs on 8-bit feature data sets.
/// <para>
/// Model: the raw integer feature values (int8 or uint8, not rescaled: the first batch norm absorbs the scale) feed
/// dense layers with binary weights sign(latent) (latent ≥ 0 → +1), each followed by batch norm; hidden layers apply
/// sign with a straight-through estimator on the BN output (gradient passed where |y| ≤ 1); the last layer's BN
/// output is the logit vector of a softmax cross-entropy loss. Adam on latent weights (clipped to [-1, 1] after every
/// step) and on BN gamma/beta; BN uses batch statistics in training and keeps running statistics, which the returned
/// network holds.
/// </para>
/// <para>
/// Determinism: one <see cref="Random"/>(Seed) initialises the weights (layer by layer, row-major) and shuffles every
/// epoch; every number is computed by exactly one thread in a fixed order with fixed-width vectors, without fused
/// multiply-add and without C-runtime transcendental functions in anything that reaches the parameters. The same data,
/// options and seed give bit-identical networks for any thread count, and (by construction) on any x64/ARM64 machine.
/// </para>
/// </summary>
public static class BinaryMlpTrainer
{
    /// <summary>Trains a binarized MLP (<see cref="TrainingOptions.Binarized"/> must be true).</summary>
    public static BnnNetwork Train(Dataset train, TrainingOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Binarized)
        {
            throw new ArgumentException("Train returns a binarized network; use TrainFloatBaseline for Binarized = false", nameof(options));
        }

        Mlp model = Fit(train, options, progress, ct, out _);
        return model.ToNetwork(train);
    }

    /// <summary>
    /// Trains the same architecture with real weights and <see cref="TrainingOptions.FloatActivation"/> hidden
    /// activations (the "float same-architecture" reference; <see cref="TrainingOptions.Binarized"/> is ignored) and
    /// returns its metrics.
    /// </summary>
    public static FloatBaseline TrainFloatBaseline(Dataset train, Dataset test, TrainingOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(test);
        TrainingOptions.CheckCompatible(train, test, "test");
        options = options with { Binarized = false };
        long started = Stopwatch.GetTimestamp();
        Mlp model = Fit(train, options, progress, ct, out double lastLoss);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        return new FloatBaseline(Accuracy(model, test), Accuracy(model, train), lastLoss, options.FloatActivation, elapsed);
    }

    /// <summary>
    /// Accuracy of a binarized network on a data set: the classes of <see cref="Reference.FloatReference"/>, computed
    /// multithreaded (and fast for networks of dense layers).
    /// </summary>
    public static double Accuracy(BnnNetwork network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (data.FeatureCount != network.InputLength || data.ClassCount != network.ClassCount || data.Signed != network.InputSigned)
        {
            throw new ArgumentException($"data set '{data.Name}' does not match the network's input and classes", nameof(data));
        }

        if (data.Count == 0)
        {
            return 0;
        }

        return Score(BinaryForward.Predict(network, data), data.Labels);
    }

    private static Mlp Fit(Dataset train, TrainingOptions options, IProgress<TrainingProgress>? progress, CancellationToken ct, out double lastLoss)
    {
        options.Validate(train);
        long started = Stopwatch.GetTimestamp();
        int n = train.Count, d = train.FeatureCount;
        int batch = Math.Min(options.BatchSize, n);
        int batchesPerEpoch = n / batch;
        long totalSteps = (long)batchesPerEpoch * options.Epochs;

        float[] all = ToFloats(train);
        float[]? validation = options.Validation == null ? null : ToFloats(options.Validation);
        var random = new Random(options.Seed);
        var model = new Mlp(d, train.ClassCount, batch, options, random);

        int[] order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        float[] x = new float[batch * d];
        int[] labels = new int[batch];
        long step = 0;
        lastLoss = double.NaN;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            for (int i = n - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }

            double lossSum = 0;
            int correct = 0;
            float learningRate = options.LearningRate;
            for (int k = 0; k < batchesPerEpoch; k++)
            {
                ct.ThrowIfCancellationRequested();
                for (int r = 0; r < batch; r++)
                {
                    int sample = order[(k * batch) + r];
                    Array.Copy(all, sample * d, x, r * d, d);
                    labels[r] = train.Labels[sample];
                }

                learningRate = LearningRateAt(options, step, totalSteps, epoch);
                lossSum += model.Step(x, labels, batch, learningRate, ref correct);
                step++;
            }

            int seen = batchesPerEpoch * batch;
            lastLoss = lossSum / seen;
            if (progress != null)
            {
                double? validationAccuracy = validation == null ? null : Score(model.Predict(validation, options.Validation!.Count), options.Validation.Labels);
                progress.Report(new TrainingProgress(epoch + 1, options.Epochs, lastLoss, correct / (double)seen, validationAccuracy, learningRate, Stopwatch.GetElapsedTime(started)));
            }
        }

        return model;
    }

    private static double Accuracy(Mlp model, Dataset data) => data.Count == 0 ? 0 : Score(model.Predict(ToFloats(data), data.Count), data.Labels);

    private static double Score(int[] predictions, int[] labels)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            correct += predictions[i] == labels[i] ? 1 : 0;
        }

        return correct / (double)labels.Length;
    }

    /// <summary>The integer feature values as floats, row-major.</summary>
    internal static float[] ToFloats(Dataset data)
    {
        var values = new float[data.Count * data.FeatureCount];
        byte[] bytes = data.Features;
        for (int k = 0; k < values.Length; k++)
        {
            values[k] = data.Signed ? (sbyte)bytes[k] : bytes[k];
        }

        return values;
    }

    /// <summary>Learning rate of a step, from basic arithmetic only (no C-runtime cos/pow), so it is the same everywhere.</summary>
    internal static float LearningRateAt(TrainingOptions options, long step, long totalSteps, int epoch)
    {
        switch (options.Schedule)
        {
            case LearningRateSchedule.Cosine:
                double t = totalSteps <= 1 ? 0 : step / (double)totalSteps;
                return (float)(options.LearningRate * 0.5 * (1.0 + DeterministicCosPi(t)));
            case LearningRateSchedule.Step:
                double factor = 1;
                for (int s = 0; s < epoch / options.StepEpochs; s++)
                {
                    factor *= options.StepFactor;
                }

                return (float)(options.LearningRate * factor);
            default:
                return options.LearningRate;
        }
    }

    /// <summary>cos(π·t) for t in [0, 1] as -sin(π·(t - 1/2)), by a degree-19 Taylor series (error below 1e-15).</summary>
    internal static double DeterministicCosPi(double t)
    {
        double x = Math.PI * (t - 0.5);
        double x2 = x * x;
        double term = x, sum = x;
        for (int k = 1; k <= 9; k++)
        {
            term *= -x2 / ((2 * k) * ((2 * k) + 1));
            sum += term;
        }

        return -sum;
    }
}

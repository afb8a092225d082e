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
        CommonTrainingOptions.CheckCompatible(train, test, "test");
        options = options with { Binarized = false };
        long started = Stopwatch.GetTimestamp();
        Mlp model = Fit(train, options, progress, ct, out double lastLoss);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        return new FloatBaseline(TrainingLoop.Accuracy(model, test), TrainingLoop.Accuracy(model, train), lastLoss, options.FloatActivation, elapsed);
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

        return TrainingLoop.Score(BinaryForward.Predict(network, data), data.Labels);
    }

    private static Mlp Fit(Dataset train, TrainingOptions options, IProgress<TrainingProgress>? progress, CancellationToken ct, out double lastLoss)
    {
        var loop = new TrainingLoop(train, options);
        var model = new Mlp(train.FeatureCount, train.ClassCount, loop.BatchSize, options, loop.Random);
        Func<double>? validationAccuracy = options.Validation == null ? null : TrainingLoop.AccuracyEvaluator(model, options.Validation);
        lastLoss = loop.Run(model, loadSample: null, validationAccuracy, progress, ct);
        return model;
    }
}

using System;
using System.Diagnostics;
using System.Threading;
using Bnn.Nano.Compiler.Data;

namespace Bnn.Nano.Compiler.Training;

/// <summary>A network that <see cref="TrainingLoop"/> trains: one optimiser step per mini-batch, and inference.</summary>
internal interface IMiniBatchModel
{
    /// <summary>
    /// One optimiser step on <paramref name="rows"/> samples (row-major in <paramref name="x"/>). Returns the summed
    /// cross-entropy over the rows and adds the number of correct training-mode predictions to <paramref name="correct"/>.
    /// </summary>
    double Step(float[] x, int[] labels, int rows, float learningRate, ref int correct);

    /// <summary>Inference-mode (running statistics) class predictions of <paramref name="count"/> samples.</summary>
    int[] Predict(float[] x, int count);
}

/// <summary>Writes one training sample, starting at <paramref name="sourceOffset"/>, into the batch at <paramref name="destinationOffset"/> (e.g. augmented).</summary>
internal delegate void SampleLoader(float[] source, int sourceOffset, float[] destination, int destinationOffset);

/// <summary>
/// The mini-batch loop both trainers share. Construction validates the options, converts the training features to
/// floats and seeds the one <see cref="System.Random"/>; the trainer then builds its model from <see cref="Random"/>
/// (so initialisation draws come first) and calls <see cref="Run"/>: every epoch shuffles the samples (Fisher–Yates
/// with the same Random), cuts them into full batches (the last incomplete one dropped), loads each batch, takes one
/// optimiser step at the scheduled learning rate and reports progress.
/// </summary>
internal sealed class TrainingLoop
{
    private readonly Dataset _train;
    private readonly CommonTrainingOptions _options;
    private readonly long _started;

    public TrainingLoop(Dataset train, CommonTrainingOptions options)
    {
        options.Validate(train);
        _train = train;
        _options = options;
        _started = Stopwatch.GetTimestamp();
        BatchSize = Math.Min(_options.BatchSize, _train.Count);
        Features = ToFloats(train);
        Random = new Random(_options.Seed);
    }

    /// <summary>Samples per step: the option, at most the training set.</summary>
    public int BatchSize { get; }

    /// <summary>The training features as floats (<see cref="ToFloats"/>).</summary>
    public float[] Features { get; }

    /// <summary>The one source of randomness of the run: weight initialisation, then shuffling (and augmentation) epoch by epoch.</summary>
    public Random Random { get; }

    /// <summary>Trains <paramref name="model"/> for all epochs and returns the mean loss of the last one.</summary>
    /// <param name="loadSample">Loads each sample into the batch; null copies it unchanged.</param>
    /// <param name="validationAccuracy">Accuracy on <see cref="CommonTrainingOptions.Validation"/>, evaluated only when progress is reported; null: none.</param>
    public double Run(IMiniBatchModel model, SampleLoader? loadSample, Func<double>? validationAccuracy, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        int n = _train.Count, d = _train.FeatureCount, batch = BatchSize;
        int batchesPerEpoch = n / batch;
        long totalSteps = (long)batchesPerEpoch * _options.Epochs;
        int[] order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        float[] x = new float[batch * d];
        int[] labels = new int[batch];
        long step = 0;
        double lastLoss = double.NaN;
        for (int epoch = 0; epoch < _options.Epochs; epoch++)
        {
            for (int i = n - 1; i > 0; i--)
            {
                int j = Random.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }

            double lossSum = 0;
            int correct = 0;
            float learningRate = _options.LearningRate;
            for (int k = 0; k < batchesPerEpoch; k++)
            {
                ct.ThrowIfCancellationRequested();
                for (int r = 0; r < batch; r++)
                {
                    int sample = order[(k * batch) + r];
                    labels[r] = _train.Labels[sample];
                    if (loadSample == null)
                    {
                        Array.Copy(Features, sample * d, x, r * d, d);
                    }
                    else
                    {
                        loadSample(Features, sample * d, x, r * d);
                    }
                }

                learningRate = LearningRateAt(_options, step, totalSteps, epoch);
                lossSum += model.Step(x, labels, batch, learningRate, ref correct);
                step++;
            }

            int seen = batchesPerEpoch * batch;
            lastLoss = lossSum / seen;
            if (progress != null)
            {
                double? validation = validationAccuracy?.Invoke();
                progress.Report(new TrainingProgress(epoch + 1, _options.Epochs, lastLoss, correct / (double)seen, validation, learningRate, Stopwatch.GetElapsedTime(_started)));
            }
        }

        return lastLoss;
    }

    /// <summary>Inference-mode accuracy of the model on a data set (0 for an empty one).</summary>
    public static double Accuracy(IMiniBatchModel model, Dataset data) => AccuracyEvaluator(model, data)();

    /// <summary>Evaluates <see cref="Accuracy"/> whenever called (e.g. after every epoch), converting the features only once.</summary>
    public static Func<double> AccuracyEvaluator(IMiniBatchModel model, Dataset data)
    {
        float[] features = ToFloats(data);
        return () => Score(model.Predict(features, data.Count), data.Labels);
    }

    /// <summary>Fraction of predictions equal to the labels (0 for none).</summary>
    public static double Score(int[] predictions, int[] labels)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            correct += predictions[i] == labels[i] ? 1 : 0;
        }

        return labels.Length == 0 ? 0 : correct / (double)labels.Length;
    }

    /// <summary>The integer feature values as floats, row-major.</summary>
    public static float[] ToFloats(Dataset data)
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
    internal static float LearningRateAt(CommonTrainingOptions options, long step, long totalSteps, int epoch)
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

using System;
using System.Diagnostics;
using System.Threading;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Ir;

namespace Bnn.Nano.Compiler.Training;

/// <summary>
/// Trains binarized convolutional networks on HWC 8-bit data sets (<see cref="ConvNetOptions"/>).
/// <para>
/// Model: the first convolution reads the raw integer input values (uint8 0..255 or int8, not rescaled: binary weights
/// make its dot products exact integers and its batch norm absorbs the scale, so the returned network evaluates the
/// raw bytes exactly as trained, zero padding included). Every convolution and dense layer has binary weights
/// sign(latent) (latent ≥ 0 → +1) and batch norm; hidden layers apply sign with a straight-through estimator (gradient
/// passed where |y| ≤ 1), then the optional max-pool of the ±1 values. Binary convolutions after the first pad with
/// their block's pad value (−1, 0 or +1), exactly as the IR and the runtime do. The class layer is a binary dense
/// layer whose batch norm output is the logit vector, or a full-precision head (real weights + bias, quantised to int8
/// after training, <see cref="ConvNetModel.QuantizeHead"/>). Softmax cross-entropy; Adam on latent weights (clipped to
/// [−1, 1] after every step), batch-norm γ/β and the head; cosine or step learning-rate decay. Batch norm uses batch
/// statistics in training; the returned network holds running statistics, by default recalibrated on the whole
/// training set at the end (<see cref="ConvNetOptions.RecalibrateBatchNorm"/>).
/// </para>
/// <para>
/// Speed: the forward pass of binary layers after the first is XNOR-popcount (64 products per instruction); the first
/// layer's forward pass and all backward passes are im2col + register-blocked float matrix products (256-bit vectors),
/// split over samples (forward, input gradients) or over output channels (weight gradients).
/// </para>
/// <para>
/// Determinism: one <see cref="Random"/>(Seed) initialises the weights (layer by layer, row-major), shuffles every epoch
/// and draws the augmentations; every number is computed by one thread in a fixed order (no shared accumulators, no
/// fused multiply-add, vectors only across independent outputs, batch statistics reduced sample by sample in double),
/// and no C-runtime transcendental function reaches the parameters. The same data, options and seed give bit-identical
/// networks for any thread count.
/// </para>
/// </summary>
public static class ConvNetTrainer
{
    /// <summary>Trains a binarized convolutional network and returns it in IR form.</summary>
    public static BnnNetwork Train(Dataset train, ConvNetOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ConvNetModel model = Fit(train, options, binarized: true, progress, ct);
        return model.ToNetwork(options.InputShape, train.Signed, train.ClassNames);
    }

    /// <summary>
    /// Trains the same architecture with real weights, the <see cref="ConvNetOptions.FloatActivation"/> in place of sign
    /// and zero padding everywhere (the first layer still reads raw integers), and returns its test accuracy
    /// (inference mode: running statistics).
    /// </summary>
    public static double TrainFloatBaseline(Dataset train, Dataset test, ConvNetOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(test);
        ConvNetOptions.CheckCompatible(train, test, "test");
        ConvNetModel model = Fit(train, options, binarized: false, progress, ct);
        return test.Count == 0 ? 0 : Score(model.Predict(ToFloats(test), test.Count), test.Labels);
    }

    /// <summary>Classes of a network on a data set, equal to the float reference's (see <see cref="ConvNetInference"/>).</summary>
    public static int[] Predict(BnnNetwork network, Dataset data) => ConvNetInference.Predict(network, data);

    /// <summary>Accuracy of a network on a data set, from the float reference's classes (see <see cref="ConvNetInference"/>).</summary>
    public static double Accuracy(BnnNetwork network, Dataset data) => ConvNetInference.Accuracy(network, data);

    private static ConvNetModel Fit(Dataset train, ConvNetOptions options, bool binarized, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        options.Validate(train);
        long started = Stopwatch.GetTimestamp();
        int n = train.Count, d = train.FeatureCount;
        int batch = Math.Min(options.BatchSize, n);
        int batchesPerEpoch = n / batch;
        long totalSteps = (long)batchesPerEpoch * options.Epochs;

        float[] all = ToFloats(train);
        float[]? validation = options.Validation == null || binarized ? null : ToFloats(options.Validation);
        var random = new Random(options.Seed);
        var model = new ConvNetModel(options, train.ClassCount, batch, binarized, random);

        int[] order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        bool augment = options.ShiftPixels > 0 || options.HorizontalFlip;
        float[] x = new float[batch * d];
        int[] labels = new int[batch];
        long step = 0;
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
                    labels[r] = train.Labels[sample];
                    if (!augment)
                    {
                        Array.Copy(all, sample * d, x, r * d, d);
                        continue;
                    }

                    int s = options.ShiftPixels;
                    int dy = s > 0 ? random.Next(-s, s + 1) : 0;
                    int dx = s > 0 ? random.Next(-s, s + 1) : 0;
                    bool flip = options.HorizontalFlip && random.Next(2) == 1;
                    Transform(all, sample * d, x, r * d, options.InputShape, dy, dx, flip);
                }

                learningRate = LearningRateAt(options, step, totalSteps, epoch);
                lossSum += model.Step(x, labels, batch, learningRate, ref correct);
                step++;
            }

            if (progress != null)
            {
                int seen = batchesPerEpoch * batch;
                double? validationAccuracy = options.Validation == null ? null
                    : binarized ? ConvNetInference.Accuracy(model.ToNetwork(options.InputShape, train.Signed, train.ClassNames), options.Validation)
                    : Score(model.Predict(validation!, options.Validation.Count), options.Validation.Labels);
                progress.Report(new TrainingProgress(epoch + 1, options.Epochs, lossSum / seen, correct / (double)seen, validationAccuracy, learningRate, Stopwatch.GetElapsedTime(started)));
            }
        }

        if (options.RecalibrateBatchNorm)
        {
            model.Recalibrate(all, n);
        }

        return model;
    }

    /// <summary>Mirrors (optionally) then translates one HWC image by (dy, dx); uncovered pixels become 0.</summary>
    internal static void Transform(float[] source, int sourceOffset, float[] destination, int destinationOffset, TensorShape shape, int dy, int dx, bool flip)
    {
        int h = shape.Height, w = shape.Width, c = shape.Channels;
        for (int y = 0; y < h; y++)
        {
            int sy = y - dy;
            for (int x = 0; x < w; x++)
            {
                int sx = x - dx;
                int at = destinationOffset + (((y * w) + x) * c);
                if (sy < 0 || sy >= h || sx < 0 || sx >= w)
                {
                    Array.Clear(destination, at, c);
                    continue;
                }

                int from = sourceOffset + (((sy * w) + (flip ? w - 1 - sx : sx)) * c);
                Array.Copy(source, from, destination, at, c);
            }
        }
    }

    /// <summary>Learning rate of a step, from basic arithmetic only (no C-runtime cos/pow).</summary>
    internal static float LearningRateAt(ConvNetOptions options, long step, long totalSteps, int epoch)
    {
        switch (options.Schedule)
        {
            case LearningRateSchedule.Cosine:
                double t = totalSteps <= 1 ? 0 : step / (double)totalSteps;
                return (float)(options.LearningRate * 0.5 * (1.0 + BinaryMlpTrainer.DeterministicCosPi(t)));
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

    private static double Score(int[] predictions, int[] labels)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            correct += predictions[i] == labels[i] ? 1 : 0;
        }

        return labels.Length == 0 ? 0 : correct / (double)labels.Length;
    }

    /// <summary>The integer feature values as floats, row-major.</summary>
    private static float[] ToFloats(Dataset data)
    {
        var values = new float[data.Count * data.FeatureCount];
        byte[] bytes = data.Features;
        for (int k = 0; k < values.Length; k++)
        {
            values[k] = data.Signed ? (sbyte)bytes[k] : bytes[k];
        }

        return values;
    }
}

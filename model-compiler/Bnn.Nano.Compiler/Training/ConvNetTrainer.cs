using System;
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
        CommonTrainingOptions.CheckCompatible(train, test, "test");
        ConvNetModel model = Fit(train, options, binarized: false, progress, ct);
        return TrainingLoop.Accuracy(model, test);
    }

    /// <summary>Classes of a network on a data set, equal to the float reference's (see <see cref="ConvNetInference"/>).</summary>
    public static int[] Predict(BnnNetwork network, Dataset data) => ConvNetInference.Predict(network, data);

    /// <summary>Accuracy of a network on a data set, from the float reference's classes (see <see cref="ConvNetInference"/>).</summary>
    public static double Accuracy(BnnNetwork network, Dataset data) => ConvNetInference.Accuracy(network, data);

    private static ConvNetModel Fit(Dataset train, ConvNetOptions options, bool binarized, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var loop = new TrainingLoop(train, options);
        var model = new ConvNetModel(options, train.ClassCount, loop.BatchSize, binarized, loop.Random);
        Func<double>? validationAccuracy = options.Validation is not Dataset validation ? null
            : binarized ? () => ConvNetInference.Accuracy(model.ToNetwork(options.InputShape, train.Signed, train.ClassNames), validation)
            : TrainingLoop.AccuracyEvaluator(model, validation);
        loop.Run(model, Augmentation(options, loop.Random), validationAccuracy, progress, ct);
        if (options.RecalibrateBatchNorm)
        {
            model.Recalibrate(loop.Features, train.Count);
        }

        return model;
    }

    /// <summary>
    /// The sample loader of the shift and flip augmentations (null: none): per sample, draws dy, then dx (each only when
    /// shifting), then the flip (only when flipping) from <paramref name="random"/>.
    /// </summary>
    private static SampleLoader? Augmentation(ConvNetOptions options, Random random)
    {
        int s = options.ShiftPixels;
        if (!(s > 0 || options.HorizontalFlip))
        {
            return null;
        }

        return (source, sourceOffset, destination, destinationOffset) =>
        {
            int dy = s > 0 ? random.Next(-s, s + 1) : 0;
            int dx = s > 0 ? random.Next(-s, s + 1) : 0;
            bool flip = options.HorizontalFlip && random.Next(2) == 1;
            Transform(source, sourceOffset, destination, destinationOffset, options.InputShape, dy, dx, flip);
        };
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
}

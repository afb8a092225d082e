using System;
using System.Collections.Generic;
using System.Linq;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Training;

namespace Bnn.Nano.Compiler;

/// <summary>
/// The UWave gesture model (real accelerometer data, ../shared/data/uwave): one definition shared by the benchmark,
/// the device tables of firmware/Bnn.Nano.Node/Board and the node tests.
/// <para>
/// Data: the seeded stratified split of <see cref="UWaveDataset"/> (25% of each class held out, seed 1). Front end:
/// <see cref="UWaveFrontEnd"/> defaults (steps of <see cref="UWaveFrontEnd.Downsample"/> samples averaged, int8 at
/// 1/32 g per step, window 315 samples at 100 Hz, hop 105), carried in the blob as model properties.
/// </para>
/// <para>
/// Training set: the training recordings plus <see cref="AugmentedCopies"/> seeded variants of each (smooth time
/// warp, shift, per-axis gain curves, small 3-D rotation; <see cref="Augment"/>), all through the same front end.
/// Model: a binarized MLP (int8 first layer on the raw feature bytes; <see cref="TrainingOptions"/>), chosen by
/// five repeated 80/20 validation splits of the training recordings (the held-out split was not used to choose).
/// </para>
/// </summary>
public static class UWaveGestures
{
    /// <summary>Class of the generated C# tables on the device.</summary>
    public const string ClassName = "GestureModel";

    /// <summary>Namespace of the generated C# tables on the device (the node's board glue).</summary>
    public const string Namespace = "Bnn.Nano.Node.Board";

    /// <summary>Augmented variants added per training recording.</summary>
    public const int AugmentedCopies = 4;

    /// <summary>Largest time shift of an augmented variant, in samples.</summary>
    public const double MaxShiftSamples = 20;

    /// <summary>Largest relative change of the local playback speed (time warp).</summary>
    public const double MaxWarp = 0.2;

    /// <summary>Largest rotation about each axis, in degrees.</summary>
    public const double MaxRotationDegrees = 10;

    /// <summary>Largest relative change of an axis' gain (magnitude warp).</summary>
    public const double MaxGain = 0.15;

    /// <summary>Knots of the smooth speed and gain curves of an augmented variant.</summary>
    public const int WarpKnots = 5;

    /// <summary>The front end of the model (the <see cref="UWaveFrontEnd"/> defaults).</summary>
    public static UWaveFrontEnd FrontEnd { get; } = new();

    /// <summary>The training configuration of the benchmark model.</summary>
    public static TrainingOptions TrainingOptions(int seed = 1) => new()
    {
        HiddenSizes = [512],
        Epochs = 30,
        BatchSize = 64,
        LearningRate = 0.01f,
        Schedule = LearningRateSchedule.Cosine,
        Seed = seed,
    };

    /// <summary>The recordings and the default split (indices into the recordings).</summary>
    public static (IReadOnlyList<UWaveRecording> Recordings, int[] Train, int[] Test) Split(string? sharedDirectory = null)
    {
        IReadOnlyList<UWaveRecording> recordings = UWaveDataset.Load(sharedDirectory);
        (int[] train, int[] test) = UWaveDataset.Split(recordings);
        return (recordings, train, test);
    }

    /// <summary>The training data set: the training recordings, each followed by its augmented variants, through the front end.</summary>
    public static Dataset AugmentedTrainingSet(IReadOnlyList<UWaveRecording> recordings, IReadOnlyList<int> train, int copies = AugmentedCopies, int seed = 1, UWaveFrontEnd? frontEnd = null)
    {
        List<UWaveRecording> augmented = Augment(recordings, train, copies, seed);
        return UWaveDataset.ToDataset("uwave-train-augmented", augmented, Enumerable.Range(0, augmented.Count).ToArray(), frontEnd ?? FrontEnd);
    }

    /// <summary>Trains the model on a (front-end) training set and attaches the front end's model properties.</summary>
    public static BnnNetwork Train(Dataset train, TrainingOptions options, IProgress<TrainingProgress>? progress = null, UWaveFrontEnd? frontEnd = null) =>
        BinaryMlpTrainer.Train(train, options, progress).WithProperties((frontEnd ?? FrontEnd).ModelProperties());

    /// <summary>
    /// The recordings at <paramref name="indices"/>, each followed by <paramref name="copies"/> variants drawn from one
    /// <see cref="Random"/>(<paramref name="seed"/>), in this order per variant: a speed curve (<see cref="WarpKnots"/>
    /// knots in 1 ± <see cref="MaxWarp"/>, linear between them; its running sum, rescaled to the window, maps output
    /// to input time), a shift (± <see cref="MaxShiftSamples"/>), per-axis gain curves (knots in 1 ± <see cref="MaxGain"/>)
    /// and a rotation (± <see cref="MaxRotationDegrees"/> about x, then y, then z). Sample t of a variant is the
    /// recording, linearly interpolated at the mapped time (clamped to the recording), rotated, times the gain at t.
    /// Basic arithmetic only (sin and cos by series), so a seed gives the same variants on every machine.
    /// </summary>
    public static List<UWaveRecording> Augment(IReadOnlyList<UWaveRecording> recordings, IReadOnlyList<int> indices, int copies, int seed)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentOutOfRangeException.ThrowIfNegative(copies);
        const int n = UWaveDataset.SamplesPerAxis;
        const int axisCount = UWaveDataset.AxisCount;
        const double degrees = Math.PI / 180;
        var random = new Random(seed);
        var result = new List<UWaveRecording>(indices.Count * (copies + 1));
        double[] speed = new double[WarpKnots];
        double[] time = new double[n];
        double[][] gains = [new double[WarpKnots], new double[WarpKnots], new double[WarpKnots]];
        double[] v = new double[axisCount];
        foreach (int index in indices)
        {
            UWaveRecording source = recordings[index];
            result.Add(source);
            for (int c = 0; c < copies; c++)
            {
                for (int k = 0; k < WarpKnots; k++)
                {
                    speed[k] = 1 + (Uniform(random) * MaxWarp);
                }

                double shift = Uniform(random) * MaxShiftSamples;
                foreach (double[] gain in gains)
                {
                    for (int k = 0; k < WarpKnots; k++)
                    {
                        gain[k] = 1 + (Uniform(random) * MaxGain);
                    }
                }

                double[,] rotation = Rotation(Uniform(random) * MaxRotationDegrees * degrees, Uniform(random) * MaxRotationDegrees * degrees, Uniform(random) * MaxRotationDegrees * degrees);
                double sum = 0;
                for (int t = 0; t < n; t++)
                {
                    sum += Knotted(speed, t);
                    time[t] = sum;
                }

                double scale = (n - 1) / (time[n - 1] - time[0]);
                float[][] axes = [new float[n], new float[n], new float[n]];
                for (int t = 0; t < n; t++)
                {
                    double s = Math.Clamp(((time[t] - time[0]) * scale) + shift, 0, n - 1);
                    int s0 = (int)s;
                    int s1 = Math.Min(s0 + 1, n - 1);
                    double f = s - s0;
                    for (int a = 0; a < axisCount; a++)
                    {
                        v[a] = (source.Axes[a][s0] * (1 - f)) + (source.Axes[a][s1] * f);
                    }

                    for (int a = 0; a < axisCount; a++)
                    {
                        double r = (rotation[a, 0] * v[0]) + (rotation[a, 1] * v[1]) + (rotation[a, 2] * v[2]);
                        axes[a][t] = (float)(r * Knotted(gains[a], t));
                    }
                }

                result.Add(new UWaveRecording(source.Label, axes));
            }
        }

        return result;
    }

    /// <summary>The curve through <paramref name="knots"/> (evenly spread over the window, linear between them) at sample t.</summary>
    private static double Knotted(double[] knots, int t)
    {
        double u = t / (double)(UWaveDataset.SamplesPerAxis - 1) * (knots.Length - 1);
        int k = Math.Min((int)u, knots.Length - 2);
        double f = u - k;
        return (knots[k] * (1 - f)) + (knots[k + 1] * f);
    }

    private static double Uniform(Random random) => (random.NextDouble() * 2) - 1;

    /// <summary>R = Rz · Ry · Rx.</summary>
    private static double[,] Rotation(double x, double y, double z)
    {
        double cx = Cos(x), sx = Sin(x), cy = Cos(y), sy = Sin(y), cz = Cos(z), sz = Sin(z);
        double[,] rx = { { 1, 0, 0 }, { 0, cx, -sx }, { 0, sx, cx } };
        double[,] ry = { { cy, 0, sy }, { 0, 1, 0 }, { -sy, 0, cy } };
        double[,] rz = { { cz, -sz, 0 }, { sz, cz, 0 }, { 0, 0, 1 } };
        return Multiply(rz, Multiply(ry, rx));
    }

    /// <summary>sin by its Taylor series (|x| ≤ 0.2 here): basic arithmetic only, so augmentation is the same on every machine.</summary>
    private static double Sin(double x)
    {
        double term = x, sum = x;
        for (int k = 1; k <= 6; k++)
        {
            term *= -x * x / ((2 * k) * ((2 * k) + 1));
            sum += term;
        }

        return sum;
    }

    /// <summary>cos by its Taylor series (see <see cref="Sin"/>).</summary>
    private static double Cos(double x)
    {
        double term = 1, sum = 1;
        for (int k = 1; k <= 6; k++)
        {
            term *= -x * x / (((2 * k) - 1) * (2 * k));
            sum += term;
        }

        return sum;
    }

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        var c = new double[3, 3];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                for (int k = 0; k < 3; k++)
                {
                    c[i, j] += a[i, k] * b[k, j];
                }
            }
        }

        return c;
    }
}

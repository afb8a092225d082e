using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.FrontEnd;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Compiler.Data;

/// <summary>One UWave recording: a gesture (label 0..7 = file class 1..8) as three axes of 315 z-normalised samples.</summary>
public sealed class UWaveRecording
{
    public UWaveRecording(int label, float[][] axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Length != UWaveDataset.AxisCount)
        {
            throw new ArgumentException($"a recording has {UWaveDataset.AxisCount} axes, got {axes.Length}", nameof(axes));
        }

        foreach (float[] axis in axes)
        {
            if (axis == null || axis.Length != UWaveDataset.SamplesPerAxis)
            {
                throw new ArgumentException($"every axis holds {UWaveDataset.SamplesPerAxis} samples", nameof(axes));
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegative(label);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(label, UWaveDataset.ClassCount);
        Label = label;
        Axes = axes;
    }

    /// <summary>Class 0..7 (the file's class minus 1).</summary>
    public int Label { get; }

    /// <summary>Axes[axis][sample]: x, y, z, each 315 z-normalised values (read as accelerations in g, see <see cref="UWaveFrontEnd"/>).</summary>
    public float[][] Axes { get; }
}

/// <summary>
/// The gesture front end, one definition for training, the emulator tests and the node (firmware
/// <c>Bnn.Nano.Node.GestureFrontEnd</c> implements the same windowing on the device, both quantise with the one
/// <see cref="GestureQuantization"/>, and the end-to-end test proves they agree on every window):
/// <list type="number">
/// <item>A recording value is an acceleration in g (the z-normalised series read as g: 1 σ = 1 g). The sensor
/// (MPU6050 at ±8 g full scale) reports it as counts: <c>c = clamp(round_half_away(g · CountsPerG), -32768, 32767)</c>
/// with <see cref="CountsPerG"/> = 4096 (<see cref="ToCounts"/>).</item>
/// <item>Temporal downsampling: each axis is averaged over blocks of <see cref="Downsample"/> consecutive samples.
/// A window of <see cref="WindowLength"/> = 315 samples becomes <see cref="Steps"/> = 315 / k steps.</item>
/// <item>Quantisation to int8 with a fixed scale (g per step, <see cref="Scale"/> = 1/32 g, so ±4 g spans the int8
/// range) and zero point 0: <c>v = (float)sum / (k · Scale · CountsPerG)</c> (single precision, in that order),
/// <c>q = clamp(round_half_away(v) + ZeroPoint, -128, 127)</c>, stored as a two's-complement byte
/// (<see cref="Quantize"/>, by <see cref="GestureQuantization"/>).</item>
/// <item>Layout HWC 1 × Steps × 3: time-major, axes x, y, z within a step (a conv1d input; the same bytes flattened
/// feed an MLP).</item>
/// </list>
/// The scale, zero point, window length, hop and sample rate travel in the blob as model properties
/// (<see cref="ModelProperties"/>); the node derives k as WindowLength / (InputLength / 3). Defaults (the
/// uwave-gestures benchmark model): k = 15, so 21 steps × 3 axes = 63 int8 features, which leaves room in the 8 KB
/// flash budget for a 512-unit hidden layer (6.9 KB blob); windows of 315 samples every 105 samples (1.05 s).
/// Caveat for real sensors: the recordings are z-normalised per series (no gravity, unit variance), so a device
/// sees a gravity offset and other scales that these features do not remove.
/// </summary>
/// <param name="Downsample">Samples averaged per step (divides 315: 1, 3, 5, 7, 9, 15, ...).</param>
/// <param name="Scale">Quantisation scale in g per int8 step.</param>
/// <param name="ZeroPoint">Added after scaling (int8 domain).</param>
/// <param name="SampleRateHz">Sensor sample rate; the recordings are taken as 100 Hz (the uWave prototype's Wii remote rate).</param>
/// <param name="HopSamples">Samples between the starts of consecutive classification windows on the node (a multiple of Downsample).</param>
/// <param name="CountsPerG">Sensor counts per g (MPU6050 at ±8 g: 4096).</param>
public sealed record UWaveFrontEnd(int Downsample = 15, float Scale = 1f / 32f, int ZeroPoint = 0, int SampleRateHz = 100, int HopSamples = 105, int CountsPerG = 4096)
{
    /// <summary>Samples per classification window: one whole recording.</summary>
    public int WindowLength => UWaveDataset.SamplesPerAxis;

    /// <summary>Time steps of the model input: WindowLength / Downsample.</summary>
    public int Steps => WindowLength / Downsample;

    /// <summary>Bytes of one model input: Steps × 3.</summary>
    public int FeatureCount => Steps * UWaveDataset.AxisCount;

    /// <summary>The model input shape, HWC: 1 × Steps × 3.</summary>
    public TensorShape InputShape => new(1, Steps, UWaveDataset.AxisCount);

    /// <summary>Checks the parameters; throws ArgumentException naming the bad one.</summary>
    public void Validate()
    {
        if (Downsample < 1 || UWaveDataset.SamplesPerAxis % Downsample != 0)
        {
            throw new ArgumentException($"downsample factor {Downsample} must divide {UWaveDataset.SamplesPerAxis}");
        }

        if (!(Scale > 0f) || !float.IsFinite(Scale))
        {
            throw new ArgumentException($"scale {Scale} must be a positive number");
        }

        if (ZeroPoint is < -128 or > 127)
        {
            throw new ArgumentException($"zero point {ZeroPoint} is outside the int8 range");
        }

        if (SampleRateHz < 1 || CountsPerG < 1)
        {
            throw new ArgumentException("sample rate and counts per g must be positive");
        }

        if (HopSamples < Downsample || HopSamples % Downsample != 0 || HopSamples > WindowLength)
        {
            throw new ArgumentException($"hop {HopSamples} must be a multiple of the downsample factor {Downsample} within the window of {WindowLength}");
        }
    }

    /// <summary>The model properties that carry this front end in the blob (keys of <see cref="ModelProperty"/>).</summary>
    public IReadOnlyDictionary<int, int> ModelProperties() => new Dictionary<int, int>
    {
        [ModelProperty.InputScaleBits] = BitConverter.SingleToInt32Bits(Scale),
        [ModelProperty.InputZeroPoint] = ZeroPoint,
        [ModelProperty.WindowLength] = WindowLength,
        [ModelProperty.WindowHop] = HopSamples,
        [ModelProperty.SampleRateHz] = SampleRateHz,
    };

    /// <summary>Sensor counts of an acceleration in g: clamp(round half away from zero(g · CountsPerG)) to int16.</summary>
    public int ToCounts(float g)
    {
        double c = Math.Round((double)g * CountsPerG, MidpointRounding.AwayFromZero);
        return (int)Math.Clamp(c, short.MinValue, short.MaxValue);
    }

    /// <summary>
    /// A recording as the sensor reports it: counts interleaved x, y, z per sample (length 315 × 3).
    /// </summary>
    public int[] ToCounts(UWaveRecording recording)
    {
        ArgumentNullException.ThrowIfNull(recording);
        int[] counts = new int[WindowLength * UWaveDataset.AxisCount];
        for (int t = 0; t < WindowLength; t++)
        {
            for (int a = 0; a < UWaveDataset.AxisCount; a++)
            {
                counts[(t * UWaveDataset.AxisCount) + a] = ToCounts(recording.Axes[a][t]);
            }
        }

        return counts;
    }

    /// <summary>One int8 feature from the sum of Downsample counts of one axis: <see cref="GestureQuantization"/>, the node's own arithmetic.</summary>
    public sbyte Quantize(int sumOfCounts) =>
        (sbyte)GestureQuantization.ToInt8(sumOfCounts, GestureQuantization.Divisor(Downsample, Scale, CountsPerG), ZeroPoint);

    /// <summary>
    /// The model input (HWC 1 × Steps × 3, int8 as bytes) of the window that starts at sample
    /// <paramref name="startSample"/> of a count stream interleaved x, y, z.
    /// </summary>
    public byte[] Features(int[] counts, int startSample)
    {
        ArgumentNullException.ThrowIfNull(counts);
        int axes = UWaveDataset.AxisCount;
        if (startSample < 0 || (long)(startSample + WindowLength) * axes > counts.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(startSample), $"a window of {WindowLength} samples from sample {startSample} does not fit {counts.Length / axes} samples");
        }

        byte[] features = new byte[FeatureCount];
        for (int step = 0; step < Steps; step++)
        {
            for (int a = 0; a < axes; a++)
            {
                int sum = 0;
                for (int j = 0; j < Downsample; j++)
                {
                    sum += counts[((startSample + (step * Downsample) + j) * axes) + a];
                }

                features[(step * axes) + a] = (byte)Quantize(sum);
            }
        }

        return features;
    }

    /// <summary>The model input of a whole recording.</summary>
    public byte[] Features(UWaveRecording recording) => Features(ToCounts(recording), 0);
}

/// <summary>
/// The UWave gesture library (UCR archive, TRAIN split only: 896 recordings of 8 gestures, 3 axes × 315 samples,
/// z-normalised per series) from <c>../shared/data/uwave/UWaveGestureLibrary{X,Y,Z}_TRAIN.tsv</c>, a seeded stratified
/// held-out split of it, and data sets of front-end features (<see cref="UWaveFrontEnd"/>).
/// </summary>
public static class UWaveDataset
{
    public const int AxisCount = 3;

    public const int SamplesPerAxis = 315;

    public const int ClassCount = 8;

    public const int RecordingCount = 896;

    /// <summary>Default share of each class held out for testing.</summary>
    public const double DefaultTestFraction = 0.25;

    /// <summary>Default seed of the split.</summary>
    public const int DefaultSplitSeed = 1;

    public static IReadOnlyList<string> ClassNames { get; } =
        ["gesture-1", "gesture-2", "gesture-3", "gesture-4", "gesture-5", "gesture-6", "gesture-7", "gesture-8"];

    private static readonly string[] s_axisNames = ["X", "Y", "Z"];

    private static readonly object s_cacheLock = new();
    private static string? s_cachedFolder;
    private static IReadOnlyList<UWaveRecording>? s_cached;

    /// <summary>The folder of the three files: <c>&lt;shared data&gt;/uwave</c>; <paramref name="sharedDirectory"/> may be ../shared or ../shared/data.</summary>
    public static string Folder(string? sharedDirectory = null)
    {
        string shared = sharedDirectory ?? DataCatalog.DefaultSharedDirectory();
        string direct = Path.Combine(shared, "uwave");
        return Directory.Exists(direct) ? direct : Path.Combine(shared, "data", "uwave");
    }

    /// <summary>
    /// All 896 recordings in file order. Absent files give a <see cref="DatasetMissingException"/> naming the path;
    /// damaged ones an <see cref="InvalidDataException"/> naming file and line. Cached per folder.
    /// </summary>
    public static IReadOnlyList<UWaveRecording> Load(string? sharedDirectory = null)
    {
        string folder = Path.GetFullPath(Folder(sharedDirectory));
        lock (s_cacheLock)
        {
            if (s_cached != null && s_cachedFolder == folder)
            {
                return s_cached;
            }
        }

        float[][][] axes = new float[AxisCount][][];
        int[]? labels = null;
        for (int a = 0; a < AxisCount; a++)
        {
            string path = Path.Combine(folder, $"UWaveGestureLibrary{s_axisNames[a]}_TRAIN.tsv");
            if (!File.Exists(path))
            {
                const string remedy = "It is part of the project's reference data folder ../shared/data beside the repository (see ../shared/data/README.md): restore that folder.";
                throw new DatasetMissingException($"UWave gesture library is missing: '{path}' does not exist. {remedy}", path, remedy);
            }

            (int[] fileLabels, float[][] series) = ReadTsv(path);
            if (labels == null)
            {
                labels = fileLabels;
            }
            else if (!labels.AsSpan().SequenceEqual(fileLabels))
            {
                throw new InvalidDataException($"'{path}': the class column differs from the X file's (the three axis files must list the same recordings in the same order)");
            }

            axes[a] = series;
        }

        var recordings = new UWaveRecording[labels!.Length];
        for (int i = 0; i < recordings.Length; i++)
        {
            recordings[i] = new UWaveRecording(labels[i], [axes[0][i], axes[1][i], axes[2][i]]);
        }

        lock (s_cacheLock)
        {
            s_cachedFolder = folder;
            s_cached = recordings;
        }

        return recordings;
    }

    /// <summary>
    /// A stratified held-out split: per class (in label order), the recordings' indices are shuffled with one
    /// <see cref="Random"/>(<paramref name="seed"/>) and the first round(n_c · testFraction) go to the test set.
    /// Both index lists are returned in ascending order. Deterministic for a given input, fraction and seed.
    /// </summary>
    public static (int[] Train, int[] Test) Split(IReadOnlyList<UWaveRecording> recordings, double testFraction = DefaultTestFraction, int seed = DefaultSplitSeed)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "must be in (0, 1)");
        }

        var random = new Random(seed);
        var train = new List<int>();
        var test = new List<int>();
        for (int c = 0; c < ClassCount; c++)
        {
            var members = new List<int>();
            for (int i = 0; i < recordings.Count; i++)
            {
                if (recordings[i].Label == c)
                {
                    members.Add(i);
                }
            }

            for (int i = members.Count - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (members[i], members[j]) = (members[j], members[i]);
            }

            int held = (int)Math.Round(members.Count * testFraction, MidpointRounding.AwayFromZero);
            test.AddRange(members.GetRange(0, held));
            train.AddRange(members.GetRange(held, members.Count - held));
        }

        train.Sort();
        test.Sort();
        return ([.. train], [.. test]);
    }

    /// <summary>The front-end features of the recordings at <paramref name="indices"/> as an int8 data set.</summary>
    public static Dataset ToDataset(string name, IReadOnlyList<UWaveRecording> recordings, IReadOnlyList<int> indices, UWaveFrontEnd frontEnd)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(frontEnd);
        frontEnd.Validate();
        int n = frontEnd.FeatureCount;
        byte[] features = new byte[indices.Count * n];
        int[] labels = new int[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            UWaveRecording r = recordings[indices[k]];
            frontEnd.Features(r).CopyTo(features, k * n);
            labels[k] = r.Label;
        }

        return new Dataset(name, n, true, features, labels, ClassNames);
    }

    /// <summary>The default split (25% per class held out, seed 1) as front-end data sets named uwave-train / uwave-test.</summary>
    public static (Dataset Train, Dataset Test) LoadSplit(UWaveFrontEnd? frontEnd = null, string? sharedDirectory = null, double testFraction = DefaultTestFraction, int seed = DefaultSplitSeed)
    {
        frontEnd ??= new UWaveFrontEnd();
        IReadOnlyList<UWaveRecording> recordings = Load(sharedDirectory);
        (int[] train, int[] test) = Split(recordings, testFraction, seed);
        return (ToDataset("uwave-train", recordings, train, frontEnd), ToDataset("uwave-test", recordings, test, frontEnd));
    }

    private static (int[] Labels, float[][] Series) ReadTsv(string path)
    {
        var labels = new List<int>();
        var series = new List<float[]>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            string[] fields = line.Split('\t');
            if (fields.Length != SamplesPerAxis + 1)
            {
                throw new InvalidDataException($"'{path}' line {lineNumber}: {fields.Length} fields, expected {SamplesPerAxis + 1} (class, then {SamplesPerAxis} samples)");
            }

            if (!double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double label) || label != Math.Floor(label) || label < 1 || label > ClassCount)
            {
                throw new InvalidDataException($"'{path}' line {lineNumber}: class '{fields[0]}' is not an integer 1..{ClassCount}");
            }

            float[] values = new float[SamplesPerAxis];
            for (int t = 0; t < SamplesPerAxis; t++)
            {
                if (!float.TryParse(fields[t + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out values[t]) || !float.IsFinite(values[t]))
                {
                    throw new InvalidDataException($"'{path}' line {lineNumber}: sample {t} '{fields[t + 1]}' is not a finite number");
                }
            }

            labels.Add((int)label - 1);
            series.Add(values);
        }

        if (labels.Count != RecordingCount)
        {
            throw new InvalidDataException($"'{path}' holds {labels.Count} recordings, expected {RecordingCount} (the UCR TRAIN split)");
        }

        return ([.. labels], [.. series]);
    }
}

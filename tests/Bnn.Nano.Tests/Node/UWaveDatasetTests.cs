using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Bnn.Nano.Compiler;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.FrontEnd;
using Bnn.Nano.Node;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.Node;

/// <summary>
/// The UWave gesture data (../shared/data/uwave; absent data fails with the path, never a silent skip), its seeded
/// stratified split, and the front end: the compiler's (training) and the node's give the same bytes.
/// </summary>
public class UWaveDatasetTests
{
    private static UWaveTestModel M => UWaveTestModel.Instance;

    [Fact]
    public void UWave_loads_896_recordings_of_8_gestures()
    {
        IReadOnlyList<UWaveRecording> recordings = M.Recordings;

        Assert.Equal(UWaveDataset.RecordingCount, recordings.Count);
        Assert.Equal([122, 108, 106, 110, 127, 111, 112, 100], Enumerable.Range(0, 8).Select(c => recordings.Count(r => r.Label == c)));
        Assert.All(recordings, r => Assert.All(r.Axes, a => Assert.Equal(UWaveDataset.SamplesPerAxis, a.Length)));
        Assert.Equal(5, recordings[0].Label); // the files' first line: class 6
        Assert.Equal(-0.30424321f, recordings[0].Axes[0][0]);

        // Z-normalised per series: mean 0 and standard deviation 1 on every axis.
        foreach (float[] axis in recordings[100].Axes)
        {
            double mean = axis.Average(v => (double)v);
            double sd = Math.Sqrt(axis.Sum(v => (v - mean) * (v - mean)) / (axis.Length - 1));
            Assert.Equal(0, mean, 4);
            Assert.InRange(sd, 0.99, 1.01);
        }

        // Cached: the same list again.
        Assert.Same(recordings, UWaveDataset.Load(M.SharedData));
        Assert.Same(recordings, UWaveDataset.Load(RepoPaths.Shared));
    }

    [Fact]
    public void UWave_missing_folder_names_the_path()
    {
        string missing = Path.Combine(Path.GetTempPath(), "bnn-no-uwave-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<DatasetMissingException>(() => UWaveDataset.Load(missing));

        Assert.Contains("UWaveGestureLibraryX_TRAIN.tsv", error.MissingPath, StringComparison.Ordinal);
        Assert.Contains(error.MissingPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("../shared/data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UWave_split_is_stratified_disjoint_and_deterministic()
    {
        IReadOnlyList<UWaveRecording> recordings = M.Recordings;
        (int[] train, int[] test) = UWaveDataset.Split(recordings);

        // 25% of each class, rounded half away from zero.
        int[] perClass = Enumerable.Range(0, 8).Select(c => test.Count(i => recordings[i].Label == c)).ToArray();
        Assert.Equal([31, 27, 27, 28, 32, 28, 28, 25], perClass);
        Assert.Equal(226, test.Length);
        Assert.Equal(670, train.Length);
        Assert.Empty(train.Intersect(test));
        Assert.Equal(Enumerable.Range(0, 896), train.Concat(test).OrderBy(i => i));
        Assert.Equal(train.OrderBy(i => i), train);

        // Deterministic: the same seed gives the same split; another seed another one, still stratified.
        (int[] train2, int[] test2) = UWaveDataset.Split(recordings);
        Assert.Equal(test, test2);
        Assert.Equal(train, train2);
        (_, int[] other) = UWaveDataset.Split(recordings, seed: 2);
        Assert.NotEqual(test, other);
        Assert.Equal(perClass, Enumerable.Range(0, 8).Select(c => other.Count(i => recordings[i].Label == c)));
        (_, int[] thirty) = UWaveDataset.Split(recordings, 0.3);
        Assert.Equal([37, 32, 32, 33, 38, 33, 34, 30], Enumerable.Range(0, 8).Select(c => thirty.Count(i => recordings[i].Label == c)));
    }

    [Fact]
    public void UWave_catalog_names_load_the_split_as_int8_front_end_features()
    {
        Dataset train = DataCatalog.Load("uwave-train", RepoPaths.Shared);
        Dataset test = DataCatalog.Load("uwave-test", RepoPaths.Shared);

        Assert.Equal("uwave-train", train.Name);
        Assert.Equal("uwave-test", test.Name);
        Assert.Equal(670, train.Count);
        Assert.Equal(226, test.Count);
        Assert.True(test.Signed);
        Assert.Equal(UWaveGestures.FrontEnd.FeatureCount, test.FeatureCount);
        Assert.Equal(UWaveDataset.ClassNames, test.ClassNames);
        Assert.Equal(M.TestSet.Features, test.Features);
        Assert.Equal(M.TestSet.Labels, test.Labels);
        Assert.Contains("uwave-train", DataCatalog.Help, StringComparison.Ordinal);
    }

    [Fact]
    public void UWave_front_end_properties_travel_in_the_blob()
    {
        BnnModel model = M.Load();
        UWaveFrontEnd fe = M.FrontEnd;

        Assert.Equal(BitConverter.SingleToInt32Bits(1f / 32f), model.GetProperty(ModelProperty.InputScaleBits, 0));
        Assert.Equal(0, model.GetProperty(ModelProperty.InputZeroPoint, -1));
        Assert.Equal(315, model.GetProperty(ModelProperty.WindowLength, 0));
        Assert.Equal(fe.HopSamples, model.GetProperty(ModelProperty.WindowHop, 0));
        Assert.Equal(100, model.GetProperty(ModelProperty.SampleRateHz, 0));
        Assert.Equal(fe.FeatureCount, model.InputLength);
        Assert.True(model.InputSigned);

        // The node reads them back into the same front end.
        var node = new GestureFrontEnd(model, fe.CountsPerG);
        Assert.Equal(fe.Downsample, node.Downsample);
        Assert.Equal(fe.Steps, node.Steps);
        Assert.Equal(fe.Scale, node.Scale);
        Assert.Equal(fe.ZeroPoint, node.ZeroPoint);
        Assert.Equal(fe.HopSamples, node.HopSamples);
    }

    [Fact]
    public void UWave_node_front_end_gives_the_training_features_for_every_recording()
    {
        var node = new GestureFrontEnd(M.Load(), M.FrontEnd.CountsPerG);
        foreach (UWaveRecording recording in M.Recordings)
        {
            int[] counts = M.FrontEnd.ToCounts(recording);
            node.Reset();
            bool ready = false;
            for (int t = 0; t < UWaveDataset.SamplesPerAxis; t++)
            {
                ready = node.Add(counts[3 * t], counts[(3 * t) + 1], counts[(3 * t) + 2]);
                Assert.Equal(t == UWaveDataset.SamplesPerAxis - 1, ready);
            }

            Assert.Equal(M.FrontEnd.Features(recording), node.Input);
        }
    }

    [Fact]
    public void UWave_quantisation_rounds_the_single_precision_quotient_half_away_from_zero_then_clamps_including_ties()
    {
        // The compiler and the node both quantise with GestureQuantization; this pins its rule against an independent
        // reference (MathF rounding), at the ties, beside them and at the clamps.
        UWaveFrontEnd fe = M.FrontEnd;
        float divisor = fe.Downsample * fe.Scale * fe.CountsPerG;
        Assert.Equal(divisor, GestureQuantization.Divisor(fe.Downsample, fe.Scale, fe.CountsPerG));
        var sums = new List<int> { 0, 1, -1, int.MaxValue / 2, int.MinValue / 2 };
        for (int n = -130; n <= 130; n++)
        {
            // Exact halves (ties), and the values just beside them.
            int half = (int)Math.Round((n + 0.5) * divisor);
            sums.AddRange([half - 1, half, half + 1]);
        }

        var random = new Random(5);
        for (int i = 0; i < 20_000; i++)
        {
            sums.Add(random.Next(-fe.Downsample * 32768, fe.Downsample * 32768));
        }

        foreach (int zeroPoint in new[] { 0, 3, -7 })
        {
            UWaveFrontEnd shifted = fe with { ZeroPoint = zeroPoint };
            foreach (int sum in sums)
            {
                int expected = Math.Clamp((int)MathF.Round(sum / divisor, MidpointRounding.AwayFromZero) + zeroPoint, sbyte.MinValue, sbyte.MaxValue);
                Assert.Equal(expected, shifted.Quantize(sum));
            }
        }

        Assert.Equal(1, fe.Quantize((int)(0.5f * divisor)));
        Assert.Equal(-1, fe.Quantize(-(int)(0.5f * divisor)));
        Assert.Equal(0, fe.Quantize((int)(0.5f * divisor) - 1));
        Assert.Equal(127, fe.Quantize(fe.Downsample * 32767));
        Assert.Equal(-128, fe.Quantize(fe.Downsample * -32768));
    }

    [Fact]
    public void UWave_node_reads_float_bits_exactly()
    {
        var random = new Random(9);
        var values = new List<float> { 1f / 32f, 1f, -1f, 0.1f, 3.4e38f, 1.2e-38f, float.Epsilon * 1e7f, 123456.789f };
        for (int i = 0; i < 10_000; i++)
        {
            values.Add(BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31)));
        }

        foreach (float value in values)
        {
            int bits = BitConverter.SingleToInt32Bits(value);
            int exponent = (bits >> 23) & 0xFF;
            float expected = exponent == 0 || exponent == 0xFF ? 0f : value;
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(ModelProperty.SingleFromBits(bits)));
        }
    }

    [Fact]
    public void UWave_augmentation_is_seeded()
    {
        int[] some = M.Train.Take(10).ToArray();
        List<UWaveRecording> a = UWaveGestures.Augment(M.Recordings, some, 2, seed: 3);
        List<UWaveRecording> b = UWaveGestures.Augment(M.Recordings, some, 2, seed: 3);
        List<UWaveRecording> c = UWaveGestures.Augment(M.Recordings, some, 2, seed: 4);

        Assert.Equal(30, a.Count);
        Assert.Same(M.Recordings[some[0]], a[0]);
        Assert.Equal(M.Recordings[some[0]].Label, a[1].Label);
        for (int i = 0; i < a.Count; i++)
        {
            for (int axis = 0; axis < 3; axis++)
            {
                Assert.Equal(a[i].Axes[axis], b[i].Axes[axis]);
            }
        }

        Assert.NotEqual(a[1].Axes[0], c[1].Axes[0]);
    }

    [Fact]
    public void UWave_nearest_neighbour_baselines_classify_the_training_set_perfectly_and_agree_on_distance_zero()
    {
        IReadOnlyList<UWaveRecording> recordings = M.Recordings;
        int[] some = M.Train.Take(40).ToArray();

        // Every recording's nearest neighbour among a set holding it is itself (distance 0).
        Assert.Equal(1.0, NearestNeighbour.Accuracy(recordings, some, NearestNeighbour.PredictEuclidean(recordings, some, some)));
        Assert.Equal(1.0, NearestNeighbour.Accuracy(recordings, some, NearestNeighbour.PredictDtw(recordings, some, some, 10)));

        // DTW with a zero band is the Euclidean distance (squared), and a wider band can only lower it.
        float[] x = new float[945], y = new float[945];
        var random = new Random(2);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)random.NextDouble();
            y[i] = (float)random.NextDouble();
        }

        Assert.Equal(NearestNeighbour.SquaredEuclidean(x, y), NearestNeighbour.Dtw(x, y, 0), 9);
        Assert.True(NearestNeighbour.Dtw(x, y, 10) <= NearestNeighbour.Dtw(x, y, 0));
    }
}

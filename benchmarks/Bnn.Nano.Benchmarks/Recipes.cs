using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Bnn.Nano.Cli.Emulation;
using Bnn.Nano.Compiler;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.Compiler.Training;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Benchmarks;

/// <summary>A named benchmark: how to get the model and its test data, measured by <see cref="Recipes.Measure"/>.</summary>
public sealed record Recipe(string Name, Func<BenchmarkResult> Run);

/// <summary>The benchmark models. Every random choice is seeded: a rerun reproduces the table up to host timings.</summary>
public static class Recipes
{
    public static IReadOnlyList<Recipe> All { get; } =
    [
        new("gestures-mlp", GesturesMlp),
        new("fashion-mnist-mlp", FashionMlp),
        new("fashion-mnist-cnn", FashionCnn),
        new("uwave-gestures", UWaveGesturesMlp),
        new("kws-cnn", KeywordCnn),
    ];

    private static BenchmarkResult GesturesMlp()
    {
        (Dataset train, Dataset test) = GestureDemo.Split();
        return TrainMlp("gestures-mlp", train, test, GestureDemo.TrainingOptions(), "synthetic gestures, 8 held-out people; the `bnnc demo` model", GestureDemo.ModelProperties());
    }

    private static BenchmarkResult FashionMlp()
    {
        Dataset train = MnistDatasets.LoadFashionMnist("train");
        Dataset test = MnistDatasets.LoadFashionMnist("test");
        TrainingOptions options = new() { HiddenSizes = [256, 256], Epochs = 12, BatchSize = 100, LearningRate = 0.005f, Seed = 1 };
        return TrainMlp("fashion-mnist-mlp", train, test, options, "binary MLP, 8-bit first layer on raw pixels; target ≥ 86.0%");
    }

    /// <summary>The binary conv net of <see cref="ConvNetOptions.FashionMnist"/> on the official 60k/10k split.</summary>
    private static BenchmarkResult FashionCnn()
    {
        Dataset train = MnistDatasets.LoadFashionMnist("train");
        Dataset test = MnistDatasets.LoadFashionMnist("test");
        ConvNetOptions options = ConvNetOptions.FashionMnist();
        long started = Stopwatch.GetTimestamp();
        BnnNetwork network = ConvNetTrainer.Train(train, options, Log());
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        double floatAccuracy = ConvNetTrainer.TrainFloatBaseline(train, test, options, Log());
        string architecture = "c5x32-p2-bc3x64-p2-bc3x64-p2-256-10";
        return Measure("fashion-mnist-cnn", test, network, architecture, floatAccuracy, seconds,
            "binary conv net: 5×5 conv with binary weights on the raw bytes, two binary 3×3 convs (pad +1), max-pool on bits, binary dense; target ≥ 90.0% at ≤ 32 KB flash");
    }

    /// <summary>
    /// The UWave gesture model (real accelerometer recordings) with its float same-architecture and 1-NN baselines on
    /// the same split; also rewrites the node's device tables, firmware/Bnn.Nano.Node/Board/GestureModel.g.cs.
    /// </summary>
    private static BenchmarkResult UWaveGesturesMlp()
    {
        (IReadOnlyList<UWaveRecording> recordings, int[] trainIndices, int[] testIndices) = UWaveGestures.Split();
        UWaveFrontEnd frontEnd = UWaveGestures.FrontEnd;
        Dataset train = UWaveGestures.AugmentedTrainingSet(recordings, trainIndices);
        Dataset test = UWaveDataset.ToDataset("uwave-test", recordings, testIndices, frontEnd);
        TrainingOptions options = UWaveGestures.TrainingOptions();
        long started = Stopwatch.GetTimestamp();
        BnnNetwork network = UWaveGestures.Train(train, options, Log());
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        FloatBaseline baseline = BinaryMlpTrainer.TrainFloatBaseline(train, test, options);
        double euclidean = NearestNeighbour.Accuracy(recordings, testIndices, NearestNeighbour.PredictEuclidean(recordings, trainIndices, testIndices));
        const int band = 31;
        double dtw = NearestNeighbour.Accuracy(recordings, testIndices, NearestNeighbour.PredictDtw(recordings, trainIndices, testIndices, band));
        WriteDeviceTables(UWaveGestures.ClassName, ModelArtifacts.Build(network, UWaveGestures.Namespace, UWaveGestures.ClassName).TablesSource);

        CultureInfo c = CultureInfo.InvariantCulture;
        string architecture = string.Create(c, $"{frontEnd.Steps}x3-{string.Join("-", options.HiddenSizes)}-{train.ClassCount}");
        string notes = string.Create(c,
            $"real accelerometer data (UWave, 8 gestures; UCR TRAIN file, seeded stratified split: {trainIndices.Length} train / {testIndices.Length} held out); " +
            $"int8 input = 315-sample window averaged over {frontEnd.Downsample} → {frontEnd.Steps} steps × 3 axes at 1/{1 / frontEnd.Scale:F0} g per step; " +
            $"training set = train recordings + {UWaveGestures.AugmentedCopies} augmented copies each (time warp, shift, gain curves, rotation); " +
            $"same split, z-normalised series: 1-NN Euclidean {euclidean * 100:F2}%, 1-NN DTW (band {band}) {dtw * 100:F2}%; target ≥ 95% at ≤ 8 KB");
        return Measure("uwave-gestures", test, network, architecture, baseline.TestAccuracy, seconds, notes);
    }

    /// <summary>
    /// The keyword-spotting model on the synthetic-speech corpus (`bnnc data kws`, 1,500 training clips per class):
    /// features by the node's own fixed-point front end, training set = every clip plus augmented variants
    /// (<see cref="KeywordSpotting.Augmentation"/>), test split = voices never heard in training. Also rewrites the
    /// node's device tables (firmware/Bnn.Nano.Node/Board/KeywordModel.g.cs) and the blob beside them
    /// (KeywordModel.bnn, for `bnnc kws`), both carrying the detector setting `bnnc kws-tune` chooses.
    /// </summary>
    private static BenchmarkResult KeywordCnn()
    {
        SpeechCorpus corpus = SpeechCorpus.Load(SpeechCorpus.DefaultDirectory());
        Dataset clips = KeywordSpotting.ToDataset(KeywordSpotting.TrainName, corpus.Train, corpus.ClassNames);
        Dataset test = KeywordSpotting.ToDataset(KeywordSpotting.TestName, corpus.Test, corpus.ClassNames);
        KeywordAugmentation augmentation = KeywordSpotting.Augmentation();
        ConvNetOptions options = KeywordSpotting.Options();
        long started = Stopwatch.GetTimestamp();
        Dataset train = KeywordSpotting.Augment(clips, augmentation);
        BnnNetwork network = KeywordSpotting.Train(train, options, Log());
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        double floatAccuracy = ConvNetTrainer.TrainFloatBaseline(train, test, options, Log());

        // The node's detector chosen on streams of the training voices (`bnnc kws-tune`'s default seeds), then
        // streaming detection by the emulated node (`bnnc kws-streams`): 75-s streams, F1 within ±0.5 s.
        TunedKeywordBlob tuned = KeywordDetectorTuning.Tune(
            ModelArtifacts.Build(network, KeywordSpotting.Namespace, KeywordSpotting.ClassName).Blob, corpus.ClassNames, KeywordSpotting.NodeHopSamples, KeywordDetectorTuning.TuneSeeds, 75, SpeechVoices.Train);
        WriteDeviceTables(KeywordSpotting.ClassName, tuned.Tables(corpus.ClassNames, KeywordSpotting.Namespace, KeywordSpotting.ClassName), tuned.Blob);
        BnnModel blob = BlobReader.Load(tuned.Blob);
        KeywordDetectorSetting StreamScore(IEnumerable<int> seeds, IReadOnlyList<TtsVoice> voices) =>
            KeywordDetectorTuning.AtNodeSettings(blob, corpus.ClassNames, KeywordNodeReplay.RunStreams(blob, corpus.ClassNames, seeds, 75, voices));
        KeywordDetectorSetting trainingVoices = tuned.Best;
        KeywordDetectorSetting otherStreams = StreamScore(KeywordDetectorTuning.CheckSeeds, SpeechVoices.Train);
        KeywordDetectorSetting heldOutVoices = StreamScore(Enumerable.Range(21, 6), SpeechVoices.Test);

        int[] predicted = ConvNetTrainer.Predict(network, test);
        string Accuracies(Func<SpeechClip, string> key) => string.Join(", ", corpus.Test.Select((clip, i) => (Key: key(clip), Correct: predicted[i] == clip.ClassIndex))
            .GroupBy(x => x.Key)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count(x => x.Correct) * 100.0 / g.Count():F1}% of {g.Count()}")));
        string architecture = KeywordSpotting.Architecture(options, test.ClassCount);
        double accuracy = predicted.Where((p, i) => p == test.Labels[i]).Count() / (double)test.Count;
        int spoken = corpus.Test.Count(c => c.Engine != "noise");
        int unlike = corpus.Test.Count(c => c.Engine is "festival" or "flite");
        string notes = string.Create(CultureInfo.InvariantCulture,
            $"synthetic speech (`bnnc data kws`: {clips.Count} training clips by espeak-ng, flite and non-English festival voices saying respelled words, {test.Count} test clips by voices never in training: held-out espeak-ng accents and variants, flite kal16 and slt, the English festival voices), " +
            $"49×40 int8 log-mel features from the node's fixed-point front end; training set = each clip + {augmentation.Copies} feature-domain variants ({train.Count} samples: " +
            $"time scale {augmentation.MinStretch:0.##}–{augmentation.MaxStretch:0.##}, shift ±{augmentation.MaxShiftFrames:0} frames, vocal-tract warp ±{augmentation.MaxWarp * 100:0}%, gain ±{augmentation.MaxGain / 2:0} dB, tilt, frame and band masks; " +
            $"plus {train.Count - (clips.Count * (1 + augmentation.Copies))} partial-word samples labelled unknown), {options.Epochs} epochs; " +
            $"streaming detection F1 of the emulated node (±0.5 s; detector chosen on seeds {KeywordDetectorTuning.Describe(KeywordDetectorTuning.TuneSeeds)} by `bnnc kws-tune`: {trainingVoices.Describe()}; `bnnc kws-streams`): " +
            $"training voices, new renditions, seeds {KeywordDetectorTuning.Describe(KeywordDetectorTuning.TuneSeeds)} {trainingVoices.F1:F3} (tuned on), seeds {KeywordDetectorTuning.Describe(KeywordDetectorTuning.CheckSeeds)} {otherStreams.F1:F3}, held-out voices seeds 21-26 {heldOutVoices.F1:F3} (target ≥ 0.90); " +
            $"per engine: {Accuracies(c => c.Engine)}; per test voice: {Accuracies(c => c.Engine == "espeak-ng" ? "espeak-ng " + c.Speaker.Split('/', '+')[1] : c.Speaker)}; " +
            $"targets ≥ 90% at ≤ 64 KB flash, ≤ 32 KB arena{(accuracy >= 0.9 ? string.Empty : $" (accuracy target not met: the English festival voices and the held-out flite voices, whose kind of voice is heard in training only through accented speakers, say {unlike * 100.0 / spoken:F0}% of the spoken test clips)")}");
        return Measure("kws-cnn", test, network, architecture, floatAccuracy, seconds, notes);
    }

    /// <summary>A node model's C# tables for the device build (and optionally its blob), written only when they change.</summary>
    private static void WriteDeviceTables(string className, string tablesSource, byte[]? blob = null)
    {
        string root = DataCatalog.RepositoryRoot() ?? throw new InvalidOperationException("run from inside the Bnn.Nano repository");
        string folder = Path.Combine(root, "firmware", "Bnn.Nano.Node", "Board");
        string path = Path.Combine(folder, className + ".g.cs");
        if (!File.Exists(path) || File.ReadAllText(path) != tablesSource)
        {
            File.WriteAllText(path, tablesSource);
            Console.WriteLine($"   wrote {path}");
        }

        string blobPath = Path.Combine(folder, className + ".bnn");
        if (blob != null && (!File.Exists(blobPath) || !File.ReadAllBytes(blobPath).AsSpan().SequenceEqual(blob)))
        {
            File.WriteAllBytes(blobPath, blob);
            Console.WriteLine($"   wrote {blobPath}");
        }
    }

    private static BenchmarkResult TrainMlp(string name, Dataset train, Dataset test, TrainingOptions options, string notes, IReadOnlyDictionary<int, int>? properties = null)
    {
        long started = Stopwatch.GetTimestamp();
        BnnNetwork network = BinaryMlpTrainer.Train(train, options, Log());
        network = properties == null ? network : network.WithProperties(properties);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        FloatBaseline baseline = BinaryMlpTrainer.TrainFloatBaseline(train, test, options);
        string architecture = $"{train.FeatureCount}-{string.Join("-", options.HiddenSizes)}-{train.ClassCount}";
        return Measure(name, test, network, architecture, baseline.TestAccuracy, seconds, notes);
    }

    /// <summary>Compiles, runs the blob over the test set beside the float reference, and fills one row.</summary>
    public static BenchmarkResult Measure(string name, Dataset test, BnnNetwork network, string architecture, double? floatAccuracy, double trainingSeconds, string notes)
    {
        ModelArtifacts artifacts = ModelArtifacts.Build(network, "Bnn.Nano.Models", "BenchmarkModel");
        BnnModel model = BlobReader.Load(artifacts.Blob);
        EvaluationResult result = ModelEvaluator.Evaluate(model, test, network);
        return new BenchmarkResult(
            name,
            test.Name,
            architecture,
            Parameters(network),
            artifacts.Report.FlashBytes,
            artifacts.Report.ArenaBytes,
            artifacts.Report.RamBytes,
            artifacts.Report.BinaryOps,
            artifacts.Report.Int8Ops,
            artifacts.Report.EstimatedIlOps,
            result.Accuracy,
            floatAccuracy,
            result.Agreement!.Value,
            result.HostTimePerInference.TotalMicroseconds,
            result.AllocatedBytesPerInference,
            trainingSeconds,
            notes);
    }

    /// <summary>Weights and per-channel constants of the network.</summary>
    public static long Parameters(BnnNetwork network) => network.Layers.Sum(l => l switch
    {
        DenseLayer d => (long)d.Weights.Length + (2L * d.Outputs),
        Conv2dLayer c => (long)c.Weights.Length + (2L * c.OutChannels),
        Int8HeadLayer h => (long)h.Weights.Length + h.Outputs,
        InputThresholdLayer t => t.Thresholds.Length,
        _ => 0L,
    });

    private static Progress<TrainingProgress> Log() => new(p => Console.WriteLine(
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"   epoch {p.Epoch}/{p.TotalEpochs}: loss {p.TrainLoss:F4}, train acc {p.TrainAccuracy * 100:F2}%, {p.Elapsed.TotalSeconds:F0} s")));
}

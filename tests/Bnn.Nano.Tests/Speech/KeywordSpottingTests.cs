using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Bnn.Nano.Compiler;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Reference;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.Compiler.Training;
using Bnn.Nano.FrontEnd;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.Speech;

/// <summary>
/// The keyword-spotting recipe (<see cref="KeywordSpotting"/>) on generated clips (no speech synthesizer needed):
/// features equal the node's streaming front end, trained networks carry every model property the node reads, the
/// benchmark configuration compiles within the flash and arena budgets, and the data catalog explains a missing corpus.
/// </summary>
public sealed class KeywordSpottingTests
{
    private const int FlashBudget = 64 * 1024;
    private const int ArenaBudget = 32 * 1024;

    private static readonly IReadOnlyList<string> s_classes = SpeechCorpus.ClassNamesFor(SpeechCorpus.DefaultKeywords);

    [Fact]
    public void features_of_a_clip_equal_the_feature_window_after_streaming_the_same_samples()
    {
        FrontEndConfig config = KeywordSpotting.DefaultFrontEndConfig();
        foreach (int classIndex in new[] { 0, 3, 11 })
        {
            short[] pcm = Clip(classIndex, seed: 100 + classIndex).Pcm;
            byte[] features = KeywordSpotting.Features(pcm, config);

            // The node: samples arrive in uneven chunks; after the whole clip the window holds the model input.
            var window = new FeatureWindow(new AudioFrontEnd(config));
            var random = new Random(classIndex);
            int at = 0;
            while (at < pcm.Length)
            {
                int n = Math.Min(pcm.Length - at, random.Next(1, 700));
                window.PushSamples(pcm, at, n);
                at += n;
            }

            Assert.True(window.IsFull);
            byte[] streamed = new byte[window.Length];
            window.CopyTo(streamed);
            Assert.Equal(config.InputLength, features.Length);
            Assert.Equal(streamed, features);
            Assert.Contains(features, b => b != 0x80); // not all floor: the clip has energy
        }
    }

    [Fact]
    public void data_set_features_do_not_depend_on_the_thread_count_and_match_single_clips()
    {
        SpeechClip[] clips = Clips(perClass: 1, seed: 7);
        Dataset one = KeywordSpotting.ToDataset("one", clips, s_classes, threads: 1);
        Dataset two = KeywordSpotting.ToDataset("two", clips, s_classes, threads: 2);
        Assert.True(one.Signed);
        Assert.Equal(KeywordSpotting.DefaultFrontEndConfig().InputLength, one.FeatureCount);
        Assert.Equal(one.Features, two.Features);
        Assert.Equal(clips.Select(c => c.ClassIndex), one.Labels);
        for (int i = 0; i < clips.Length; i += 5)
        {
            Assert.Equal(KeywordSpotting.Features(clips[i].Pcm), one.Sample(i).ToArray());
        }
    }

    [Fact]
    public void a_clip_shorter_than_one_model_input_is_refused()
    {
        FrontEndConfig config = KeywordSpotting.DefaultFrontEndConfig();
        Assert.Equal(15840, config.InputSpanSamples);
        ArgumentException e = Assert.Throws<ArgumentException>(() => KeywordSpotting.Features(new short[15839], config));
        Assert.Contains("15840", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void augmentation_keeps_every_sample_first_is_deterministic_and_without_ranges_copies_exactly()
    {
        Dataset data = KeywordSpotting.ToDataset("aug", Clips(perClass: 1, seed: 9), s_classes);
        var options = new KeywordAugmentation { Copies = 2, Seed = 4, PartialWordFraction = 0 };
        Dataset augmented = KeywordSpotting.Augment(data, options);
        Assert.Equal(3 * data.Count, augmented.Count);
        Assert.True(augmented.Signed);
        for (int i = 0; i < data.Count; i++)
        {
            Assert.Equal(data.Sample(i).ToArray(), augmented.Sample(3 * i).ToArray());
            Assert.Equal([data.Labels[i], data.Labels[i], data.Labels[i]], augmented.Labels.Skip(3 * i).Take(3));
            Assert.NotEqual(data.Sample(i).ToArray(), augmented.Sample((3 * i) + 1).ToArray());
        }

        Assert.Equal(augmented.Features, KeywordSpotting.Augment(data, options).Features);
        Assert.NotEqual(augmented.Features, KeywordSpotting.Augment(data, options with { Seed = 5 }).Features);

        // Every range at zero: the resampling grid falls on the samples themselves, so a variant is an exact copy.
        var none = new KeywordAugmentation { Copies = 1, PartialWordFraction = 0, MinStretch = 1, MaxStretch = 1, MaxShiftFrames = 0, MaxWarp = 0, MaxGain = 0, MaxTilt = 0, MaxTimeMask = 0, MaxBandMask = 0 };
        Dataset copies = KeywordSpotting.Augment(data, none);
        for (int i = 0; i < data.Count; i++)
        {
            Assert.Equal(data.Sample(i).ToArray(), copies.Sample((2 * i) + 1).ToArray());
        }

        Assert.Throws<ArgumentException>(() => KeywordSpotting.Augment(data, options with { MinStretch = 0 }));
        Assert.Throws<ArgumentException>(() => KeywordSpotting.Augment(RandomNetworks.Inputs(1, 4, 100, true, 12), options));
    }

    [Fact]
    public void partial_word_samples_are_keywords_shifted_across_the_window_edge_and_labelled_unknown()
    {
        Dataset data = KeywordSpotting.ToDataset("partial", Clips(perClass: 1, seed: 9), s_classes);
        var options = new KeywordAugmentation { Copies = 0, PartialWordFraction = 1, MinPartialShiftFrames = 20, MaxPartialShiftFrames = 30 };
        Dataset augmented = KeywordSpotting.Augment(data, options);
        FrontEndConfig config = KeywordSpotting.DefaultFrontEndConfig();
        int frames = config.FrameCount, bands = config.BandCount, keywords = data.Labels.Count(l => l >= 2);
        Assert.Equal(data.Count + keywords, augmented.Count);
        int k = 0;
        for (int i = 0; i < data.Count; i++)
        {
            Assert.Equal(data.Sample(i).ToArray(), augmented.Sample(k++).ToArray());
            if (data.Labels[i] < 2)
            {
                continue;
            }

            // The partial sample is the clip moved by a whole number of frames (20..30 either way), edge frames repeated.
            Assert.Equal(1, augmented.Labels[k]);
            byte[] source = data.Sample(i).ToArray(), partial = augmented.Sample(k++).ToArray();
            Assert.Contains(Enumerable.Range(-30, 61).Where(s => Math.Abs(s) >= 20), s => Enumerable.Range(0, frames).All(t =>
                source.AsSpan(Math.Clamp(t - s, 0, frames - 1) * bands, bands).SequenceEqual(partial.AsSpan(t * bands, bands))));
        }

        Assert.Equal(augmented.Features, KeywordSpotting.Augment(data, options).Features);
        Assert.Throws<ArgumentException>(() => KeywordSpotting.Augment(data, options with { PartialWordFraction = 1.5 }));
        Assert.Throws<ArgumentException>(() => KeywordSpotting.Augment(data, options with { MinPartialShiftFrames = 31 }));
    }

    [Fact]
    public void a_tiny_training_carries_every_property_through_the_blob_and_the_scores_scale_to_the_float_logits()
    {
        Dataset train = KeywordSpotting.ToDataset("tiny-train", Clips(perClass: 3, seed: 1), s_classes);
        Dataset test = KeywordSpotting.ToDataset("tiny-test", Clips(perClass: 1, seed: 2), s_classes);
        ConvNetOptions options = TinyOptions();
        BnnNetwork network = KeywordSpotting.Train(train, options);

        Int8HeadLayer head = Assert.IsType<Int8HeadLayer>(network.Layers[^1]);
        ModelArtifacts artifacts = ModelArtifacts.Build(network, KeywordSpotting.Namespace, KeywordSpotting.ClassName);
        BnnModel model = BlobReader.Load(artifacts.Blob);
        Assert.Equal(network.Properties.Count, model.PropertyCount);
        int[] keys = new int[model.PropertyCount];
        int[] values = new int[model.PropertyCount];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = model.GetPropertyKey(i);
            values[i] = model.GetProperty(keys[i], 0);
            Assert.Equal(network.Properties[keys[i]], values[i]);
        }

        FrontEndConfig config = FrontEndConfig.FromProperties(keys, values);
        Assert.True(config.SameAs(KeywordSpotting.DefaultFrontEndConfig()));
        Assert.Equal(16000, model.GetProperty(ModelProperty.SampleRateHz, 0));
        Assert.Equal(480 + (48 * 320), model.GetProperty(ModelProperty.WindowLength, 0));
        Assert.Equal(1600, model.GetProperty(ModelProperty.WindowHop, 0));
        float scale = BitConverter.Int32BitsToSingle(model.GetProperty(ModelProperty.ScoreScaleBits, 0));
        Assert.Equal(head.Scale, scale);
        Assert.Equal(head.Scale, KeywordSpotting.ScoreScale(network));

        // The node turns integer scores into logits with that scale: they equal the float reference's logits, and the
        // runtime's class is the reference's.
        Assert.Equal(network.InputLength, model.InputLength);
        Assert.True(model.InputSigned);
        byte[] input = new byte[model.InputLength];
        for (int s = 0; s < test.Count; s++)
        {
            test.Sample(s).CopyTo(input);
            FloatReference.Output reference = FloatReference.Forward(network, input);
            Assert.Equal(reference.Class, model.Run(input));
            for (int c = 0; c < model.ClassCount; c++)
            {
                double logit = model.Scores[c] * (double)scale;
                Assert.True(Math.Abs(logit - reference.Scores[c]) <= 1e-5 * Math.Max(1, Math.Abs(reference.Scores[c])), $"sample {s} class {c}: {logit} vs {reference.Scores[c]}");
            }
        }

        // The same inputs give the same blob, and the generated tables name the node's class.
        Assert.Equal(artifacts.Blob, ModelArtifacts.Build(KeywordSpotting.Train(train, options with { Threads = 1 }), KeywordSpotting.Namespace, KeywordSpotting.ClassName).Blob);
        Assert.Contains("namespace Bnn.Nano.Node.Board", artifacts.TablesSource, StringComparison.Ordinal);
        Assert.Contains("public static class KeywordModel", artifacts.TablesSource, StringComparison.Ordinal);
    }

    [Fact]
    public void the_benchmark_configuration_compiles_within_64_KB_of_flash_and_32_KB_of_arena()
    {
        // One short epoch on generated clips: the weights are not useful, but every size is that of the benchmark model.
        Dataset train = KeywordSpotting.ToDataset("tiny-train", Clips(perClass: 2, seed: 3), s_classes);
        ConvNetOptions options = KeywordSpotting.Options() with { Epochs = 1, BatchSize = 8 };
        Assert.Equal(KeywordSpotting.InputShape(KeywordSpotting.DefaultFrontEndConfig()), options.InputShape);
        Assert.True(options.FullPrecisionHead);
        BnnNetwork network = KeywordSpotting.Train(train, options);
        ModelArtifacts artifacts = ModelArtifacts.Build(network, KeywordSpotting.Namespace, KeywordSpotting.ClassName);
        Assert.InRange(artifacts.Report.FlashBytes, 1, FlashBudget);
        Assert.InRange(artifacts.Report.ArenaBytes, 1, ArenaBudget);
        Assert.Equal(artifacts.Blob.Length, artifacts.Report.FlashBytes);
        Assert.Equal(s_classes, network.ClassNames);
    }

    [Fact]
    public void the_catalog_names_the_command_that_builds_a_missing_corpus()
    {
        string empty = Directory.CreateTempSubdirectory("bnn-kws-missing-").FullName;
        try
        {
            foreach (string name in new[] { KeywordSpotting.TrainName, KeywordSpotting.TestName })
            {
                DatasetMissingException e = Assert.Throws<DatasetMissingException>(() => DataCatalog.Load(name, kwsDirectory: empty));
                Assert.Contains("bnnc data kws", e.Message, StringComparison.Ordinal);
                Assert.Contains(empty, e.Message, StringComparison.Ordinal);
                Assert.StartsWith("bnnc data kws", e.InstallCommand, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }

        Assert.Contains("kws-train", DataCatalog.Help, StringComparison.Ordinal);
    }

    /// <summary>A small network of the recipe's shape family, fast enough for a unit test.</summary>
    private static ConvNetOptions TinyOptions() => KeywordSpotting.Options() with
    {
        Blocks = [new ConvBlock(8, Kernel: 3, Stride: 2, Pool: 2), new ConvBlock(16, Pool: 2)],
        DenseSizes = [32],
        Epochs = 3,
        BatchSize = 12,
        Threads = 2,
    };

    private static SpeechClip[] Clips(int perClass, int seed) =>
        [.. Enumerable.Range(0, s_classes.Count * perClass).Select(i => Clip(i % s_classes.Count, seed: (seed * 1000) + i, index: i))];

    /// <summary>
    /// A generated 1-s clip: low noise, and (except class 0, silence) a 0.4-s tone burst whose pitch and glide depend
    /// on the class, placed around the centre.
    /// </summary>
    private static SpeechClip Clip(int classIndex, int seed, int index = 0)
    {
        var random = new Random(seed);
        short[] pcm = new short[SpeechAudio.ClipSamples];
        int start = 4800 + random.Next(-800, 800);
        int length = 6400;
        double f0 = 200 + (150 * classIndex), glide = (classIndex % 3) - 1;
        double phase = 0;
        for (int i = 0; i < pcm.Length; i++)
        {
            double v = (random.NextDouble() - 0.5) * 200;
            int k = i - start;
            if (classIndex != 0 && k >= 0 && k < length)
            {
                double f = f0 * (1 + (0.3 * glide * k / length));
                phase += 2 * Math.PI * f / SpeechAudio.SampleRate;
                double envelope = Math.Sin(Math.PI * k / length);
                v += 6000 * envelope * (Math.Sin(phase) + (0.5 * Math.Sin(3 * phase)));
            }

            pcm[i] = (short)Math.Clamp(Math.Round(v), short.MinValue, short.MaxValue);
        }

        bool silence = classIndex == 0;
        return new SpeechClip
        {
            Pcm = pcm,
            Label = s_classes[classIndex],
            ClassIndex = classIndex,
            Speaker = silence ? "-" : "generated",
            Engine = silence ? "noise" : "generated",
            Word = silence ? "-" : s_classes[classIndex],
            WordStart = silence ? -1 : start,
            WordEnd = silence ? -1 : start + length,
            Index = index,
        };
    }
}

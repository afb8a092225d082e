using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Bnn.Nano.Compiler;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Speech;
using Xunit;

namespace Bnn.Nano.Tests.Speech;

/// <summary>
/// <see cref="SpeechCommandsImporter"/> and `bnnc data kws --speech-commands` on a small folder in the layout of Google's
/// Speech Commands data set, written by the test: the ten keywords and two other words, four speakers (s3 in the
/// validation list, s4 in the test list), clips of 0.8, 1.0 and 1.2 s, one at 22,050 Hz in stereo, and two background
/// recordings whose first 80% is positive and last 20% negative.
/// </summary>
[Collection(Bnn.Nano.Tests.Cli.ConsoleCollection.Name)]
public sealed class SpeechCommandsImporterTests : IDisposable
{
    private static readonly string[] s_otherWords = ["bed", "cat"];
    private static readonly string[] s_speakers = ["s1", "s2", "s3", "s4"];

    private readonly string _folder = Directory.CreateTempSubdirectory("bnn-speech-commands-").FullName;
    private readonly string _source;

    public SpeechCommandsImporterTests()
    {
        _source = Path.Combine(_folder, "speech_commands");
        WriteDataSet(_source);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void import_splits_by_the_lists_and_writes_a_corpus_the_keyword_model_loads()
    {
        string output = Path.Combine(_folder, "kws");
        SpeechCorpusBuildResult result = SpeechCommandsImporter.Import(_source, output, new SpeechCommandsImportOptions { Parallelism = 2 });
        Assert.False(result.UpToDate);
        SpeechCorpus corpus = SpeechCorpus.Load(output);
        Assert.Equal(SpeechCorpus.ClassNamesFor(SpeechCorpus.DefaultKeywords), corpus.ClassNames);

        // Train: speakers s1 and s2 (s3 is validation, left out), 2 clips each per word; test: s4's 2 clips per word.
        // "unknown" and "silence" get the keywords' mean count.
        Assert.All(corpus.ClassNames, c => Assert.Equal(4, corpus.Train.Count(clip => clip.Label == c)));
        Assert.All(corpus.ClassNames, c => Assert.Equal(2, corpus.Test.Count(clip => clip.Label == c)));
        Assert.Equal(["s1", "s2"], corpus.Train.Where(c => c.Engine == SpeechCommandsImporter.EngineName).Select(c => c.Speaker).Distinct().Order());
        Assert.Equal(["s4"], corpus.Test.Where(c => c.Engine == SpeechCommandsImporter.EngineName).Select(c => c.Speaker).Distinct().Order());
        Assert.All(corpus.Train.Concat(corpus.Test).Where(c => c.Label == SpeechCorpus.UnknownLabel), c => Assert.Contains(c.Word, s_otherWords));
        Assert.All(corpus.Train.Concat(corpus.Test).Where(c => c.ClassIndex >= 2), c => Assert.Equal(c.Label, c.Word));
        using (JsonDocument manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, SpeechCorpus.ManifestFileName))))
        {
            Assert.Equal(0, manifest.RootElement.GetProperty("speakers_in_both_splits").GetInt32());
            Assert.Equal(_source, manifest.RootElement.GetProperty("source").GetString());
        }

        // A 16 kHz mono clip is the file itself, centred: "yes" by s1, take 0, lasts 0.8 s.
        SpeechClip yes = corpus.Train.First(c => c.Label == "yes" && c.Speaker == "s1");
        Assert.Equal(SpeechCommandsImporter.CentreInClip(WavFile.Read(Path.Combine(_source, "yes", "s1_nohash_0.wav")).Samples), yes.Pcm);
        Assert.True(yes.Pcm[..1600].All(s => s == 0) && yes.Pcm[^1600..].All(s => s == 0), "0.8 s centred in 1 s: 0.1 s of zeros each side");

        // The 22,050 Hz stereo clip ("go" by s2, take 1) is mixed down and resampled to 1 s at 16 kHz.
        SpeechClip go = corpus.Train.Where(c => c.Label == "go" && c.Speaker == "s2").Last();
        WavFile original = WavFile.Read(Path.Combine(_source, "go", "s2_nohash_1.wav"));
        Assert.Equal(SpeechCommandsImporter.CentreInClip(Resampler.Resample(original.ToMono(), 22050, 16000)), go.Pcm);

        // Silence: train from the first 80% of each background recording (positive there), test from the last 20% (negative).
        Assert.All(corpus.Train.Where(c => c.Label == SpeechCorpus.SilenceLabel), c => Assert.True(c.Pcm.All(s => s >= 0)));
        Assert.All(corpus.Test.Where(c => c.Label == SpeechCorpus.SilenceLabel), c => Assert.True(c.Pcm.All(s => s <= 0)));
        Assert.Contains(corpus.Train, c => c.Label == SpeechCorpus.SilenceLabel && c.Pcm.Any(s => s > 0));

        // The keyword model's features load from it like from the synthetic corpus.
        Dataset test = KeywordSpotting.LoadSplit(SpeechCorpus.TestSplit, output);
        Assert.Equal(24, test.Count);
    }

    [Fact]
    public void import_is_deterministic_leaves_an_identical_corpus_alone_and_caps_the_clips_per_class()
    {
        string first = Path.Combine(_folder, "a");
        string second = Path.Combine(_folder, "b");
        SpeechCommandsImporter.Import(_source, first, new SpeechCommandsImportOptions { Parallelism = 1 });
        SpeechCommandsImporter.Import(_source, second, new SpeechCommandsImportOptions { Parallelism = 2 });
        foreach (string file in new[] { "train.pcm", "train.tsv", "test.pcm", "test.tsv", SpeechCorpus.ManifestFileName })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(first, file)), File.ReadAllBytes(Path.Combine(second, file)));
        }

        DateTime written = File.GetLastWriteTimeUtc(Path.Combine(first, "train.pcm"));
        Assert.True(SpeechCommandsImporter.Import(_source, first, new SpeechCommandsImportOptions()).UpToDate);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(first, "train.pcm")));

        string capped = Path.Combine(_folder, "capped");
        SpeechCommandsImporter.Import(_source, capped, new SpeechCommandsImportOptions { MaxPerClass = 1, Seed = 3 });
        SpeechCorpus corpus = SpeechCorpus.Load(capped);
        Assert.All(corpus.ClassNames, c => Assert.Single(corpus.Train, clip => clip.Label == c));
        Assert.All(corpus.ClassNames, c => Assert.Single(corpus.Test, clip => clip.Label == c));
    }

    [Fact]
    public void a_folder_that_is_not_a_complete_speech_commands_copy_is_refused_naming_what_is_wrong()
    {
        string output = Path.Combine(_folder, "kws");
        File.Move(Path.Combine(_source, SpeechCommandsImporter.TestingList), Path.Combine(_folder, "moved.txt"));
        Exception e = Assert.Throws<FileNotFoundException>(() => Import(output));
        Assert.Contains(SpeechCommandsImporter.TestingList, e.Message, StringComparison.Ordinal);
        File.Move(Path.Combine(_folder, "moved.txt"), Path.Combine(_source, SpeechCommandsImporter.TestingList));

        Directory.Move(Path.Combine(_source, "go"), Path.Combine(_folder, "go"));
        e = Assert.Throws<InvalidDataException>(() => Import(output));
        Assert.Contains("no folder for the keyword(s) go", e.Message, StringComparison.Ordinal);
        Directory.Move(Path.Combine(_folder, "go"), Path.Combine(_source, "go"));

        File.AppendAllText(Path.Combine(_source, SpeechCommandsImporter.TestingList), "yes/s9_nohash_0.wav\n");
        e = Assert.Throws<InvalidDataException>(() => Import(output));
        Assert.Contains("'yes/s9_nohash_0.wav', which is not there", e.Message, StringComparison.Ordinal);
        WriteLists(_source);

        File.WriteAllBytes(Path.Combine(_source, "up", "s2_nohash_0.wav"), [0x52, 0x49, 0x46, 0x46, 1, 2, 3]);
        e = Assert.Throws<InvalidDataException>(() => Import(output));
        Assert.Contains("s2_nohash_0.wav", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "nothing is written when a clip cannot be read");
        WriteClip(_source, "up", "s2", 0);

        foreach (string noise in Directory.GetFiles(Path.Combine(_source, SpeechCommandsImporter.BackgroundFolder)))
        {
            File.Delete(noise);
        }

        e = Assert.Throws<InvalidDataException>(() => Import(output));
        Assert.Contains(SpeechCommandsImporter.BackgroundFolder, e.Message, StringComparison.Ordinal);
        Assert.Throws<DirectoryNotFoundException>(() => SpeechCommandsImporter.Import(Path.Combine(_folder, "none"), output, new SpeechCommandsImportOptions()));
    }

    [Fact]
    public void bnnc_data_kws_imports_with_speech_commands_and_keeps_a_different_corpus_unless_forced()
    {
        string output = Path.Combine(_folder, "kws");
        (int code, string text) = Bnnc("data", "kws", "--speech-commands", _source, "--out", output, "--per-class", "2");
        Assert.True(code == 0, text);
        Assert.Matches(@"silence\s*│\s*2\s*│\s*2", text);
        Assert.Matches(@"total\s*│\s*24\s*│\s*24", text);
        Assert.Matches(@"clips by speech-commands\s*│\s*22\s*│\s*22", text);
        byte[] before = File.ReadAllBytes(Path.Combine(output, "train.pcm"));

        (code, text) = Bnnc("data", "kws", "--speech-commands", _source, "--out", output);
        Assert.Equal(1, code);
        Assert.Contains("--force", text, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(output, "train.pcm")));

        (code, text) = Bnnc("data", "kws", "--speech-commands", _source, "--out", output, "--force");
        Assert.True(code == 0, text);
        Assert.Matches(@"total\s*│\s*48\s*│\s*24", text);
    }

    [Fact]
    public void bnnc_train_kws_trains_on_an_imported_corpus_and_writes_a_model_the_keyword_node_plays()
    {
        string corpus = Path.Combine(_folder, "kws");
        string model = Path.Combine(_folder, "model");
        Assert.Equal(0, Bnnc("data", "kws", "--speech-commands", _source, "--out", corpus).Code);
        (int code, string text) = Bnnc("train-kws", "--corpus", corpus, "--out", model, "--epochs", "1", "--float-baseline");
        Assert.True(code == 0, text);
        Assert.Matches(@"float same-architecture accuracy \d+\.\d\d%", text);
        Assert.Contains("48 training clips", text, StringComparison.Ordinal);
        Assert.Matches(@"accuracy \d+\.\d\d%", text);
        Assert.Contains("agreement 100.00% with the float reference", text, StringComparison.Ordinal);
        foreach (string file in new[] { "network.json", "model.bnn", "KeywordModel.g.cs", "report.md", "report.json" })
        {
            Assert.True(File.Exists(Path.Combine(model, file)), file);
        }

        // The blob carries the front end and the node's hop, so the emulated node plays a recording with it.
        (code, text) = Bnnc("kws", "--model", Path.Combine(model, "model.bnn"), "--wav", Path.Combine(_source, "yes", "s1_nohash_0.wav"));
        Assert.True(code == 0, text);
        Assert.Contains("inferences", text, StringComparison.Ordinal);

        // An existing model is refused before any training.
        (code, text) = Bnnc("train-kws", "--corpus", corpus, "--out", model, "--epochs", "1");
        Assert.Equal(1, code);
        Assert.Contains("--force", text, StringComparison.Ordinal);
        Assert.DoesNotContain("training clips", text, StringComparison.Ordinal);

        (code, text) = Bnnc("train-kws", "--corpus", Path.Combine(_folder, "none"), "--out", Path.Combine(_folder, "other"));
        Assert.Equal(1, code);
        Assert.Contains("bnnc data kws", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--quick", null, "--quick is an option of the synthetic corpus")]
    [InlineData("--test-per-class", "3", "--test-per-class is an option of the synthetic corpus")]
    [InlineData("--per-class", "-1", "--per-class -1: give a positive cap")]
    public void bnnc_data_kws_refuses_synthetic_corpus_options_with_speech_commands(string option, string? value, string message)
    {
        string output = Path.Combine(_folder, "kws");
        string[] args = value == null
            ? ["data", "kws", "--speech-commands", _source, "--out", output, option]
            : ["data", "kws", "--speech-commands", _source, "--out", output, option, value];
        (int code, string text) = Bnnc(args);
        Assert.Equal(1, code);
        Assert.Contains(message, text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    private void Import(string output) => SpeechCommandsImporter.Import(_source, output, new SpeechCommandsImportOptions());

    private static (int Code, string Output) Bnnc(params string[] args) => Bnn.Nano.Tests.Cli.BnncConsole.Run(args);

    /// <summary>Every word × speaker × take 0 and 1, the lists and the background recordings.</summary>
    private static void WriteDataSet(string root)
    {
        foreach (string word in SpeechCorpus.DefaultKeywords.Concat(s_otherWords))
        {
            Directory.CreateDirectory(Path.Combine(root, word));
            foreach (string speaker in s_speakers)
            {
                WriteClip(root, word, speaker, 0);
                WriteClip(root, word, speaker, 1);
            }
        }

        WriteLists(root);
        string noise = Path.Combine(root, SpeechCommandsImporter.BackgroundFolder);
        Directory.CreateDirectory(noise);
        for (int n = 0; n < 2; n++)
        {
            short[] samples = new short[48_000 + (n * 8000)];
            Random random = new(100 + n);
            for (int i = 0; i < samples.Length; i++)
            {
                int magnitude = random.Next(1, 3000);
                samples[i] = (short)(i < (int)(samples.Length * 0.8) ? magnitude : -magnitude);
            }

            WavFile.Mono(16000, samples).Write(Path.Combine(noise, $"noise{n}.wav"));
        }

        File.WriteAllText(Path.Combine(noise, "README.md"), "not a recording");
    }

    /// <summary>A clip of 0.8 s (take 0), 1.0 s or 1.2 s (take 1 by s1 / others); "go" by s2, take 1, at 22,050 Hz in stereo.</summary>
    private static void WriteClip(string root, string word, string speaker, int take)
    {
        int seed = word.Sum(c => c) ^ (speaker[1] * 31) ^ (take * 7);
        Random random = new(seed);
        bool stereo = word == "go" && speaker == "s2" && take == 1;
        int rate = stereo ? 22050 : 16000;
        double seconds = take == 0 ? 0.8 : speaker == "s1" ? 1.0 : 1.2;
        int frames = (int)(rate * seconds);
        short[] samples = new short[frames * (stereo ? 2 : 1)];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)random.Next(-8000, 8000);
        }

        new WavFile(rate, stereo ? 2 : 1, samples).Write(Path.Combine(root, word, $"{speaker}_nohash_{take}.wav"));
    }

    private static void WriteLists(string root)
    {
        List<string> testing = [];
        List<string> validation = [];
        foreach (string word in SpeechCorpus.DefaultKeywords.Concat(s_otherWords))
        {
            testing.AddRange([$"{word}/s4_nohash_0.wav", $"{word}/s4_nohash_1.wav"]);
            validation.AddRange([$"{word}/s3_nohash_0.wav", $"{word}/s3_nohash_1.wav"]);
        }

        File.WriteAllLines(Path.Combine(root, SpeechCommandsImporter.TestingList), testing);
        File.WriteAllLines(Path.Combine(root, SpeechCommandsImporter.ValidationList), validation);
    }
}

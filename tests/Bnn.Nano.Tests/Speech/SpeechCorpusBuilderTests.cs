using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Speech;
using Xunit;

namespace Bnn.Nano.Tests.Speech;

/// <summary>
/// The keyword-spotting corpus builder on a tiny configuration (2 voices per split × 3 words). It runs the real
/// engines: without them these tests fail with the apt-get command (scripts/setup-test-data.sh installs them).
/// </summary>
public sealed class SpeechCorpusBuilderTests : IDisposable
{
    private static readonly TtsVoice TrainEspeak = TtsVoice.Espeak("en-us", "m1");
    private static readonly TtsVoice TrainFlite = new(TtsEngine.Flite, "awb", "en-gb-scotland", "awb");
    private static readonly TtsVoice TestEspeak = TtsVoice.Espeak("en-us-nyc", "f5");
    private static readonly TtsVoice TestFestival = new(TtsEngine.Festival, "kal_diphone", "en-us", "kal");

    private readonly string _folder = Directory.CreateTempSubdirectory("bnn-kws-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void tiny_corpus_is_deterministic_cached_labelled_and_split_by_speaker()
    {
        string cache = Path.Combine(_folder, "cache");
        SpeechCorpusOptions options = Tiny(seed: 4, cache);

        SpeechCorpusBuildResult first = new SpeechCorpusBuilder(options).Build(Path.Combine(_folder, "a"));
        Assert.False(first.UpToDate);
        Assert.True(first.Utterances.Synthesized > 0);
        Assert.Equal(0, first.Utterances.Cached);
        Assert.Equal(first.Utterances.Synthesized, Directory.GetFiles(Path.Combine(cache, "utterances"), "*.wav", SearchOption.AllDirectories).Length);
        Assert.Equal(["silence", "unknown", "yes", "no"], first.ClassNames);
        Assert.Equal([3, 3, 3, 3], first.Train.PerClass);
        Assert.Equal([2, 2, 2, 2], first.Test.PerClass);
        Assert.Equal(3, first.Train.PerEngine["noise"]);

        // Same options, same cache, another folder: every utterance from the cache, byte-identical files.
        SpeechCorpusBuildResult second = new SpeechCorpusBuilder(options).Build(Path.Combine(_folder, "b"));
        Assert.Equal(0, second.Utterances.Synthesized);
        Assert.Equal(first.Utterances.Synthesized, second.Utterances.Cached);
        Assert.Equal(first.Key, second.Key);
        AssertSameFiles(first.Directory, second.Directory);

        // A fresh cache renders the same bytes again (the engines are deterministic too).
        SpeechCorpusBuildResult fresh = new SpeechCorpusBuilder(Tiny(seed: 4, Path.Combine(_folder, "cache2"))).Build(Path.Combine(_folder, "c"));
        Assert.Equal(first.Utterances.Synthesized, fresh.Utterances.Synthesized);
        AssertSameFiles(first.Directory, fresh.Directory);

        // The same corpus into its own folder again: recognised, nothing written.
        DateTime written = File.GetLastWriteTimeUtc(Path.Combine(first.Directory, "train.pcm"));
        SpeechCorpusBuildResult again = new SpeechCorpusBuilder(options).Build(first.Directory);
        Assert.True(again.UpToDate);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(first.Directory, "train.pcm")));

        // Another seed is another corpus, and it does not overwrite the first one without Overwrite.
        SpeechCorpusOptions other = Tiny(seed: 8, cache);
        IOException refused = Assert.Throws<IOException>(() => new SpeechCorpusBuilder(other).Build(first.Directory));
        Assert.Contains("--force", refused.Message, StringComparison.Ordinal);
        SpeechCorpusBuildResult reseeded = new SpeechCorpusBuilder(other).Build(Path.Combine(_folder, "d"));
        Assert.NotEqual(first.Key, reseeded.Key);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(first.Directory, "train.pcm")), File.ReadAllBytes(Path.Combine(reseeded.Directory, "train.pcm")));

        // The loader: 16,000 samples per clip at 16 kHz, labels and splits as documented.
        SpeechCorpus corpus = SpeechCorpus.Load(first.Directory);
        Assert.Equal(first.Key, corpus.Key);
        Assert.Equal(4, corpus.Seed);
        Assert.Equal(first.ClassNames, corpus.ClassNames);
        Assert.Equal(12, corpus.Train.Count);
        Assert.Equal(8, corpus.Test.Count);
        Assert.All(corpus.Train.Concat(corpus.Test), c => Assert.Equal(16000, c.Pcm.Length));
        Assert.Equal(new long[] { 12 * 32000, 8 * 32000 }, new[] { "train.pcm", "test.pcm" }.Select(f => new FileInfo(Path.Combine(first.Directory, f)).Length));
        Assert.Equal(Enumerable.Range(0, 12), corpus.Train.Select(c => c.Index));
        foreach (SpeechClip clip in corpus.Train.Concat(corpus.Test))
        {
            Assert.Equal(corpus.ClassNames[clip.ClassIndex], clip.Label);
            switch (clip.Label)
            {
                case "silence":
                    Assert.Equal(("-", "noise", "-", -1, -1), (clip.Speaker, clip.Engine, clip.Word, clip.WordStart, clip.WordEnd));
                    break;
                case "unknown":
                    Assert.Equal("cat", clip.Word);
                    break;
                default:
                    Assert.Equal(clip.Label, clip.Word);
                    break;
            }
        }

        HashSet<string> trainSpeakers = [.. corpus.Train.Where(c => c.Label != "silence").Select(c => c.Speaker)];
        HashSet<string> testSpeakers = [.. corpus.Test.Where(c => c.Label != "silence").Select(c => c.Speaker)];
        Assert.Subset(new HashSet<string> { TrainEspeak.Speaker, TrainFlite.Speaker }, trainSpeakers);
        Assert.Subset(new HashSet<string> { TestEspeak.Speaker, TestFestival.Speaker }, testSpeakers);
        Assert.Empty(trainSpeakers.Intersect(testSpeakers));
        // (Seed 4 draws both engines of each split.)
        Assert.Equal(new[] { "espeak-ng", "flite" }, corpus.Train.Where(c => c.Label != "silence").Select(c => c.Engine).Distinct().Order());
        Assert.Equal(new[] { "espeak-ng", "festival" }, corpus.Test.Where(c => c.Label != "silence").Select(c => c.Engine).Distinct().Order());

        // The cached utterances are 16 kHz mono WAV files.
        string anyCached = Directory.GetFiles(Path.Combine(cache, "utterances"), "*.wav", SearchOption.AllDirectories)[0];
        WavFile cached = WavFile.Read(anyCached);
        Assert.Equal((16000, 1), (cached.SampleRate, cached.Channels));
    }

    [Fact]
    public void words_sit_where_the_index_says_and_silence_is_noise_at_the_drawn_level()
    {
        SpeechCorpusOptions options = Tiny(seed: 3, Path.Combine(_folder, "cache"));
        SpeechCorpusBuildResult result = new SpeechCorpusBuilder(options).Build(Path.Combine(_folder, "out"));
        SpeechCorpus corpus = SpeechCorpus.Load(result.Directory);
        string[] rows = File.ReadAllLines(Path.Combine(result.Directory, "train.tsv"));
        Assert.Equal(SpeechCorpusBuilder.TsvHeader, rows[0]);

        foreach (SpeechClip clip in corpus.Train.Concat(corpus.Test))
        {
            if (clip.Label == "silence")
            {
                double dbfs = SpeechAudio.AmplitudeToDbfs(SpeechAudio.Rms(clip.Pcm, 0, 16000));
                Assert.InRange(dbfs, options.SilenceMinDbfs - 0.5, options.SilenceMaxDbfs + 0.5);
                continue;
            }

            // Inside the clip, at least 10 ms from each edge, within ±100 ms of centred.
            Assert.InRange(clip.WordStart, 160, 15840);
            Assert.InRange(clip.WordEnd, clip.WordStart + 1600, 15840);
            int centred = (16000 - (clip.WordEnd - clip.WordStart)) / 2;
            Assert.InRange(clip.WordStart, centred - 1600, centred + 1600);

            // The word is louder than the noise around it (SNR is at least 5 dB).
            double inside = SpeechAudio.Rms(clip.Pcm, clip.WordStart, clip.WordEnd);
            double before = SpeechAudio.Rms(clip.Pcm, 0, clip.WordStart);
            double after = SpeechAudio.Rms(clip.Pcm, clip.WordEnd, 16000);
            Assert.True(inside > 1.5 * Math.Max(before, after), $"clip {clip.Index} ({clip.Label}): word RMS {inside:F0}, around it {before:F0} / {after:F0}");
        }
    }

    [Fact]
    public void missing_engines_fail_with_the_apt_get_command()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_folder, "no-tools")).FullName;
        SpeechCorpusOptions noTools = Tiny(seed: 1, Path.Combine(_folder, "cache")) with { ToolPath = empty };
        DatasetMissingException e = Assert.Throws<DatasetMissingException>(() => new SpeechCorpusBuilder(noTools).Build(Path.Combine(_folder, "out")));
        Assert.Equal("apt-get install -y espeak-ng flite festival festvox-kallpc16k", e.InstallCommand);
        Assert.Contains("apt-get install -y espeak-ng flite festival festvox-kallpc16k", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")));
    }

    [Fact]
    public void inconsistent_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new SpeechCorpusBuilder(new SpeechCorpusOptions { TrainVoices = [TestEspeak], TestVoices = [TestEspeak] }));
        Assert.Throws<ArgumentException>(() => new SpeechCorpusBuilder(new SpeechCorpusOptions { Keywords = ["yes", "yes"] }));
        Assert.Throws<ArgumentException>(() => new SpeechCorpusBuilder(new SpeechCorpusOptions { Keywords = ["yes"], UnknownWords = ["yes"] }));
        Assert.Throws<ArgumentException>(() => new SpeechCorpusBuilder(new SpeechCorpusOptions { Keywords = ["Yes; rm"] }));
        Assert.Throws<ArgumentException>(() => new SpeechCorpusBuilder(new SpeechCorpusOptions { TrainPerClass = 0 }));
        Assert.Throws<ArgumentException>(() => new SpeechCorpusBuilder(new SpeechCorpusOptions { SnrMinDb = 40, SnrMaxDb = 30 }));
    }

    [Fact]
    public void loader_names_what_is_wrong()
    {
        DatasetMissingException missing = Assert.Throws<DatasetMissingException>(() => SpeechCorpus.Load(Path.Combine(_folder, "nothing")));
        Assert.Contains("bnnc data kws --out", missing.Message, StringComparison.Ordinal);

        SpeechCorpusBuildResult result = new SpeechCorpusBuilder(Tiny(seed: 5, Path.Combine(_folder, "cache"))).Build(Path.Combine(_folder, "out"));
        string pcm = Path.Combine(result.Directory, "test.pcm");
        byte[] bytes = File.ReadAllBytes(pcm);
        File.WriteAllBytes(pcm, bytes[..^2]);
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => SpeechCorpus.Load(result.Directory));
        Assert.Contains("test.pcm", e.Message, StringComparison.Ordinal);
        Assert.Contains("lists 8 clips", e.Message, StringComparison.Ordinal);

        // Rebuilding repairs it without --force: the folder holds the same corpus (same key), only damaged.
        SpeechCorpusBuildResult repaired = new SpeechCorpusBuilder(Tiny(seed: 5, Path.Combine(_folder, "cache"))).Build(result.Directory);
        Assert.False(repaired.UpToDate);
        Assert.Equal(bytes, File.ReadAllBytes(pcm));
    }

    /// <summary>Two voices per split (engines weighted equally), keywords yes/no, unknown word cat; 3 training and 2 test clips per class.</summary>
    private static SpeechCorpusOptions Tiny(int seed, string cache) => new()
    {
        Seed = seed,
        TrainPerClass = 3,
        TestPerClass = 2,
        Keywords = ["yes", "no"],
        UnknownWords = ["cat"],
        TrainVoices = [TrainEspeak, TrainFlite],
        TestVoices = [TestEspeak, TestFestival],
        EngineWeights = new Dictionary<TtsEngine, int> { [TtsEngine.EspeakNg] = 1, [TtsEngine.Flite] = 1, [TtsEngine.Festival] = 1 },
        CacheDirectory = cache,
        Parallelism = 2,
        Overwrite = false,
    };

    private static void AssertSameFiles(string a, string b)
    {
        foreach (string name in new[] { "train.pcm", "train.tsv", "test.pcm", "test.tsv", "corpus.json" })
        {
            Assert.True(File.ReadAllBytes(Path.Combine(a, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, name))), $"{name} differs between {a} and {b}");
        }
    }
}

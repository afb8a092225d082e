using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>What one split of a built corpus holds.</summary>
public sealed class SpeechSplitSummary
{
    public required string Name { get; init; }

    /// <summary>Clips per class, in class order.</summary>
    public required IReadOnlyList<int> PerClass { get; init; }

    /// <summary>Spoken clips per engine name, plus "noise" for silence clips.</summary>
    public required IReadOnlyDictionary<string, int> PerEngine { get; init; }

    /// <summary>The voices the split may draw from.</summary>
    public required IReadOnlyList<TtsVoice> Voices { get; init; }

    /// <summary>Distinct speakers actually heard in the split.</summary>
    public required int SpeakersUsed { get; init; }

    public int Clips => PerClass.Sum();
}

/// <summary>The outcome of <see cref="SpeechCorpusBuilder.Build"/>.</summary>
public sealed class SpeechCorpusBuildResult
{
    public required string Directory { get; init; }

    /// <summary>SHA-256 of the corpus definition (options, voices, engine versions, noise files, format).</summary>
    public required string Key { get; init; }

    /// <summary>True when the folder already held this very corpus and nothing was written.</summary>
    public required bool UpToDate { get; init; }

    public required IReadOnlyList<string> ClassNames { get; init; }

    public required SpeechSplitSummary Train { get; init; }

    public required SpeechSplitSummary Test { get; init; }

    /// <summary>Distinct utterances rendered now vs found in the cache (zero when <see cref="UpToDate"/>).</summary>
    public required TtsSynthesisStats Utterances { get; init; }

    public required TimeSpan Elapsed { get; init; }

    /// <summary>Size of the corpus files on disk.</summary>
    public required long Bytes { get; init; }
}

/// <summary>
/// Builds a 12-class keyword-spotting corpus in the manner of Google Speech Commands ("silence", "unknown", yes, no,
/// up, down, left, right, on, off, stop, go) from synthetic speech:
/// <list type="number">
/// <item>Plan (seeded, no audio): for each split, class and clip index a stream of <see cref="SeededRandom"/> draws the
/// engine (by <see cref="SpeechCorpusOptions.EngineWeights"/>), the voice, the word (an unknown word for "unknown"),
/// engine rate and pitch, speed perturbation, speech level, SNR, noise kind and seed, and the time shift.</item>
/// <item>Synthesis: every distinct utterance not yet in the cache is rendered by <see cref="TtsSynthesizer"/>
/// (parallel processes).</item>
/// <item>Assembly (parallel, each clip a pure function of its plan): trim the word, perturb its speed (fitting it into
/// 980 ms if needed), scale it to the drawn RMS level, centre it in a 1 s clip and shift it by up to ±100 ms, add noise
/// at the drawn SNR. Silence clips are noise alone at −65…−20 dBFS.</item>
/// <item>Output: <c>train.pcm/tsv</c>, <c>test.pcm/tsv</c>, <c>corpus.json</c> (see <see cref="SpeechCorpus"/>).</item>
/// </list>
/// The same options, engine versions and noise files give byte-identical files; a folder that already holds the
/// corpus with the same key is left alone.
/// </summary>
public sealed class SpeechCorpusBuilder
{
    public const string FormatName = "bnn-kws-corpus";
    public const int FormatVersion = 1;
    public const int TsvColumns = 17;

    public static readonly string TsvHeader = string.Join('\t',
        "index", "label", "class", "speaker", "engine", "voice", "accent", "timbre", "word", "params", "speed_pct",
        "level_dbfs", "snr_db", "noise", "word_start", "word_end", "utterance");

    private const int EdgeSamples = 160;

    /// <summary>What the manifest says of the corpus.</summary>
    private const string Note = "synthetic speech (espeak-ng, flite, festival); TEST speakers never occur in TRAIN. Accuracy on it is not accuracy on real voices.";

    private readonly SpeechCorpusOptions _options;

    public SpeechCorpusBuilder(SpeechCorpusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        _options = options;
        ClassNames = SpeechCorpus.ClassNamesFor(options.Keywords);
    }

    public SpeechCorpusOptions Options => _options;

    /// <summary>"silence", "unknown", then the keywords.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public string CacheDirectory => _options.CacheDirectory ?? SpeechCorpus.DefaultCacheDirectory();

    /// <summary>Builds the corpus into <paramref name="outputDirectory"/> (see the class summary).</summary>
    public SpeechCorpusBuildResult Build(string outputDirectory, IProgress<SpeechBuildProgress>? progress = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        Stopwatch watch = Stopwatch.StartNew();
        string directory = Path.GetFullPath(outputDirectory);
        TtsSynthesizer synthesizer = new(CacheDirectory, _options.ToolPath);
        NoiseSource noise = new(_options.AlsaNoisePath);
        ClipPlan[] train = Plan(SpeechCorpus.TrainSplit, _options.TrainPerClass, _options.TrainVoices, noise.Kinds);
        ClipPlan[] test = Plan(SpeechCorpus.TestSplit, _options.TestPerClass, _options.TestVoices, noise.Kinds);
        List<UtteranceRequest> requests = [.. train.Concat(test).Select(c => c.Request).OfType<UtteranceRequest>()];
        List<TtsVoice> voices = [.. _options.TrainVoices, .. _options.TestVoices];
        synthesizer.EnsureAvailable(voices);

        string definition = Definition(synthesizer, noise, [.. voices.Select(v => v.Engine).Distinct().Order()], requests);
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(definition)));
        SpeechSplitSummary trainSummary = Summarize(SpeechCorpus.TrainSplit, train, _options.TrainVoices);
        SpeechSplitSummary testSummary = Summarize(SpeechCorpus.TestSplit, test, _options.TestVoices);
        if (SpeechCorpusFiles.IsUpToDate(directory, key, train.Length, test.Length))
        {
            return SpeechCorpusFiles.Result(directory, key, upToDate: true, ClassNames, trainSummary, testSummary, default, watch.Elapsed);
        }

        SpeechCorpusFiles.CheckReplaceable(directory, key, _options.Overwrite);

        int distinct = requests.Select(synthesizer.CachePath).Distinct().Count();
        TtsSynthesisStats stats = synthesizer.Synthesize(requests, _options.Parallelism,
            progress == null ? null : new InlineProgress<int>(done => progress.Report(new SpeechBuildProgress("synthesis", done, distinct))));

        int total = train.Length + test.Length;
        int assembled = 0;
        ClipResult[] all = new ClipResult[total];
        ClipPlan[] plans = [.. train, .. test];
        object gate = new();
        try
        {
            Parallel.For(0, total, new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism }, i =>
            {
                all[i] = Assemble(plans[i], synthesizer, noise);
                int now = Interlocked.Increment(ref assembled);
                if (progress != null && (now % 50 == 0 || now == total))
                {
                    lock (gate)
                    {
                        progress.Report(new SpeechBuildProgress("assembly", now, total));
                    }
                }
            });
        }
        catch (AggregateException e)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }

        Directory.CreateDirectory(directory);
        WriteSplit(directory, SpeechCorpus.TrainSplit, train, all.AsSpan(0, train.Length), synthesizer);
        WriteSplit(directory, SpeechCorpus.TestSplit, test, all.AsSpan(train.Length), synthesizer);
        SpeechCorpusFiles.WriteText(Path.Combine(directory, SpeechCorpus.ManifestFileName), SpeechCorpusFiles.Manifest(definition, key, Note, trainSummary, testSummary));
        return SpeechCorpusFiles.Result(directory, key, upToDate: false, ClassNames, trainSummary, testSummary, stats, watch.Elapsed);
    }

    private static void Validate(SpeechCorpusOptions o)
    {
        if (o.TrainPerClass < 1 || o.TestPerClass < 1)
        {
            throw new ArgumentException($"clips per class must be at least 1 (train {o.TrainPerClass}, test {o.TestPerClass})");
        }

        if (o.Keywords.Count == 0 || o.UnknownWords.Count == 0)
        {
            throw new ArgumentException("the corpus needs at least one keyword and one unknown word");
        }

        foreach (string w in o.Keywords.Concat(o.UnknownWords))
        {
            UtteranceRequest.ValidateText(w);
        }

        string? repeated = o.Keywords.Concat(o.UnknownWords).GroupBy(w => w, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (repeated != null)
        {
            throw new ArgumentException($"'{repeated}' appears more than once among the keywords and unknown words");
        }

        if (o.Keywords.Contains(SpeechCorpus.SilenceLabel) || o.Keywords.Contains(SpeechCorpus.UnknownLabel))
        {
            throw new ArgumentException("'silence' and 'unknown' are class names, not keywords");
        }

        if (o.TrainVoices.Count == 0 || o.TestVoices.Count == 0)
        {
            throw new ArgumentException("both splits need at least one voice");
        }

        HashSet<string> trainSpeakers = [.. o.TrainVoices.Select(v => v.Speaker)];
        TtsVoice? shared = o.TestVoices.FirstOrDefault(v => trainSpeakers.Contains(v.Speaker));
        if (shared != null)
        {
            throw new ArgumentException($"speaker {shared.Speaker} is in both the training and the test voices");
        }

        ForeignSpelling.EnsureSayable(o.TrainVoices.Concat(o.TestVoices), o.Keywords.Concat(o.UnknownWords));

        foreach (TtsVoice v in o.TrainVoices.Concat(o.TestVoices).Where(v => !o.EngineWeights.TryGetValue(v.Engine, out int w) || w <= 0))
        {
            throw new ArgumentException($"voice {v.Speaker} belongs to engine {TtsVoice.EngineName(v.Engine)}, which has no positive weight");
        }

        if (o.SnrMinDb > o.SnrMaxDb || o.SpeechMinDbfs > o.SpeechMaxDbfs || o.SilenceMinDbfs > o.SilenceMaxDbfs || o.SpeedMinPercent > o.SpeedMaxPercent
            || o.SpeedMinPercent < 50 || o.SpeedMaxPercent > 200 || o.MaxShiftMs < 0 || o.Parallelism < 1)
        {
            throw new ArgumentException("inconsistent corpus options (a minimum above its maximum, speed outside 50–200%, negative shift or no workers)");
        }
    }

    private ClipPlan[] Plan(string split, int perClass, IReadOnlyList<TtsVoice> voices, IReadOnlyList<NoiseKind> noiseKinds)
    {
        TtsEngine[] engines = [.. voices.Select(v => v.Engine).Distinct().Order()];
        Dictionary<TtsEngine, TtsVoice[]> byEngine = engines.ToDictionary(e => e, e => voices.Where(v => v.Engine == e).ToArray());
        int weightSum = engines.Sum(e => _options.EngineWeights[e]);
        List<ClipPlan> plans = [];
        for (int c = 0; c < ClassNames.Count; c++)
        {
            for (int i = 0; i < perClass; i++)
            {
                SeededRandom r = SeededRandom.For(_options.Seed, "clip", split, c, i);
                if (c == 0)
                {
                    NoiseKind kind = r.Pick(noiseKinds);
                    plans.Add(new ClipPlan(split, c, ClassNames[c], null, 100, r.Uniform(_options.SilenceMinDbfs, _options.SilenceMaxDbfs), double.NaN, kind, r.NextUInt64(), 0));
                    continue;
                }

                string word = c == 1 ? r.Pick(_options.UnknownWords) : ClassNames[c];
                int pick = r.Next(weightSum);
                TtsEngine engine = engines[0];
                foreach (TtsEngine e in engines)
                {
                    if (pick < _options.EngineWeights[e])
                    {
                        engine = e;
                        break;
                    }

                    pick -= _options.EngineWeights[e];
                }

                TtsVoice voice = r.Pick(byEngine[engine]);
                UtteranceRequest request = UtteranceRequest.Draw(voice, word, r);
                int speed = r.NextInclusive(_options.SpeedMinPercent, _options.SpeedMaxPercent);
                double level = r.Uniform(_options.SpeechMinDbfs, _options.SpeechMaxDbfs);
                double snr = r.Uniform(_options.SnrMinDb, _options.SnrMaxDb);
                NoiseKind noise = r.Pick(noiseKinds);
                ulong noiseSeed = r.NextUInt64();
                double shift = r.Uniform(-1, 1);
                plans.Add(new ClipPlan(split, c, ClassNames[c], request, speed, level, snr, noise, noiseSeed, shift));
            }
        }

        ClipPlan[] ordered = [.. plans];
        SeededRandom.For(_options.Seed, "order", split).Shuffle(ordered);
        return ordered;
    }

    private ClipResult Assemble(ClipPlan plan, TtsSynthesizer synthesizer, NoiseSource noiseSource)
    {
        float[] clip = new float[SpeechAudio.ClipSamples];
        float[] noise = noiseSource.Generate(plan.Noise, SpeechAudio.ClipSamples, plan.NoiseSeed);
        if (plan.Request == null)
        {
            float amplitude = (float)SpeechAudio.DbfsToAmplitude(plan.LevelDbfs);
            for (int i = 0; i < clip.Length; i++)
            {
                clip[i] = noise[i] * amplitude;
            }

            return new ClipResult(SpeechAudio.ToPcm(clip), 100, plan.LevelDbfs, -1, -1);
        }

        (float[] word, int speed) = SpeechAudio.PrepareWord(synthesizer.Load(plan.Request), plan.SpeedPercent, SpeechAudio.ClipSamples - (2 * EdgeSamples));
        (double gain, double level) = Level(word, plan.LevelDbfs);
        int free = SpeechAudio.ClipSamples - word.Length;
        int maxShift = Math.Min(_options.MaxShiftMs * (SpeechAudio.SampleRate / 1000), (free / 2) - EdgeSamples);
        int start = (free / 2) + (int)Math.Round(plan.Shift * Math.Max(0, maxShift), MidpointRounding.AwayFromZero);
        for (int i = 0; i < word.Length; i++)
        {
            clip[start + i] = (float)(word[i] * gain);
        }

        float noiseAmplitude = (float)(SpeechAudio.DbfsToAmplitude(level) / Math.Pow(10.0, plan.SnrDb / 20.0));
        for (int i = 0; i < clip.Length; i++)
        {
            clip[i] += noise[i] * noiseAmplitude;
        }

        return new ClipResult(SpeechAudio.ToPcm(clip), speed, level, start, start + word.Length);
    }

    /// <summary>Gain that brings the word's RMS to <paramref name="dbfs"/>, lowered so the peak stays at or under −1 dBFS;
    /// and the level actually reached.</summary>
    internal static (double Gain, double LevelDbfs) Level(float[] word, double dbfs)
    {
        double rms = SpeechAudio.Rms(word, 0, word.Length);
        double peak = 0;
        foreach (float v in word)
        {
            peak = Math.Max(peak, Math.Abs(v));
        }

        double gain = SpeechAudio.DbfsToAmplitude(dbfs) / rms;
        double ceiling = SpeechAudio.DbfsToAmplitude(-1);
        if (peak * gain > ceiling)
        {
            gain = ceiling / peak;
        }

        return (gain, SpeechAudio.AmplitudeToDbfs(rms * gain));
    }

    private void WriteSplit(string directory, string split, ClipPlan[] plans, ReadOnlySpan<ClipResult> results, TtsSynthesizer synthesizer)
    {
        SpeechCorpusFiles.WritePcm(directory, split, results.ToArray().Select(r => r.Pcm));

        StringBuilder tsv = new();
        tsv.Append(TsvHeader).Append('\n');
        for (int i = 0; i < plans.Length; i++)
        {
            ClipPlan p = plans[i];
            ClipResult r = results[i];
            string noise = p.Noise.ToString().ToLowerInvariant();
            string level = r.LevelDbfs.ToString("0.0", CultureInfo.InvariantCulture);
            if (p.Request is not UtteranceRequest u)
            {
                tsv.AppendJoin('\t', Inv(i), p.Label, Inv(p.ClassIndex), "-", "noise", "-", "-", "-", "-", "-", "-", level, "-", noise, "-", "-", "-");
            }
            else
            {
                tsv.AppendJoin('\t', Inv(i), p.Label, Inv(p.ClassIndex), u.Voice.Speaker, TtsVoice.EngineName(u.Voice.Engine), u.Voice.Name,
                    u.Voice.Accent, u.Voice.Timbre, u.Text, u.Describe(), Inv(r.SpeedPercent), level,
                    p.SnrDb.ToString("0.0", CultureInfo.InvariantCulture), noise, Inv(r.WordStart), Inv(r.WordEnd), synthesizer.Key(u)[..16]);
            }

            tsv.Append('\n');
        }

        SpeechCorpusFiles.WriteText(Path.Combine(directory, split + ".tsv"), tsv.ToString());
    }

    private string Definition(TtsSynthesizer synthesizer, NoiseSource noise, IReadOnlyList<TtsEngine> engines, IReadOnlyList<UtteranceRequest> requests)
    {
        // The utterances' cache keys, in clip order: whatever changes how a word is rendered (a respelling, how a voice
        // is driven) changes the corpus key too, so an existing corpus is never taken as up to date after such a change.
        using IncrementalHash utterances = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (UtteranceRequest request in requests)
        {
            utterances.AppendData(Encoding.UTF8.GetBytes(synthesizer.Key(request) + "\n"));
        }

        using MemoryStream buffer = new();
        using (Utf8JsonWriter w = new(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            SpeechCorpusFiles.WriteDefinitionHeader(w, _options.Seed, ClassNames, _options.Keywords);
            SpeechCorpusFiles.WriteStrings(w, "unknown_words", _options.UnknownWords);
            w.WriteNumber("train_per_class", _options.TrainPerClass);
            w.WriteNumber("test_per_class", _options.TestPerClass);
            w.WriteStartObject("engine_weights");
            foreach (KeyValuePair<TtsEngine, int> p in _options.EngineWeights.OrderBy(p => p.Key))
            {
                w.WriteNumber(TtsVoice.EngineName(p.Key), p.Value);
            }

            w.WriteEndObject();
            w.WriteStartObject("engine_versions");
            foreach (TtsEngine e in engines)
            {
                w.WriteString(TtsVoice.EngineName(e), synthesizer.EngineVersion(e));
            }

            w.WriteEndObject();
            w.WriteStartObject("augmentation");
            w.WriteString("speed_percent", $"{_options.SpeedMinPercent}..{_options.SpeedMaxPercent}");
            w.WriteString("speech_level_dbfs", Range(_options.SpeechMinDbfs, _options.SpeechMaxDbfs));
            w.WriteString("snr_db", Range(_options.SnrMinDb, _options.SnrMaxDb));
            w.WriteString("silence_level_dbfs", Range(_options.SilenceMinDbfs, _options.SilenceMaxDbfs));
            w.WriteNumber("max_shift_ms", _options.MaxShiftMs);
            w.WriteString("noise", noise.Identity);
            w.WriteString("resampler", Resampler.Version);
            w.WriteEndObject();
            w.WriteString("utterance_keys_sha256", Convert.ToHexStringLower(utterances.GetHashAndReset()));
            SpeechCorpusFiles.WriteStrings(w, "train_voices", _options.TrainVoices.Select(v => v.Speaker));
            SpeechCorpusFiles.WriteStrings(w, "test_voices", _options.TestVoices.Select(v => v.Speaker));
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private SpeechSplitSummary Summarize(string name, ClipPlan[] plans, IReadOnlyList<TtsVoice> voices)
    {
        int[] perClass = new int[ClassNames.Count];
        SortedDictionary<string, int> perEngine = new(StringComparer.Ordinal);
        foreach (ClipPlan p in plans)
        {
            perClass[p.ClassIndex]++;
            string engine = p.Request == null ? "noise" : TtsVoice.EngineName(p.Request.Voice.Engine);
            perEngine[engine] = perEngine.GetValueOrDefault(engine) + 1;
        }

        return new SpeechSplitSummary
        {
            Name = name,
            PerClass = perClass,
            PerEngine = perEngine,
            Voices = voices,
            SpeakersUsed = plans.Select(p => p.Request?.Voice.Speaker).OfType<string>().Distinct().Count(),
        };
    }

    private static string Range(double low, double high) =>
        string.Create(CultureInfo.InvariantCulture, $"{low:0.##}..{high:0.##}");

    private static string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);

    private sealed record ClipPlan(string Split, int ClassIndex, string Label, UtteranceRequest? Request, int SpeedPercent, double LevelDbfs,
        double SnrDb, NoiseKind Noise, ulong NoiseSeed, double Shift);

    private sealed record ClipResult(short[] Pcm, int SpeedPercent, double LevelDbfs, int WordStart, int WordEnd);

    /// <summary>IProgress that reports on the calling thread.</summary>
    internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

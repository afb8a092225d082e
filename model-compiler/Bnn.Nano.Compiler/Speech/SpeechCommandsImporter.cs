using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>Options of <see cref="SpeechCommandsImporter.Import"/>.</summary>
public sealed record SpeechCommandsImportOptions
{
    /// <summary>Seed of every random choice: which clips a cap keeps, which unknown words, the silence crops and gains.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Most clips of each keyword per split (0: all of them); "unknown" and "silence" get the keywords' mean.</summary>
    public int MaxPerClass { get; init; }

    /// <summary>Parallel readers (WAV decoding and resampling).</summary>
    public int Parallelism { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Replace a different corpus already in the output folder.</summary>
    public bool Overwrite { get; init; }
}

/// <summary>
/// Imports real speech in the layout of Google's Speech Commands data set (v0.01 and v0.02: one folder per word of
/// about 1-s WAV clips named <c>SPEAKER_nohash_N.wav</c>, <c>_background_noise_/</c> with longer noise recordings,
/// <c>testing_list.txt</c> and <c>validation_list.txt</c> naming the clips of those splits) as a 12-class keyword corpus
/// in the format of <see cref="SpeechCorpus"/>, so that the keyword model trains and is measured on real voices:
/// <list type="bullet">
/// <item>Splits: test = the clips of testing_list.txt; train = every clip in neither list (the validation clips are
/// left out). The lists assign whole speakers to a split (by a hash of the speaker id), so the splits share no speaker;
/// the manifest counts any that do (<c>speakers_in_both_splits</c>).</item>
/// <item>Classes: the ten keywords of <see cref="SpeechCorpus.DefaultKeywords"/> (every one must have a folder), "unknown"
/// drawn from all the other word folders, "silence" cut from the background-noise recordings (train from the first
/// 80% of each recording, test from the last 20%, so no noise sample is in both) with a gain drawn from 0..1.
/// "unknown" and "silence" get as many clips as the keywords have on average in that split.</item>
/// <item>Clips: mixed to mono, resampled to 16 kHz when recorded at another rate, and centred in 16,000 samples (zero
/// padding both sides; a longer clip keeps its middle second).</item>
/// </list>
/// Deterministic: files are taken in ordinal path order and every choice is drawn from <see cref="SeededRandom"/>, so
/// the same folder and options give byte-identical corpus files. The corpus key hashes the options and every used
/// file's path and size; a folder already holding that corpus is left alone. Bad input (a missing list, keyword folder
/// or noise folder, an unreadable WAV) is refused with an error naming the file.
/// </summary>
public static class SpeechCommandsImporter
{
    public const string BackgroundFolder = "_background_noise_";
    public const string TestingList = "testing_list.txt";
    public const string ValidationList = "validation_list.txt";

    /// <summary>The engine column of the corpus rows.</summary>
    public const string EngineName = "speech-commands";

    /// <summary>Changes whenever the import changes what it writes; part of the corpus key.</summary>
    public const string Version = "speech-commands-import-v1";

    /// <summary>What the manifest says of the corpus.</summary>
    private const string Note = "real speech imported from a Speech Commands folder: test = testing_list.txt, train = the clips in neither list; silence cut from _background_noise_.";

    /// <summary>Share of each background recording the training silence is cut from (the test silence from the rest).</summary>
    private const double TrainNoiseShare = 0.8;

    /// <summary>Imports the folder <paramref name="source"/> into <paramref name="outputDirectory"/>.</summary>
    public static SpeechCorpusBuildResult Import(string source, string outputDirectory, SpeechCommandsImportOptions options, IProgress<SpeechBuildProgress>? progress = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxPerClass < 0 || options.Parallelism < 1)
        {
            throw new ArgumentException($"clips per class must be 0 (all) or more and parallelism at least 1 (got {options.MaxPerClass}, {options.Parallelism})");
        }

        Stopwatch watch = Stopwatch.StartNew();
        string root = Path.GetFullPath(source);
        string directory = Path.GetFullPath(outputDirectory);
        Layout layout = Scan(root);
        IReadOnlyList<string> classes = SpeechCorpus.ClassNamesFor(SpeechCorpus.DefaultKeywords);
        Plan train = PlanSplit(layout, SpeechCorpus.TrainSplit, layout.Train, options);
        Plan test = PlanSplit(layout, SpeechCorpus.TestSplit, layout.Test, options);

        string definition = Definition(root, layout, options, classes, train, test);
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(definition)));
        SpeechSplitSummary trainSummary = Summarize(SpeechCorpus.TrainSplit, train, classes.Count);
        SpeechSplitSummary testSummary = Summarize(SpeechCorpus.TestSplit, test, classes.Count);
        if (SpeechCorpusFiles.IsUpToDate(directory, key, train.Clips.Count, test.Clips.Count))
        {
            return SpeechCorpusFiles.Result(directory, key, upToDate: true, classes, trainSummary, testSummary, default, watch.Elapsed);
        }

        SpeechCorpusFiles.CheckReplaceable(directory, key, options.Overwrite);
        NoiseRecording[] noise = ReadNoise(layout);
        short[][] trainPcm = Render(root, train, noise, options.Parallelism, progress, 0, train.Clips.Count + test.Clips.Count);
        short[][] testPcm = Render(root, test, noise, options.Parallelism, progress, train.Clips.Count, train.Clips.Count + test.Clips.Count);

        Directory.CreateDirectory(directory);
        WriteSplit(directory, train, trainPcm);
        WriteSplit(directory, test, testPcm);
        SpeechCorpusFiles.WriteText(Path.Combine(directory, SpeechCorpus.ManifestFileName), SpeechCorpusFiles.Manifest(definition, key, Note, trainSummary, testSummary));
        return SpeechCorpusFiles.Result(directory, key, upToDate: false, classes, trainSummary, testSummary, default, watch.Elapsed);
    }

    /// <summary>The speaker of a Speech Commands file name: the part before "_nohash_" (the whole name without extension otherwise).</summary>
    public static string SpeakerOf(string fileName)
    {
        string name = Path.GetFileNameWithoutExtension(fileName);
        int at = name.IndexOf("_nohash_", StringComparison.Ordinal);
        return at > 0 ? name[..at] : name;
    }

    /// <summary>Centres <paramref name="samples"/> in one corpus clip: zero padding both sides, or the middle second of a longer clip.</summary>
    public static short[] CentreInClip(short[] samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        short[] clip = new short[SpeechAudio.ClipSamples];
        if (samples.Length <= clip.Length)
        {
            Array.Copy(samples, 0, clip, (clip.Length - samples.Length) / 2, samples.Length);
        }
        else
        {
            Array.Copy(samples, (samples.Length - clip.Length) / 2, clip, 0, clip.Length);
        }

        return clip;
    }

    private static Layout Scan(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"'{root}' is not a folder (give the Speech Commands folder: one folder per word, {TestingList}, {ValidationList}, {BackgroundFolder}/)");
        }

        HashSet<string> testing = ReadList(root, TestingList);
        HashSet<string> validation = ReadList(root, ValidationList);
        string[] words = [.. Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('_')).Order(StringComparer.Ordinal)];
        string[] missing = [.. SpeechCorpus.DefaultKeywords.Where(k => !words.Contains(k, StringComparer.Ordinal))];
        if (missing.Length > 0)
        {
            throw new InvalidDataException($"'{root}' has no folder for the keyword(s) {string.Join(", ", missing)}: not a Speech Commands folder (its word folders: {(words.Length == 0 ? "none" : string.Join(", ", words))})");
        }

        string[] unknownWords = [.. words.Where(w => !SpeechCorpus.DefaultKeywords.Contains(w, StringComparer.Ordinal))];
        if (unknownWords.Length == 0)
        {
            throw new InvalidDataException($"'{root}' holds only the ten keywords: the \"unknown\" class needs clips of other words");
        }

        string noiseFolder = Path.Combine(root, BackgroundFolder);
        string[] noise = Directory.Exists(noiseFolder)
            ? [.. Directory.GetFiles(noiseFolder, "*.wav").Select(f => BackgroundFolder + "/" + Path.GetFileName(f)).Order(StringComparer.Ordinal)]
            : [];
        if (noise.Length == 0)
        {
            throw new InvalidDataException($"'{noiseFolder}' holds no .wav recordings: the \"silence\" class is cut from them");
        }

        List<Source> train = [];
        List<Source> test = [];
        HashSet<string> seen = new(StringComparer.Ordinal);
        foreach (string word in words)
        {
            foreach (string file in Directory.GetFiles(Path.Combine(root, word), "*.wav").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal))
            {
                string relative = word + "/" + file;
                seen.Add(relative);
                var clip = new Source(relative, word, SpeakerOf(file), new FileInfo(Path.Combine(root, word, file)).Length);
                if (testing.Contains(relative))
                {
                    test.Add(clip);
                }
                else if (!validation.Contains(relative))
                {
                    train.Add(clip);
                }
            }
        }

        string? absent = testing.Concat(validation).FirstOrDefault(r => !seen.Contains(r));
        if (absent != null)
        {
            throw new InvalidDataException($"'{root}': the lists name '{absent}', which is not there (an incomplete copy of the data set?)");
        }

        return new Layout(root, unknownWords, noise, train, test);
    }

    private static HashSet<string> ReadList(string root, string name)
    {
        string path = Path.Combine(root, name);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"'{path}' is missing: the Speech Commands folder names its test and validation clips in {TestingList} and {ValidationList}", path);
        }

        return [.. File.ReadAllLines(path).Select(l => l.Trim().Replace('\\', '/')).Where(l => l.Length > 0)];
    }

    private static Plan PlanSplit(Layout layout, string split, IReadOnlyList<Source> sources, SpeechCommandsImportOptions options)
    {
        SeededRandom random = SeededRandom.For(options.Seed, Version, split);
        List<Clip> clips = [];
        int keywordClips = 0;
        for (int k = 0; k < SpeechCorpus.DefaultKeywords.Count; k++)
        {
            string keyword = SpeechCorpus.DefaultKeywords[k];
            Source[] available = [.. sources.Where(s => s.Word == keyword)];
            if (available.Length == 0)
            {
                throw new InvalidDataException($"'{layout.Root}': no {split} clip of '{keyword}'");
            }

            Source[] kept = Sample(random, available, options.MaxPerClass == 0 ? available.Length : options.MaxPerClass);
            keywordClips += kept.Length;
            clips.AddRange(kept.Select(s => new Clip(k + 2, s, null, 0, 0)));
        }

        int perClass = (int)Math.Round(keywordClips / (double)SpeechCorpus.DefaultKeywords.Count, MidpointRounding.AwayFromZero);
        Source[] unknown = [.. sources.Where(s => layout.UnknownWords.Contains(s.Word, StringComparer.Ordinal))];
        clips.AddRange(Sample(random, unknown, perClass).Select(s => new Clip(1, s, null, 0, 0)));
        for (int i = 0; i < perClass; i++)
        {
            clips.Add(new Clip(0, null, layout.Noise[random.Next(layout.Noise.Count)], random.NextDouble(), random.NextDouble()));
        }

        return new Plan(split, [.. clips.OrderBy(c => c.ClassIndex)]);
    }

    /// <summary>Up to <paramref name="count"/> of <paramref name="items"/>, drawn without replacement and kept in their order.</summary>
    private static Source[] Sample(SeededRandom random, Source[] items, int count)
    {
        if (count >= items.Length)
        {
            return items;
        }

        int[] order = [.. Enumerable.Range(0, items.Length)];
        random.Shuffle(order);
        return [.. order.Take(count).Order().Select(i => items[i])];
    }

    private static NoiseRecording[] ReadNoise(Layout layout) =>
        [.. layout.Noise.Select(relative => new NoiseRecording(relative, ReadClipAudio(layout.Root, relative)))];

    private static short[] ReadClipAudio(string root, string relative)
    {
        WavFile wav = WavFile.Read(Path.Combine(root, relative));
        short[] mono = wav.ToMono();
        return wav.SampleRate == SpeechAudio.SampleRate ? mono : Resampler.Resample(mono, wav.SampleRate, SpeechAudio.SampleRate);
    }

    private static short[][] Render(string root, Plan plan, NoiseRecording[] noise, int parallelism, IProgress<SpeechBuildProgress>? progress, int before, int total)
    {
        short[][] pcm = new short[plan.Clips.Count][];
        int done = 0;
        object gate = new();
        try
        {
            Parallel.For(0, pcm.Length, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i =>
            {
                Clip clip = plan.Clips[i];
                pcm[i] = clip.Speech != null ? CentreInClip(ReadClipAudio(root, clip.Speech.Relative)) : Silence(noise, clip, plan.Split);
                int now = System.Threading.Interlocked.Increment(ref done);
                if (progress != null && (now % 200 == 0 || now == pcm.Length))
                {
                    lock (gate)
                    {
                        progress.Report(new SpeechBuildProgress("reading clips", before + now, total));
                    }
                }
            });
        }
        catch (AggregateException e)
        {
            // The first unreadable file's own error (it names the file), not the wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }

        return pcm;
    }

    /// <summary>One second of a background recording, from the split's share of it, times a gain of 0..1.</summary>
    private static short[] Silence(NoiseRecording[] noise, Clip clip, string split)
    {
        short[] recording = noise.First(n => n.Relative == clip.Noise).Samples;
        int trainEnd = (int)(recording.Length * TrainNoiseShare);
        (int from, int to) = split == SpeechCorpus.TrainSplit ? (0, trainEnd) : (trainEnd, recording.Length);
        int room = Math.Max(0, to - from - SpeechAudio.ClipSamples);
        int start = from + (int)(clip.Position * room);
        short[] crop = new short[Math.Min(SpeechAudio.ClipSamples, to - from)];
        Array.Copy(recording, start, crop, 0, crop.Length);
        short[] clipPcm = CentreInClip(crop);
        for (int i = 0; i < clipPcm.Length; i++)
        {
            clipPcm[i] = (short)Math.Round(clipPcm[i] * clip.Gain, MidpointRounding.ToEven);
        }

        return clipPcm;
    }

    private static void WriteSplit(string directory, Plan plan, short[][] pcm)
    {
        SpeechCorpusFiles.WritePcm(directory, plan.Split, pcm);
        StringBuilder tsv = new();
        tsv.Append(SpeechCorpusBuilder.TsvHeader).Append('\n');
        IReadOnlyList<string> classes = SpeechCorpus.ClassNamesFor(SpeechCorpus.DefaultKeywords);
        for (int i = 0; i < plan.Clips.Count; i++)
        {
            Clip c = plan.Clips[i];
            string level = SpeechAudio.AmplitudeToDbfs(SpeechAudio.Rms(pcm[i], 0, pcm[i].Length)).ToString("0.0", CultureInfo.InvariantCulture);
            string index = i.ToString(CultureInfo.InvariantCulture);
            string label = classes[c.ClassIndex];
            string classIndex = c.ClassIndex.ToString(CultureInfo.InvariantCulture);
            if (c.Speech is Source s)
            {
                tsv.AppendJoin('\t', index, label, classIndex, s.Speaker, EngineName, "-", "-", "-", s.Word, "-", "-", level, "-", "-", "-", "-", s.Relative);
            }
            else
            {
                string gain = c.Gain.ToString("0.000", CultureInfo.InvariantCulture);
                tsv.AppendJoin('\t', index, label, classIndex, "-", "noise", "-", "-", "-", "-", "gain=" + gain, "-", level, "-", c.Noise, "-", "-", "-");
            }

            tsv.Append('\n');
        }

        SpeechCorpusFiles.WriteText(Path.Combine(directory, plan.Split + ".tsv"), tsv.ToString());
    }

    private static string Definition(string root, Layout layout, SpeechCommandsImportOptions options, IReadOnlyList<string> classes, Plan train, Plan test)
    {
        // The used files' paths and sizes, in clip order: another copy or version of the data set gives another key.
        using IncrementalHash files = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (Clip clip in train.Clips.Concat(test.Clips))
        {
            string line = clip.Speech is Source s
                ? $"{s.Relative}\t{s.Bytes}\n"
                : string.Create(CultureInfo.InvariantCulture, $"{clip.Noise}\t{clip.Position:R}\t{clip.Gain:R}\n");
            files.AppendData(Encoding.UTF8.GetBytes(line));
        }

        foreach (string noise in layout.Noise)
        {
            files.AppendData(Encoding.UTF8.GetBytes($"{noise}\t{new FileInfo(Path.Combine(root, noise)).Length}\n"));
        }

        using MemoryStream buffer = new();
        using (Utf8JsonWriter w = new(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            SpeechCorpusFiles.WriteDefinitionHeader(w, options.Seed, classes, SpeechCorpus.DefaultKeywords);
            SpeechCorpusFiles.WriteStrings(w, "unknown_words", layout.UnknownWords);
            w.WriteString("source", root);
            w.WriteString("importer", Version);
            w.WriteNumber("max_per_class", options.MaxPerClass);
            w.WriteString("resampler", Resampler.Version);
            w.WriteString("files_sha256", Convert.ToHexStringLower(files.GetHashAndReset()));
            w.WriteNumber("speakers_in_both_splits", SpeakersInBoth(train, test));
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Speakers heard in both splits (0 with the data set's own lists, which split by speaker).</summary>
    private static int SpeakersInBoth(Plan train, Plan test)
    {
        HashSet<string> heard = [.. train.Clips.Select(c => c.Speech?.Speaker).OfType<string>()];
        return test.Clips.Select(c => c.Speech?.Speaker).OfType<string>().Distinct(StringComparer.Ordinal).Count(heard.Contains);
    }

    private static SpeechSplitSummary Summarize(string name, Plan plan, int classCount)
    {
        int[] perClass = new int[classCount];
        foreach (Clip c in plan.Clips)
        {
            perClass[c.ClassIndex]++;
        }

        int spoken = plan.Clips.Count(c => c.Speech != null);
        SortedDictionary<string, int> perEngine = new(StringComparer.Ordinal) { [EngineName] = spoken, ["noise"] = plan.Clips.Count - spoken };
        return new SpeechSplitSummary
        {
            Name = name,
            PerClass = perClass,
            PerEngine = perEngine,
            Voices = [],
            SpeakersUsed = plan.Clips.Select(c => c.Speech?.Speaker).OfType<string>().Distinct(StringComparer.Ordinal).Count(),
        };
    }

    /// <summary>A clip file: path relative to the data set's folder (with '/'), its word folder, speaker and size.</summary>
    private sealed record Source(string Relative, string Word, string Speaker, long Bytes);

    /// <summary>A planned corpus clip: a spoken file, or (Speech null) a crop of background recording Noise at Position (0..1 of the room) times Gain.</summary>
    private sealed record Clip(int ClassIndex, Source? Speech, string? Noise, double Position, double Gain);

    private sealed record Plan(string Split, IReadOnlyList<Clip> Clips);

    private sealed record Layout(string Root, IReadOnlyList<string> UnknownWords, IReadOnlyList<string> Noise, IReadOnlyList<Source> Train, IReadOnlyList<Source> Test);

    private sealed record NoiseRecording(string Relative, short[] Samples);
}

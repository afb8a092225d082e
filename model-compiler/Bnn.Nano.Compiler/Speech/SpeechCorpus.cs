using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Bnn.Nano.Compiler.Data;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>One 1-second clip of the keyword-spotting corpus.</summary>
public sealed class SpeechClip
{
    /// <summary>16,000 samples of 16-bit PCM at 16 kHz.</summary>
    public required short[] Pcm { get; init; }

    /// <summary>"silence", "unknown" or a keyword ("yes", ...).</summary>
    public required string Label { get; init; }

    /// <summary>Index of <see cref="Label"/> in the corpus's class names.</summary>
    public required int ClassIndex { get; init; }

    /// <summary>"espeak-ng/en-us+m3", "flite/awb", "festival/kal_diphone"; "-" for silence clips.</summary>
    public required string Speaker { get; init; }

    /// <summary>"espeak-ng", "flite", "festival", or "noise" for silence clips.</summary>
    public required string Engine { get; init; }

    /// <summary>The spoken word (for "unknown" clips the actual word), "-" for silence.</summary>
    public required string Word { get; init; }

    /// <summary>First sample of the word inside the clip, -1 for silence.</summary>
    public required int WordStart { get; init; }

    /// <summary>One past the last sample of the word, -1 for silence.</summary>
    public required int WordEnd { get; init; }

    /// <summary>Row of the split's index (and position in its .pcm file).</summary>
    public required int Index { get; init; }
}

/// <summary>
/// A keyword-spotting corpus as written by <see cref="SpeechCorpusBuilder"/>: in its folder, for each split
/// ("train", "test"), <c>SPLIT.pcm</c> (clips of 16,000 little-endian int16 samples, back to back) and
/// <c>SPLIT.tsv</c> (one header line, then one line per clip in the same order: index, label, class, speaker, engine,
/// voice, accent, timbre, word, engine parameters, speed, level, SNR, noise, word start/end, utterance cache key),
/// plus <c>corpus.json</c> (classes, counts, voices per split, engine versions, the build key).
/// </summary>
public sealed class SpeechCorpus
{
    public const string SilenceLabel = "silence";
    public const string UnknownLabel = "unknown";
    public const string TrainSplit = "train";
    public const string TestSplit = "test";
    public const string ManifestFileName = "corpus.json";

    /// <summary>The ten keywords of Google Speech Commands' 12-class task.</summary>
    public static readonly IReadOnlyList<string> DefaultKeywords = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"];

    /// <summary>
    /// Words of the "unknown" class: Speech Commands' 20 auxiliary words (v1) and 5 more of v2, plus six common words.
    /// The same vocabulary in both splits (as in Speech Commands); the splits differ in speakers.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultUnknownWords =
    [
        "bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow",
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
        "backward", "forward", "follow", "learn", "visual",
        "red", "blue", "game", "time", "water", "hello",
    ];

    private SpeechCorpus(string directory, string key, int seed, IReadOnlyList<string> classNames, IReadOnlyList<SpeechClip> train, IReadOnlyList<SpeechClip> test)
    {
        Directory = directory;
        Key = key;
        Seed = seed;
        ClassNames = classNames;
        Train = train;
        Test = test;
    }

    public string Directory { get; }

    /// <summary>Hash of everything that determined the corpus.</summary>
    public string Key { get; }

    public int Seed { get; }

    /// <summary>"silence", "unknown", then the keywords.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public IReadOnlyList<SpeechClip> Train { get; }

    public IReadOnlyList<SpeechClip> Test { get; }

    /// <summary>"silence", "unknown", then <paramref name="keywords"/>.</summary>
    public static IReadOnlyList<string> ClassNamesFor(IReadOnlyList<string> keywords) => [SilenceLabel, UnknownLabel, .. keywords];

    /// <summary>&lt;repository&gt;/artifacts/kws (git-ignored), or ./kws-corpus outside the repository.</summary>
    public static string DefaultDirectory() =>
        DataCatalog.RepositoryRoot() is string root ? Path.Combine(root, "artifacts", "kws") : Path.GetFullPath("kws-corpus");

    /// <summary>&lt;repository&gt;/artifacts/kws-cache (git-ignored), or ./kws-cache outside the repository.</summary>
    public static string DefaultCacheDirectory() =>
        DataCatalog.RepositoryRoot() is string root ? Path.Combine(root, "artifacts", "kws-cache") : Path.GetFullPath("kws-cache");

    /// <summary>Loads both splits; every file and row is checked (missing folder: a <see cref="DatasetMissingException"/>
    /// that says how to build it).</summary>
    public static SpeechCorpus Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string manifest = Path.Combine(directory, ManifestFileName);
        if (!File.Exists(manifest))
        {
            throw new DatasetMissingException(
                $"no keyword-spotting corpus in '{Path.GetFullPath(directory)}' ({ManifestFileName} missing). Build it with: bnnc data kws --out {directory}",
                manifest,
                "bnnc data kws --out " + directory);
        }

        string key;
        int seed;
        List<string> classes;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
            JsonElement root = doc.RootElement;
            if (root.GetProperty("format").GetString() != SpeechCorpusBuilder.FormatName || root.GetProperty("version").GetInt32() != SpeechCorpusBuilder.FormatVersion)
            {
                throw new InvalidDataException($"{manifest}: not a version {SpeechCorpusBuilder.FormatVersion} {SpeechCorpusBuilder.FormatName} manifest");
            }

            key = root.GetProperty("key").GetString() ?? string.Empty;
            seed = root.GetProperty("seed").GetInt32();
            classes = [.. root.GetProperty("classes").EnumerateArray().Select(e => e.GetString() ?? string.Empty)];
            if (root.GetProperty("sample_rate").GetInt32() != SpeechAudio.SampleRate || root.GetProperty("clip_samples").GetInt32() != SpeechAudio.ClipSamples)
            {
                throw new InvalidDataException($"{manifest}: clips are not 16,000 samples at 16 kHz");
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{manifest}: not a valid corpus manifest ({e.Message})", e);
        }

        return new SpeechCorpus(Path.GetFullPath(directory), key, seed, classes, LoadSplit(directory, TrainSplit, classes), LoadSplit(directory, TestSplit, classes));
    }

    /// <summary>Loads one split ("train" or "test") against the given class names.</summary>
    public static IReadOnlyList<SpeechClip> LoadSplit(string directory, string split, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        string tsv = Path.Combine(directory, split + ".tsv");
        string pcm = Path.Combine(directory, split + ".pcm");
        foreach (string file in new[] { tsv, pcm })
        {
            if (!File.Exists(file))
            {
                throw new InvalidDataException($"corpus file '{file}' is missing (rebuild with bnnc data kws --out {directory} --force)");
            }
        }

        string[] lines = File.ReadAllLines(tsv);
        if (lines.Length == 0 || lines[0] != SpeechCorpusBuilder.TsvHeader)
        {
            throw new InvalidDataException($"{tsv}: the header is not the expected '{SpeechCorpusBuilder.TsvHeader.Replace('\t', ' ')}'");
        }

        int count = lines.Length - 1;
        long expectedBytes = (long)count * SpeechAudio.ClipSamples * 2;
        long actualBytes = new FileInfo(pcm).Length;
        if (actualBytes != expectedBytes)
        {
            throw new InvalidDataException($"{pcm}: {actualBytes:N0} bytes, but {tsv} lists {count} clips ({expectedBytes:N0} bytes)");
        }

        Dictionary<string, int> classIndex = classNames.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        List<SpeechClip> clips = new(count);
        using FileStream stream = File.OpenRead(pcm);
        byte[] buffer = new byte[SpeechAudio.ClipSamples * 2];
        for (int row = 0; row < count; row++)
        {
            string[] f = lines[row + 1].Split('\t');
            string where = $"{tsv} line {row + 2}";
            if (f.Length != SpeechCorpusBuilder.TsvColumns)
            {
                throw new InvalidDataException($"{where}: {f.Length} columns, expected {SpeechCorpusBuilder.TsvColumns}");
            }

            if (f[0] != row.ToString(CultureInfo.InvariantCulture))
            {
                throw new InvalidDataException($"{where}: index '{f[0]}', expected {row}");
            }

            if (!classIndex.TryGetValue(f[1], out int label) || f[2] != label.ToString(CultureInfo.InvariantCulture))
            {
                throw new InvalidDataException($"{where}: label '{f[1]}' / class '{f[2]}' do not match the classes {string.Join(",", classNames)}");
            }

            stream.ReadExactly(buffer);
            short[] samples = new short[SpeechAudio.ClipSamples];
            for (int i = 0; i < samples.Length; i++)
            {
                samples[i] = BinaryPrimitives.ReadInt16LittleEndian(buffer.AsSpan(2 * i, 2));
            }

            clips.Add(new SpeechClip
            {
                Pcm = samples,
                Label = f[1],
                ClassIndex = label,
                Speaker = f[3],
                Engine = f[4],
                Word = f[8],
                WordStart = f[14] == "-" ? -1 : int.Parse(f[14], CultureInfo.InvariantCulture),
                WordEnd = f[15] == "-" ? -1 : int.Parse(f[15], CultureInfo.InvariantCulture),
                Index = row,
            });
        }

        return clips;
    }
}

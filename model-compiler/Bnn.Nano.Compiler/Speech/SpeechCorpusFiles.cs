using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>
/// The files of a keyword corpus (see <see cref="SpeechCorpus"/>) as its writers handle them: <see cref="SpeechCorpusBuilder"/>
/// (synthetic speech) and <see cref="SpeechCommandsImporter"/> (a Speech Commands folder). Every file is written to a
/// temporary name and renamed, so an interrupted build never leaves a file that looks complete.
/// </summary>
internal static class SpeechCorpusFiles
{
    /// <summary>train.pcm, train.tsv, test.pcm, test.tsv and corpus.json.</summary>
    public static readonly IReadOnlyList<string> Names =
        [.. new[] { SpeechCorpus.TrainSplit, SpeechCorpus.TestSplit }.SelectMany(s => new[] { s + ".pcm", s + ".tsv" }), SpeechCorpus.ManifestFileName];

    /// <summary>The key in the folder's manifest, or null when there is none (or it is unreadable).</summary>
    public static string? ManifestKey(string directory)
    {
        string manifest = Path.Combine(directory, SpeechCorpus.ManifestFileName);
        if (!File.Exists(manifest))
        {
            return null;
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
            return doc.RootElement.TryGetProperty("key", out JsonElement k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>True when the folder holds the corpus of <paramref name="key"/> with complete files of these clip counts.</summary>
    public static bool IsUpToDate(string directory, string key, int trainClips, int testClips)
    {
        if (ManifestKey(directory) != key)
        {
            return false;
        }

        foreach ((string split, int clips) in new[] { (SpeechCorpus.TrainSplit, trainClips), (SpeechCorpus.TestSplit, testClips) })
        {
            FileInfo pcm = new(Path.Combine(directory, split + ".pcm"));
            if (!pcm.Exists || pcm.Length != (long)clips * SpeechAudio.ClipSamples * 2 || !File.Exists(Path.Combine(directory, split + ".tsv")))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Refuses to write over corpus files of a different corpus unless <paramref name="overwrite"/>; a folder holding the
    /// same corpus (same key), damaged or incomplete, is simply rewritten.
    /// </summary>
    public static void CheckReplaceable(string directory, string key, bool overwrite)
    {
        if (File.Exists(directory))
        {
            throw new IOException($"output folder '{directory}' is an existing file");
        }

        string[] existing = [.. Names.Where(f => File.Exists(Path.Combine(directory, f)))];
        if (existing.Length > 0 && !overwrite && ManifestKey(directory) != key)
        {
            throw new IOException($"refusing to overwrite {string.Join(", ", existing)} in '{directory}': it holds a different corpus (use --force to replace it)");
        }
    }

    /// <summary>Writes <c>SPLIT.pcm</c>: the clips back to back, 16,000 little-endian int16 samples each.</summary>
    public static void WritePcm(string directory, string split, IEnumerable<short[]> clips)
    {
        string path = Path.Combine(directory, split + ".pcm");
        string temporary = path + ".partial";
        using (FileStream stream = File.Create(temporary))
        {
            byte[] buffer = new byte[SpeechAudio.ClipSamples * 2];
            foreach (short[] pcm in clips)
            {
                if (pcm.Length != SpeechAudio.ClipSamples)
                {
                    throw new InvalidOperationException($"a corpus clip holds {SpeechAudio.ClipSamples} samples, not {pcm.Length}");
                }

                for (int i = 0; i < SpeechAudio.ClipSamples; i++)
                {
                    BinaryPrimitives.WriteInt16LittleEndian(buffer.AsSpan(2 * i, 2), pcm[i]);
                }

                stream.Write(buffer);
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Writes a text file (UTF-8, no BOM) through a temporary name.</summary>
    public static void WriteText(string path, string text)
    {
        string temporary = path + ".partial";
        File.WriteAllText(temporary, text, new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Bytes of the corpus files present in the folder.</summary>
    public static long Bytes(string directory) =>
        Names.Select(f => new FileInfo(Path.Combine(directory, f))).Where(f => f.Exists).Sum(f => f.Length);

    /// <summary>What a build or import of the corpus in <paramref name="directory"/> reports; its size is read from disk.</summary>
    public static SpeechCorpusBuildResult Result(string directory, string key, bool upToDate, IReadOnlyList<string> classNames, SpeechSplitSummary train, SpeechSplitSummary test, TtsSynthesisStats utterances, TimeSpan elapsed) => new()
    {
        Directory = directory,
        Key = key,
        UpToDate = upToDate,
        ClassNames = classNames,
        Train = train,
        Test = test,
        Utterances = utterances,
        Elapsed = elapsed,
        Bytes = Bytes(directory),
    };

    /// <summary>
    /// The manifest: the definition's fields (whatever determined the corpus, hashed into <paramref name="key"/>), then
    /// the key, a note on what the corpus is, and the counts per split.
    /// </summary>
    public static string Manifest(string definition, string key, string note, SpeechSplitSummary train, SpeechSplitSummary test)
    {
        using JsonDocument doc = JsonDocument.Parse(definition);
        using MemoryStream buffer = new();
        using (Utf8JsonWriter w = new(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            {
                p.WriteTo(w);
            }

            w.WriteString("key", key);
            w.WriteString("note", note);
            WriteCounts(w, train, test);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>
    /// The fields every corpus definition starts with: format and version, seed, sample rate and clip length, sample
    /// format, classes and keywords.
    /// </summary>
    public static void WriteDefinitionHeader(Utf8JsonWriter w, int seed, IReadOnlyList<string> classes, IReadOnlyList<string> keywords)
    {
        w.WriteString("format", SpeechCorpusBuilder.FormatName);
        w.WriteNumber("version", SpeechCorpusBuilder.FormatVersion);
        w.WriteNumber("seed", seed);
        w.WriteNumber("sample_rate", SpeechAudio.SampleRate);
        w.WriteNumber("clip_samples", SpeechAudio.ClipSamples);
        w.WriteString("sample_format", "int16 little-endian, mono");
        WriteStrings(w, "classes", classes);
        WriteStrings(w, "keywords", keywords);
    }

    /// <summary>Writes a JSON array of strings.</summary>
    public static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (string v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    /// <summary>The "counts" object of a manifest: per split, clips, speakers heard, clips per class and per engine.</summary>
    private static void WriteCounts(Utf8JsonWriter w, params SpeechSplitSummary[] splits)
    {
        w.WriteStartObject("counts");
        foreach (SpeechSplitSummary s in splits)
        {
            w.WriteStartObject(s.Name);
            w.WriteNumber("clips", s.Clips);
            w.WriteNumber("speakers_used", s.SpeakersUsed);
            w.WriteStartArray("per_class");
            foreach (int n in s.PerClass)
            {
                w.WriteNumberValue(n);
            }

            w.WriteEndArray();
            w.WriteStartObject("per_engine");
            foreach (KeyValuePair<string, int> p in s.PerEngine)
            {
                w.WriteNumber(p.Key, p.Value);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }
}

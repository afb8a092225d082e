using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Bnn.Nano.Compiler.Data;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>How many distinct utterances a synthesis pass rendered and how many it found in the cache.</summary>
public readonly record struct TtsSynthesisStats(int Synthesized, int Cached)
{
    public int Total => Synthesized + Cached;
}

/// <summary>
/// Renders <see cref="UtteranceRequest"/>s with the Debian engines, one process per word (festival with address-space
/// randomisation off, see <see cref="FestivalLauncher"/>), converts each to 16 kHz mono 16-bit with <see cref="Resampler"/>, and keeps it in a disk cache:
/// <c>CACHE/utterances/ab/&lt;sha256&gt;.wav</c>, where the hash covers engine, engine version, voice, word, rate, pitch,
/// output rate and resampler version. Cache files are written under a temporary name and renamed, so concurrent or
/// interrupted runs never leave a broken entry. An utterance's audio depends on its request alone, never on which other
/// words were rendered with it, so a corpus built from an empty cache equals one built from a warm cache byte for byte.
/// </summary>
public sealed class TtsSynthesizer
{
    /// <summary>Output sample rate of every cached utterance.</summary>
    public const int SampleRate = 16000;

    /// <summary>
    /// How festival is started: under <c>setarch -R</c> (util-linux), with address-space randomisation off. festival's
    /// diphone synthesis reads 4 bytes past the end of a track for every utterance (valgrind: "Invalid read of size 4"
    /// after an <c>EST_Track::resize</c> block), and now and then what lies there is a heap pointer, whose value
    /// changes with the randomised addresses: in two builds of the 6,000-per-class corpus from empty caches 6 of about
    /// 1,000 words of the Italian voice pc_diphone ended with a burst of noise in one build and not in the other. With
    /// fixed addresses, and a process of its own for every word (so that what lies past the track never depends on the
    /// words rendered before it), each word comes out the same on every run.
    /// </summary>
    public const string FestivalLauncher = "setarch";

    private const string KeyVersion = "bnn-kws-utterance-v1";
    private const string SeededRendering = "random-generator-seeded-per-utterance";
    private const string OwnProcess = "one-process-per-utterance";
    private const string FixedAddresses = "own-process-fixed-addresses";
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    private readonly string? _toolPath;
    private readonly ConcurrentDictionary<TtsEngine, string> _versions = new();
    private readonly ConcurrentDictionary<TtsVoice, bool> _verified = new();

    /// <param name="cacheDirectory">Root of the cache (created when needed).</param>
    /// <param name="toolPath">Where to look for the engines, in PATH syntax; null = the PATH environment variable.</param>
    public TtsSynthesizer(string cacheDirectory, string? toolPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        CacheDirectory = Path.GetFullPath(cacheDirectory);
        _toolPath = toolPath;
    }

    public string CacheDirectory { get; }

    /// <summary>
    /// Fails with a <see cref="DatasetMissingException"/> naming the exact <c>apt-get install</c> command when an engine or
    /// voice the given voices need is not installed.
    /// </summary>
    public void EnsureAvailable(IEnumerable<TtsVoice> voices)
    {
        ArgumentNullException.ThrowIfNull(voices);
        List<TtsVoice> list = [.. voices.Distinct().Where(v => !_verified.ContainsKey(v))];
        if (list.Count == 0)
        {
            return;
        }

        List<string> packages = [];
        List<string> missing = [];
        foreach (TtsEngine engine in list.Select(v => v.Engine).Distinct().Order())
        {
            string name = TtsVoice.EngineName(engine);
            List<TtsVoice> engineVoices = [.. list.Where(v => v.Engine == engine)];
            if (FindTool(name) == null)
            {
                missing.Add($"{name} (not on PATH)");
                packages.Add(name);
                packages.AddRange(engineVoices.Select(SpeechVoices.VoicePackage).OfType<string>());
                continue;
            }

            if (engine == TtsEngine.Festival)
            {
                string installed = RunTool("festival", ["-b", "(print (voice.list))"], null).Output;
                HashSet<string> names = [.. installed.Split([' ', '(', ')', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)];
                foreach (TtsVoice v in engineVoices.Where(v => !names.Contains(v.Name)))
                {
                    missing.Add($"festival voice {v.Name}");
                    packages.Add(SpeechVoices.VoicePackage(v) ?? "festvox-" + v.Name);
                }
            }
            else if (engine == TtsEngine.Flite)
            {
                string installed = RunTool("flite", ["-lv"], null).Output;
                HashSet<string> names = [.. installed.Replace("Voices available:", string.Empty, StringComparison.Ordinal).Split([' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)];
                foreach (TtsVoice v in engineVoices.Where(v => !names.Contains(v.Name)))
                {
                    missing.Add($"flite voice {v.Name}");
                    packages.Add("flite");
                }
            }
        }

        if (missing.Count > 0)
        {
            string command = "apt-get install -y " + string.Join(' ', packages.Distinct());
            throw new DatasetMissingException(
                $"speech synthesis for the keyword-spotting corpus is not installed: missing {string.Join(", ", missing)}. " +
                $"Install it with: {command} (as root; scripts/setup-test-data.sh installs all of them)",
                missing[0],
                command);
        }

        foreach (TtsVoice v in list)
        {
            _verified[v] = true;
        }
    }

    /// <summary>The engine's version line (part of every cache key), e.g. "eSpeak NG text-to-speech: 1.51".</summary>
    public string EngineVersion(TtsEngine engine) => _versions.GetOrAdd(engine, e =>
    {
        (int _, string output, string error) = e switch
        {
            TtsEngine.EspeakNg => RunTool("espeak-ng", ["--version"], null),
            TtsEngine.Flite => RunTool("flite", ["--version"], null),
            _ => RunTool("festival", ["--version"], null),
        };
        string text = (output + "\n" + error).Trim();
        string[] lines = [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];
        string line = lines.FirstOrDefault(l => l.Contains("version", StringComparison.OrdinalIgnoreCase)) ?? lines.FirstOrDefault() ?? "unknown";
        int data = line.IndexOf("Data at", StringComparison.Ordinal);
        line = (data >= 0 ? line[..data] : line).Trim();

        // festival prefixes its own path ("/usr/bin/festival: Festival ..."): keep keys independent of where it lives.
        string name = TtsVoice.EngineName(e);
        int colon = line.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && line[..colon].EndsWith(name, StringComparison.Ordinal))
        {
            line = line[(colon + 2)..].Trim();
        }

        return line;
    });

    /// <summary>SHA-256 (hex) of everything that determines the cached audio.</summary>
    public string Key(UtteranceRequest request) => Key(request, launcherMarker: true);

    // launcherMarker false: the key before festival ran under FestivalLauncher, which still seeds the Czech voices'
    // generator, so that their words keep the renditions they had.
    private string Key(UtteranceRequest request, bool launcherMarker)
    {
        ArgumentNullException.ThrowIfNull(request);

        // A respelled word joins the key with its spelling ("right=rajt"), so editing ForeignSpelling re-synthesises
        // exactly the affected words while English voices keep their keys.
        string spoken = request.Voice.SpokenText(request.Text);
        List<string> parts =
        [
            KeyVersion,
            TtsVoice.EngineName(request.Voice.Engine),
            EngineVersion(request.Voice.Engine),
            request.Voice.Name,
            spoken == request.Text ? request.Text : request.Text + "=" + spoken,
            request.Rate.ToString(CultureInfo.InvariantCulture),
            request.Pitch.ToString(CultureInfo.InvariantCulture),
            SampleRate.ToString(CultureInfo.InvariantCulture),
            Resampler.Version,
        ];

        // Renditions of the voices that keep state between words changed when they were seeded per utterance and again
        // when each got a process of its own; every festival rendition changed when festival got fixed addresses and a
        // process per word (FestivalLauncher). The markers retire the older, batch- and address-dependent cache entries.
        if (DrawsRandomNumbers(request.Voice))
        {
            parts.Add(SeededRendering);
            parts.Add(OwnProcess);
        }

        if (launcherMarker && request.Voice.Engine == TtsEngine.Festival)
        {
            parts.Add(FixedAddresses);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))));
    }

    public string CachePath(UtteranceRequest request)
    {
        string key = Key(request);
        return Path.Combine(CacheDirectory, "utterances", key[..2], key + ".wav");
    }

    /// <summary>
    /// Makes sure every request is in the cache, rendering the missing ones on <paramref name="parallelism"/> workers.
    /// <paramref name="progress"/> receives the number of distinct utterances done so far.
    /// </summary>
    public TtsSynthesisStats Synthesize(IEnumerable<UtteranceRequest> requests, int parallelism, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(requests);
        List<UtteranceRequest> all = [.. requests];
        EnsureAvailable(all.Select(r => r.Voice)); // cache keys hold the engine versions, so the engines are needed even on a cache hit
        Dictionary<string, UtteranceRequest> distinct = [];
        foreach (UtteranceRequest r in all)
        {
            UtteranceRequest.ValidateText(r.Text);
            distinct.TryAdd(CachePath(r), r);
        }

        List<(string Path, UtteranceRequest Request)> todo = [.. distinct.Where(p => !File.Exists(p.Key)).Select(p => (p.Key, p.Value))];
        int cached = distinct.Count - todo.Count;
        int done = cached;
        progress?.Report(done);
        if (todo.Count == 0)
        {
            return new TtsSynthesisStats(0, cached);
        }

        object gate = new();
        try
        {
            Parallel.ForEach(
                System.Collections.Concurrent.Partitioner.Create(todo, EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) },
                word =>
                {
                    Render(word.Path, word.Request);
                    int now = Interlocked.Increment(ref done);
                    if (progress != null)
                    {
                        lock (gate)
                        {
                            progress.Report(now);
                        }
                    }
                });
        }
        catch (AggregateException e)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }

        return new TtsSynthesisStats(todo.Count, cached);
    }

    /// <summary>The cached 16 kHz mono utterance (call <see cref="Synthesize"/> first).</summary>
    public short[] Load(UtteranceRequest request)
    {
        string path = CachePath(request);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"utterance '{request.Text}' by {request.Voice} ({request.Describe()}) is not in the cache {CacheDirectory}");
        }

        WavFile wav = WavFile.Read(path);
        if (wav.SampleRate != SampleRate || wav.Channels != 1)
        {
            throw new InvalidDataException($"cache file {path} is {wav.SampleRate} Hz with {wav.Channels} channels, not 16 kHz mono; delete the cache folder {CacheDirectory}");
        }

        return wav.Samples;
    }

    /// <summary>Full path of an engine executable on the tool path, or null.</summary>
    public string? FindTool(string name)
    {
        string path = _toolPath ?? Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (string dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private void Render(string cachePath, UtteranceRequest r)
    {
        string work = Path.Combine(CacheDirectory, "tmp", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            TtsVoice voice = r.Voice;
            string output = Path.Combine(work, "0.wav");
            (int code, string stdout, string stderr) = voice.Engine switch
            {
                TtsEngine.EspeakNg => RunTool("espeak-ng", EspeakArguments(r, output), work),
                TtsEngine.Flite => RunTool("flite", FliteArguments(r, output), work),
                _ => RunTool("festival", ["--batch", WriteFestivalScript(r, Key(r, launcherMarker: false), output, work)], work),
            };
            if (code != 0 || !File.Exists(output))
            {
                string detail = (stderr + " " + stdout).Trim();
                throw new InvalidOperationException(
                    $"{TtsVoice.EngineName(voice.Engine)} failed (exit code {code}) to say '{r.Text}' with voice {voice.Name} ({r.Describe()}): " +
                    (detail.Length > 600 ? detail[..600] + "..." : detail));
            }

            WavFile wav = WavFile.Read(output);
            short[] mono = wav.ToMono();
            if (wav.SampleRate != SampleRate)
            {
                mono = Resampler.Resample(mono, wav.SampleRate, SampleRate);
            }

            if (mono.Length == 0 || Array.TrueForAll(mono, s => s == 0))
            {
                throw new InvalidOperationException($"{TtsVoice.EngineName(voice.Engine)} produced silence for '{r.Text}' with voice {voice.Name} ({r.Describe()})");
            }

            WavFile.Mono(SampleRate, mono).Write(cachePath);
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary folder is harmless.
            }
        }
    }

    private static string[] EspeakArguments(UtteranceRequest r, string output) =>
        ["-v", r.Voice.Name, "-s", Inv(r.Rate), "-p", Inv(r.Pitch), "-w", output, r.Voice.SpokenText(r.Text)];

    private static string[] FliteArguments(UtteranceRequest r, string output)
    {
        List<string> args = ["-voice", r.Voice.Name, "--setf", "duration_stretch=" + (r.Rate / 100.0).ToString("0.00", CultureInfo.InvariantCulture)];
        if (r.Pitch != 0)
        {
            args.AddRange(["--setf", "int_f0_target_mean=" + Inv(r.Pitch)]);
        }

        args.AddRange(["-t", r.Voice.SpokenText(r.Text), "-o", output]);
        return [.. args];
    }

    private static string WriteFestivalScript(UtteranceRequest r, string seedKey, string output, string work)
    {
        TtsVoice voice = r.Voice;
        StringBuilder s = new();
        s.Append(CultureInfo.InvariantCulture, $"(voice_{voice.Name})\n");
        if (DrawsRandomNumbers(voice))
        {
            // Seed festival's generator (and reset czech.scm's lazily measured range of it) from the word's key, so that
            // each word, rate and pitch gets draws of its own.
            int seed = int.Parse(seedKey[..7], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            s.Append(CultureInfo.InvariantCulture, $"(srand {seed})\n(set! czech-rand-range nil)\n");
        }

        if (UtteranceRequest.IsHts(voice))
        {
            string speed = (100.0 / r.Rate).ToString("0.0000", CultureInfo.InvariantCulture);
            string semitones = r.Pitch.ToString("0.0", CultureInfo.InvariantCulture);
            s.Append(CultureInfo.InvariantCulture, $"(set! hts_engine_params (append hts_engine_params (list (list \"-r\" {speed}) (list \"-fm\" {semitones}))))\n");
        }
        else
        {
            string f0Std = voice.Name == "ked_diphone" ? "15" : "14";
            s.Append(CultureInfo.InvariantCulture, $"(Parameter.set 'Duration_Stretch {(r.Rate / 100.0).ToString("0.00", CultureInfo.InvariantCulture)})\n");
            s.Append(CultureInfo.InvariantCulture, $"(set! int_lr_params '((target_f0_mean {r.Pitch}) (target_f0_std {f0Std}) (model_f0_mean 170) (model_f0_std 34)))\n");
        }

        s.Append(CultureInfo.InvariantCulture, $"(utt.save.wave (utt.synth (Utterance Text \"{r.Voice.SpokenText(r.Text)}\")) \"{SchemeString(output)}\" 'riff)\n");
        string script = Path.Combine(work, "say.scm");
        File.WriteAllText(script, s.ToString());
        return script;
    }

    /// <summary>
    /// festival's Czech voices (czech.scm, czech-randomize) draw intonation contours and duration factors from festival's
    /// random generator: each word seeds it from its key as it was before <see cref="FestivalLauncher"/> (so their
    /// renditions did not change with it).
    /// </summary>
    private static bool DrawsRandomNumbers(TtsVoice voice) =>
        voice.Engine == TtsEngine.Festival && voice.Name.StartsWith("czech_", StringComparison.Ordinal);

    private static string SchemeString(string path) => path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);

    private (int Code, string Output, string Error) RunTool(string name, IEnumerable<string> arguments, string? workingDirectory)
    {
        string exe = FindTool(name) ?? throw new DatasetMissingException(
            $"{name} is not installed. Install it with: apt-get install -y {name}", name, "apt-get install -y " + name);
        List<string> prefix = [];
        if (name == "festival")
        {
            prefix = ["-R", exe];
            exe = FindTool(FestivalLauncher) ?? throw new DatasetMissingException(
                $"{FestivalLauncher} is not on PATH: festival runs under '{FestivalLauncher} -R' (address-space randomisation off) so that its words come out the same on every run. Install it with: apt-get install -y util-linux",
                FestivalLauncher, "apt-get install -y util-linux");
        }

        ProcessStartInfo info = new(exe)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (string a in prefix.Concat(arguments))
        {
            info.ArgumentList.Add(a);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {exe}");
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(s_timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{name} did not finish within {s_timeout.TotalSeconds:F0} s ({string.Join(' ', info.ArgumentList)})");
        }

        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }
}

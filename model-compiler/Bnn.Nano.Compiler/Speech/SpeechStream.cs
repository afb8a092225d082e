using System;
using System.Collections.Generic;
using System.Linq;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>Settings of <see cref="SpeechStream.Generate"/>.</summary>
public sealed class SpeechStreamOptions
{
    /// <summary>Speakers (default: the test split's, so a model trained on the corpus never heard them).</summary>
    public IReadOnlyList<TtsVoice> Voices { get; init; } = SpeechVoices.Test;

    /// <summary>
    /// Relative share of each engine among the words (engines without voices are skipped); default espeak-ng 3, flite 1, festival 3.
    /// </summary>
    public IReadOnlyDictionary<TtsEngine, int> EngineWeights { get; init; } = new SpeechCorpusOptions().EngineWeights;

    public IReadOnlyList<string> Keywords { get; init; } = SpeechCorpus.DefaultKeywords;

    /// <summary>Other words spoken between keywords (not events).</summary>
    public IReadOnlyList<string> OtherWords { get; init; } = SpeechCorpus.DefaultUnknownWords;

    /// <summary>Probability that a word is a keyword.</summary>
    public double KeywordProbability { get; init; } = 0.5;

    /// <summary>Pause between words, uniform (seconds); one pause in ten is stretched to up to 3 s of noise alone.</summary>
    public double MinGapSeconds { get; init; } = 0.4;

    public double MaxGapSeconds { get; init; } = 1.5;

    /// <summary>RMS level of the continuous background noise in dBFS (uniform, drawn once per stream).</summary>
    public double NoiseMinDbfs { get; init; } = -55;

    public double NoiseMaxDbfs { get; init; } = -40;

    /// <summary>Level of each word above the background noise (dB, uniform per word).</summary>
    public double SnrMinDb { get; init; } = 10;

    public double SnrMaxDb { get; init; } = 30;

    /// <summary>Utterance cache; null = <see cref="SpeechCorpus.DefaultCacheDirectory"/>.</summary>
    public string? CacheDirectory { get; init; }

    public int Parallelism { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Where to look for the engines (PATH syntax); null = PATH.</summary>
    public string? ToolPath { get; init; }

    public string? AlsaNoisePath { get; init; } = NoiseSource.DefaultAlsaNoisePath;
}

/// <summary>One spoken word in a stream: samples [<see cref="StartSample"/>, <see cref="EndSample"/>).</summary>
/// <param name="Label">The keyword, or "unknown" for another word.</param>
/// <param name="Word">What was said.</param>
/// <param name="StartSample">First sample of the word (trimmed to its audible part, ±10 ms).</param>
/// <param name="EndSample">One past its last sample.</param>
/// <param name="Speaker">The voice, e.g. "festival/kal_diphone".</param>
public sealed record SpeechStreamEvent(string Label, string Word, int StartSample, int EndSample, string Speaker)
{
    public bool IsKeyword => Label != SpeechCorpus.UnknownLabel;
}

/// <summary>A generated stream: 16 kHz mono PCM and where every word is.</summary>
public sealed class SpeechStreamResult
{
    public required short[] Pcm { get; init; }

    public int SampleRate => SpeechAudio.SampleRate;

    /// <summary>Every spoken word, in time order.</summary>
    public required IReadOnlyList<SpeechStreamEvent> Words { get; init; }

    /// <summary>The keyword events only (label, start sample, end sample), in time order.</summary>
    public IReadOnlyList<SpeechStreamEvent> Keywords => [.. Words.Where(w => w.IsKeyword)];

    /// <summary>The background noise under the whole stream.</summary>
    public required NoiseKind Noise { get; init; }

    public required double NoiseDbfs { get; init; }
}

/// <summary>
/// Continuous audio for streaming keyword-spotting tests: background noise throughout, and words (keywords and other
/// words, by default from the TEST speakers only) at known positions, separated by pauses. Every choice comes from the
/// seed; utterances come from the same cache as the corpus.
/// </summary>
public static class SpeechStream
{
    /// <summary>Longest stream <see cref="Generate"/> makes, in seconds.</summary>
    public const double MaxSeconds = 3600;

    /// <summary>Whether <see cref="Generate"/> accepts a stream of this length: more than 0 s, at most <see cref="MaxSeconds"/>.</summary>
    public static bool IsValidLength(double seconds) => seconds > 0 && seconds <= MaxSeconds;

    private const double LeadSeconds = 0.5;

    /// <summary>Generates <paramref name="seconds"/> of audio (see the class summary).</summary>
    public static SpeechStreamResult Generate(int seed, double seconds, SpeechStreamOptions? options = null)
    {
        options ??= new SpeechStreamOptions();
        if (!IsValidLength(seconds))
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, $"a stream lasts more than 0 s and at most {MaxSeconds} s");
        }

        if (options.Voices.Count == 0 || options.Keywords.Count == 0 || options.OtherWords.Count == 0)
        {
            throw new ArgumentException("a stream needs voices, keywords and other words");
        }

        ForeignSpelling.EnsureSayable(options.Voices, options.Keywords.Concat(options.OtherWords));

        int length = (int)Math.Round(seconds * SpeechAudio.SampleRate);
        SeededRandom r = SeededRandom.For(seed, "stream");
        NoiseSource noiseSource = new(options.AlsaNoisePath);
        NoiseKind noiseKind = r.Pick(noiseSource.Kinds);
        double noiseDbfs = r.Uniform(options.NoiseMinDbfs, options.NoiseMaxDbfs);
        ulong noiseSeed = r.NextUInt64();

        // Plan more words than can fit (each takes at least MinGap + ~0.3 s); the ones past the end are never synthesized.
        TtsEngine[] engines = [.. options.Voices.Select(v => v.Engine).Distinct().Order()];
        int weightSum = engines.Sum(e => Weight(options, e));
        if (weightSum <= 0)
        {
            throw new ArgumentException("no engine of the stream's voices has a positive weight");
        }

        int capacity = (int)Math.Ceiling(seconds / (options.MinGapSeconds + 0.3)) + 1;
        List<(UtteranceRequest Request, string Label, int Speed, double Snr, double Gap)> plan = [];
        for (int i = 0; i < capacity; i++)
        {
            SeededRandom w = SeededRandom.For(seed, "stream-word", i);
            bool keyword = w.NextDouble() < options.KeywordProbability;
            string word = keyword ? w.Pick(options.Keywords) : w.Pick(options.OtherWords);
            int pick = w.Next(weightSum);
            TtsEngine engine = engines[0];
            foreach (TtsEngine e in engines)
            {
                if (pick < Weight(options, e))
                {
                    engine = e;
                    break;
                }

                pick -= Weight(options, e);
            }

            TtsVoice voice = w.Pick([.. options.Voices.Where(v => v.Engine == engine)]);
            UtteranceRequest request = UtteranceRequest.Draw(voice, word, w);
            int speed = w.NextInclusive(90, 110);
            double snr = w.Uniform(options.SnrMinDb, options.SnrMaxDb);
            double gap = w.NextDouble() < 0.1 ? w.Uniform(options.MaxGapSeconds, Math.Max(options.MaxGapSeconds, 3.0)) : w.Uniform(options.MinGapSeconds, options.MaxGapSeconds);
            plan.Add((request, keyword ? word : SpeechCorpus.UnknownLabel, speed, snr, gap));
        }

        // Words are placed one after another; a word is kept only when it ends 0.3 s before the end of the stream.
        TtsSynthesizer synthesizer = new(options.CacheDirectory ?? SpeechCorpus.DefaultCacheDirectory(), options.ToolPath);
        float[] audio = noiseSource.Generate(noiseKind, length, noiseSeed);
        float noiseAmplitude = (float)SpeechAudio.DbfsToAmplitude(noiseDbfs);
        for (int i = 0; i < audio.Length; i++)
        {
            audio[i] *= noiseAmplitude;
        }

        List<SpeechStreamEvent> events = [];
        int position = (int)(LeadSeconds * SpeechAudio.SampleRate);
        int limit = length - (int)(0.3 * SpeechAudio.SampleRate);
        int next = 0;
        while (next < plan.Count && position < limit)
        {
            // Synthesize the next few words together (festival batches), then place them.
            List<(UtteranceRequest Request, string Label, int Speed, double Snr, double Gap)> batch = [.. plan.Skip(next).Take(8)];
            synthesizer.Synthesize(batch.Select(b => b.Request), options.Parallelism);
            foreach ((UtteranceRequest request, string label, int speed, double snr, double gap) in batch)
            {
                next++;
                (float[] word, int _) = SpeechAudio.PrepareWord(synthesizer.Load(request), speed, SpeechAudio.ClipSamples);
                if (position + word.Length > limit)
                {
                    position = limit;
                    break;
                }

                (double gain, double _) = SpeechCorpusBuilder.Level(word, noiseDbfs + snr);
                for (int i = 0; i < word.Length; i++)
                {
                    audio[position + i] += (float)(word[i] * gain);
                }

                events.Add(new SpeechStreamEvent(label, request.Text, position, position + word.Length, request.Voice.Speaker));
                position += word.Length + (int)(gap * SpeechAudio.SampleRate);
            }
        }

        return new SpeechStreamResult
        {
            Pcm = SpeechAudio.ToPcm(audio),
            Words = events,
            Noise = noiseKind,
            NoiseDbfs = noiseDbfs,
        };
    }

    private static int Weight(SpeechStreamOptions options, TtsEngine engine) => options.EngineWeights.TryGetValue(engine, out int w) ? Math.Max(0, w) : 0;
}

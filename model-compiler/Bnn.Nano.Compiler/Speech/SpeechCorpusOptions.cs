using System;
using System.Collections.Generic;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>Everything that determines a keyword-spotting corpus (with the engines' versions and the noise files).</summary>
public sealed record SpeechCorpusOptions
{
    /// <summary>Seed of every random choice (voice, word, engine parameters, speed, level, SNR, noise, shift, order).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Training clips per class (the "unknown" class spreads them over the unknown words): 6,000 (72,000 clips, 2.2 GB), about a point of held-out accuracy more than 3,000 and two more than 1,500, one training run each, where a run's luck is worth about two points (KeywordSpotting.Options).</summary>
    public int TrainPerClass { get; init; } = 6000;

    /// <summary>Test clips per class.</summary>
    public int TestPerClass { get; init; } = 100;

    public IReadOnlyList<string> Keywords { get; init; } = SpeechCorpus.DefaultKeywords;

    public IReadOnlyList<string> UnknownWords { get; init; } = SpeechCorpus.DefaultUnknownWords;

    /// <summary>Speakers of the training split (default <see cref="SpeechVoices.Train"/>).</summary>
    public IReadOnlyList<TtsVoice> TrainVoices { get; init; } = SpeechVoices.Train;

    /// <summary>Speakers of the test split (default <see cref="SpeechVoices.Test"/>); must share no speaker with TRAIN.</summary>
    public IReadOnlyList<TtsVoice> TestVoices { get; init; } = SpeechVoices.Test;

    /// <summary>
    /// Relative share of each engine among a split's spoken clips (engines without voices in the split are skipped).
    /// Default espeak-ng 3, flite 1, festival 3: with the default voices both splits are 3/7 espeak-ng, 1/7 flite, 3/7 festival.
    /// </summary>
    public IReadOnlyDictionary<TtsEngine, int> EngineWeights { get; init; } = new Dictionary<TtsEngine, int>
    {
        [TtsEngine.EspeakNg] = 3,
        [TtsEngine.Flite] = 1,
        [TtsEngine.Festival] = 3,
    };

    /// <summary>Utterance cache; null = <see cref="SpeechCorpus.DefaultCacheDirectory"/>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Worker processes for synthesis and clip assembly.</summary>
    public int Parallelism { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Where to look for the engines (PATH syntax); null = PATH.</summary>
    public string? ToolPath { get; init; }

    /// <summary>Real noise recording to slice, when present; null = generated noise only.</summary>
    public string? AlsaNoisePath { get; init; } = NoiseSource.DefaultAlsaNoisePath;

    /// <summary>Speech-to-noise ratio range in dB (uniform).</summary>
    public double SnrMinDb { get; init; } = 5;

    public double SnrMaxDb { get; init; } = 30;

    /// <summary>RMS level of the spoken word in dBFS (uniform; lowered when the peak would exceed −1 dBFS).</summary>
    public double SpeechMinDbfs { get; init; } = -32;

    public double SpeechMaxDbfs { get; init; } = -14;

    /// <summary>RMS level of silence-class noise in dBFS (uniform).</summary>
    public double SilenceMinDbfs { get; init; } = -65;

    public double SilenceMaxDbfs { get; init; } = -20;

    /// <summary>Speed perturbation range in percent (uniform integer; 110 = 10% faster and higher).</summary>
    public int SpeedMinPercent { get; init; } = 90;

    public int SpeedMaxPercent { get; init; } = 110;

    /// <summary>Largest random shift of the word away from the clip centre, in ms (also bounded by the room left).</summary>
    public int MaxShiftMs { get; init; } = 100;

    /// <summary>Replace a different corpus already in the output folder.</summary>
    public bool Overwrite { get; init; }

    /// <summary>The --quick size: 30 training and 10 test clips per class.</summary>
    public static SpeechCorpusOptions Quick(int seed) => new() { Seed = seed, TrainPerClass = 30, TestPerClass = 10 };
}

/// <summary>Progress of a build: <see cref="Stage"/> is "synthesis" (distinct utterances) or "assembly" (clips).</summary>
public readonly record struct SpeechBuildProgress(string Stage, int Done, int Total);

using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>
/// One word to be spoken by one voice with engine parameters. <see cref="Rate"/> and <see cref="Pitch"/> mean:
/// <list type="bullet">
/// <item>espeak-ng: rate in words per minute (-s), pitch 0–99 (-p).</item>
/// <item>flite: rate = duration stretch in percent (100 = the voice's own tempo, higher = slower), pitch =
/// int_f0_target_mean in Hz (0 = the voice's own; rms ignores it, so it is always 0 there).</item>
/// <item>festival diphone voices: rate = Duration_Stretch in percent, pitch = target_f0_mean in Hz.</item>
/// <item>festival HTS voices (slt, ona): rate = duration in percent (hts_engine -r = 100 / rate), pitch = shift in semitones (-fm).</item>
/// </list>
/// </summary>
public sealed partial record UtteranceRequest(TtsVoice Voice, string Text, int Rate, int Pitch)
{
    /// <summary>Words are lower-case letters, apostrophes and single spaces: they go into a command line and a Scheme string.</summary>
    public static void ValidateText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!SafeText().IsMatch(text))
        {
            throw new ArgumentException($"'{text}' is not a plain lower-case word (a-z, apostrophe, single spaces)", nameof(text));
        }
    }

    /// <summary>"rate 150 wpm, pitch 40" and the like, for the index.</summary>
    public string Describe() => Voice.Engine switch
    {
        TtsEngine.EspeakNg => string.Create(CultureInfo.InvariantCulture, $"rate={Rate}wpm pitch={Pitch}"),
        TtsEngine.Flite => string.Create(CultureInfo.InvariantCulture, $"stretch={Rate}% f0={(Pitch == 0 ? "default" : Pitch + "Hz")}"),
        TtsEngine.Festival when IsHts(Voice) => string.Create(CultureInfo.InvariantCulture, $"duration={Rate}% shift={Pitch:+0;-0;0}st"),
        _ => string.Create(CultureInfo.InvariantCulture, $"stretch={Rate}% f0={Pitch}Hz"),
    };

    /// <summary>Draws engine parameters for <paramref name="voice"/> saying <paramref name="text"/>.</summary>
    internal static UtteranceRequest Draw(TtsVoice voice, string text, SeededRandom random)
    {
        switch (voice.Engine)
        {
            case TtsEngine.EspeakNg:
                return new(voice, text, 120 + (10 * random.NextInclusive(0, 10)), 20 + (5 * random.NextInclusive(0, 12)));
            case TtsEngine.Flite:
            {
                int stretch = 80 + (5 * random.NextInclusive(0, 10));
                int f0 = voice.Timbre switch
                {
                    "awb" => 90 + (10 * random.NextInclusive(0, 6)),
                    "slt" => 140 + (10 * random.NextInclusive(0, 8)),
                    "kal" => 80 + (10 * random.NextInclusive(0, 5)),
                    _ => 0,
                };
                return new(voice, text, stretch, f0);
            }

            case TtsEngine.Festival:
            {
                int stretch = 80 + (5 * random.NextInclusive(0, 10));
                int lowestF0 = voice.Timbre switch
                {
                    "lp" or "lj" or "dita" => 170, // female diphone voices
                    "krb" => 220, // child
                    _ => 80,
                };
                int pitch = IsHts(voice) ? random.NextInclusive(-3, 3) : lowestF0 + (10 * random.NextInclusive(0, 6));
                return new(voice, text, stretch, pitch);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(voice), voice.Engine, null);
        }
    }

    internal static bool IsHts(TtsVoice voice) => voice.Engine == TtsEngine.Festival && voice.Name.EndsWith("_hts", StringComparison.Ordinal);

    [GeneratedRegex("^[a-z']+( [a-z']+)*$")]
    private static partial Regex SafeText();
}

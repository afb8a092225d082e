using System;
using System.Collections.Generic;
using System.Linq;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>The Debian speech synthesizers the corpus uses, each run as a separate process.</summary>
public enum TtsEngine
{
    /// <summary>espeak-ng (formant synthesis): accent × voice variant × rate (words per minute) × pitch (0–99).</summary>
    EspeakNg,

    /// <summary>flite (CMU's small engine): voices awb, rms, slt (clustergen) and kal16 (diphone).</summary>
    Flite,

    /// <summary>festival with the festvox voices kal_diphone, ked_diphone and cmu_us_slt_arctic_hts.</summary>
    Festival,
}

/// <summary>
/// One synthetic speaker. <see cref="Speaker"/> is its identity in the corpus ("engine/name"); <see cref="Timbre"/> is
/// what makes it sound like a person: the espeak-ng voice variant, or the recorded human behind a flite/festival voice
/// (flite's kal16 and festival's kal_diphone are both built from the same person "kal"; flite's slt and festival's HTS
/// slt both from CMU ARCTIC's "slt"), so splits are kept disjoint in timbre, not only in name.
/// </summary>
/// <param name="Engine">Which synthesizer renders the voice.</param>
/// <param name="Name">The engine's voice name: espeak-ng "accent+variant" (e.g. en-us+m3), flite -voice name, festival voice_NAME.</param>
/// <param name="Accent">espeak-ng language/accent code; for flite and festival the accent of the recorded speaker.</param>
/// <param name="Timbre">espeak-ng variant, or the recorded speaker's id.</param>
public sealed record TtsVoice(TtsEngine Engine, string Name, string Accent, string Timbre)
{
    /// <summary>"espeak-ng/en-us+m3", "flite/awb", "festival/kal_diphone".</summary>
    public string Speaker => EngineName(Engine) + "/" + Name;

    /// <summary>The executable's name, as used in messages and the index ("espeak-ng", "flite", "festival").</summary>
    public static string EngineName(TtsEngine engine) => engine switch
    {
        TtsEngine.EspeakNg => "espeak-ng",
        TtsEngine.Flite => "flite",
        TtsEngine.Festival => "festival",
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, null),
    };

    /// <summary>The text this voice is given to say the English <paramref name="word"/> (respelled for non-English voices).</summary>
    public string SpokenText(string word) => ForeignSpelling.Spell(Accent, word);

    public static TtsVoice Espeak(string accent, string variant) => new(TtsEngine.EspeakNg, accent + "+" + variant, accent, variant);

    public override string ToString() => Speaker;
}

/// <summary>
/// The default voices of the keyword-spotting corpus and how they are split. TEST speakers are never heard in TRAIN:
/// <list type="bullet">
/// <item>espeak-ng: TRAIN = accents <see cref="TrainAccents"/> × variants <see cref="TrainVariants"/>; TEST = the held-out
/// accents <see cref="TestAccents"/> × the held-out variants <see cref="TestVariants"/> (whole variant families are held
/// out: iven*, steph*, the Diogo/Henrique/Hugo/michel/miguel/anika family, the gustave/marcelo/Mario/Michael family).</item>
/// <item>flite: TRAIN = awb, rms; TEST = kal16, slt (same recorded people as festival's kal and slt, so they cannot be in TRAIN).</item>
/// <item>festival: TEST = the English voices kal_diphone, ked_diphone, cmu_us_slt_arctic_hts; TRAIN = Italian, Catalan,
/// Czech and Finnish voices saying the words respelled in their own orthography (<see cref="ForeignSpelling"/>):
/// accented speakers whose recorded human timbres (four female, three male, one child) the espeak-ng and flite training
/// voices lack.</item>
/// </list>
/// espeak-ng variants left out altogether: robot and echo effects (robosoft*, RicishayMax*, UniRobot, anikaRobot,
/// Demonic), whisper/whisperf, caleb and klatt6 (render identically to klatt), fast, and the names with spaces or jokes
/// (Mr serious, Tweaky). mbrola voices need the non-free mbrola binary and are not used.
/// </summary>
public static class SpeechVoices
{
    /// <summary>espeak-ng accents of the training speakers.</summary>
    public static readonly IReadOnlyList<string> TrainAccents = ["en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-029"];

    /// <summary>espeak-ng accents heard only in the test split (New York City, Lancaster, West Midlands).</summary>
    public static readonly IReadOnlyList<string> TestAccents = ["en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd"];

    /// <summary>espeak-ng voice variants of the training speakers.</summary>
    public static readonly IReadOnlyList<string> TrainVariants =
    [
        "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4",
        "klatt", "klatt2", "klatt3", "klatt4", "klatt5",
        "Alex", "Alicia", "Andrea", "Andy", "Annie", "AnxiousAndy", "Denis", "Gene", "Gene2", "Jacky", "Lee", "Marco",
        "Mike", "Nguyen", "Storm", "adam", "announcer", "antonio", "aunty", "belinda", "benjamin", "boris", "croak",
        "david", "ed", "edward", "edward2", "grandpa", "john", "kaukovalta", "linda", "max", "norbert", "pablo", "paul",
        "pedro", "quincy", "rob", "robert", "travis", "victor", "zac",
    ];

    /// <summary>espeak-ng voice variants heard only in the test split.</summary>
    public static readonly IReadOnlyList<string> TestVariants =
    [
        "f5", "grandma", "sandro", "shelby",
        "Diogo", "Henrique", "Hugo", "michel", "miguel", "anika",
        "iven", "iven2", "iven3", "iven4",
        "steph", "steph2", "steph3",
        "gustave", "marcelo", "Mario", "Michael",
    ];

    /// <summary>flite voices of the training split (awb: Scottish English male; rms: US English male).</summary>
    public static readonly IReadOnlyList<TtsVoice> TrainFlite =
    [
        new(TtsEngine.Flite, "awb", "en-gb-scotland", "awb"),
        new(TtsEngine.Flite, "rms", "en-us", "rms"),
    ];

    /// <summary>flite voices of the test split (kal16: US male; slt: US female).</summary>
    public static readonly IReadOnlyList<TtsVoice> TestFlite =
    [
        new(TtsEngine.Flite, "kal16", "en-us", "kal"),
        new(TtsEngine.Flite, "slt", "en-us", "slt"),
    ];

    /// <summary>festival voices of the training split: non-English speakers saying respelled English words.</summary>
    public static readonly IReadOnlyList<TtsVoice> TrainFestival =
    [
        new(TtsEngine.Festival, "lp_diphone", "it", "lp"),
        new(TtsEngine.Festival, "pc_diphone", "it", "pc"),
        new(TtsEngine.Festival, "upc_ca_ona_hts", "ca", "ona"),
        new(TtsEngine.Festival, "suo_fi_lj_diphone", "fi", "lj"),
        new(TtsEngine.Festival, "hy_fi_mv_diphone", "fi", "mv"),
        new(TtsEngine.Festival, "czech_dita", "cs", "dita"),
        new(TtsEngine.Festival, "czech_machac", "cs", "machac"),
        new(TtsEngine.Festival, "czech_krb", "cs", "krb"),
    ];

    /// <summary>festival voices of the test split: kal and ked (US male diphone voices), slt (US female, HTS).</summary>
    public static readonly IReadOnlyList<TtsVoice> TestFestival =
    [
        new(TtsEngine.Festival, "kal_diphone", "en-us", "kal"),
        new(TtsEngine.Festival, "ked_diphone", "en-us", "ked"),
        new(TtsEngine.Festival, "cmu_us_slt_arctic_hts", "en-us", "slt"),
    ];

    /// <summary>Every training voice: espeak-ng train accents × train variants, the training flite and festival voices.</summary>
    public static IReadOnlyList<TtsVoice> Train { get; } =
        [.. TrainAccents.SelectMany(a => TrainVariants.Select(v => TtsVoice.Espeak(a, v))), .. TrainFlite, .. TrainFestival];

    /// <summary>Every test voice: espeak-ng held-out accents × held-out variants, the test flite voices, the festival voices.</summary>
    public static IReadOnlyList<TtsVoice> Test { get; } =
        [.. TestAccents.SelectMany(a => TestVariants.Select(v => TtsVoice.Espeak(a, v))), .. TestFlite, .. TestFestival];

    /// <summary>The apt package that provides a voice (beyond its engine's own package).</summary>
    public static string? VoicePackage(TtsVoice voice) => voice.Engine != TtsEngine.Festival ? null : voice.Name switch
    {
        "kal_diphone" => "festvox-kallpc16k",
        "ked_diphone" => "festvox-kdlpc16k",
        "cmu_us_slt_arctic_hts" => "festvox-us-slt-hts",
        "lp_diphone" => "festvox-italp16k",
        "pc_diphone" => "festvox-itapc16k",
        "upc_ca_ona_hts" => "festvox-ca-ona-hts",
        "suo_fi_lj_diphone" => "festvox-suopuhe-lj",
        "hy_fi_mv_diphone" => "festvox-suopuhe-mv",
        "czech_dita" => "festvox-czech-dita",
        "czech_machac" => "festvox-czech-machac",
        "czech_krb" => "festvox-czech-krb",
        _ => null,
    };
}

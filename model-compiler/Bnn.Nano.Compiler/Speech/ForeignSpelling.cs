using System;
using System.Collections.Generic;
using System.Linq;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>
/// English words respelled in the orthography of a non-English festival voice, so that an Italian, Catalan, Czech or
/// Finnish speaker says something close to the English word ("right" → Italian "rait", Czech "rajt"): accented
/// speakers with natural (recorded-diphone) timbres for the training split, where the English festival voices are all
/// held out for testing. Only plain a–z (the text goes into a Scheme string).
/// </summary>
public static class ForeignSpelling
{
    // Columns: Italian (it), Catalan (ca), Czech and Finnish (cs, fi: both read j as English y and spell /ai/ "aj").
    private static readonly Dictionary<string, (string It, string Ca, string CsFi)> s_words = new(StringComparer.Ordinal)
    {
        ["yes"] = ("ies", "ies", "jes"),
        ["no"] = ("nou", "nou", "nou"),
        ["up"] = ("ap", "ap", "ap"),
        ["down"] = ("daun", "daun", "daun"),
        ["left"] = ("left", "left", "left"),
        ["right"] = ("rait", "rait", "rajt"),
        ["on"] = ("on", "on", "on"),
        ["off"] = ("of", "of", "of"),
        ["stop"] = ("stop", "stop", "stop"),
        ["go"] = ("gou", "gou", "gou"),
        ["bed"] = ("bed", "bed", "bed"),
        ["bird"] = ("berd", "berd", "berd"),
        ["cat"] = ("ket", "ket", "ket"),
        ["dog"] = ("dog", "dog", "dog"),
        ["happy"] = ("hepi", "hepi", "hepi"),
        ["house"] = ("haus", "haus", "haus"),
        ["marvin"] = ("marvin", "marvin", "marvin"),
        ["sheila"] = ("scila", "xila", "sila"),
        ["tree"] = ("tri", "tri", "trii"),
        ["wow"] = ("uau", "uau", "vau"),
        ["zero"] = ("ziro", "ziro", "ziro"),
        ["one"] = ("uan", "uan", "van"),
        ["two"] = ("tu", "tu", "tuu"),
        ["three"] = ("tri", "tri", "tri"),
        ["four"] = ("for", "for", "for"),
        ["five"] = ("faiv", "faiv", "fajv"),
        ["six"] = ("siks", "siks", "siks"),
        ["seven"] = ("seven", "seven", "seven"),
        ["eight"] = ("eit", "eit", "ejt"),
        ["nine"] = ("nain", "nain", "najn"),
        ["backward"] = ("bekuord", "bekuord", "bekvord"),
        ["forward"] = ("foruord", "foruord", "forvord"),
        ["follow"] = ("folou", "folou", "folou"),
        ["learn"] = ("lern", "lern", "lern"),
        ["visual"] = ("vizual", "vijual", "vizual"),
        ["red"] = ("red", "red", "red"),
        ["blue"] = ("blu", "blu", "bluu"),
        ["game"] = ("gheim", "gueim", "gejm"),
        ["time"] = ("taim", "taim", "tajm"),
        ["water"] = ("uoter", "uoter", "voter"),
        ["hello"] = ("elou", "elou", "helou"),
    };

    /// <summary>Languages with a respelling column (a voice's <see cref="TtsVoice.Accent"/>).</summary>
    public static IReadOnlyList<string> Languages { get; } = ["it", "ca", "cs", "fi"];

    /// <summary>English accents ("en", "en-us", …) need no respelling.</summary>
    public static bool IsEnglish(string accent) => accent == "en" || accent.StartsWith("en-", StringComparison.Ordinal);

    /// <summary>Whether <paramref name="word"/> can be said in <paramref name="accent"/> (always, for English).</summary>
    public static bool CanSpell(string accent, string word) => IsEnglish(accent) || (Languages.Contains(accent) && s_words.ContainsKey(word));

    /// <summary>Throws, naming the voice and the word, when a non-English voice has no respelling of one of the words.</summary>
    public static void EnsureSayable(IEnumerable<TtsVoice> voices, IEnumerable<string> words)
    {
        string[] all = [.. words];
        foreach (TtsVoice v in voices)
        {
            string? unsayable = all.FirstOrDefault(w => !CanSpell(v.Accent, w));
            if (unsayable != null)
            {
                throw new ArgumentException($"voice {v.Speaker} (accent {v.Accent}) has no respelling of '{unsayable}': use English voices for other words");
            }
        }
    }

    /// <summary>The text a voice of <paramref name="accent"/> is given to say the English <paramref name="word"/>.</summary>
    public static string Spell(string accent, string word)
    {
        if (IsEnglish(accent))
        {
            return word;
        }

        if (!s_words.TryGetValue(word, out (string It, string Ca, string CsFi) spelled))
        {
            throw new ArgumentException($"no {accent} respelling of the word '{word}': non-English voices can only say the default keywords and unknown words");
        }

        return accent switch
        {
            "it" => spelled.It,
            "ca" => spelled.Ca,
            "cs" or "fi" => spelled.CsFi,
            _ => throw new ArgumentException($"no respelling table for accent '{accent}' (known: {string.Join(", ", Languages)})"),
        };
    }
}

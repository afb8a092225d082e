using System;
using System.Collections.Generic;
using System.Linq;
using Bnn.Nano.Compiler.Speech;
using Xunit;

namespace Bnn.Nano.Tests.Speech;

/// <summary>The documented split of the default voices: no test speaker, timbre or espeak-ng accent is heard in training.</summary>
public class SpeechVoicesTests
{
    [Fact]
    public void default_split_is_as_documented()
    {
        Assert.Equal(["en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-029"], SpeechVoices.TrainAccents);
        Assert.Equal(["en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd"], SpeechVoices.TestAccents);
        Assert.Equal(["awb", "rms"], SpeechVoices.TrainFlite.Select(v => v.Name));
        Assert.Equal(["kal16", "slt"], SpeechVoices.TestFlite.Select(v => v.Name));
        Assert.Equal(["kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"], SpeechVoices.TestFestival.Select(v => v.Name));
        Assert.Equal(59, SpeechVoices.TrainVariants.Count);
        Assert.Equal(21, SpeechVoices.TestVariants.Count);
        Assert.Equal((5 * 59) + 2 + 8, SpeechVoices.Train.Count);
        Assert.Equal((3 * 21) + 2 + 3, SpeechVoices.Test.Count);

        // festival: only non-English voices train, only English voices test.
        Assert.All(SpeechVoices.TrainFestival, v => Assert.False(ForeignSpelling.IsEnglish(v.Accent), v.Speaker));
        Assert.All(SpeechVoices.TestFestival, v => Assert.True(ForeignSpelling.IsEnglish(v.Accent), v.Speaker));
        Assert.All(SpeechVoices.Train.Concat(SpeechVoices.Test), v => Assert.True(v.Engine != TtsEngine.Festival || SpeechVoices.VoicePackage(v) != null, v.Speaker));
    }

    [Fact]
    public void every_default_word_can_be_said_by_every_voice()
    {
        string[] words = [.. SpeechCorpus.DefaultKeywords, .. SpeechCorpus.DefaultUnknownWords];
        ForeignSpelling.EnsureSayable(SpeechVoices.Train.Concat(SpeechVoices.Test), words);
        foreach (TtsVoice voice in SpeechVoices.Train.Concat(SpeechVoices.Test))
        {
            Assert.All(words, w => UtteranceRequest.ValidateText(voice.SpokenText(w)));
        }

        TtsVoice czech = SpeechVoices.TrainFestival.Single(v => v.Name == "czech_dita");
        Assert.Equal("rajt", czech.SpokenText("right"));
        Assert.Equal("right", SpeechVoices.TrainFlite[0].SpokenText("right"));
    }

    [Fact]
    public void a_foreign_voice_refuses_a_word_it_cannot_spell()
    {
        TtsVoice italian = SpeechVoices.TrainFestival.Single(v => v.Name == "lp_diphone");
        ArgumentException e = Assert.Throws<ArgumentException>(() => ForeignSpelling.EnsureSayable([italian], ["yes", "banana"]));
        Assert.Contains("festival/lp_diphone", e.Message, System.StringComparison.Ordinal);
        Assert.Contains("'banana'", e.Message, System.StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SpeechCorpusBuilder(new SpeechCorpusOptions { UnknownWords = ["banana"] }));
        Assert.Throws<ArgumentException>(() => SpeechStream.Generate(1, 10, new SpeechStreamOptions { Voices = [italian], OtherWords = ["banana"] }));
    }

    [Fact]
    public void train_and_test_share_no_speaker_timbre_or_espeak_accent()
    {
        IReadOnlyList<TtsVoice> train = SpeechVoices.Train;
        IReadOnlyList<TtsVoice> test = SpeechVoices.Test;
        Assert.Empty(train.Select(v => v.Speaker).Intersect(test.Select(v => v.Speaker)));
        Assert.Empty(train.Select(v => v.Timbre).Intersect(test.Select(v => v.Timbre)));
        Assert.Empty(train.Where(v => v.Engine == TtsEngine.EspeakNg).Select(v => v.Accent)
            .Intersect(test.Where(v => v.Engine == TtsEngine.EspeakNg).Select(v => v.Accent)));
        Assert.Equal(train.Count, train.Select(v => v.Speaker).Distinct().Count());
        Assert.Equal(test.Count, test.Select(v => v.Speaker).Distinct().Count());

        // Variant families stay on one side (iven*, steph*, klatt*, edward*, Gene*).
        foreach (string family in new[] { "iven", "steph", "klatt", "edward", "Gene" })
        {
            bool inTrain = SpeechVoices.TrainVariants.Any(v => v.StartsWith(family, System.StringComparison.Ordinal));
            bool inTest = SpeechVoices.TestVariants.Any(v => v.StartsWith(family, System.StringComparison.Ordinal));
            Assert.False(inTrain && inTest, family);
        }
    }
}

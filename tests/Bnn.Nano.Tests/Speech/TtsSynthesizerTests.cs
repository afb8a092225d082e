using System;
using System.IO;
using System.Linq;
using Bnn.Nano.Compiler.Speech;
using Xunit;

namespace Bnn.Nano.Tests.Speech;

/// <summary>
/// The synthesizer's cache promise: an utterance's audio depends on its request alone. It runs the real engines
/// (scripts/setup-test-data.sh installs them).
/// </summary>
public sealed class TtsSynthesizerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bnn-tts-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// festival renders up to 30 words of a voice in one process, and which words share a process depends on what the
    /// cache already holds. The Czech voices draw random numbers from a generator that runs on through the process:
    /// when they shared processes, "left" after two other words came out 480 samples longer than alone.
    /// </summary>
    [Fact]
    public void every_festival_voice_says_a_word_alike_alone_and_after_other_words_in_its_batch()
    {
        foreach (TtsVoice voice in SpeechVoices.Train.Concat(SpeechVoices.Test).Where(v => v.Engine == TtsEngine.Festival).Distinct())
        {
            var word = new UtteranceRequest(voice, "left", 100, 110);
            var alone = new TtsSynthesizer(Path.Combine(_folder, voice.Name + "-alone"));
            var batched = new TtsSynthesizer(Path.Combine(_folder, voice.Name + "-batched"));
            alone.Synthesize([word], parallelism: 1);
            batched.Synthesize([new UtteranceRequest(voice, "house", 80, 150), new UtteranceRequest(voice, "seven", 120, 90), word], parallelism: 1);

            short[] expected = alone.Load(word);
            Assert.True(expected.Length > 4000, $"{voice}: {expected.Length} samples");
            Assert.True(expected.AsSpan().SequenceEqual(batched.Load(word)), $"{voice}: 'left' differs after other words in the same festival process");
        }
    }

    /// <summary>
    /// Reseeding the Czech voices' generator per word still left 5 of about 1,700 Czech words (in a full corpus build)
    /// with a different ending after certain other words, so each Czech word gets a festival process of its own.
    /// </summary>
    [Fact]
    public void festival_czech_voices_render_each_word_in_a_process_of_its_own_and_the_others_in_batches()
    {
        foreach (TtsVoice voice in SpeechVoices.Train.Concat(SpeechVoices.Test).Distinct())
        {
            int expected = voice.Engine == TtsEngine.Festival && !voice.Name.StartsWith("czech_", StringComparison.Ordinal) ? TtsSynthesizer.FestivalBatch : 1;
            Assert.Equal(expected, TtsSynthesizer.WordsPerProcess(voice));
        }
    }
}

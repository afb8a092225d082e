using System;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using Bnn.Nano.Compiler.Data;
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
    /// A word's audio must not depend on the words synthesised with it (which depends on what the cache already holds).
    /// festival used to render up to 30 words of a voice in one process; the Czech voices' generator then ran on from
    /// word to word ("left" after two other words came out 480 samples longer than alone).
    /// </summary>
    [Fact]
    public void every_festival_voice_says_a_word_alike_alone_and_among_other_words()
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
    /// festival reads past the end of a track in every diphone utterance, and with randomised addresses what it reads
    /// there is now and then a heap pointer: in two builds of the full corpus from empty caches 6 of about 1,000 words
    /// by the Italian voice pc_diphone ended in a burst of noise in one build and not in the other. So festival runs
    /// under setarch -R (and the cache keys of its words say so, so that entries rendered otherwise are not reused).
    /// </summary>
    [Fact]
    [SupportedOSPlatform("linux")] // festival and setarch: the corpus is built on Debian
    public void festival_runs_under_setarch_with_address_randomisation_off()
    {
        // A setarch on the tool path that logs its arguments and hands over to the real one.
        string tools = Path.Combine(_folder, "logging-tools");
        Directory.CreateDirectory(tools);
        string log = Path.Combine(_folder, "setarch.log");
        string launcher = Path.Combine(tools, TtsSynthesizer.FestivalLauncher);
        File.WriteAllText(launcher, $"#!/bin/sh\necho \"$@\" >> '{log}'\nexec /usr/bin/setarch \"$@\"\n");
        File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(Path.Combine(tools, "festival"), "/usr/bin/festival");
        var synthesizer = new TtsSynthesizer(Path.Combine(_folder, "logged"), tools);
        TtsVoice festival = SpeechVoices.Train.First(v => v.Engine == TtsEngine.Festival);
        var word = new UtteranceRequest(festival, "left", 100, 110);

        synthesizer.Synthesize([word], parallelism: 1);

        Assert.True(synthesizer.Load(word).Length > 4000);
        string[] calls = File.ReadAllLines(log);
        Assert.Contains(calls, c => c.StartsWith("-R " + Path.Combine(tools, "festival") + " --batch ", StringComparison.Ordinal));
        Assert.All(calls, c => Assert.StartsWith("-R ", c, StringComparison.Ordinal));
    }

    [Fact]
    public void festival_without_its_launcher_is_a_clear_error_naming_the_package()
    {
        string tools = Path.Combine(_folder, "tools");
        Directory.CreateDirectory(tools);
        File.CreateSymbolicLink(Path.Combine(tools, "festival"), "/usr/bin/festival");
        var synthesizer = new TtsSynthesizer(Path.Combine(_folder, "no-setarch"), tools);
        TtsVoice festival = SpeechVoices.Train.First(v => v.Engine == TtsEngine.Festival);
        var error = Assert.Throws<DatasetMissingException>(() => synthesizer.Synthesize([new UtteranceRequest(festival, "left", 100, 110)], parallelism: 1));
        Assert.Contains("setarch", error.Message, StringComparison.Ordinal);
        Assert.Contains("util-linux", error.Message, StringComparison.Ordinal);
    }
}

using System;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using Bnn.Nano.Cli.Commands;
using Bnn.Nano.Cli.Emulation;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.Emulator;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.Cli;

/// <summary>`bnnc kws --wav` and `bnnc kws-streams` with the repository's keyword model (firmware/Bnn.Nano.Node/Board/KeywordModel.bnn).</summary>
[Collection(ConsoleCollection.Name)]
public sealed class KwsCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bnnc-kws-wav-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void kws_prints_the_detections_of_the_emulated_node_for_a_wav_file()
    {
        SpeechStreamResult stream = SpeechStream.Generate(3, 12, new SpeechStreamOptions { Voices = SpeechVoices.Train });
        string wav = Path.Combine(_folder, "stream.wav");
        WavFile.Mono(stream.SampleRate, stream.Pcm).Write(wav);
        BnnModel model = BlobReader.Load(File.ReadAllBytes(KwsCommand.DefaultModelPath()));
        KeywordReplayResult expected = KeywordNodeReplay.RunRecording(model, SpeechCorpus.ClassNamesFor(SpeechCorpus.DefaultKeywords), new PcmRecording(stream.SampleRate, stream.Pcm));

        (int code, string output) = BnncConsole.Run("kws", "--wav", wav);
        Assert.True(code == 0, output);
        Assert.Contains($"{expected.Inferences:N0} inferences, {expected.Detections.Count} detections", output, StringComparison.Ordinal);
        Assert.DoesNotContain("resampled", output, StringComparison.Ordinal);
        Assert.Contains($"classifications won: {expected.ClassesWon(SpeechCorpus.ClassNamesFor(SpeechCorpus.DefaultKeywords))}", output, StringComparison.Ordinal);
        foreach (KeywordDetection d in expected.Detections)
        {
            Assert.Matches($@"{d.Seconds:F2}\s*│\s*{d.Label}\s*│", output);
        }

        // A 48 kHz recording is converted to the model's 16 kHz first, and says so.
        string loud = Path.Combine(_folder, "stream-48k.wav");
        WavFile.Mono(48000, Resampler.Resample(stream.Pcm, stream.SampleRate, 48000)).Write(loud);
        (code, output) = BnncConsole.Run("kws", "--wav", loud);
        Assert.True(code == 0, output);
        Assert.Contains("resampled from 48,000 Hz to the model's 16,000 Hz", output, StringComparison.Ordinal);
        Assert.Contains($"{expected.Inferences:N0} inferences", output, StringComparison.Ordinal);

        // A stereo recording is mixed down to the mono microphone's signal (both channels alike: the same result).
        string stereo = Path.Combine(_folder, "stream-stereo.wav");
        short[] interleaved = new short[2 * stream.Pcm.Length];
        for (int i = 0; i < stream.Pcm.Length; i++)
        {
            interleaved[2 * i] = interleaved[(2 * i) + 1] = stream.Pcm[i];
        }

        new WavFile(stream.SampleRate, 2, interleaved).Write(stereo);
        (code, output) = BnncConsole.Run("kws", "--wav", stereo);
        Assert.True(code == 0, output);
        Assert.Contains("mixed 2 channels down to one", output, StringComparison.Ordinal);
        Assert.Contains($"{expected.Inferences:N0} inferences, {expected.Detections.Count} detections", output, StringComparison.Ordinal);

        (code, output) = BnncConsole.Run("kws", "--wav", Path.Combine(_folder, "missing.wav"));
        Assert.Equal(1, code);
        Assert.Contains("missing.wav", output, StringComparison.Ordinal);
    }

    [Fact]
    public void kws_streams_scores_the_node_per_stream_and_over_a_grid_of_detector_settings()
    {
        (int code, string output) = BnncConsole.Run("kws-streams", "--seeds", "3,4", "--seconds", "20", "--tune");
        Assert.True(code == 0, output);
        Assert.Matches(@"│\s*3\s*│\s*\d+\s*│\s*\d+\s*│\s*\d+\s*│\s*\d+\s*│\s*[01]\.\d{3}\s*│", output);
        Assert.Matches(@"node defaults \(average 4, threshold 0\.70, suppression 0\.7 s\): F1 [01]\.\d{3}", output);
        Assert.Contains("best detector settings", output, StringComparison.Ordinal);
        Assert.Equal(10, Regex.Matches(output, @"│\s*[1-6]\s*│\s*0\.\d\s*│\s*[01]\.\d\s*│").Count);

        // --errors lists one row per false positive and per false negative of the streams' table.
        (code, output) = BnncConsole.Run("kws-streams", "--seeds", "3", "--seconds", "20", "--errors");
        Assert.True(code == 0, output);
        Match counts = Regex.Match(output, @"│\s*3\s*│\s*\d+\s*│\s*\d+\s*│\s*(\d+)\s*│\s*(\d+)\s*│");
        Assert.True(counts.Success, output);
        Assert.Equal(int.Parse(counts.Groups[1].Value, CultureInfo.InvariantCulture), Regex.Matches(output, "false alarm").Count);
        Assert.Equal(int.Parse(counts.Groups[2].Value, CultureInfo.InvariantCulture), Regex.Matches(output, "│ missed").Count);
        // Each miss says what the node heard there: the keyword's best posterior nearby and the class that won most.
        Assert.Equal(int.Parse(counts.Groups[2].Value, CultureInfo.InvariantCulture), Regex.Matches(output, @"│ missed\s*│ \w+ ≤ [01]\.\d\d, mostly \w+").Count);

        (code, output) = BnncConsole.Run("kws-streams", "--seeds", "9-3");
        Assert.Equal(1, code);
        Assert.Contains("--seeds '9-3'", output, StringComparison.Ordinal);
        (code, output) = BnncConsole.Run("kws-streams", "--voices", "everyone");
        Assert.Equal(1, code);
        Assert.Contains("--voices everyone", output, StringComparison.Ordinal);
        (code, output) = BnncConsole.Run("kws-streams", "--seconds", "0");
        Assert.Equal(1, code);
        Assert.Contains("--seconds 0: a stream lasts more than 0 s", output, StringComparison.Ordinal);
    }
}

using System;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using Bnn.Nano.Cli.Commands;
using Bnn.Nano.Cli.Emulation;
using Bnn.Nano.Compiler.Cost;
using Bnn.Nano.Compiler.Emit;
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
        Assert.Matches($@"node settings \({ShippedDetectorSettings()}\): F1 [01]\.\d{{3}}", output);
        Assert.Matches(@"event time − keyword centre over \d+ true detections: mean [+−]\d\.\d{3} s, [+−]\d\.\d{3}\.\.[+−]\d\.\d{3} s, \d+ beyond ±0\.3 s", output);
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
        (code, output) = BnncConsole.Run("kws-streams", "--seeds", "99999999999");
        Assert.Equal(1, code);
        Assert.Contains("--seeds '99999999999'", output, StringComparison.Ordinal);
        (code, output) = BnncConsole.Run("kws-streams", "--voices", "everyone");
        Assert.Equal(1, code);
        Assert.Contains("--voices everyone", output, StringComparison.Ordinal);
        (code, output) = BnncConsole.Run("kws-streams", "--seconds", "0");
        Assert.Equal(1, code);
        Assert.Contains("--seconds 0: a stream lasts more than 0 s", output, StringComparison.Ordinal);
    }

    [Fact]
    public void at_a_device_speed_the_node_takes_its_il_counts_time_and_loses_what_the_dma_ring_cannot_hold()
    {
        byte[] blob = File.ReadAllBytes(KwsCommand.DefaultModelPath());
        BnnModel model = BlobReader.Load(blob);
        var names = SpeechCorpus.ClassNamesFor(SpeechCorpus.DefaultKeywords);
        SpeechStreamResult stream = SpeechStream.Generate(3, 20, new SpeechStreamOptions { Voices = SpeechVoices.Train });
        StreamingCost cost = StreamingCost.Measure(blob);
        KeywordReplayResult untimed = KeywordNodeReplay.Run(model, names, stream.Pcm, stream.SampleRate);

        // Far faster than real time: the same classifications and detections; the board clock ran by the audio
        // plus the last steps' work.
        KeywordReplayResult fast = KeywordNodeReplay.Run(model, names, stream.Pcm, stream.SampleRate, timing: DeviceTiming.At(cost, 1e12));
        Assert.Equal(0, fast.Overruns);
        Assert.Equal(untimed.InferenceClasses, fast.InferenceClasses);
        Assert.Equal(untimed.Detections, fast.Detections);

        // Just fast enough (5% over what bnnc inspect prints): a second of audio's IL in a second, and a full run
        // within the 128-ms ring. Just too slow (5% under) loses audio.
        double enough = cost.KeepsUpFromIlPerSecond(2048) * 1.05;
        KeywordReplayResult tooSlow = KeywordNodeReplay.Run(model, names, stream.Pcm, stream.SampleRate, timing: DeviceTiming.At(cost, enough / 1.05 * 0.95));
        Assert.True(tooSlow.Overruns > 0, "no audio lost 5% below the speed the node needs");
        KeywordReplayResult keepsUp = KeywordNodeReplay.Run(model, names, stream.Pcm, stream.SampleRate, timing: DeviceTiming.At(cost, enough));
        Assert.Equal(0, keepsUp.Overruns);
        Assert.Equal(untimed.InferenceClasses, keepsUp.InferenceClasses);
        Assert.True(keepsUp.VirtualSeconds > untimed.VirtualSeconds, $"{keepsUp.VirtualSeconds} s on the clock");

        // The pure interpreter (4 M IL/s): a hop's front end alone takes longer than the hop, so the ring overflows
        // again and again and the window never fills; every loss is counted and the stream position stays the audio's.
        DeviceTiming interpreter = DeviceTiming.At(cost, 4e6);
        Assert.True(interpreter.HopMicroseconds > 20_000, $"{interpreter.HopMicroseconds} µs per 20-ms hop");
        KeywordReplayResult slow = KeywordNodeReplay.Run(model, names, stream.Pcm, stream.SampleRate, timing: interpreter);
        Assert.True(slow.Overruns > 10, $"{slow.Overruns} overruns");
        Assert.InRange(slow.LostSeconds, 0.01, slow.AudioSeconds);
        Assert.Equal(0, slow.Inferences);
        Assert.InRange(slow.AudioSeconds, stream.Pcm.Length / (double)stream.SampleRate, (stream.Pcm.Length / (double)stream.SampleRate) + 0.02);

        // The commands print it; bad values are named.
        (int code, string output) = BnncConsole.Run("kws-streams", "--seeds", "3", "--seconds", "20", "--device-speed", "4");
        Assert.True(code == 0, output);
        Assert.Contains($"the node fell behind and lost audio {slow.Overruns:N0} times", output, StringComparison.Ordinal);
        Assert.Contains("the DMA ring holds 2,048 samples", output, StringComparison.Ordinal);
        Assert.Contains("F1 0.000", output, StringComparison.Ordinal);
        string wav = Path.Combine(_folder, "stream.wav");
        WavFile.Mono(stream.SampleRate, stream.Pcm).Write(wav);
        (code, output) = BnncConsole.Run("kws", "--wav", wav, "--device-speed", "4", "--dma-buffer-bytes", "16384");
        Assert.True(code == 0, output);
        Assert.Contains("0 inferences", output, StringComparison.Ordinal);
        Assert.Contains("the DMA ring holds 4,096 samples", output, StringComparison.Ordinal);
        (code, output) = BnncConsole.Run("kws-streams", "--seeds", "3", "--device-speed", "4", "--tune");
        Assert.Equal(1, code);
        Assert.Contains("--tune", output, StringComparison.Ordinal);
        (code, output) = BnncConsole.Run("kws-streams", "--seeds", "3", "--device-speed", "0");
        Assert.Equal(1, code);
        Assert.Contains("--device-speed 0 is not a positive number", output, StringComparison.Ordinal);
        (code, output) = BnncConsole.Run("kws-streams", "--seeds", "3", "--device-speed", "4", "--dma-buffer-bytes", "3000");
        Assert.Equal(1, code);
        Assert.Contains("--dma-buffer-bytes 3000 is not a multiple of 1024", output, StringComparison.Ordinal);
    }

    [Fact]
    public void kws_tune_writes_a_copy_with_the_hop_and_the_detector_chosen_on_the_streams_and_the_layers_untouched()
    {
        string tuned = Path.Combine(_folder, "tuned.bnn");
        (int code, string output) = BnncConsole.Run("kws-tune", "--hop-ms", "160", "--seeds", "3,4", "--check-seeds", "5", "--seconds", "20", "-o", tuned);
        Assert.True(code == 0, output);

        // The tuned row names the chosen detector; the blob carries it and the 160-ms hop (2,560 samples at 16 kHz).
        Match row = Regex.Match(output, @"│ tuned\.bnn\s*│ 160 ms\s*│ average (\d), threshold (0\.\d\d), suppression (\d\.\d) s\s*│ ([01]\.\d{3}) ");
        Assert.True(row.Success, output);
        Assert.Matches($@"│ KeywordModel\.bnn\s*│ 100 ms\s*│ {ShippedDetectorSettings()}\s*│ [01]\.\d{{3}} ", output);
        byte[] original = File.ReadAllBytes(KwsCommand.DefaultModelPath());
        byte[] written = File.ReadAllBytes(tuned);
        var properties = BlobProperties.Read(written);
        Assert.Equal(2560, properties[ModelProperty.WindowHop]);
        Assert.Equal(int.Parse(row.Groups[1].Value, CultureInfo.InvariantCulture), properties[ModelProperty.DetectorAverageCount]);
        Assert.Equal((int)Math.Round(double.Parse(row.Groups[2].Value, CultureInfo.InvariantCulture) * 32768), properties[ModelProperty.DetectorThresholdQ15]);
        Assert.Equal((int)Math.Round(double.Parse(row.Groups[3].Value, CultureInfo.InvariantCulture) * 1000), properties[ModelProperty.DetectorSuppressionMs]);

        // The C# tables beside it build the same model (properties included) as the blob.
        BnnModel fromTables = Compiler.GeneratedTablesTests.CreateFromTables(File.ReadAllText(Path.Combine(_folder, "KeywordModel.g.cs")), "Bnn.Nano.Node.Board.KeywordModel");
        Assert.Equal(2560, fromTables.GetProperty(ModelProperty.WindowHop, 0));
        Assert.Equal(properties[ModelProperty.DetectorThresholdQ15], fromTables.GetProperty(ModelProperty.DetectorThresholdQ15, 0));
        Assert.Contains($"0x{BlobWriter.ModelHash(written):X8}", File.ReadAllText(Path.Combine(_folder, "KeywordModel.g.cs")), StringComparison.Ordinal);

        // The F1 printed for the tuning streams is what the node scores with the written blob on them.
        BnnModel model = BlobReader.Load(written);
        var names = SpeechCorpus.ClassNamesFor(SpeechCorpus.DefaultKeywords);
        KeywordDetectorSetting replayed = KeywordDetectorTuning.AtNodeSettings(model, names, KeywordNodeReplay.RunStreams(model, names, [3, 4], 20, SpeechVoices.Train));
        Assert.Equal(row.Groups[4].Value, replayed.F1.ToString("F3", CultureInfo.InvariantCulture));

        // Same scores as the original on any input: only properties changed.
        BnnModel before = BlobReader.Load(original);
        byte[] input = new byte[before.InputLength];
        new Random(7).NextBytes(input);
        Assert.Equal(before.Run(input), model.Run(input));
        Assert.Equal(before.Scores, model.Scores);
        Assert.Equal(before.Run(input), fromTables.Run(input));
        Assert.Equal(before.Scores, fromTables.Scores);

        // Nothing is overwritten: not an existing file without --force, never the input model. Bad input is named.
        string other = Path.Combine(_folder, "elsewhere", "other.bnn");
        (code, output) = BnncConsole.Run("kws-tune", "--seeds", "3", "--check-seeds", "5", "--seconds", "20", "-o", tuned);
        Assert.Equal(1, code);
        Assert.Contains("refusing to overwrite tuned.bnn, KeywordModel.g.cs", output, StringComparison.Ordinal);
        Assert.Equal(written, File.ReadAllBytes(tuned));
        (code, output) = BnncConsole.Run("kws-tune", "-m", tuned, "-o", tuned, "--force");
        Assert.Equal(1, code);
        Assert.Contains("is the input model", output, StringComparison.Ordinal);
        (code, output) = BnncConsole.Run("kws-tune", "--hop-ms", "150", "-o", other);
        Assert.Equal(1, code);
        Assert.Contains("--hop-ms 150: the hop must be a positive multiple of the front end's 20 ms hop", output, StringComparison.Ordinal);
        (code, output) = BnncConsole.Run("kws-tune", "--check-seeds", "x", "-o", other);
        Assert.Equal(1, code);
        Assert.Contains("--check-seeds 'x'", output, StringComparison.Ordinal);
        Assert.False(File.Exists(other));

        // A blob that is not a keyword model, or not a blob, is named in the error.
        string gesture = Path.Combine(_folder, "gesture.bnn");
        File.WriteAllBytes(gesture, BlobProperties.With(original, new System.Collections.Generic.Dictionary<int, int> { [16] = 99 }));
        (code, output) = BnncConsole.Run("kws-tune", "-m", gesture, "-o", other);
        Assert.Equal(1, code);
        Assert.Contains("99", output, StringComparison.Ordinal);
        File.WriteAllBytes(gesture, original[..100]);
        (code, output) = BnncConsole.Run("kws-tune", "-m", gesture, "-o", other);
        Assert.Equal(1, code);
        Assert.Contains("error", output, StringComparison.Ordinal);
        Assert.False(File.Exists(other));
    }

    /// <summary>The detector settings the shipped blob makes the node use, as the commands print them (a regex).</summary>
    private static string ShippedDetectorSettings() =>
        Regex.Escape(KeywordDetectorTuning.OfNode(BlobReader.Load(File.ReadAllBytes(KwsCommand.DefaultModelPath())), []).Describe());
}

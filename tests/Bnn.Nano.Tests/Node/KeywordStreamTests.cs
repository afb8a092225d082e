using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Bnn.Nano.Cli.Emulation;
using Bnn.Nano.Compiler;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.Devices.Audio;
using Bnn.Nano.Devices.Buses;
using Bnn.Nano.Devices.Led;
using Bnn.Nano.Emulator;
using Bnn.Nano.FrontEnd;
using Bnn.Nano.Node;
using Bnn.Nano.Runtime.Model;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.Node;

/// <summary>
/// The keyword node end to end on the emulated board with the device's own model tables
/// (firmware/Bnn.Nano.Node/Board/KeywordModel.g.cs, written by the kws-cnn benchmark recipe): a 75-s stream of
/// synthetic speech (keywords among other words at random gaps, over noise at 10–30 dB SNR) played by the emulated
/// INMP441 in real time on the virtual clock, read by the real driver.
/// <para>
/// The stream's words are spoken by the corpus's training voices (new renditions: rate, pitch, level, noise and
/// placement are drawn for the stream): this test proves the streaming node (ring buffer, features per hop, sliding
/// window, smoothing, events) against known keyword times. How well the model generalises to voices never heard
/// is a property of the model, measured on the held-out-voice split by the kws-cnn benchmark and on held-out-voice
/// streams by <c>bnnc kws-streams --voices test</c>.
/// </para>
/// </summary>
public sealed class KeywordStreamTests : IClassFixture<KeywordStreamTests.Stream>
{
    /// <summary>One 75-s training-voice stream and the node's run over it, shared by the tests below.</summary>
    public sealed class Stream
    {
        public const int Seed = 11;
        public const double Seconds = 75;

        public Stream()
        {
            Model = DeviceTablesModel();
            Audio = SpeechStream.Generate(Seed, Seconds, new SpeechStreamOptions { Voices = SpeechVoices.Train });
            ClassNames = SpeechCorpus.ClassNamesFor(SpeechCorpus.DefaultKeywords);
            Result = KeywordNodeReplay.Run(Model, ClassNames, Audio.Pcm, Audio.SampleRate);
        }

        public BnnModel Model { get; }

        public SpeechStreamResult Audio { get; }

        public IReadOnlyList<string> ClassNames { get; }

        internal KeywordReplayResult Result { get; }
    }

    private readonly ITestOutputHelper _output;
    private readonly Stream _stream;

    public KeywordStreamTests(ITestOutputHelper output, Stream stream)
    {
        _output = output;
        _stream = stream;
    }

    internal static BnnModel DeviceTablesModel()
    {
        string path = Path.Combine(RepoPaths.Firmware, "Bnn.Nano.Node", "Board", "KeywordModel.g.cs");
        return Compiler.GeneratedTablesTests.CreateFromTables(File.ReadAllText(path), "Bnn.Nano.Node.Board.KeywordModel");
    }

    [Fact]
    public void a_75_second_stream_of_keywords_among_other_words_is_detected_with_f1_of_at_least_0_90_within_half_a_second()
    {
        SpeechStreamResult audio = _stream.Audio;
        KeywordReplayResult result = _stream.Result;
        DetectionScore score = DetectionScore.Score(audio.Words, result.Detections, audio.SampleRate, toleranceSeconds: 0.5);
        foreach (SpeechStreamEvent word in audio.Words)
        {
            _output.WriteLine($"said {word.Word,-8} ({word.Label}) {word.StartSample / (double)audio.SampleRate:F2}–{word.EndSample / (double)audio.SampleRate:F2} s by {word.Speaker}");
        }

        foreach (KeywordDetection d in result.Detections)
        {
            _output.WriteLine($"detected {d.Label,-8} at {d.Seconds:F2} s ({d.Confidence:P0})");
        }

        _output.WriteLine($"{score}: precision {score.Precision:P1}, recall {score.Recall:P1}, F1 {score.F1:F3}");
        Assert.True(audio.Keywords.Count >= 15, $"the stream holds only {audio.Keywords.Count} keywords");
        Assert.True(audio.Words.Count > audio.Keywords.Count, "the stream holds no other words");
        // Issue 4 asks for F1 ≥ 0.90. The current keyword model (81.92% on held-out voices) reaches 0.960 on this stream
        // (TP 24, FP 1, FN 1) with the detector settings it carries, which `bnnc kws-tune` chose on other streams
        // (seeds 21-60: 0.947 there, 0.954 on seeds 61-80), never on this one. (The models before it: 0.906, 0.902.)
        Assert.True(score.F1 >= 0.90, $"detection F1 {score.F1:F3} (TP {score.TruePositives}, FP {score.FalsePositives}, FN {score.FalseNegatives})");
    }

    [Fact]
    public void a_detection_is_timed_where_its_keyword_was_spoken()
    {
        // The event time estimates the word's own time (KeywordDetector.HeardMicroseconds), not the decision 0.7 s later.
        SpeechStreamResult audio = _stream.Audio;
        IReadOnlyList<double> offsets = DetectionScore.TimingOffsets(audio.Words, _stream.Result.Detections, audio.SampleRate);

        _output.WriteLine($"event time − word centre over {offsets.Count} detections: mean {offsets.Average():F3} s, range {offsets.Min():F3}..{offsets.Max():F3} s");
        Assert.True(offsets.Count >= 15, $"{offsets.Count} detections matched a keyword");
        // The events come early on average (the network is surest while the word is still right of the window's
        // centre); the decision time would put them 0.5–0.8 s after it. On 40 other streams (`bnnc kws-streams --seeds
        // 21-60`) the shipped model's events lie from 0.36 s before to 0.25 s after their words' centres, mean −0.15 s,
        // 26 of 898 beyond ±0.3 s (the model before it: −0.43..+0.14 s, mean −0.18 s, 40 of 903), so a stream of 25
        // keywords may hold one or two such events; on this one: mean −0.14 s, −0.34..+0.02 s.
        Assert.InRange(offsets.Average(), -0.2, 0.2);
        Assert.True(offsets.Count(o => Math.Abs(o) > 0.3) <= offsets.Count / 10, $"{offsets.Count(o => Math.Abs(o) > 0.3)} of {offsets.Count} events more than 0.3 s from their word's centre");
        Assert.All(offsets, o => Assert.InRange(o, -0.5, 0.5));
    }

    [Fact]
    public void replaying_the_recorded_posteriors_through_the_detector_gives_the_nodes_own_detections()
    {
        // bnnc kws-streams --tune scores detector settings this way, so at the node's settings (those the model
        // carries) it must agree exactly.
        KeywordDetectorSetting replayed = KeywordDetectorTuning.AtNodeSettings(_stream.Model, _stream.ClassNames, [(_stream.Audio, _stream.Result)]);
        DetectionScore live = DetectionScore.Score(_stream.Audio.Words, _stream.Result.Detections, _stream.Audio.SampleRate);
        Assert.Equal(live, replayed.Score);
        Assert.Equal(_stream.Result.Inferences * _stream.Model.ClassCount, _stream.Result.InferencePosteriors.Length);
    }

    [Fact]
    public void the_steady_state_loop_allocates_nothing_and_runs_in_real_time_on_the_board_clock()
    {
        KeywordReplayResult result = _stream.Result;
        Assert.True(result.SteadyStateSteps > 3000, $"{result.SteadyStateSteps} steps measured");
        Assert.Equal(0, result.SteadyStateAllocatedBytes);

        // The microphone delivers audio at its rate: the board clock advanced by the audio read (to within one sample).
        Assert.InRange(result.VirtualSeconds, result.AudioSeconds - 1e-4, result.AudioSeconds + 1e-4);
        Assert.True(result.Detections.Count == 0 || result.LedChanges >= 2 * result.Detections.Count, $"{result.LedChanges} LED changes for {result.Detections.Count} detections");
    }

    [Fact]
    public void every_classification_of_the_node_equals_the_offline_runtime_on_the_same_samples()
    {
        // Offline: the compiler's feature extraction (frames at offsets 0, hop, ... of the window's samples through
        // AudioFrontEnd.ProcessFrame, not the node's streaming FeatureWindow) and the blob-equivalent model, every row
        // computed (Run). The node ran RunStreaming: each inference after the first reused the rows of the first layer
        // that its 5 new frames leave unchanged.
        KeywordReplayResult result = _stream.Result;
        Assert.Equal(5, _stream.Model.StreamingSlideRows);
        Assert.Equal(42, _stream.Model.StreamingReusedRows);
        BnnModel offline = DeviceTablesModel();
        short[] pcm = _stream.Audio.Pcm;
        FrontEndConfig config = FrontEndConfig.FromProperties(Keys(offline), Values(offline));
        int span = config.InputSpanSamples;
        short[] window = new short[span];
        Assert.True(result.Inferences > 500, $"{result.Inferences} inferences");
        for (int i = 0; i < result.Inferences; i++)
        {
            // The node's last frame ends at the last whole hop it read.
            long end = result.InferenceSamples[i] - ((result.InferenceSamples[i] - config.WindowLength) % config.HopLength);
            long start = end - span;
            for (int s = 0; s < span; s++)
            {
                long at = start + s;
                window[s] = at < pcm.Length ? pcm[at] : (short)0;
            }

            int expected = offline.Run(KeywordSpotting.Features(window, config));
            Assert.True(expected == result.InferenceClasses[i], $"inference {i} (window ending at sample {end}): node {result.InferenceClasses[i]}, offline {expected}");
        }
    }

    [Fact]
    public void a_failing_microphone_read_is_reported_and_the_node_goes_on_without_a_window_across_the_gap()
    {
        var clock = new VirtualClock();
        var microphone = new EmulatedInmp441(clock, new PcmRecording(16000, _stream.Audio.Pcm[..(16000 * 6)]), KeywordNodeReplay.GainBits);
        var driver = new Inmp441Microphone(microphone, 16000, KeywordNodeReplay.GainBits, Inmp441Microphone.DefaultBufferSamples);
        var pin = new EmulatedDigitalOutput(clock);
        var node = new KeywordNode(_stream.Model, driver, clock, new StatusLed(pin));
        var statuses = new List<int>();
        node.StatusChanged = (status, detail, time) => statuses.Add(status);
        while (node.SamplesRead < 16000 * 2)
        {
            node.Step();
        }

        int inferences = node.Inferences;
        microphone.InjectReadErrors(3, BusError.Timeout);
        node.Step();
        node.Step();
        node.Step();
        Assert.Equal(3, node.BusErrors);
        Assert.Equal(inferences, node.Inferences);
        Assert.Equal(3, statuses.Count(s => s == NodeStatus.BusError));

        // After the gap the window must fill again (49 frames ≈ 1 s) before the next classification.
        long resumed = node.SamplesRead;
        while (node.Inferences == inferences)
        {
            node.Step();
        }

        Assert.True(node.SamplesRead - resumed >= 15840, $"classified {node.SamplesRead - resumed} samples after the gap");
        Assert.Equal(0, node.InternalErrors);
    }

    [Fact]
    public void a_node_that_falls_behind_the_microphone_counts_the_lost_audio_keeps_true_event_times_and_never_splices_a_window()
    {
        // A keyword handler that blocks for 0.4 s (e.g. a radio message) while the microphone's DMA ring holds 128 ms:
        // after every detection about 0.27 s of audio is overwritten before the node reads again. The emulator drops
        // the samples as the ESP32's DMA does; the node must notice from its clock alone.
        const long HandlerMicroseconds = 400_000;
        SpeechStreamResult audio = _stream.Audio;
        var clock = new VirtualClock();
        var microphone = new EmulatedInmp441(clock, new PcmRecording(audio.SampleRate, audio.Pcm), KeywordNodeReplay.GainBits) { DmaBufferSamples = KeywordNode.DefaultAudioBufferSamples };
        var driver = new Inmp441Microphone(microphone, audio.SampleRate, KeywordNodeReplay.GainBits, Inmp441Microphone.DefaultBufferSamples);
        var node = new KeywordNode(_stream.Model, driver, clock, null!);
        var detections = new List<KeywordDetection>();
        var overruns = new List<(int LostMilliseconds, long StreamMicroseconds)>();
        var windowStarts = new List<long>();
        long span = node.WindowMicroseconds * audio.SampleRate / 1_000_000;
        node.KeywordDetected = (keyword, confidence, time) =>
        {
            detections.Add(new KeywordDetection(_stream.ClassNames[keyword], time / 1e6, confidence / (double)KeywordDetector.OneQ15));
            clock.Advance(HandlerMicroseconds);
        };
        node.StatusChanged = (status, detail, time) =>
        {
            if (status == NodeStatus.Overrun)
            {
                overruns.Add((detail, time));
            }
        };
        while (node.SamplesRead < audio.Pcm.Length)
        {
            int inferences = node.Inferences;
            node.Step();
            if (node.Inferences != inferences)
            {
                windowStarts.Add(node.SamplesRead - span);
            }
        }

        DetectionScore score = DetectionScore.Score(audio.Words, detections, audio.SampleRate);
        _output.WriteLine($"{node.Overruns} overruns, {node.LostSamples / (double)audio.SampleRate:F2} s of audio lost; {score}, F1 {score.F1:F3} (without the stalls {DetectionScore.Score(audio.Words, _stream.Result.Detections, audio.SampleRate).F1:F3})");

        // Every stall lost audio, the node counted exactly what the microphone dropped, and its stream position is the
        // microphone's: event times are positions in the audio, not in the audio that was read.
        Assert.True(detections.Count >= 15, $"{detections.Count} detections");
        Assert.Equal(detections.Count, node.Overruns);
        Assert.True(microphone.DroppedSampleCount > 0);
        Assert.Equal(microphone.DroppedSampleCount, node.LostSamples);
        Assert.Equal(microphone.NextSampleIndex, node.SamplesRead);
        Assert.Equal(node.Overruns, overruns.Count);
        Assert.Equal(node.LostSamples * 1000 / audio.SampleRate, overruns.Sum(o => (long)o.LostMilliseconds), 1.0 * overruns.Count);

        // No classification window starts before a gap it follows: the window was started over at every gap.
        foreach ((int _, long gapEnd) in overruns)
        {
            long gapEndSample = gapEnd * audio.SampleRate / 1_000_000;
            Assert.DoesNotContain(windowStarts, start => start < gapEndSample && start + span > gapEndSample);
        }

        // True times: keywords are still found where they were said. Measured: F1 0.870 (TP 20, FP 1, FN 5; 0.960
        // without the stalls, the lost audio and the refilling windows cost the rest); a node that does not notice the
        // loss (AudioBufferSamples = int.MaxValue) reports every later time early by all the audio lost so far (0.154
        // with the previous model).
        Assert.True(score.F1 >= 0.80, $"{score}: F1 {score.F1:F3}");
        Assert.Equal(0, node.InternalErrors);
        Assert.Contains("at least 1 sample", Assert.Throws<NodeException>(() => node.AudioBufferSamples = 0).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(15_840)]
    [InlineData(16_160)]
    public void a_microphone_clock_a_little_off_the_boards_never_looks_like_lost_audio(int actualRateHz)
    {
        // The I2S sample clock and the system clock differ slightly on a real board; here by 1% (far more than an
        // ESP32's, whose clocks share one crystal), so a minute drifts 0.6 s, more than the 128-ms ring. A node that
        // keeps up must not mistake the drift for lost audio.
        var clock = new VirtualClock();
        var microphone = new EmulatedInmp441(clock, new PcmRecording(actualRateHz, _stream.Audio.Pcm[..(16000 * 60)]), KeywordNodeReplay.GainBits) { DmaBufferSamples = KeywordNode.DefaultAudioBufferSamples };
        var driver = new Inmp441Microphone(microphone, 16000, KeywordNodeReplay.GainBits, Inmp441Microphone.DefaultBufferSamples);
        var node = new KeywordNode(_stream.Model, driver, clock, null!);
        while (node.SamplesRead < 16000 * 60)
        {
            node.Step();
        }

        Assert.Equal(0, microphone.DroppedSampleCount);
        Assert.Equal(0, node.Overruns);
        Assert.Equal(microphone.NextSampleIndex, node.SamplesRead);
        Assert.True(node.Inferences > 500, $"{node.Inferences} inferences");
    }

    [Fact]
    public void models_without_the_keyword_properties_or_at_another_sample_rate_are_refused_with_a_clear_message()
    {
        var clock = new VirtualClock();
        var source = new Inmp441Microphone(new EmulatedInmp441(clock, new PcmRecording(16000, new short[16000])), 16000);
        BnnModel gestureModel = Compiler.GeneratedTablesTests.CreateFromTables(
            File.ReadAllText(Path.Combine(RepoPaths.Firmware, "Bnn.Nano.Node", "Board", "GestureModel.g.cs")), "Bnn.Nano.Node.Board.GestureModel");
        NodeException missing = Assert.Throws<NodeException>(() => new KeywordNode(gestureModel, source, clock, null!));
        Assert.Contains("front-end properties", missing.Message, StringComparison.Ordinal);

        var slow = new Inmp441Microphone(new EmulatedInmp441(clock, new PcmRecording(8000, new short[8000])), 8000);
        NodeException rate = Assert.Throws<NodeException>(() => new KeywordNode(_stream.Model, slow, clock, null!));
        Assert.Contains("16000 Hz", rate.Message, StringComparison.Ordinal);
    }

    private static int[] Keys(BnnModel model) => [.. Enumerable.Range(0, model.PropertyCount).Select(model.GetPropertyKey)];

    private static int[] Values(BnnModel model) => [.. Keys(model).Select(k => model.GetProperty(k, 0))];
}

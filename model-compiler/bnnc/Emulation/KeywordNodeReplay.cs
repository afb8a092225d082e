using System;
using System.Collections.Generic;
using System.Linq;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.Devices.Audio;
using Bnn.Nano.Devices.Buses;
using Bnn.Nano.Devices.Led;
using Bnn.Nano.Emulator;
using Bnn.Nano.Node;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Cli.Emulation;

/// <summary>What the emulated keyword node did with a recording.</summary>
/// <param name="Detections">Keyword events, in order.</param>
/// <param name="Inferences">Classifications run.</param>
/// <param name="Frames">Feature frames computed.</param>
/// <param name="AudioSeconds">Audio the node read (the recording, and any silence it listened to after it, rounded up to whole front-end hops).</param>
/// <param name="VirtualSeconds">Time that passed on the emulated board's clock meanwhile.</param>
/// <param name="SteadyStateSteps">Node steps after the warm-up, over which allocation was measured.</param>
/// <param name="SteadyStateAllocatedBytes">
/// Bytes allocated on the node's thread in the quietest of the equal parts those steps were measured in
/// (<see cref="SteadyStateAllocation"/>); an allocation the node makes shows in every part.
/// </param>
/// <param name="LedChanges">Changes of the status LED pin.</param>
/// <param name="InferenceClasses">Class of every classification (before smoothing), in order.</param>
/// <param name="InferenceSamples">Samples read when each classification ran (its window ends there).</param>
/// <param name="InferencePosteriors">Softmax posteriors (Q15) of every classification, class-minor: [inference × classes + class].</param>
/// <param name="InferenceMicroseconds">Stream time of every classification (what the detector was given).</param>
/// <param name="WindowMicroseconds">Audio one classification spans (<see cref="KeywordNode.WindowMicroseconds"/>).</param>
/// <param name="InferenceHopMicroseconds">Time between classifications (<see cref="KeywordNode.InferenceHopMicroseconds"/>).</param>
/// <param name="Overruns">Times the node fell so far behind that audio was lost (<see cref="KeywordNode.Overruns"/>; only with a <see cref="DeviceTiming"/>).</param>
/// <param name="LostSeconds">Audio lost meanwhile (<see cref="KeywordNode.LostSamples"/>).</param>
internal sealed record KeywordReplayResult(
    IReadOnlyList<KeywordDetection> Detections,
    int[] InferenceClasses,
    long[] InferenceSamples,
    int[] InferencePosteriors,
    long[] InferenceMicroseconds,
    long WindowMicroseconds,
    long InferenceHopMicroseconds,
    int Inferences,
    long Frames,
    double AudioSeconds,
    double VirtualSeconds,
    long SteadyStateSteps,
    long SteadyStateAllocatedBytes,
    int LedChanges,
    int Overruns,
    double LostSeconds)
{
    /// <summary>How many classifications each class won, most first, e.g. "unknown 20, silence 10, stop 2".</summary>
    public string ClassesWon(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        return string.Join(", ", InferenceClasses.GroupBy(c => c).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => $"{classNames[g.Key]} {g.Count()}"));
    }
}

/// <summary>
/// Plays 16-bit PCM through the emulated board into the keyword node: an emulated INMP441 on an emulated I2S bus
/// delivering the samples in real time on a virtual clock, read by the real microphone driver (at the same gain, so
/// the node receives the recording's samples bit-exact), the real <see cref="KeywordNode"/> and a status LED.
/// Detections are kept in preallocated arrays so that the measured steady state contains only the node's own work.
/// The node's work takes no time on the clock unless a <see cref="DeviceTiming"/> is given.
/// </summary>
internal static class KeywordNodeReplay
{
    /// <summary>Where the recording sits in the microphone's 24 bits: 16 dB of digital gain in the driver.</summary>
    public const int GainBits = 4;

    /// <summary>Seconds of audio before allocation is measured (JIT warm-up).</summary>
    public const double WarmUpSeconds = 3;

    /// <param name="configure">Adjusts the node (detector settings) before it runs; may be null.</param>
    /// <param name="listenPastEnd">
    /// Keep the node listening to the microphone's silence after the recording ends, for one model input span plus
    /// the detector's averaged classifications (<see cref="TrailingSilenceSamples"/>), so that a word at the very end of
    /// a short recording is classified centred in the window and reported like any other.
    /// </param>
    /// <param name="timing">The node's work takes this time on the board clock, and the microphone's DMA ring (which the node is told) holds <see cref="DeviceTiming.AudioBufferSamples"/>; null: the work takes no time (a node that always keeps up).</param>
    public static KeywordReplayResult Run(BnnModel model, IReadOnlyList<string> classNames, short[] pcm, int sampleRateHz, Action<KeywordNode>? configure = null, bool listenPastEnd = false, DeviceTiming? timing = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(pcm);
        if (classNames.Count != model.ClassCount)
        {
            throw new ArgumentException($"{classNames.Count} class names for a model of {model.ClassCount} classes");
        }

        var clock = new VirtualClock();
        var microphone = new EmulatedInmp441(clock, new PcmRecording(sampleRateHz, pcm), GainBits);
        var driver = new Inmp441Microphone(microphone, sampleRateHz, GainBits, Inmp441Microphone.DefaultBufferSamples);
        var pin = new CountingOutput();
        var node = new KeywordNode(model, driver, clock, new StatusLed(pin));
        configure?.Invoke(node);
        if (timing != null)
        {
            node.AudioBufferSamples = timing.AudioBufferSamples;
            microphone.DmaBufferSamples = timing.AudioBufferSamples;
        }

        long end = pcm.Length + (listenPastEnd ? TrailingSilenceSamples(node) : 0);
        int capacity = (int)(end / node.FrontEnd.HopLength) + 1;
        int[] classes = new int[capacity];
        int[] confidences = new int[capacity];
        long[] times = new long[capacity];
        int count = 0;
        node.KeywordDetected = (keyword, confidence, time) =>
        {
            classes[count] = keyword;
            confidences[count] = confidence;
            times[count] = time;
            count++;
        };

        int[] inferenceClasses = new int[(int)(end / node.InferenceHopSamples) + 2];
        long[] inferenceSamples = new long[inferenceClasses.Length];
        long[] inferenceTimes = new long[inferenceClasses.Length];
        int classCount = model.ClassCount;
        int[] posteriors = new int[inferenceClasses.Length * classCount];
        long warmUp = (long)(WarmUpSeconds * sampleRateHz);
        long start = clock.NowMicroseconds;

        // After the warm-up the stream is measured in SteadyStateAllocation.Passes equal parts and the quietest part
        // is reported, for the reason SteadyStateAllocation gives (the runtime's own tiered JIT may allocate once).
        long partSamples = Math.Max(1, (end - warmUp) / SteadyStateAllocation.Passes);
        long nextPart = warmUp;
        int partsStarted = 0;
        long partAllocatedBefore = 0;
        long quietestPart = long.MaxValue;
        long steadySteps = 0;
        bool measuring = false;
        while (node.SamplesRead < end)
        {
            if (partsStarted < SteadyStateAllocation.Passes && node.SamplesRead >= nextPart)
            {
                long allocatedNow = GC.GetAllocatedBytesForCurrentThread();
                quietestPart = measuring ? Math.Min(quietestPart, allocatedNow - partAllocatedBefore) : quietestPart;
                measuring = true;
                partAllocatedBefore = allocatedNow;
                partsStarted++;
                nextPart += partSamples;
            }

            int inferences = node.Inferences;
            long frames = node.Frames;
            node.Step();
            if (node.Inferences != inferences)
            {
                inferenceClasses[inferences] = node.LastClass;
                inferenceSamples[inferences] = node.SamplesRead;
                inferenceTimes[inferences] = node.StreamMicroseconds;
                Array.Copy(node.Detector.Posteriors, 0, posteriors, inferences * classCount, classCount);
            }

            if (timing != null)
            {
                long work = (node.Frames - frames) * timing.HopMicroseconds;
                if (node.Inferences != inferences)
                {
                    work += model.StreamingReusedRows > 0 ? timing.StreamingInferenceMicroseconds : timing.FullInferenceMicroseconds;
                }

                clock.Advance(work);
            }

            steadySteps += measuring ? 1 : 0;
        }

        long allocated = measuring ? Math.Min(quietestPart, GC.GetAllocatedBytesForCurrentThread() - partAllocatedBefore) : 0;
        if (node.InternalErrors != 0 || node.BusErrors != 0)
        {
            throw new InvalidOperationException($"the keyword node reported {node.InternalErrors} internal and {node.BusErrors} bus errors; last: {node.LastFault?.Message}");
        }

        var detections = new KeywordDetection[count];
        for (int i = 0; i < count; i++)
        {
            detections[i] = new KeywordDetection(classNames[classes[i]], times[i] / 1e6, confidences[i] / (double)KeywordDetector.OneQ15);
        }

        Array.Resize(ref inferenceClasses, node.Inferences);
        Array.Resize(ref inferenceSamples, node.Inferences);
        Array.Resize(ref inferenceTimes, node.Inferences);
        Array.Resize(ref posteriors, node.Inferences * classCount);
        return new KeywordReplayResult(detections, inferenceClasses, inferenceSamples, posteriors, inferenceTimes, node.WindowMicroseconds, node.InferenceHopMicroseconds, node.Inferences, node.Frames, node.SamplesRead / (double)sampleRateHz, (clock.NowMicroseconds - start) / 1e6, steadySteps, allocated, pin.Changes,
            node.Overruns, node.LostSamples / (double)sampleRateHz);
    }

    /// <summary>
    /// Synthetic streams (<see cref="SpeechStream"/>: keywords among other words and noise at known times) of the given
    /// seeds, length and voices, each played through the node at the settings the model carries.
    /// </summary>
    public static List<(SpeechStreamResult Stream, KeywordReplayResult Run)> RunStreams(BnnModel model, IReadOnlyList<string> classNames, IEnumerable<int> seeds, double seconds, IReadOnlyList<TtsVoice> voices, DeviceTiming? timing = null)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        List<(SpeechStreamResult Stream, KeywordReplayResult Run)> runs = [];
        foreach (int seed in seeds)
        {
            SpeechStreamResult stream = SpeechStream.Generate(seed, seconds, new SpeechStreamOptions { Voices = voices });
            runs.Add((stream, Run(model, classNames, stream.Pcm, stream.SampleRate, timing: timing)));
        }

        return runs;
    }

    /// <summary>
    /// A recording at any sample rate, as <c>bnnc kws --wav</c> plays it: converted to the model's rate when it differs
    /// (a microphone on the node delivers the model's rate; the conversion is the corpus builder's band-limited
    /// <see cref="Resampler"/>), then played with <c>listenPastEnd</c> so that its last word is reported.
    /// </summary>
    public static KeywordReplayResult RunRecording(BnnModel model, IReadOnlyList<string> classNames, PcmRecording recording, Action<KeywordNode>? configure = null, DeviceTiming? timing = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(recording);
        short[] pcm = recording.Samples.ToArray();
        int rate = PlaybackRateHz(model, recording);
        if (rate != recording.SampleRateHz)
        {
            pcm = Resampler.Resample(pcm, recording.SampleRateHz, rate);
        }

        return Run(model, classNames, pcm, rate, configure, listenPastEnd: true, timing);
    }

    /// <summary>The rate <see cref="RunRecording"/> plays a recording at: the model's sample rate (the recording's own when the model names none).</summary>
    public static int PlaybackRateHz(BnnModel model, PcmRecording recording)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(recording);
        return model.GetProperty(ModelProperty.SampleRateHz, recording.SampleRateHz);
    }

    /// <summary>
    /// Samples of silence after which every classification window that overlaps the recording has been classified and
    /// averaged: one model input span plus <see cref="KeywordDetector.AverageCount"/> inference hops.
    /// </summary>
    public static long TrailingSilenceSamples(KeywordNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.FrontEnd.InputSpanSamples + ((long)node.Detector.AverageCount * node.InferenceHopSamples);
    }

    /// <summary>An LED pin that counts level changes without recording them (nothing allocates per write).</summary>
    private sealed class CountingOutput : IDigitalOutput
    {
        private bool _high;

        public int Changes { get; private set; }

        public void Write(bool high)
        {
            Changes += high != _high ? 1 : 0;
            _high = high;
        }
    }
}

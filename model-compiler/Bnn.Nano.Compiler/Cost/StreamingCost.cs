using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.FrontEnd;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Compiler.Cost;

/// <summary>
/// The cost of one second of audio on a keyword node (firmware/Bnn.Nano.Node/KeywordNode.cs), for a model blob that
/// carries the audio front end's properties (keys 16..28): the node computes one feature frame per front-end hop
/// (<c>FeatureWindow.PushSamples</c> of HopLength samples) and classifies the feature window every
/// <see cref="InferenceHopSamples"/> samples (model property WindowHop; the front-end hop when absent), by
/// <c>FeatureWindow.CopyTo</c> then <c>BnnModel.RunStreaming</c> (when the model's input rows are the frames and the
/// hop is shorter than the window, <see cref="Streaming"/>; else <c>BnnModel.Run</c>). After the first inference, which
/// computes every row, each computes only the rows of each layer that the new frames change.
/// <para>
/// Operation counts come from the front end (<see cref="AudioFrontEnd.GetStageMultiplies"/>,
/// <see cref="AudioFrontEnd.GetStageAdds"/>) and from <see cref="ModelReport"/>; IL instructions are measured exactly
/// with <see cref="IlExecutionCounter"/> on a deterministic speech-like signal (<see cref="SpeechLikeSignal"/>). The
/// front end's IL varies slightly with the audio (the log's bit length, clamping, silent bands), the network's with
/// its activations (the int8 head reads only the weights of set bits, branches of the partial-sum tables): per
/// second, the maximum over the measured frames and the inferences after the first is used. Not counted: the node's own loop, the audio
/// read and the posterior smoothing (KeywordDetector), which run once per hop or inference, in the node library.
/// Device time is IL / <see cref="ModelReport.IlOpsPerSecond"/> (4 M IL/s; 2.5–6.5 M is the plausible range on a
/// 240 MHz ESP32): an estimate, docs/cost-model.md.
/// </para>
/// </summary>
public sealed class StreamingCost
{
    /// <summary>Plausible range of the interpreter's speed on a 240 MHz ESP32 (IL instructions per second), docs/cost-model.md.</summary>
    public const double SlowIlOpsPerSecond = 2_500_000;

    /// <summary>Upper end of the plausible range.</summary>
    public const double FastIlOpsPerSecond = 6_500_000;

    /// <summary>Seed of the default measurement signal.</summary>
    public const int DefaultSeed = 1;

    /// <summary>Most inferences measured after the first (each runs the network under the counter).</summary>
    public const int DefaultMaxInferences = 10;

    private StreamingCost(FrontEndConfig frontEnd, int inferenceHopSamples, ModelReport report)
    {
        FrontEnd = frontEnd;
        InferenceHopSamples = inferenceHopSamples;
        Report = report;
    }

    /// <summary>The front-end configuration read from the blob.</summary>
    public FrontEndConfig FrontEnd { get; }

    /// <summary>Samples between classifications (model property WindowHop, else the front-end hop).</summary>
    public int InferenceHopSamples { get; }

    /// <summary>The static report of the model (operation counts, IL estimate).</summary>
    public ModelReport Report { get; }

    /// <summary>Feature frames per second of audio: sample rate / hop.</summary>
    public double FramesPerSecond => (double)FrontEnd.SampleRateHz / FrontEnd.HopLength;

    /// <summary>Classifications per second of audio: sample rate / inference hop.</summary>
    public double InferencesPerSecond => (double)FrontEnd.SampleRateHz / InferenceHopSamples;

    /// <summary>Multiplications of one frame, all stages.</summary>
    public long FrontEndMultipliesPerFrame { get; private init; }

    /// <summary>Additions and subtractions of one frame, all stages.</summary>
    public long FrontEndAddsPerFrame { get; private init; }

    /// <summary>Per stage (AudioFrontEnd.StageWindow..StageLog): name, multiplies, adds of one frame.</summary>
    public IReadOnlyList<(string Stage, long Multiplies, long Adds)> FrontEndStages { get; private init; } = [];

    public double FrontEndMultipliesPerSecond => FramesPerSecond * FrontEndMultipliesPerFrame;

    public double FrontEndAddsPerSecond => FramesPerSecond * FrontEndAddsPerFrame;

    public double NetworkBinaryOpsPerSecond => InferencesPerSecond * Report.BinaryOps;

    public double NetworkInt8OpsPerSecond => InferencesPerSecond * Report.Int8Ops;

    /// <summary>Seconds of audio measured (the first feature window, then more).</summary>
    public double AudioSeconds { get; private init; }

    /// <summary>Frames measured.</summary>
    public int FramesMeasured { get; private init; }

    /// <summary>Fewest IL of one <c>AudioFrontEnd.ProcessFrame</c> over the measured frames.</summary>
    public long FrameIlMin { get; private init; }

    /// <summary>Most IL of one <c>AudioFrontEnd.ProcessFrame</c> over the measured frames.</summary>
    public long FrameIlMax { get; private init; }

    /// <summary>Mean IL of one <c>AudioFrontEnd.ProcessFrame</c>.</summary>
    public double FrameIlMean { get; private init; }

    /// <summary>Per method, the IL of the most expensive frame (ProcessFrame and everything it calls).</summary>
    public IlCount FrameDetail { get; private init; } = new(0, []);

    /// <summary>Hops measured on the node loop that computed a frame.</summary>
    public int HopsMeasured { get; private init; }

    /// <summary>Fewest IL of one hop on the node: <c>FeatureWindow.PushSamples</c> of HopLength samples that computes a frame.</summary>
    public long HopIlMin { get; private init; }

    /// <summary>Most IL of one hop on the node (frame included): what a second of audio pays <see cref="FramesPerSecond"/> times.</summary>
    public long HopIlMax { get; private init; }

    /// <summary>Inferences measured, the first included.</summary>
    public int InferencesMeasured { get; private init; }

    /// <summary>Rows (frames) the node's model input slides by between inferences (<see cref="FrontEndConfig.ModelRowSlide"/>); 0: no streaming.</summary>
    public int SlideRows { get; private init; }

    /// <summary>True when the node runs the model with <c>BnnModel.RunStreaming</c>, false when with <c>BnnModel.Run</c>.</summary>
    public bool Streaming => SlideRows > 0;

    /// <summary>IL of the first inference (<c>RunStreaming</c> or <c>Run</c>), which has no earlier rows to reuse.</summary>
    public long FirstInferenceIl { get; private init; }

    /// <summary>IL of <c>FeatureWindow.CopyTo</c>: the window laid out as the model input.</summary>
    public long CopyIl { get; private init; }

    /// <summary>Fewest IL of one inference of the node's (<c>RunStreaming</c> or <c>Run</c>) over the measured inferences after the first.</summary>
    public long NetworkIlMin { get; private init; }

    /// <summary>Most IL of one inference of the node's over the measured inferences after the first.</summary>
    public long NetworkIlMax { get; private init; }

    /// <summary>A full <c>BnnModel.Run</c> on the input of the node's most expensive inference, with its IL per layer.</summary>
    public ModelRunIl MaxRun { get; private init; } = new(0, 0, [], [], new IlCount(0, []));

    /// <summary>IL of an inference that computes every row (the first of a window): CopyTo + <see cref="FirstInferenceIl"/>.</summary>
    public long FullInferenceIl => CopyIl + FirstInferenceIl;

    /// <summary>IL of one inference on the node: CopyTo + the most expensive Run.</summary>
    public long InferenceIl => CopyIl + NetworkIlMax;

    /// <summary>IL per second of audio: frames/s × <see cref="HopIlMax"/> + inferences/s × <see cref="InferenceIl"/>.</summary>
    public double IlPerSecond => (FramesPerSecond * HopIlMax) + (InferencesPerSecond * InferenceIl);

    /// <summary>The front end's share of <see cref="IlPerSecond"/>.</summary>
    public double FrontEndIlPerSecond => FramesPerSecond * HopIlMax;

    /// <summary>The network's share of <see cref="IlPerSecond"/> (CopyTo included).</summary>
    public double NetworkIlPerSecond => InferencesPerSecond * InferenceIl;

    /// <summary>Exact IL of a full run (<see cref="MaxRun"/>) over ModelReport's static estimate (which prices every row).</summary>
    public double ExactToStaticRatio => Report.EstimatedIlOps == 0 ? double.NaN : (double)MaxRun.IlInstructions / Report.EstimatedIlOps;

    /// <summary>False when a host firmware build was not optimised (Debug): counts then exceed the Release device build's.</summary>
    public bool HostBuildsOptimized { get; private init; }

    /// <summary>Device milliseconds per second of audio at <paramref name="ilOpsPerSecond"/> IL instructions per second.</summary>
    public double DeviceMillisecondsPerSecond(double ilOpsPerSecond = ModelReport.IlOpsPerSecond) => IlPerSecond / ilOpsPerSecond * 1000;

    /// <summary>Device seconds per second of audio (below 1: keeps up with the stream) at the given interpreter speed.</summary>
    public double RealTimeFactor(double ilOpsPerSecond = ModelReport.IlOpsPerSecond) => IlPerSecond / ilOpsPerSecond;

    /// <summary>
    /// The slowest interpreter (IL instructions per second) on which the node keeps up with the audio without losing
    /// any: it must run a second of audio's IL in a second (<see cref="IlPerSecond"/>) and a full run
    /// (<see cref="FullInferenceIl"/>) before the microphone's ring of
    /// <paramref name="ringSamples"/> overflows, for a node that loses audio starts its window over and never gets
    /// back to the cheap streaming inferences otherwise (docs/cost-model.md, "What the node hears at a device speed").
    /// </summary>
    public double KeepsUpFromIlPerSecond(int ringSamples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ringSamples, 1);
        double ringSeconds = ringSamples / (double)FrontEnd.SampleRateHz;
        return Math.Max(IlPerSecond, FullInferenceIl / ringSeconds);
    }

    /// <summary>
    /// The front end of a model: null when it has no property in 16..63 (not an audio model); throws a
    /// <see cref="FrontEndException"/> when the properties are there but incomplete or invalid.
    /// </summary>
    public static FrontEndConfig? ReadFrontEnd(BnnModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int[] keys = new int[model.PropertyCount];
        int[] values = new int[keys.Length];
        bool any = false;
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = model.GetPropertyKey(i);
            values[i] = model.GetProperty(keys[i], 0);
            any |= keys[i] >= FrontEndProperty.First && keys[i] <= FrontEndProperty.Last;
        }

        return any ? FrontEndConfig.FromProperties(keys, values) : null;
    }

    /// <summary>Measures a blob with a new counter (see <see cref="Measure(byte[], IlExecutionCounter, short[], int)"/>).</summary>
    public static StreamingCost Measure(byte[] blob)
    {
        using IlExecutionCounter counter = IlExecutionCounter.Create();
        return Measure(blob, counter);
    }

    /// <summary>
    /// Streams audio through the instrumented front end and network as the keyword node does, measuring every hop,
    /// every frame, the first inference and up to <paramref name="maxInferences"/> more. Audio: <paramref name="audio"/>, or
    /// <see cref="SpeechLikeSignal"/> (seed <see cref="DefaultSeed"/>) long enough for one full feature window and
    /// one more second. Throws <see cref="InvalidDataException"/> when the blob has no front end or its input does
    /// not take the front end's features.
    /// </summary>
    public static StreamingCost Measure(byte[] blob, IlExecutionCounter counter, short[]? audio = null, int maxInferences = DefaultMaxInferences)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(counter);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInferences, 1);
        BnnModel host = BlobReader.Load(blob);
        FrontEndConfig config = ReadFrontEnd(host) ?? throw new InvalidDataException("the model has no audio front-end properties (keys " + FrontEndProperty.First + ".." + (FrontEndProperty.First + FrontEndProperty.Count - 1) + ")");
        if (!host.InputSigned || host.InputLength != config.InputLength)
        {
            throw new InvalidDataException("the model reads " + host.InputLength + (host.InputSigned ? " int8" : " uint8") + " values; its front end makes " + config.FrameCount + " frames × " + config.BandCount + " bands of int8");
        }

        int hop = config.HopLength;
        int inferenceHop = host.GetProperty(ModelProperty.WindowHop, hop);
        if (inferenceHop < hop || inferenceHop % hop != 0)
        {
            throw new InvalidDataException("the inference hop of " + inferenceHop + " samples is not a positive multiple of the front end's hop of " + hop);
        }

        int framesPerInference = inferenceHop / hop;
        int span = config.InputSpanSamples;
        if (audio == null)
        {
            long samples = span + Math.Max(config.SampleRateHz, 2L * inferenceHop);
            samples = (samples + hop - 1) / hop * hop;
            audio = SpeechLikeSignal.Generate(config.SampleRateHz, (int)Math.Min(samples, int.MaxValue / 2), DefaultSeed);
        }

        // Operation counts of the front end.
        AudioFrontEnd reference = new(config);
        List<(string, long, long)> stages = [];
        long multiplies = 0, adds = 0;
        for (int s = 0; s < AudioFrontEnd.StageCount; s++)
        {
            stages.Add((AudioFrontEnd.StageName(s), reference.GetStageMultiplies(s), reference.GetStageAdds(s)));
            multiplies += reference.GetStageMultiplies(s);
            adds += reference.GetStageAdds(s);
        }

        // ProcessFrame alone, every frame of the audio.
        IReadOnlyList<FrontEndFrameIl> frames = counter.MeasureFrontEndFrames(config, audio);
        if (frames.Count == 0)
        {
            throw new ArgumentException("the audio is shorter than one frame (" + config.WindowLength + " samples)", nameof(audio));
        }

        FrontEndFrameIl maxFrame = frames.MaxBy(f => f.IlInstructions)!;

        // The node's loop: one hop at a time into the feature window, an inference every inference hop once it is full.
        object frontEnd = counter.New(typeof(AudioFrontEnd).FullName!, counter.NewFrontEndConfig(config));
        object window = counter.New(typeof(FeatureWindow).FullName!, frontEnd);
        object model = counter.LoadModel(blob);
        int slide = config.ModelRowSlide(host.InputHeight, framesPerInference);
        if (slide > 0)
        {
            IlExecutionCounter.Call(model, nameof(BnnModel.EnableStreaming), slide);
        }

        string run = slide > 0 ? nameof(BnnModel.RunStreaming) : nameof(BnnModel.Run);
        short[] hopSamples = new short[hop];
        byte[] input = new byte[host.InputLength];
        byte[]? maxInput = null;
        List<long> hopIl = [];
        long firstIl = -1;
        List<long> steadyIl = [];
        long copyIl = 0;
        int framesSinceInference = 0;
        for (int at = 0; at + hop <= audio.Length && steadyIl.Count < maxInferences; at += hop)
        {
            Array.Copy(audio, at, hopSamples, 0, hop);
            int produced = 0;
            IlCount pushed = counter.Measure(() => produced = (int)IlExecutionCounter.Call(window, nameof(FeatureWindow.PushSamples), hopSamples, 0, hop)!);
            if (produced > 0)
            {
                hopIl.Add(pushed.Total);
            }

            framesSinceInference += produced;
            if ((bool)IlExecutionCounter.Get(window, nameof(FeatureWindow.IsFull))! && framesSinceInference >= framesPerInference)
            {
                framesSinceInference = 0;
                copyIl = Math.Max(copyIl, counter.Measure(() => IlExecutionCounter.Call(window, nameof(FeatureWindow.CopyTo), input, 0)).Total);
                long il = counter.Measure(() => IlExecutionCounter.Call(model, run, input)).Total;
                if (firstIl < 0)
                {
                    firstIl = il;
                    continue;
                }

                if (steadyIl.Count == 0 || il > steadyIl.Max())
                {
                    maxInput = (byte[])input.Clone();
                }

                steadyIl.Add(il);
            }
        }

        if (steadyIl.Count == 0 || maxInput == null)
        {
            throw new ArgumentException("the audio is shorter than one feature window and one inference hop (" + (span + inferenceHop) + " samples)", nameof(audio));
        }

        return new StreamingCost(config, inferenceHop, ModelReport.Build(blob))
        {
            FrontEndMultipliesPerFrame = multiplies,
            FrontEndAddsPerFrame = adds,
            FrontEndStages = stages,
            AudioSeconds = (double)audio.Length / config.SampleRateHz,
            FramesMeasured = frames.Count,
            FrameIlMin = frames.Min(f => f.IlInstructions),
            FrameIlMax = maxFrame.IlInstructions,
            FrameIlMean = frames.Average(f => (double)f.IlInstructions),
            FrameDetail = maxFrame.Detail,
            HopsMeasured = hopIl.Count,
            HopIlMin = hopIl.Min(),
            HopIlMax = hopIl.Max(),
            InferencesMeasured = steadyIl.Count + 1,
            SlideRows = slide,
            FirstInferenceIl = firstIl,
            CopyIl = copyIl,
            NetworkIlMin = steadyIl.Min(),
            NetworkIlMax = steadyIl.Max(),
            MaxRun = counter.MeasureModelRun(counter.LoadModel(blob), maxInput, perLayer: true),
            HostBuildsOptimized = counter.HostBuildsOptimized,
        };
    }

    /// <summary>A plain-text summary (the numbers `bnnc inspect` shows), one fact per line.</summary>
    public string Summary()
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        StringBuilder s = new();
        FrontEndConfig f = FrontEnd;
        s.AppendLine(c, $"front end: {f.SampleRateHz} Hz, window {f.WindowLength}, hop {f.HopLength}, FFT {f.FftSize}, {f.BandCount} bands, {f.FrameCount} frames; inference every {InferenceHopSamples} samples");
        s.AppendLine(c, $"frames per second {FramesPerSecond:0.##}, inferences per second {InferencesPerSecond:0.##}");
        s.AppendLine(c, $"front end per frame: {FrontEndMultipliesPerFrame:N0} multiplies, {FrontEndAddsPerFrame:N0} adds; per second {FrontEndMultipliesPerSecond:N0} multiplies, {FrontEndAddsPerSecond:N0} adds");
        foreach ((string stage, long stageMultiplies, long stageAdds) in FrontEndStages)
        {
            s.AppendLine(c, $"  {stage}: {stageMultiplies:N0} multiplies, {stageAdds:N0} adds per frame");
        }

        s.AppendLine(c, $"network per inference: {Report.BinaryOps:N0} binary ops, {Report.Int8Ops:N0} 8-bit ops; per second {NetworkBinaryOpsPerSecond:N0} binary ops, {NetworkInt8OpsPerSecond:N0} 8-bit ops");
        s.AppendLine(c, $"IL per frame (AudioFrontEnd.ProcessFrame, {FramesMeasured} frames of {AudioSeconds:0.##} s of speech-like audio): min {FrameIlMin:N0}, mean {FrameIlMean:N0}, max {FrameIlMax:N0}");
        s.AppendLine(c, $"IL per hop ({HopsMeasured} hops: FeatureWindow.PushSamples, frame included): min {HopIlMin:N0}, max {HopIlMax:N0}");
        s.AppendLine(c, $"IL per inference ({InferencesMeasured} measured): FeatureWindow.CopyTo {CopyIl:N0} + BnnModel.{(Streaming ? "RunStreaming" : "Run")} first {FirstInferenceIl:N0}, then min {NetworkIlMin:N0}, max {NetworkIlMax:N0}; a full Run {MaxRun.IlInstructions:N0}");
        s.AppendLine(c, $"IL per second of audio: {IlPerSecond:N0} (front end {FrontEndIlPerSecond:N0}, network {NetworkIlPerSecond:N0})");
        s.AppendLine(c, $"device time per second of audio: {DeviceMillisecondsPerSecond():N0} ms at 4 M IL/s (real-time factor {RealTimeFactor():0.###}); {DeviceMillisecondsPerSecond(FastIlOpsPerSecond):N0}–{DeviceMillisecondsPerSecond(SlowIlOpsPerSecond):N0} ms at 6.5–2.5 M IL/s (estimate)");
        s.AppendLine(c, $"full-run IL exact / static estimate (ModelReport): {MaxRun.IlInstructions:N0} / {Report.EstimatedIlOps:N0} = {ExactToStaticRatio:0.###}");
        for (int l = 0; l < MaxRun.LayerIlInstructions.Count && l < Report.Layers.Count; l++)
        {
            LayerReport layer = Report.Layers[l];
            long exact = MaxRun.LayerIlInstructions[l];
            string ratio = layer.EstimatedIlOps == 0 ? "-" : ((double)exact / layer.EstimatedIlOps).ToString("0.###", c);
            s.AppendLine(c, $"  layer {l} {layer.Kind} {layer.Inputs}→{layer.Outputs} {layer.Kernel}: exact {exact:N0}, estimate {layer.EstimatedIlOps:N0}, ratio {ratio}");
        }

        foreach (IlMethodCount m in FrameDetail.Methods)
        {
            s.AppendLine(c, $"  frame: {m.Method} {m.Instructions:N0} IL in {m.Calls:N0} calls");
        }

        foreach (IlMethodCount m in MaxRun.Detail.Methods.Take(12))
        {
            s.AppendLine(c, $"  inference: {m.Method} {m.Instructions:N0} IL in {m.Calls:N0} calls");
        }

        if (!HostBuildsOptimized)
        {
            s.AppendLine("warning: a host firmware build is not optimised (Debug): its IL counts exceed the Release device build's");
        }

        return s.ToString();
    }
}

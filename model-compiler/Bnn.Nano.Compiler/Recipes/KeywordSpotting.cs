using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.Compiler.Training;
using Bnn.Nano.FrontEnd;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Compiler;

/// <summary>
/// The keyword-spotting model (12 classes: silence, unknown and ten keywords): one definition shared by the benchmark,
/// the data catalog (<c>kws-train</c>, <c>kws-test</c>), the device tables of firmware/Bnn.Nano.Node/Board and the tests.
/// <para>
/// Data: the synthetic-speech corpus of <c>bnnc data kws</c> (<see cref="SpeechCorpus"/>, default folder
/// <see cref="SpeechCorpus.DefaultDirectory"/>); its test split uses only voices that never speak in training.
/// Features: the fixed-point log-mel front end of the node (<see cref="AudioFrontEnd"/>, <see cref="FrontEndConfig"/>
/// defaults: 30 ms window, 20 ms hop, 40 mel bands, 49 frames), computed by the very same code the node runs, so a
/// clip's training features are bit-identical to those a <see cref="FeatureWindow"/> holds after streaming the clip.
/// Model input: FeatureWindow's layout, time-major 49 × 40 int8 (HWC: height = frames, width = bands, channels = 1).
/// </para>
/// <para>
/// The blob carries everything the node needs (<see cref="ModelProperties"/>): every front-end parameter
/// (<see cref="FrontEndConfig.ToProperties"/>), the sample rate, the samples one input spans, the hop between
/// classifications on the node and the logit per score unit.
/// </para>
/// </summary>
public static class KeywordSpotting
{
    /// <summary>Class of the generated C# tables on the device.</summary>
    public const string ClassName = "KeywordModel";

    /// <summary>Namespace of the generated C# tables on the device (the node's board glue).</summary>
    public const string Namespace = "Bnn.Nano.Node.Board";

    /// <summary>Data-set name of the training split's features.</summary>
    public const string TrainName = "kws-train";

    /// <summary>Data-set name of the test split's features (held-out voices).</summary>
    public const string TestName = "kws-test";

    /// <summary>Samples between classifications on the node: 1,600 at 16 kHz (100 ms).</summary>
    public const int NodeHopSamples = 1600;

    /// <summary>The front-end configuration of the model: the <see cref="FrontEndConfig"/> defaults (a new copy each call).</summary>
    public static FrontEndConfig DefaultFrontEndConfig() => new();

    /// <summary>Samples spanned by one model input: window + (frames − 1) · hop (15,840 for the defaults).</summary>
    public static int WindowSamples(FrontEndConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.WindowLength + ((config.FrameCount - 1) * config.HopLength);
    }

    /// <summary>The model input shape, HWC: frames × bands × 1.</summary>
    public static TensorShape InputShape(FrontEndConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new TensorShape(config.FrameCount, config.BandCount, 1);
    }

    /// <summary>
    /// The model input of a clip: frames at sample offsets 0, hop, 2·hop, ... of <paramref name="pcm"/> (the frames a
    /// <see cref="FeatureWindow"/> holds after streaming the clip from its start), time-major int8 bytes.
    /// </summary>
    public static byte[] Features(short[] pcm, FrontEndConfig? config = null)
    {
        var frontEnd = new AudioFrontEnd(config ?? DefaultFrontEndConfig());
        byte[] features = new byte[frontEnd.FrameCount * frontEnd.BandCount];
        Features(frontEnd, pcm, features, 0, new sbyte[frontEnd.BandCount]);
        return features;
    }

    /// <summary>
    /// The same into destination[offset..], with a caller's front end (not thread-safe: one per thread) and a scratch
    /// row of BandCount values.
    /// </summary>
    public static void Features(AudioFrontEnd frontEnd, short[] pcm, byte[] destination, int offset, sbyte[] row)
    {
        ArgumentNullException.ThrowIfNull(frontEnd);
        ArgumentNullException.ThrowIfNull(pcm);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(row);
        int frames = frontEnd.FrameCount, bands = frontEnd.BandCount, hop = frontEnd.HopLength;
        int span = frontEnd.WindowLength + ((frames - 1) * hop);
        if (pcm.Length < span)
        {
            throw new ArgumentException($"a model input spans {span} samples ({frames} frames), the clip has {pcm.Length}", nameof(pcm));
        }

        if (offset < 0 || offset > destination.Length - (frames * bands))
        {
            throw new ArgumentException($"destination must hold {frames * bands} bytes from index {offset}", nameof(destination));
        }

        for (int t = 0; t < frames; t++)
        {
            frontEnd.ProcessFrame(pcm, t * hop, row, 0);
            for (int b = 0; b < bands; b++)
            {
                destination[offset + (t * bands) + b] = (byte)row[b];
            }
        }
    }

    /// <summary>
    /// The features of <paramref name="clips"/> as an int8 data set (labels = the clips' class indices). Clips are
    /// processed in parallel, each by its thread's own front end; the result does not depend on the thread count.
    /// </summary>
    public static Dataset ToDataset(string name, IReadOnlyList<SpeechClip> clips, IReadOnlyList<string> classNames, FrontEndConfig? config = null, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        FrontEndConfig c = config ?? DefaultFrontEndConfig();
        c.Validate();
        int length = c.InputLength;
        byte[] features = new byte[clips.Count * length];
        int[] labels = new int[clips.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads == 0 ? Environment.ProcessorCount : threads };
        Parallel.For(
            0,
            clips.Count,
            parallel,
            () => (FrontEnd: new AudioFrontEnd(c), Row: new sbyte[c.BandCount]),
            (i, _, local) =>
            {
                Features(local.FrontEnd, clips[i].Pcm, features, i * length, local.Row);
                labels[i] = clips[i].ClassIndex;
                return local;
            },
            _ => { });
        return new Dataset(name, length, signed: true, features, labels, classNames);
    }

    /// <summary>
    /// The features of both splits of the corpus in <paramref name="directory"/> (default
    /// <see cref="SpeechCorpus.DefaultDirectory"/>); a missing corpus throws a <see cref="DatasetMissingException"/>
    /// that says to run <c>bnnc data kws</c>.
    /// </summary>
    public static (Dataset Train, Dataset Test) Load(string? directory = null, FrontEndConfig? config = null)
    {
        SpeechCorpus corpus = SpeechCorpus.Load(directory ?? SpeechCorpus.DefaultDirectory());
        return (ToDataset(TrainName, corpus.Train, corpus.ClassNames, config), ToDataset(TestName, corpus.Test, corpus.ClassNames, config));
    }

    /// <summary>
    /// The features of one split ("train" → <see cref="TrainName"/>, "test" → <see cref="TestName"/>) of the corpus in
    /// <paramref name="directory"/> (default <see cref="SpeechCorpus.DefaultDirectory"/>); a missing corpus throws a
    /// <see cref="DatasetMissingException"/> that says to run <c>bnnc data kws</c>.
    /// </summary>
    public static Dataset LoadSplit(string split, string? directory = null, FrontEndConfig? config = null)
    {
        string name = split switch
        {
            SpeechCorpus.TrainSplit => TrainName,
            SpeechCorpus.TestSplit => TestName,
            _ => throw new ArgumentException($"split '{split}' is not '{SpeechCorpus.TrainSplit}' or '{SpeechCorpus.TestSplit}'", nameof(split)),
        };
        SpeechCorpus corpus = SpeechCorpus.Load(directory ?? SpeechCorpus.DefaultDirectory());
        return ToDataset(name, split == SpeechCorpus.TrainSplit ? corpus.Train : corpus.Test, corpus.ClassNames, config);
    }

    /// <summary>
    /// The training configuration of the benchmark model (49 × 40 int8 log-mel input, 12 classes): int8-input 3×3
    /// conv (32) → pool 2 → binary 3×3 conv (64, pad +1) → pool 2 → binary 3×3 conv (64) → pool 2 → binary dense 128
    /// → int8 head; Adam 0.005, cosine, 8 epochs of batch 64.
    /// Measured on the default corpus (`bnnc data kws`: 1,500 training clips per class, 100 test clips per class by
    /// voices never in training): 66.58% held-out (espeak-ng 82.3%, flite 54.9%, festival 46.9%, noise 100%), float
    /// same architecture 74.50%, blob 41,184 B, arena 20,272 B, 327 s of training on 2 busy cores. With 300 clips per
    /// class: 58.4%. Tried without reaching 90% (a helper's experiments, 6–10 epochs): spectro-temporal augmentation
    /// (stretch, warp, gain, tilt, masks) up to 71–73%, per-band mean normalisation of the window ±0, 60–4000 Hz bands
    /// ±1. The gap is the synthetic voices: the test engines (festival, other flite voices) sound unlike the training
    /// ones, and even the float network stays at 74–76%.
    /// </summary>
    public static ConvNetOptions Options(int seed = 1) => new()
    {
        InputShape = InputShape(DefaultFrontEndConfig()),
        Blocks = [new ConvBlock(32, Kernel: 3, Pool: 2), new ConvBlock(64, PadValue: 1, Pool: 2), new ConvBlock(64, PadValue: 1, Pool: 2)],
        DenseSizes = [128],
        FullPrecisionHead = true,
        Epochs = 8,
        BatchSize = 64,
        LearningRate = 0.005f,
        Schedule = LearningRateSchedule.Cosine,
        Seed = seed,
    };

    /// <summary>
    /// The model properties the node needs that do not depend on the trained weights: every front-end parameter
    /// (keys 16..28), the sample rate, the samples one input spans (<see cref="WindowSamples"/>) and the node's hop
    /// between classifications (<see cref="NodeHopSamples"/>).
    /// </summary>
    public static IReadOnlyDictionary<int, int> NodeProperties(FrontEndConfig? config = null)
    {
        FrontEndConfig c = config ?? DefaultFrontEndConfig();
        int[] keys = new int[FrontEndProperty.Count];
        int[] values = new int[FrontEndProperty.Count];
        c.ToProperties(keys, values, 0);
        var properties = new Dictionary<int, int>
        {
            [ModelProperty.SampleRateHz] = c.SampleRateHz,
            [ModelProperty.WindowLength] = WindowSamples(c),
            [ModelProperty.WindowHop] = NodeHopSamples,
        };
        for (int i = 0; i < keys.Length; i++)
        {
            properties[keys[i]] = values[i];
        }

        return properties;
    }

    /// <summary>
    /// The model properties of a trained network: <see cref="NodeProperties"/> and, as float32 bits, the logit per
    /// score unit (<see cref="ScoreScale"/>), from which the node computes softmax posteriors.
    /// </summary>
    public static IReadOnlyDictionary<int, int> ModelProperties(BnnNetwork network, FrontEndConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        var properties = new Dictionary<int, int>(NodeProperties(config))
        {
            [ModelProperty.ScoreScaleBits] = BitConverter.SingleToInt32Bits(ScoreScale(network)),
        };
        return properties;
    }

    /// <summary>
    /// Logit per unit of the runtime's integer class score: the int8 head's <see cref="Int8HeadLayer.Scale"/> (the
    /// float reference's logit is Scale · (bias + Σ w·x), the runtime's score is bias + Σ w·x), or for a binary score
    /// layer 2^−shift of its score quantisation (<see cref="ScoreQuantization"/>).
    /// </summary>
    public static float ScoreScale(BnnNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Layers[^1] switch
        {
            Int8HeadLayer head => head.Scale,
            DenseLayer dense => (float)Math.ScaleB(1.0, -ScoreQuantization.Quantize(dense.Norm, dense.Alpha, dense.Inputs).Shift),
            NetworkLayer last => throw new ArgumentException($"the last layer ({last.Describe()}) does not produce class scores", nameof(network)),
        };
    }

    /// <summary>Trains the model on a feature data set and attaches the model properties.</summary>
    public static BnnNetwork Train(Dataset train, ConvNetOptions options, IProgress<TrainingProgress>? progress = null, FrontEndConfig? config = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        FrontEndConfig c = config ?? DefaultFrontEndConfig();
        if (options.InputShape != InputShape(c) || !train.Signed)
        {
            throw new ArgumentException($"the model input must be the front end's int8 {InputShape(c)} features; got {options.InputShape}, {(train.Signed ? "int8" : "uint8")}", nameof(options));
        }

        BnnNetwork network = ConvNetTrainer.Train(train, options, progress, ct);
        return network.WithProperties(ModelProperties(network, c));
    }
}

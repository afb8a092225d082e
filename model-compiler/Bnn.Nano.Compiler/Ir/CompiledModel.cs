using System.Collections.Generic;

namespace Bnn.Nano.Compiler.Ir;

/// <summary>
/// A model after the passes: integer thresholds, packed weights, planned arena. What the emitters write, one to
/// one, into the blob and the C# tables. <see cref="CompiledLayer.Kind"/> uses the runtime's LayerKind values.
/// </summary>
public sealed class CompiledModel
{
    public CompiledModel(TensorShape inputShape, bool inputSigned, IReadOnlyList<CompiledLayer> layers, int arenaWords, IReadOnlyList<string> classNames, IReadOnlyDictionary<int, int> properties)
    {
        Properties = properties;
        InputShape = inputShape;
        InputSigned = inputSigned;
        Layers = layers;
        ArenaWords = arenaWords;
        ClassNames = classNames;
    }

    public TensorShape InputShape { get; }

    public int InputLength => InputShape.Count;

    public bool InputSigned { get; }

    public IReadOnlyList<CompiledLayer> Layers { get; }

    /// <summary>64-bit words of the bit-activation arena.</summary>
    public int ArenaWords { get; }

    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Model properties, sorted by key.</summary>
    public IReadOnlyDictionary<int, int> Properties { get; }

    public int ClassCount => ClassNames.Count;
}

/// <summary>Kernel window of conv and pool layers. PadValue: 0, +1 or -1.</summary>
public sealed record WindowSpec(int KernelHeight, int KernelWidth, int StrideY, int StrideX, int PadTop, int PadLeft, int PadBottom, int PadRight, int PadValue);

/// <summary>
/// One compiled layer. Binary <see cref="Weights"/>: OutChannels rows of <see cref="Groups"/> groups of
/// <see cref="GroupBits"/> bits, each group ceil(GroupBits/32) uint32 words LSB-first (bit 1 = +1, padding 0); rows of
/// negative-BN-scale channels are already inverted. <see cref="Int8Weights"/>: int8 head rows in HWC input order, or an
/// Int8WeightConv2d's rows [o][ky][kx][c] (negative-BN-scale rows already negated).
/// </summary>
public sealed record CompiledLayer(
    int Kind,
    TensorShape Input,
    TensorShape Output,
    WindowSpec? Window,
    uint[]? Weights,
    int Groups,
    int GroupBits,
    sbyte[]? Int8Weights,
    int[]? Thresholds,
    int[]? Scales,
    int[]? Biases,
    int ScoreShift,
    int InputOffset,
    int OutputOffset)
{
    public int OutChannels => Output.Channels;

    public int Words32PerGroup => (GroupBits + 31) >> 5;

    public int Words64PerGroup => (GroupBits + 63) >> 6;

    /// <summary>Words of the packed input bit tensor in the runtime's 64-bit layout.</summary>
    public int InputWords64 => Input.Height * Input.Width * ((Input.Channels + 63) >> 6);

    public int OutputWords64 => Output.Height * Output.Width * ((Output.Channels + 63) >> 6);
}

using System.Collections.Generic;

namespace Bnn.Nano.Compiler.Ir;

/// <summary>
/// A model after the passes: integer thresholds, packed weights, planned arena. What the emitters write, one to
/// one, into the blob and the C# tables. <see cref="CompiledLayer.Kind"/> uses the runtime's LayerKind values.
/// </summary>
public sealed class CompiledModel
{
    public CompiledModel(int inputLength, bool inputSigned, IReadOnlyList<CompiledLayer> layers, int arenaWords, IReadOnlyList<string> classNames)
    {
        InputLength = inputLength;
        InputSigned = inputSigned;
        Layers = layers;
        ArenaWords = arenaWords;
        ClassNames = classNames;
    }

    public int InputLength { get; }

    public bool InputSigned { get; }

    public IReadOnlyList<CompiledLayer> Layers { get; }

    /// <summary>64-bit words of the bit-activation arena.</summary>
    public int ArenaWords { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public int ClassCount => ClassNames.Count;
}

/// <summary>
/// One compiled dense layer. Weights: <see cref="Outputs"/> rows of ceil(Inputs/32) uint32 words, LSB-first, bit 1 =
/// +1, padding bits 0; rows of negative-BN-scale channels are already inverted.
/// </summary>
public sealed record CompiledLayer(
    int Kind,
    int Inputs,
    int Outputs,
    uint[] Weights,
    int[]? Thresholds,
    int[]? Scales,
    int[]? Biases,
    int ScoreShift,
    int InputOffset,
    int OutputOffset)
{
    public int Words32PerRow => (Inputs + 31) >> 5;

    public int OutputWords64 => (Outputs + 63) >> 6;

    public int InputWords64 => (Inputs + 63) >> 6;
}

using System;
using System.Collections.Generic;
using System.Globalization;
using Bnn.Nano.Compiler.Ir;

namespace Bnn.Nano.Compiler.Import;

/// <summary>
/// How the 8-bit input features of the imported network relate to the ONNX graph input:
/// <c>graph_input = byte · InputScale + InputOffset</c> (byte read as uint8, or int8 when <see cref="InputSigned"/>),
/// computed in double and rounded once to float32. FINN's TFC export takes pixels 0..255 (scale 1, the default);
/// the QONNX TFC export takes pixels / 255 (scale 1/255).
/// </summary>
public sealed record ImportOptions
{
    public double InputScale { get; init; } = 1;

    public double InputOffset { get; init; }

    /// <summary>True: the input bytes are int8 (−128..127); false (default): uint8 (0..255).</summary>
    public bool InputSigned { get; init; }

    /// <summary>Names of the classes; null: "0", "1", ...</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>The graph input value for one byte value (−128..127 or 0..255).</summary>
    public float GraphInputValue(int byteValue) => (float)((byteValue * InputScale) + InputOffset);

    /// <summary>The graph input for bytes already in the graph input's row-major order (the same as the network's for one channel or a flat input).</summary>
    public float[] ToGraphInput(ReadOnlySpan<byte> bytes)
    {
        float[] values = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            values[i] = GraphInputValue(InputSigned ? (sbyte)bytes[i] : bytes[i]);
        }

        return values;
    }

    /// <summary>
    /// The graph input for a sample of the imported network's input bytes (HWC order): graph element i takes byte
    /// <paramref name="layout"/>[i] (<see cref="OnnxImporter.InputLayout"/>).
    /// </summary>
    public float[] ToGraphInput(ReadOnlySpan<byte> bytes, int[] layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (layout.Length != bytes.Length)
        {
            throw new ArgumentException($"{bytes.Length} bytes for a graph input of {layout.Length} values", nameof(bytes));
        }

        float[] values = new float[bytes.Length];
        for (int i = 0; i < values.Length; i++)
        {
            byte b = bytes[layout[i]];
            values[i] = GraphInputValue(InputSigned ? (sbyte)b : b);
        }

        return values;
    }

    /// <summary>The smallest and largest byte value.</summary>
    public (int Min, int Max) ByteRange => InputSigned ? (-128, 127) : (0, 255);

    /// <summary>Parses a number as the command line takes it: a decimal ("0.5", "2e-3") or a fraction ("1/255").</summary>
    public static double ParseNumber(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        int slash = t.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0
            && double.TryParse(t[..slash], NumberStyles.Float, CultureInfo.InvariantCulture, out double numerator)
            && double.TryParse(t[(slash + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double denominator)
            && denominator != 0)
        {
            return numerator / denominator;
        }

        if (slash < 0 && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value))
        {
            return value;
        }

        throw new ArgumentException($"'{text}' is not a number (write a decimal such as 0.5 or a fraction such as 1/255)");
    }
}

/// <summary>The imported network and what the importer noticed on the way (layer by layer, exactness, choices).</summary>
public sealed record ImportResult(BnnNetwork Network, IReadOnlyList<string> Notes);

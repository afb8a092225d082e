using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bnn.Nano.Compiler.Ir;

/// <summary>
/// Saves and loads a trained <see cref="BnnNetwork"/> as JSON (the output of `bnnc train` and `bnnc import`, the
/// input of `bnnc compile`). Float arrays are base64 of little-endian float32, so the file round-trips bit-exactly
/// and the same network always gives the same bytes.
/// </summary>
public static class NetworkFile
{
    public const string FormatName = "bnn.nano/network";
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions s_options = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static void Save(BnnNetwork network, string path)
    {
        File.WriteAllText(path, Serialize(network));
    }

    public static string Serialize(BnnNetwork network)
    {
        List<LayerDto> layers = [];
        foreach (NetworkLayer layer in network.Layers)
        {
            layers.Add(layer switch
            {
                DenseLayer d => new LayerDto("dense") { Inputs = d.Inputs, Outputs = d.Outputs, Weights = Encode(d.Weights), Norm = Encode(d.Norm), Alpha = EncodeOrNull(d.Alpha) },
                Conv2dLayer c => new LayerDto("conv2d")
                {
                    Inputs = c.InChannels,
                    Outputs = c.OutChannels,
                    Kernel = [c.KernelHeight, c.KernelWidth],
                    Stride = [c.StrideY, c.StrideX],
                    Pads = [c.PadTop, c.PadLeft, c.PadBottom, c.PadRight],
                    PadValue = c.PadValue,
                    Weights = Encode(c.Weights),
                    Norm = Encode(c.Norm),
                    Alpha = EncodeOrNull(c.Alpha),
                    Int8Weights = c.Int8Weights ? true : null,
                },
                MaxPool2dLayer p => new LayerDto("maxpool2d") { Kernel = [p.PoolHeight, p.PoolWidth], Stride = [p.StrideY, p.StrideX] },
                InputThresholdLayer t => new LayerDto("input-threshold") { Thresholds = t.Thresholds },
                Int8HeadLayer h => new LayerDto("int8-head") { Inputs = h.Inputs, Outputs = h.Outputs, HeadWeights = Convert.ToBase64String(MemoryMarshal.AsBytes(h.Weights.AsSpan())), Biases = h.Biases, Scale = h.Scale },
                _ => throw new ArgumentException($"layer {layer.Describe()} cannot be saved"),
            });
        }

        TensorShape s = network.InputShape;
        FileDto file = new(FormatName, FormatVersion, [s.Height, s.Width, s.Channels], network.InputSigned ? "int8" : "uint8", [.. network.ClassNames], layers)
        {
            Properties = network.Properties.Count == 0 ? null : new SortedDictionary<int, int>(network.Properties.ToDictionary()),
        };
        return JsonSerializer.Serialize(file, s_options);
    }

    public static BnnNetwork Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"network file '{path}' does not exist", path);
        }

        Span<byte> start = stackalloc byte[4];
        using (FileStream stream = File.OpenRead(path))
        {
            start = start[..stream.ReadAtLeast(start, 4, throwOnEndOfStream: false)];
        }

        if (start.Length == 4 && BinaryPrimitives.ReadUInt32LittleEndian(start) == Runtime.Model.BlobFormat.Magic)
        {
            throw new InvalidDataException($"'{path}' is a compiled blob (.bnn), not a network file: compile the network JSON that `bnnc train` or `bnnc import` wrote; `bnnc inspect` and `bnnc run` read blobs");
        }

        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"'{path}' is an ONNX model, not a network file: `bnnc import` turns it into one (its --compile option compiles it in the same step)");
        }

        try
        {
            return Deserialize(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or NullReferenceException)
        {
            throw new InvalidDataException($"'{path}' is not a valid Bnn.Nano network file: {e.Message}", e);
        }
    }

    public static BnnNetwork Deserialize(string json)
    {
        FileDto file = JsonSerializer.Deserialize<FileDto>(json, s_options) ?? throw new FormatException("empty document");
        if (file.Format != FormatName)
        {
            throw new FormatException($"format is '{file.Format}', expected '{FormatName}'");
        }

        if (file.Version != FormatVersion)
        {
            throw new FormatException($"version {file.Version} is not supported (expected {FormatVersion})");
        }

        if (file.Input is not ("int8" or "uint8"))
        {
            throw new FormatException($"input encoding '{file.Input}' is neither int8 nor uint8");
        }

        int[] shape = file.InputShape ?? throw new FormatException("no input shape");
        if (shape.Length != 3)
        {
            throw new FormatException("input shape must be [height, width, channels]");
        }

        List<NetworkLayer> layers = [];
        foreach (LayerDto l in file.Layers ?? throw new FormatException("no layers"))
        {
            layers.Add(l.Type switch
            {
                "dense" => new DenseLayer(l.Inputs, l.Outputs, Decode(l.Weights), DecodeNorm(l.Norm), DecodeOrNull(l.Alpha)),
                "conv2d" => new Conv2dLayer(l.Inputs, l.Outputs, Pair(l.Kernel)[0], Pair(l.Kernel)[1], Pair(l.Stride)[0], Pair(l.Stride)[1], Four(l.Pads)[0], Four(l.Pads)[1], Four(l.Pads)[2], Four(l.Pads)[3], l.PadValue, Decode(l.Weights), DecodeNorm(l.Norm), DecodeOrNull(l.Alpha), l.Int8Weights == true),
                "maxpool2d" => new MaxPool2dLayer(Pair(l.Kernel)[0], Pair(l.Kernel)[1], Pair(l.Stride)[0], Pair(l.Stride)[1]),
                "input-threshold" => new InputThresholdLayer(l.Thresholds ?? throw new FormatException("no thresholds")),
                "int8-head" => new Int8HeadLayer(l.Inputs, l.Outputs, MemoryMarshal.Cast<byte, sbyte>(Convert.FromBase64String(l.HeadWeights ?? throw new FormatException("no head weights"))).ToArray(), l.Biases ?? throw new FormatException("no biases"), l.Scale),
                _ => throw new FormatException($"layer type '{l.Type}' is not supported"),
            });
        }

        return new BnnNetwork(new TensorShape(shape[0], shape[1], shape[2]), file.Input == "int8", layers, file.ClassNames ?? throw new FormatException("no class names"), file.Properties);
    }

    private static int[] Pair(int[]? values) => values is { Length: 2 } ? values : throw new FormatException("expected two values");

    private static int[] Four(int[]? values) => values is { Length: 4 } ? values : throw new FormatException("expected four pads");

    private static NormDto Encode(BatchNorm n) => new(Encode(n.Gamma), Encode(n.Beta), Encode(n.Mean), Encode(n.Variance), n.Epsilon);

    private static BatchNorm DecodeNorm(NormDto? n) => n == null
        ? throw new FormatException("missing batch norm")
        : new BatchNorm(Decode(n.Gamma), Decode(n.Beta), Decode(n.Mean), Decode(n.Variance), n.Epsilon);

    private static string? EncodeOrNull(float[]? values) => values == null ? null : Encode(values);

    private static float[]? DecodeOrNull(string? base64) => base64 == null ? null : Decode(base64);

    private static string Encode(float[] values)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("network files are written on little-endian hosts");
        }

        return Convert.ToBase64String(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static float[] Decode(string? base64)
    {
        byte[] bytes = Convert.FromBase64String(base64 ?? throw new FormatException("missing float array"));
        if (bytes.Length % 4 != 0)
        {
            throw new FormatException("float array length is not a multiple of 4 bytes");
        }

        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private sealed record FileDto(string Format, int Version, int[]? InputShape, string Input, string[]? ClassNames, List<LayerDto>? Layers)
    {
        public SortedDictionary<int, int>? Properties { get; init; }
    }

    private sealed record NormDto(string Gamma, string Beta, string Mean, string Variance, float Epsilon);

    private sealed record LayerDto(string Type)
    {
        public int Inputs { get; init; }

        public int Outputs { get; init; }

        public int[]? Kernel { get; init; }

        public int[]? Stride { get; init; }

        public int[]? Pads { get; init; }

        public int PadValue { get; init; }

        public string? Weights { get; init; }

        public NormDto? Norm { get; init; }

        public string? Alpha { get; init; }

        /// <summary>Conv2d only: true when the weights are int8 values (absent: binary).</summary>
        public bool? Int8Weights { get; init; }

        public int[]? Thresholds { get; init; }

        public string? HeadWeights { get; init; }

        public int[]? Biases { get; init; }

        public float Scale { get; init; }
    }
}

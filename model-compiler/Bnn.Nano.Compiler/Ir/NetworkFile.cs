using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bnn.Nano.Compiler.Ir;

/// <summary>
/// Saves and loads a trained <see cref="BnnNetwork"/> as JSON (the output of `bnnc train`, the input of
/// `bnnc compile`). Float arrays are base64 of little-endian float32, so the file round-trips bit-exactly and the
/// same network always gives the same bytes.
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
        foreach (DenseLayer layer in network.Layers)
        {
            BatchNorm n = layer.Norm;
            layers.Add(new LayerDto("dense", layer.Inputs, layer.Outputs, Encode(layer.Weights), Encode(n.Gamma), Encode(n.Beta), Encode(n.Mean), Encode(n.Variance), n.Epsilon));
        }

        return JsonSerializer.Serialize(new FileDto(FormatName, FormatVersion, network.InputLength, network.InputSigned ? "int8" : "uint8", [.. network.ClassNames], layers), s_options);
    }

    public static BnnNetwork Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"network file '{path}' does not exist", path);
        }

        try
        {
            return Deserialize(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
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

        List<DenseLayer> layers = [];
        foreach (LayerDto l in file.Layers ?? throw new FormatException("no layers"))
        {
            if (l.Type != "dense")
            {
                throw new FormatException($"layer type '{l.Type}' is not supported");
            }

            BatchNorm norm = new(Decode(l.Gamma), Decode(l.Beta), Decode(l.Mean), Decode(l.Variance), l.Epsilon);
            layers.Add(new DenseLayer(l.Inputs, l.Outputs, Decode(l.Weights), norm));
        }

        return new BnnNetwork(file.InputLength, file.Input == "int8", layers, file.ClassNames ?? throw new FormatException("no class names"));
    }

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

    private sealed record FileDto(string Format, int Version, int InputLength, string Input, string[]? ClassNames, List<LayerDto>? Layers);

    private sealed record LayerDto(string Type, int Inputs, int Outputs, string? Weights, string? Gamma, string? Beta, string? Mean, string? Variance, float Epsilon);
}

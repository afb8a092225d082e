using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Runtime;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Compiler.Emit;

/// <summary>
/// Writes the .bnn blob, format version 1 (docs/blob-format.md): header, one 64-byte record per layer, then each
/// layer's weights and parameters, 4-aligned, little-endian, CRC-32 over everything after the CRC field.
/// Deterministic: the same model gives the same bytes.
/// </summary>
public static class BlobWriter
{
    public static byte[] Write(CompiledModel model)
    {
        int layerCount = model.Layers.Count;
        int tableEnd = BlobFormat.HeaderSize + (layerCount * BlobFormat.RecordSize);
        int position = tableEnd + (model.Properties.Count * BlobFormat.PropertySize);
        byte[][] weightSections = new byte[layerCount][];
        byte[][] paramSections = new byte[layerCount][];
        for (int l = 0; l < layerCount; l++)
        {
            weightSections[l] = WeightBytes(model.Layers[l]);
            paramSections[l] = ParamBytes(model.Layers[l]);
            position += weightSections[l].Length + paramSections[l].Length;
        }

        byte[] blob = new byte[position];
        Span<byte> span = blob;
        BinaryPrimitives.WriteUInt32LittleEndian(span[BlobFormat.MagicAt..], BlobFormat.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[BlobFormat.VersionAt..], BlobFormat.Version);
        BinaryPrimitives.WriteUInt16LittleEndian(span[BlobFormat.HeaderSizeAt..], BlobFormat.HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(span[BlobFormat.TotalLengthAt..], (uint)blob.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[BlobFormat.LayerCountAt..], (ushort)layerCount);
        blob[BlobFormat.InputSignedAt] = model.InputSigned ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(span[BlobFormat.InputHeightAt..], checked((ushort)model.InputShape.Height));
        BinaryPrimitives.WriteUInt16LittleEndian(span[BlobFormat.InputWidthAt..], checked((ushort)model.InputShape.Width));
        BinaryPrimitives.WriteInt32LittleEndian(span[BlobFormat.InputChannelsAt..], model.InputShape.Channels);
        BinaryPrimitives.WriteInt32LittleEndian(span[BlobFormat.ClassCountAt..], model.ClassCount);
        BinaryPrimitives.WriteInt32LittleEndian(span[BlobFormat.ArenaWordsAt..], model.ArenaWords);

        BinaryPrimitives.WriteUInt16LittleEndian(span[BlobFormat.PropertyCountAt..], checked((ushort)model.Properties.Count));
        int propertyAt = tableEnd;
        foreach (KeyValuePair<int, int> property in model.Properties)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[propertyAt..], checked((ushort)property.Key));
            BinaryPrimitives.WriteInt32LittleEndian(span[(propertyAt + 4)..], property.Value);
            propertyAt += BlobFormat.PropertySize;
        }

        int data = propertyAt;
        for (int l = 0; l < layerCount; l++)
        {
            CompiledLayer layer = model.Layers[l];
            Span<byte> record = span.Slice(BlobFormat.HeaderSize + (l * BlobFormat.RecordSize), BlobFormat.RecordSize);
            record[BlobFormat.KindAt] = (byte)layer.Kind;
            record[BlobFormat.ScoreShiftAt] = (byte)layer.ScoreShift;
            BinaryPrimitives.WriteUInt16LittleEndian(record[BlobFormat.RecordSizeAt..], BlobFormat.RecordSize);
            BinaryPrimitives.WriteInt32LittleEndian(record[BlobFormat.OutChannelsAt..], layer.OutChannels);
            if (layer.Window is WindowSpec w)
            {
                WriteU16(record, BlobFormat.KernelHeightAt, w.KernelHeight);
                WriteU16(record, BlobFormat.KernelWidthAt, w.KernelWidth);
                WriteU16(record, BlobFormat.StrideYAt, w.StrideY);
                WriteU16(record, BlobFormat.StrideXAt, w.StrideX);
                WriteU16(record, BlobFormat.PadTopAt, w.PadTop);
                WriteU16(record, BlobFormat.PadLeftAt, w.PadLeft);
                WriteU16(record, BlobFormat.PadBottomAt, w.PadBottom);
                WriteU16(record, BlobFormat.PadRightAt, w.PadRight);
                record[BlobFormat.PadValueAt] = (byte)(sbyte)w.PadValue;
            }

            BinaryPrimitives.WriteInt32LittleEndian(record[BlobFormat.InputOffsetAt..], layer.InputOffset);
            BinaryPrimitives.WriteInt32LittleEndian(record[BlobFormat.OutputOffsetAt..], layer.OutputOffset);
            BinaryPrimitives.WriteInt32LittleEndian(record[BlobFormat.WeightsAt..], data);
            BinaryPrimitives.WriteInt32LittleEndian(record[BlobFormat.WeightsLengthAt..], weightSections[l].Length);
            weightSections[l].CopyTo(span[data..]);
            data += weightSections[l].Length;
            BinaryPrimitives.WriteInt32LittleEndian(record[BlobFormat.ParamsAt..], data);
            BinaryPrimitives.WriteInt32LittleEndian(record[BlobFormat.ParamsLengthAt..], paramSections[l].Length);
            paramSections[l].CopyTo(span[data..]);
            data += paramSections[l].Length;
        }

        uint crc = Crc32.Compute(blob, BlobFormat.CrcStart, blob.Length - BlobFormat.CrcStart);
        BinaryPrimitives.WriteUInt32LittleEndian(span[BlobFormat.CrcAt..], crc);
        return blob;
    }

    /// <summary>The model's CRC-32 as stored in its blob: the model hash named in generated tables and reports.</summary>
    public static uint ModelHash(byte[] blob) => BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(BlobFormat.CrcAt));

    private static byte[] WeightBytes(CompiledLayer layer)
    {
        if (layer.Weights != null)
        {
            byte[] bytes = new byte[layer.Weights.Length * 4];
            for (int i = 0; i < layer.Weights.Length; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), layer.Weights[i]);
            }

            return bytes;
        }

        if (layer.Int8Weights != null)
        {
            byte[] bytes = new byte[(layer.Int8Weights.Length + 3) & ~3];
            for (int i = 0; i < layer.Int8Weights.Length; i++)
            {
                bytes[i] = (byte)layer.Int8Weights[i];
            }

            return bytes;
        }

        return [];
    }

    private static byte[] ParamBytes(CompiledLayer layer)
    {
        List<int> values = [.. layer.Thresholds ?? [], .. layer.Scales ?? [], .. layer.Biases ?? []];
        byte[] bytes = new byte[values.Count * 4];
        for (int i = 0; i < values.Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    private static void WriteU16(Span<byte> record, int at, int value) => BinaryPrimitives.WriteUInt16LittleEndian(record[at..], checked((ushort)value));
}

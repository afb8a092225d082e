using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Bnn.Nano.Runtime;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Compiler.Emit;

/// <summary>
/// Reads and replaces the model properties of a .bnn blob (docs/blob-format.md) without touching its layers: the
/// deployment settings of a trained model (e.g. the keyword node's inference hop and detector) change after training.
/// </summary>
public static class BlobProperties
{
    /// <summary>The properties of a valid blob, in key order (the blob is validated first).</summary>
    public static SortedDictionary<int, int> Read(byte[] blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        BnnModel model = BlobReader.Load(blob);
        SortedDictionary<int, int> properties = [];
        for (int i = 0; i < model.PropertyCount; i++)
        {
            int key = model.GetPropertyKey(i);
            properties.Add(key, model.GetProperty(key, 0));
        }

        return properties;
    }

    /// <summary>
    /// A copy of a valid blob whose properties are its own with <paramref name="changes"/> applied (a key set to a value
    /// is added or replaced); every layer record, weight and parameter keeps its bytes, the sections move by the
    /// table's change in size, and the CRC is computed anew. The input array is not modified.
    /// </summary>
    public static byte[] With(byte[] blob, IReadOnlyDictionary<int, int> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        SortedDictionary<int, int> properties = Read(blob);
        foreach (KeyValuePair<int, int> change in changes)
        {
            if (change.Key < 1 || change.Key > ModelProperty.MaxKey)
            {
                throw new ArgumentException($"property key {change.Key} is not in 1..{ModelProperty.MaxKey}", nameof(changes));
            }

            properties[change.Key] = change.Value;
        }

        if (properties.Count > ModelProperty.MaxCount)
        {
            throw new ArgumentException($"{properties.Count} properties: a blob holds at most {ModelProperty.MaxCount}", nameof(changes));
        }

        int oldCount = BinaryPrimitives.ReadUInt16LittleEndian(blob.AsSpan(BlobFormat.PropertyCountAt));
        int tableStart = TableStart(blob);
        int oldDataStart = tableStart + (oldCount * BlobFormat.PropertySize);
        int shift = (properties.Count - oldCount) * BlobFormat.PropertySize;
        byte[] result = new byte[blob.Length + shift];
        blob.AsSpan(0, tableStart).CopyTo(result);
        blob.AsSpan(oldDataStart).CopyTo(result.AsSpan(oldDataStart + shift));

        Span<byte> span = result;
        BinaryPrimitives.WriteUInt32LittleEndian(span[BlobFormat.TotalLengthAt..], (uint)result.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[BlobFormat.PropertyCountAt..], (ushort)properties.Count);
        int at = tableStart;
        foreach (KeyValuePair<int, int> property in properties)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)property.Key);
            BinaryPrimitives.WriteUInt16LittleEndian(span[(at + 2)..], 0);
            BinaryPrimitives.WriteInt32LittleEndian(span[(at + 4)..], property.Value);
            at += BlobFormat.PropertySize;
        }

        int layers = BinaryPrimitives.ReadUInt16LittleEndian(blob.AsSpan(BlobFormat.LayerCountAt));
        for (int l = 0; l < layers; l++)
        {
            int record = BlobFormat.HeaderSize + (l * BlobFormat.RecordSize);
            foreach (int field in new[] { BlobFormat.WeightsAt, BlobFormat.ParamsAt })
            {
                int offset = BinaryPrimitives.ReadInt32LittleEndian(span[(record + field)..]);
                BinaryPrimitives.WriteInt32LittleEndian(span[(record + field)..], offset + shift);
            }
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[BlobFormat.CrcAt..], Crc32.Compute(result, BlobFormat.CrcStart, result.Length - BlobFormat.CrcStart));
        BlobReader.Load(result);
        return result;
    }

    private static int TableStart(byte[] blob) =>
        BlobFormat.HeaderSize + (BinaryPrimitives.ReadUInt16LittleEndian(blob.AsSpan(BlobFormat.LayerCountAt)) * BlobFormat.RecordSize);
}

using System;
using System.Buffers.Binary;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Runtime;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Compiler.Emit;

/// <summary>
/// Writes the .bnn blob, format version 1 (docs/blob-format.md): header, layer records, then each layer's weights
/// and parameters, 4-aligned, little-endian, CRC-32 over everything after the CRC field. Deterministic: the same
/// model gives the same bytes.
/// </summary>
public static class BlobWriter
{
    public static byte[] Write(CompiledModel model)
    {
        int layerCount = model.Layers.Count;
        int position = BlobFormat.HeaderSize + (layerCount * BlobFormat.DenseRecordSize);
        int[] weightsAt = new int[layerCount];
        int[] paramsAt = new int[layerCount];
        for (int l = 0; l < layerCount; l++)
        {
            CompiledLayer layer = model.Layers[l];
            weightsAt[l] = position;
            position += layer.Weights.Length * 4;
            paramsAt[l] = position;
            position += ParamCount(layer) * 4;
        }

        byte[] blob = new byte[position];
        Span<byte> span = blob;
        BinaryPrimitives.WriteUInt32LittleEndian(span[BlobFormat.MagicAt..], BlobFormat.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[BlobFormat.VersionAt..], BlobFormat.Version);
        BinaryPrimitives.WriteUInt16LittleEndian(span[BlobFormat.HeaderSizeAt..], BlobFormat.HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(span[BlobFormat.TotalLengthAt..], (uint)blob.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[BlobFormat.LayerCountAt..], (ushort)layerCount);
        blob[BlobFormat.InputSignedAt] = model.InputSigned ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32LittleEndian(span[BlobFormat.InputLengthAt..], model.InputLength);
        BinaryPrimitives.WriteInt32LittleEndian(span[BlobFormat.ClassCountAt..], model.ClassCount);
        BinaryPrimitives.WriteInt32LittleEndian(span[BlobFormat.ArenaWordsAt..], model.ArenaWords);

        for (int l = 0; l < layerCount; l++)
        {
            CompiledLayer layer = model.Layers[l];
            Span<byte> record = span.Slice(BlobFormat.HeaderSize + (l * BlobFormat.DenseRecordSize), BlobFormat.DenseRecordSize);
            record[BlobFormat.RecordKindAt] = (byte)layer.Kind;
            record[BlobFormat.RecordScoreShiftAt] = (byte)layer.ScoreShift;
            BinaryPrimitives.WriteUInt16LittleEndian(record[BlobFormat.RecordSizeAt..], BlobFormat.DenseRecordSize);
            BinaryPrimitives.WriteInt32LittleEndian(record[BlobFormat.RecordInputsAt..], layer.Inputs);
            BinaryPrimitives.WriteInt32LittleEndian(record[BlobFormat.RecordOutputsAt..], layer.Outputs);
            BinaryPrimitives.WriteInt32LittleEndian(record[BlobFormat.RecordInputOffsetAt..], layer.InputOffset);
            BinaryPrimitives.WriteInt32LittleEndian(record[BlobFormat.RecordOutputOffsetAt..], layer.OutputOffset);
            BinaryPrimitives.WriteInt32LittleEndian(record[BlobFormat.RecordWeightsAt..], weightsAt[l]);
            BinaryPrimitives.WriteInt32LittleEndian(record[BlobFormat.RecordParamsAt..], paramsAt[l]);

            for (int w = 0; w < layer.Weights.Length; w++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(span[(weightsAt[l] + (w * 4))..], layer.Weights[w]);
            }

            int p = paramsAt[l];
            foreach (int[]? values in new[] { layer.Thresholds, layer.Scales, layer.Biases })
            {
                foreach (int value in values ?? [])
                {
                    BinaryPrimitives.WriteInt32LittleEndian(span[p..], value);
                    p += 4;
                }
            }
        }

        uint crc = Crc32.Compute(blob, BlobFormat.CrcStart, blob.Length - BlobFormat.CrcStart);
        BinaryPrimitives.WriteUInt32LittleEndian(span[BlobFormat.CrcAt..], crc);
        return blob;
    }

    /// <summary>The model's CRC-32 as stored in its blob: the model hash named in generated tables and reports.</summary>
    public static uint ModelHash(byte[] blob) => BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(BlobFormat.CrcAt));

    private static int ParamCount(CompiledLayer layer) => layer.Kind == LayerKind.BinaryDenseScores ? 2 * layer.Outputs : layer.Outputs;
}

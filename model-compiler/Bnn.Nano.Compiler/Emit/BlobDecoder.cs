using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Runtime.Kernels;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Compiler.Emit;

/// <summary>
/// The inverse of <see cref="BlobWriter"/>: the compiled model a valid blob holds, so that C# tables
/// (<see cref="CSharpTablesWriter"/>) can be generated for a blob whose network.json is not at hand, e.g. one whose
/// properties <see cref="BlobProperties"/> changed. <see cref="BlobWriter.Write"/> of the result gives the same bytes.
/// </summary>
public static class BlobDecoder
{
    /// <summary>Decodes a blob (validated by <see cref="BlobReader"/> first); class names are not stored in blobs.</summary>
    public static CompiledModel Decode(byte[] blob, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        BnnModel model = BlobReader.Load(blob);
        if (classNames.Count != model.ClassCount)
        {
            throw new ArgumentException($"{classNames.Count} class names for a model of {model.ClassCount} classes", nameof(classNames));
        }

        ReadOnlySpan<byte> span = blob;
        TensorShape shape = new(model.InputHeight, model.InputWidth, model.InputChannels);
        List<CompiledLayer> layers = [];
        int count = BinaryPrimitives.ReadUInt16LittleEndian(span[BlobFormat.LayerCountAt..]);
        for (int l = 0; l < count; l++)
        {
            ReadOnlySpan<byte> record = span.Slice(BlobFormat.HeaderSize + (l * BlobFormat.RecordSize), BlobFormat.RecordSize);
            int kind = record[BlobFormat.KindAt];
            int outC = BinaryPrimitives.ReadInt32LittleEndian(record[BlobFormat.OutChannelsAt..]);
            WindowSpec? window = null;
            TensorShape output = new(1, 1, outC);
            if (kind is LayerKind.Int8Conv2d or LayerKind.Int8WeightConv2d or LayerKind.BinaryConv2d or LayerKind.MaxPool2d)
            {
                window = new WindowSpec(U16(record, BlobFormat.KernelHeightAt), U16(record, BlobFormat.KernelWidthAt), U16(record, BlobFormat.StrideYAt),
                    U16(record, BlobFormat.StrideXAt), U16(record, BlobFormat.PadTopAt), U16(record, BlobFormat.PadLeftAt), U16(record, BlobFormat.PadBottomAt),
                    U16(record, BlobFormat.PadRightAt), (sbyte)record[BlobFormat.PadValueAt]);
                output = new TensorShape(
                    ((shape.Height + window.PadTop + window.PadBottom - window.KernelHeight) / window.StrideY) + 1,
                    ((shape.Width + window.PadLeft + window.PadRight - window.KernelWidth) / window.StrideX) + 1,
                    outC);
            }
            else if (kind == LayerKind.InputThreshold)
            {
                output = new TensorShape(shape.Height, shape.Width, outC);
            }

            ReadOnlySpan<byte> weights = Section(span, record, BlobFormat.WeightsAt, BlobFormat.WeightsLengthAt);
            ReadOnlySpan<byte> parameters = Section(span, record, BlobFormat.ParamsAt, BlobFormat.ParamsLengthAt);
            int taps = window == null ? 0 : window.KernelHeight * window.KernelWidth;
            (int groups, int groupBits) = kind switch
            {
                LayerKind.Int8Dense => (1, shape.Count),
                LayerKind.Int8Conv2d => (1, taps * shape.Channels),
                LayerKind.BinaryConv2d => (taps, shape.Channels),
                LayerKind.BinaryDense or LayerKind.BinaryDenseScores => (shape.Height * shape.Width, shape.Channels),
                _ => (0, 0),
            };
            uint[]? bits = groups == 0 ? null : Words(weights);
            sbyte[]? int8 = kind switch
            {
                LayerKind.Int8WeightConv2d => Bytes(weights, outC * taps * shape.Channels),
                LayerKind.Int8DenseHead => Bytes(weights, outC * shape.Count),
                _ => null,
            };
            int[] values = Ints(parameters);
            int[]? thresholds = kind is LayerKind.BinaryDenseScores or LayerKind.Int8DenseHead or LayerKind.MaxPool2d ? null : values;
            int[]? scales = kind == LayerKind.BinaryDenseScores ? values[..outC] : null;
            int[]? biases = kind switch
            {
                LayerKind.BinaryDenseScores => values[outC..],
                LayerKind.Int8DenseHead => values,
                _ => null,
            };
            layers.Add(new CompiledLayer(kind, shape, output, window, bits, groups, groupBits, int8, thresholds, scales, biases,
                record[BlobFormat.ScoreShiftAt], BinaryPrimitives.ReadInt32LittleEndian(record[BlobFormat.InputOffsetAt..]),
                BinaryPrimitives.ReadInt32LittleEndian(record[BlobFormat.OutputOffsetAt..])));
            shape = output;
        }

        return new CompiledModel(new TensorShape(model.InputHeight, model.InputWidth, model.InputChannels), model.InputSigned, layers,
            BinaryPrimitives.ReadInt32LittleEndian(span[BlobFormat.ArenaWordsAt..]), classNames, BlobProperties.Read(blob));
    }

    private static int U16(ReadOnlySpan<byte> record, int at) => BinaryPrimitives.ReadUInt16LittleEndian(record[at..]);

    private static ReadOnlySpan<byte> Section(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> record, int offsetAt, int lengthAt) =>
        blob.Slice(BinaryPrimitives.ReadInt32LittleEndian(record[offsetAt..]), BinaryPrimitives.ReadInt32LittleEndian(record[lengthAt..]));

    private static uint[] Words(ReadOnlySpan<byte> section)
    {
        uint[] words = new uint[section.Length / 4];
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt32LittleEndian(section[(i * 4)..]);
        }

        return words;
    }

    private static int[] Ints(ReadOnlySpan<byte> section)
    {
        int[] values = new int[section.Length / 4];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadInt32LittleEndian(section[(i * 4)..]);
        }

        return values;
    }

    /// <summary>The first <paramref name="count"/> bytes of a section as int8 (the section is padded to 4 bytes).</summary>
    private static sbyte[] Bytes(ReadOnlySpan<byte> section, int count)
    {
        sbyte[] values = new sbyte[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (sbyte)section[i];
        }

        return values;
    }
}

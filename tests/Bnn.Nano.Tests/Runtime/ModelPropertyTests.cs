using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Runtime;
using Bnn.Nano.Runtime.Model;
using Bnn.Nano.Tests.Compiler;
using Xunit;

namespace Bnn.Nano.Tests.Runtime;

/// <summary>Model properties travel from the network through the blob and the C# tables to the device.</summary>
public class ModelPropertyTests
{
    private static readonly Dictionary<int, int> s_properties = new()
    {
        [ModelProperty.WindowLength] = 128,
        [ModelProperty.InputScaleBits] = BitConverter.SingleToInt32Bits(0.03125f),
        [ModelProperty.InputZeroPoint] = -3,
    };

    [Fact]
    public void properties_round_trip_through_blob_tables_and_network_file()
    {
        BnnNetwork network = RandomNetworks.Create(51, 20, true, [16], 3).WithProperties(s_properties);
        BnnNetwork reloaded = NetworkFile.Deserialize(NetworkFile.Serialize(network));
        CompiledModel compiled = ModelCompiler.Compile(reloaded);
        byte[] blob = BlobWriter.Write(compiled);
        BnnModel fromBlob = BlobReader.Load(blob);
        BnnModel fromTables = GeneratedTablesTests.CreateFromTables(CSharpTablesWriter.Write(compiled, blob, "P", "PropModel"), "P.PropModel");
        foreach (BnnModel model in new[] { fromBlob, fromTables })
        {
            Assert.Equal(3, model.PropertyCount);
            Assert.Equal(128, model.GetProperty(ModelProperty.WindowLength, 0));
            Assert.Equal(0.03125f, BitConverter.Int32BitsToSingle(model.GetProperty(ModelProperty.InputScaleBits, 0)));
            Assert.Equal(-3, model.GetProperty(ModelProperty.InputZeroPoint, 0));
            Assert.Equal(7, model.GetProperty(ModelProperty.SampleRateHz, 7));
            Assert.False(model.HasProperty(ModelProperty.WindowHop));
        }
    }

    [Fact]
    public void unordered_or_duplicate_property_keys_are_refused()
    {
        byte[] blob = BlobWriter.Write(ModelCompiler.Compile(RandomNetworks.Create(52, 20, true, [16], 3).WithProperties(s_properties)));
        int first = BlobFormat.HeaderSize + (2 * BlobFormat.RecordSize);
        BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(first + BlobFormat.PropertySize), 1);
        uint crc = Crc32.Compute(blob, BlobFormat.CrcStart, blob.Length - BlobFormat.CrcStart);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(BlobFormat.CrcAt), crc);
        Assert.Contains("not ascending", Assert.Throws<BnnException>(() => BlobReader.Load(blob)).Message, StringComparison.Ordinal);
    }
}

using System;
using System.IO;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Runtime;
using Xunit;

namespace Bnn.Nano.Tests.Compiler;

/// <summary>BlobDecoder is the inverse of BlobWriter: same blob bytes, same C# tables as the compiled model.</summary>
public class BlobDecoderTests
{
    [Fact]
    public void every_layer_kind_decodes_to_the_model_that_writes_the_same_blob_and_tables()
    {
        // CreateConv covers 8-bit convs (bit and int8 weights), input thresholds, binary convs with every pad value,
        // max-pools, dense layers, binary score layers and int8 heads; Create the 8-bit dense first layer.
        for (int seed = 1; seed <= 40; seed++)
        {
            BnnNetwork network = seed % 5 == 0
                ? RandomNetworks.Create(seed, 10 + seed, seed % 2 == 0, [16, 8 + seed], 3)
                : RandomNetworks.CreateConv(seed, new TensorShape(6 + (seed % 5), 5 + (seed % 3), 1 + (seed % 3)), seed % 2 == 0, 2 + (seed % 4), int8FirstLayer: seed % 3 == 0);
            CompiledModel compiled = ModelCompiler.Compile(network);
            byte[] blob = BlobWriter.Write(compiled);

            CompiledModel decoded = BlobDecoder.Decode(blob, network.ClassNames);

            Assert.Equal(blob, BlobWriter.Write(decoded));
            Assert.Equal(CSharpTablesWriter.Write(compiled, blob, "T", "M"), CSharpTablesWriter.Write(decoded, blob, "T", "M"));
        }
    }

    [Fact]
    public void the_shipped_keyword_blob_decodes_to_its_committed_device_tables()
    {
        string board = Path.Combine(RepoPaths.Firmware, "Bnn.Nano.Node", "Board");
        byte[] blob = File.ReadAllBytes(Path.Combine(board, "KeywordModel.bnn"));
        string[] names = ["silence", "unknown", "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"];
        CompiledModel decoded = BlobDecoder.Decode(blob, names);
        Assert.Equal(blob, BlobWriter.Write(decoded));
        string tables = CSharpTablesWriter.Write(decoded, blob, "Bnn.Nano.Node.Board", "KeywordModel");
        Assert.Equal(File.ReadAllText(Path.Combine(board, "KeywordModel.g.cs")).ReplaceLineEndings("\n"), tables.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void wrong_class_names_and_corrupt_blobs_are_refused()
    {
        BnnNetwork network = RandomNetworks.Create(3, 12, true, [8], 3);
        byte[] blob = BlobWriter.Write(ModelCompiler.Compile(network));
        Assert.Contains("2 class names for a model of 3 classes", Assert.Throws<ArgumentException>(() => BlobDecoder.Decode(blob, ["a", "b"])).Message, StringComparison.Ordinal);
        Assert.Throws<BnnException>(() => BlobDecoder.Decode(blob[..^4], network.ClassNames));
    }
}

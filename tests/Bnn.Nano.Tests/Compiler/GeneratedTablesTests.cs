using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Runtime.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Bnn.Nano.Tests.Compiler;

/// <summary>The generated C# tables, compiled with Roslyn, build a model identical in behaviour to the blob's.</summary>
public class GeneratedTablesTests
{
    [Fact]
    public void tables_and_blob_give_identical_scores_on_every_sample()
    {
        BnnNetwork network = RandomNetworks.Create(41, 150, true, [96, 70], 5);
        CompiledModel compiled = ModelCompiler.Compile(network);
        byte[] blob = BlobWriter.Write(compiled);
        string source = CSharpTablesWriter.Write(compiled, blob, "Demo.Models", "TestModel");
        BnnModel fromTables = CreateFromTables(source, "Demo.Models.TestModel");
        BnnModel fromBlob = BlobReader.Load(blob);

        Dataset data = RandomNetworks.Inputs(42, 500, 150, true, 5);
        byte[] input = new byte[150];
        for (int s = 0; s < data.Count; s++)
        {
            data.Sample(s).CopyTo(input);
            Assert.Equal(fromBlob.Run(input), fromTables.Run(input));
            Assert.Equal(fromBlob.Scores, fromTables.Scores);
        }
    }

    [Fact]
    public void large_arrays_are_split_into_initializers_of_at_most_64_KB()
    {
        // 4000 x 300 binary weights = 4000 rows of 5 ulongs = 160 KB: must be split.
        BnnNetwork network = RandomNetworks.Create(43, 300, false, [4000], 3);
        CompiledModel compiled = ModelCompiler.Compile(network);
        byte[] blob = BlobWriter.Write(compiled);
        string source = CSharpTablesWriter.Write(compiled, blob, "Demo", "Big");

        // Every initializer { ... } holds at most 64 KB of elements.
        int initializers = 0;
        foreach (Match m in Regex.Matches(source, @"new (ulong|int)\[\]\s*\{([^}]*)\}"))
        {
            int elementBytes = m.Groups[1].Value == "ulong" ? 8 : 4;
            int count = m.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length;
            Assert.True(count * elementBytes <= CSharpTablesWriter.MaxInitializerBytes, $"initializer of {count * elementBytes} bytes");
            initializers++;
        }

        Assert.True(initializers > 5);
        Assert.Contains("truncates", source, StringComparison.Ordinal);
        Assert.Contains($"0x{BlobWriter.ModelHash(blob):X8}", source, StringComparison.Ordinal);

        BnnModel fromTables = CreateFromTables(source, "Demo.Big");
        BnnModel fromBlob = BlobReader.Load(blob);
        Dataset data = RandomNetworks.Inputs(44, 50, 300, false, 3);
        byte[] input = new byte[300];
        for (int s = 0; s < data.Count; s++)
        {
            data.Sample(s).CopyTo(input);
            Assert.Equal(fromBlob.Run(input), fromTables.Run(input));
            Assert.Equal(fromBlob.Scores, fromTables.Scores);
        }
    }

    /// <summary>Compiles a generated *.g.cs against the runtime and calls its Create().</summary>
    internal static BnnModel CreateFromTables(string source, string typeName)
    {
        List<MetadataReference> references = [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) == "netstandard.dll")
            .Select(p => MetadataReference.CreateFromFile(p))];
        references.Add(MetadataReference.CreateFromFile(typeof(BnnModel).Assembly.Location));
        CSharpCompilation compilation = CSharpCompilation.Create(
            "GeneratedModel" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(source)],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using MemoryStream stream = new();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(stream);
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        Assembly assembly = Assembly.Load(stream.ToArray());
        MethodInfo create = assembly.GetType(typeName, throwOnError: true)!.GetMethod("Create")!;
        return (BnnModel)create.Invoke(null, null)!;
    }
}

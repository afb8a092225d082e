using System;
using System.CommandLine;
using System.IO;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Import;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Onnx;
using Spectre.Console;

namespace Bnn.Nano.Cli.Commands;

/// <summary>`bnnc import model.onnx --out network.json`: a binarized ONNX / FINN / QONNX model as a Bnn.Nano network.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        Argument<FileInfo> modelPath = new("model") { Description = "an ONNX model of a binarized network (plain ONNX, FINN or QONNX/Brevitas export)" };
        Option<FileInfo?> output = new("--out", "-o") { Description = "where to write the imported network (JSON, the input of `bnnc compile`)" };
        Option<string> inputScale = new("--input-scale") { Description = "graph input = byte · scale + offset: a decimal or a fraction such as 1/255", DefaultValueFactory = _ => "1" };
        Option<string> inputOffset = new("--input-offset") { Description = "offset of the graph input (see --input-scale)", DefaultValueFactory = _ => "0" };
        Option<bool> signed = new("--signed") { Description = "the input bytes are int8 (-128..127); default uint8 (0..255)" };
        Option<bool> describe = new("--describe") { Description = "print the ONNX graph: opsets, inputs, outputs, initializers, nodes" };
        Option<bool> force = new("--force") { Description = "replace existing output files" };
        Option<DirectoryInfo?> compile = new("--compile") { Description = "also compile into this folder: model.bnn, <class>.g.cs, report.md/json" };
        Option<string> className = new("--class") { Description = "class name of the generated C# tables (with --compile)", DefaultValueFactory = _ => "BnnModelTables" };
        Option<string> namespaceName = new("--namespace") { Description = "namespace of the generated C# tables (with --compile)", DefaultValueFactory = _ => "Bnn.Nano.Models" };
        Command command = new("import", "Import a binarized network from ONNX (MatMul/Gemm/Conv with ±1 weights, BatchNormalization, Sign, FINN MultiThreshold, QONNX BipolarQuant/Quant) into network.json");
        command.Arguments.Add(modelPath);
        foreach (Option option in new Option[] { output, inputScale, inputOffset, signed, describe, force, compile, className, namespaceName })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Ui.Guard(() =>
        {
            OnnxModel model = OnnxModel.Load(parse.GetValue(modelPath)!.FullName);
            if (parse.GetValue(describe))
            {
                AnsiConsole.WriteLine(model.Describe());
            }

            FileInfo? target = parse.GetValue(output);
            if (target == null)
            {
                return parse.GetValue(describe) ? 0 : throw new ArgumentException("--out is required (where to write network.json), unless only --describe is wanted");
            }

            ImportOptions options = new()
            {
                InputScale = ImportOptions.ParseNumber(parse.GetValue(inputScale)!),
                InputOffset = ImportOptions.ParseNumber(parse.GetValue(inputOffset)!),
                InputSigned = parse.GetValue(signed),
            };
            ImportResult result = OnnxImporter.Import(model, options);
            BnnNetwork network = result.Network;

            // Everything is built and every target checked before the first file is written.
            DirectoryInfo? compileDir = parse.GetValue(compile);
            ModelArtifacts? artifacts = compileDir == null ? null : ModelArtifacts.Build(network, parse.GetValue(namespaceName)!, parse.GetValue(className)!);
            OutputFolder folder = new(target.DirectoryName ?? ".", parse.GetValue(force));
            folder.EnsureWritable(target.Name);
            OutputFolder? compileFolder = compileDir == null ? null : new(compileDir.FullName, parse.GetValue(force));
            compileFolder?.EnsureWritable(ModelArtifacts.BlobFileName, artifacts!.TablesFileName, ModelArtifacts.ReportMarkdownFileName, ModelArtifacts.ReportJsonFileName);

            foreach (string note in result.Notes)
            {
                AnsiConsole.MarkupLine(Ui.Culture, $"[grey]note:[/] {Markup.Escape(note)}");
            }

            Summary(network);
            folder.Write(target.Name, NetworkFile.Serialize(network));
            Ui.Written(folder);
            if (artifacts != null && compileFolder != null)
            {
                artifacts.WriteTo(compileFolder, null, null);
                Ui.LayerTable(artifacts.Report);
                AnsiConsole.MarkupLine(Ui.Culture, $"model hash 0x{artifacts.ModelHash:X8}");
                Ui.Written(compileFolder);
            }

            return 0;
        }));
        return command;
    }

    /// <summary>One row per imported layer: kind, input and output shapes.</summary>
    private static void Summary(BnnNetwork network)
    {
        TensorShape[] shapes = network.Shapes();
        Table table = new Table().Border(TableBorder.Rounded).AddColumns("layer", "imported as", "input", "output");
        for (int l = 0; l < network.Layers.Count; l++)
        {
            table.AddRow(l.ToString(Ui.Culture), Markup.Escape(network.Layers[l].Describe()), shapes[l].ToString(), shapes[l + 1].ToString());
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Ui.Culture, $"input {network.InputShape} {(network.InputSigned ? "int8" : "uint8")}, {network.ClassCount} classes");
    }
}

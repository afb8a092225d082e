using System.CommandLine;
using System.IO;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Export;
using Bnn.Nano.Compiler.Ir;
using Spectre.Console;

namespace Bnn.Nano.Cli.Commands;

/// <summary>`bnnc export-onnx network.json --out model.onnx`: a standard ONNX graph of the network (an independent oracle).</summary>
internal static class ExportOnnxCommand
{
    public static Command Create()
    {
        Argument<FileInfo> networkPath = new("network") { Description = "a trained network (network.json from `bnnc train`)" };
        Option<FileInfo> output = new("--out", "-o") { Description = "where to write the ONNX model", Required = true };
        Option<bool> force = new("--force") { Description = "replace an existing output file" };
        Command command = new("export-onnx", "Export the network as a standard ONNX graph (opset 13) whose class decisions equal the runtime's");
        command.Arguments.Add(networkPath);
        command.Options.Add(output);
        command.Options.Add(force);
        command.SetAction(parse => Ui.Guard(() =>
        {
            FileInfo target = parse.GetValue(output)!;
            OutputFolder folder = new(target.DirectoryName ?? ".", parse.GetValue(force));
            folder.EnsureWritable(target.Name);
            BnnNetwork network = NetworkFile.Load(parse.GetValue(networkPath)!.FullName);
            byte[] model = OnnxExporter.Export(network);
            folder.Write(target.Name, model);
            string shapes = $"input {OnnxExporter.InputName} float32 [N, {network.InputLength}] ({(network.InputSigned ? "int8" : "uint8")} feature values, HWC {network.InputShape}); outputs {OnnxExporter.ScoresName} float64 [N, {network.ClassCount}] and {OnnxExporter.ClassName} int64 [N]";
            AnsiConsole.MarkupLine(Ui.Culture, $"ONNX opset {OnnxExporter.OpsetVersion}, {model.Length:N0} bytes: {Markup.Escape(shapes)}");
            AnsiConsole.MarkupLine(Ui.Culture, $"scores = runtime integer scores x {OnnxExporter.ScoreFactor(network):R}; class = argmax, lowest index on ties");
            Ui.Written(folder);
            return 0;
        }));
        return command;
    }
}

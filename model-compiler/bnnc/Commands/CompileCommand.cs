using System.CommandLine;
using System.IO;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Ir;
using Spectre.Console;

namespace Bnn.Nano.Cli.Commands;

/// <summary>`bnnc compile network.json -o out/`: blob, C# tables and report from a trained network.</summary>
internal static class CompileCommand
{
    public static Command Create()
    {
        Argument<FileInfo> networkPath = new("network") { Description = "a trained network (network.json from `bnnc train`)" };
        Option<DirectoryInfo> output = new("--out", "-o") { Description = "output folder", Required = true };
        Option<string> className = new("--class") { Description = "class name of the generated C# tables", DefaultValueFactory = _ => "BnnModelTables" };
        Option<string> namespaceName = new("--namespace") { Description = "namespace of the generated C# tables", DefaultValueFactory = _ => "Bnn.Nano.Models" };
        Option<bool> force = new("--force") { Description = "replace existing output files" };
        Command command = new("compile", "Fold batch norm, bit-pack, plan the arena and emit model.bnn, <class>.g.cs and report.md/json");
        command.Arguments.Add(networkPath);
        command.Options.Add(output);
        command.Options.Add(className);
        command.Options.Add(namespaceName);
        command.Options.Add(force);
        command.SetAction(parse => Ui.Guard(() =>
        {
            BnnNetwork network = NetworkFile.Load(parse.GetValue(networkPath)!.FullName);
            ModelArtifacts artifacts = ModelArtifacts.Build(network, parse.GetValue(namespaceName)!, parse.GetValue(className)!);
            OutputFolder folder = new(parse.GetValue(output)!.FullName, parse.GetValue(force));
            artifacts.WriteTo(folder, null, null);
            Ui.LayerTable(artifacts.Report);
            AnsiConsole.MarkupLine(Ui.Culture, $"model hash 0x{artifacts.ModelHash:X8}");
            Ui.Written(folder);
            return 0;
        }));
        return command;
    }
}

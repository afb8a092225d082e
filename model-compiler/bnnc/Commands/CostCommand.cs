using System.CommandLine;
using Bnn.Nano.Compiler.Cost;
using Bnn.Nano.Compiler.Data;
using Spectre.Console;

namespace Bnn.Nano.Cli.Commands;

/// <summary>`bnnc cost`: IL instructions per kernel loop in the device build (the interpreter cost model).</summary>
internal static class CostCommand
{
    public static Command Create()
    {
        Command command = new("cost", "Count the IL instructions of every runtime kernel loop in the device build and rewrite benchmarks/kernel-il-costs.md");
        command.SetAction(_ => Ui.Guard(() =>
        {
            string root = DataCatalog.RepositoryRoot() ?? throw new System.InvalidOperationException("run bnnc cost inside the Bnn.Nano repository");
            string path = IlCostInspector.WriteKernelReport(root);
            AnsiConsole.MarkupLine(Ui.Culture, $"[grey]wrote[/] {Markup.Escape(path)}");
            return 0;
        }));
        return command;
    }
}

using System.CommandLine;
using Bnn.Nano.Cli.Commands;

namespace Bnn.Nano.Cli;

/// <summary>bnnc: the Bnn.Nano model compiler.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (System.Console.IsOutputRedirected)
        {
            // Logs and pipes get full-width tables instead of the 80-column default.
            Spectre.Console.AnsiConsole.Profile.Width = 160;
        }

        RootCommand root = new("bnnc — train, import, compile and check binary neural networks for .NET nanoFramework");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(CompileCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(CostCommand.Create());
        root.Subcommands.Add(ExportOnnxCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(TrainKwsCommand.Create());
        root.Subcommands.Add(KwsCommand.Create());
        root.Subcommands.Add(KwsStreamsCommand.Create());
        root.Subcommands.Add(KwsTuneCommand.Create());
        return root.Parse(args).Invoke();
    }
}

using System.IO;
using Bnn.Nano.Cli;
using Spectre.Console;

namespace Bnn.Nano.Tests.Cli;

/// <summary>
/// Runs bnnc in process with the console captured: no ANSI codes, not interactive, 200 columns. Tests that use it
/// share the global console, so their classes belong to <see cref="ConsoleCollection"/>.
/// </summary>
internal static class BnncConsole
{
    /// <summary>Runs <c>bnnc args</c> and returns its exit code and everything it printed.</summary>
    public static (int Code, string Output) Run(params string[] args)
    {
        StringWriter writer = new();
        IAnsiConsole previous = AnsiConsole.Console;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No });
        AnsiConsole.Profile.Width = 200;
        try
        {
            int code = Program.Main(args);
            return (code, writer.ToString());
        }
        finally
        {
            AnsiConsole.Console = previous;
        }
    }
}

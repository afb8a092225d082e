using System.CommandLine;
namespace Bnn.Nano.Cli;
public static class Program
{
    public static int Main(string[] args)
    {
        Option<int> seed = new("--seed") { Description = "seed", DefaultValueFactory = _ => 1 };
        Argument<string> path = new("path") { Description = "p" };
        Command c = new("x", "desc");
        c.Options.Add(seed);
        c.Arguments.Add(path);
        c.SetAction(r => { System.Console.WriteLine(r.GetValue(seed) + r.GetValue(path)!); return 0; });
        RootCommand root = new("bnnc");
        root.Subcommands.Add(c);
        return root.Parse(args).Invoke();
    }
}

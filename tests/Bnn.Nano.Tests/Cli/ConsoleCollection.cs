using Xunit;

namespace Bnn.Nano.Tests.Cli;

/// <summary>Tests that call bnnc's Program.Main share the global console: they never run in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "bnnc console";
}

using System.Runtime.CompilerServices;

// The emulated-node runners (Emulation/) are internal to the command line; the tests drive them directly, and the
// benchmarks score the keyword model's streaming detection with them.
[assembly: InternalsVisibleTo("Bnn.Nano.Tests")]
[assembly: InternalsVisibleTo("Bnn.Nano.Benchmarks")]

using System.Runtime.CompilerServices;

// The emulated-node runners (Emulation/) are internal to the command line; the tests drive them directly.
[assembly: InternalsVisibleTo("Bnn.Nano.Tests")]

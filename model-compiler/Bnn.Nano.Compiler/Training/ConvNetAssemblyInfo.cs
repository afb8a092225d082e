using System.Runtime.CompilerServices;

// The convolutional trainer's tests check its internal kernels (gradients against finite differences).
[assembly: InternalsVisibleTo("Bnn.Nano.Tests")]

using System;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Training;

namespace Bnn.Nano.Compiler;

/// <summary>
/// The download-free demo: synthetic 3-axis motion windows of six gestures by simulated people; training on some
/// people, testing on people never seen. One definition shared by `bnnc demo`, the gestures-* data sets and tests.
/// </summary>
public static class GestureDemo
{
    /// <summary>People held out for the test split (the last ones generated).</summary>
    public const int TestPersons = 8;

    public const string ClassName = "GestureModel";

    public static SyntheticGesturesOptions DataOptions(int seed = 1) => new() { Seed = seed };

    public static TrainingOptions TrainingOptions(int seed = 1) => new() { Seed = seed };

    public static (Dataset Train, Dataset Test) Split(int seed = 1) => SyntheticGestures.GenerateSplit(DataOptions(seed), TestPersons);

    public static BnnNetwork Train(Dataset train, int seed = 1, IProgress<TrainingProgress>? progress = null) =>
        BinaryMlpTrainer.Train(train, TrainingOptions(seed), progress);
}

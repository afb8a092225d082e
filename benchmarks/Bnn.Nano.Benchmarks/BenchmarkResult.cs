namespace Bnn.Nano.Benchmarks;

/// <summary>One row of the benchmark table; every number measured in the run that wrote it.</summary>
/// <param name="FloatAccuracy">The same architecture with real weights, trained by our trainer (null where not applicable, e.g. imported models).</param>
/// <param name="Agreement">Runtime class decisions equal to the float reference's, over the test set.</param>
public sealed record BenchmarkResult(
    string Model,
    string Data,
    string Architecture,
    long Parameters,
    int FlashBytes,
    int ArenaBytes,
    int RamBytes,
    long BinaryOps,
    long Int8Ops,
    long EstimatedIlOps,
    double Accuracy,
    double? FloatAccuracy,
    double Agreement,
    double HostMicrosecondsPerInference,
    double AllocatedBytesPerInference,
    double TrainingSeconds,
    string Notes);

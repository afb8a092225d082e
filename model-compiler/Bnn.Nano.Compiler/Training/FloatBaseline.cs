using System;

namespace Bnn.Nano.Compiler.Training;

/// <summary>Result of <see cref="BinaryMlpTrainer.TrainFloatBaseline"/>: the float same-architecture network's metrics.</summary>
/// <param name="TestAccuracy">Inference-mode (running statistics) accuracy on the test set.</param>
/// <param name="TrainAccuracy">Inference-mode accuracy on the training set.</param>
/// <param name="FinalTrainLoss">Mean training loss of the last epoch.</param>
/// <param name="Activation">Hidden activation used.</param>
/// <param name="Elapsed">Training time.</param>
public sealed record FloatBaseline(double TestAccuracy, double TrainAccuracy, double FinalTrainLoss, FloatActivation Activation, TimeSpan Elapsed);

using System;

namespace Bnn.Nano.Compiler.Training;

/// <summary>Reported after every epoch.</summary>
/// <param name="Epoch">Epochs completed (1-based).</param>
/// <param name="TotalEpochs">Epochs requested.</param>
/// <param name="TrainLoss">Mean softmax cross-entropy over the epoch's batches (training mode: batch statistics).</param>
/// <param name="TrainAccuracy">Accuracy of the same training-mode forward passes.</param>
/// <param name="ValidationAccuracy">Inference-mode accuracy on <see cref="CommonTrainingOptions.Validation"/>, if given.</param>
/// <param name="LearningRate">Learning rate of the epoch's last step.</param>
/// <param name="Elapsed">Wall time since training started.</param>
public sealed record TrainingProgress(int Epoch, int TotalEpochs, double TrainLoss, double TrainAccuracy, double? ValidationAccuracy, double LearningRate, TimeSpan Elapsed);

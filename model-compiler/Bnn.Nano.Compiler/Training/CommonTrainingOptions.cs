using System;
using Bnn.Nano.Compiler.Data;

namespace Bnn.Nano.Compiler.Training;

/// <summary>How the learning rate evolves over training.</summary>
public enum LearningRateSchedule
{
    /// <summary>The learning rate stays at <see cref="CommonTrainingOptions.LearningRate"/>.</summary>
    Constant,

    /// <summary>Cosine decay from LearningRate to 0 over all optimiser steps (evaluated per step).</summary>
    Cosine,

    /// <summary>LearningRate × StepFactor^(epoch / StepEpochs), epoch counted from 0.</summary>
    Step,
}

/// <summary>Activation of the hidden layers in the float (non-binarized) baseline.</summary>
public enum FloatActivation
{
    /// <summary>max(0, y).</summary>
    Relu,

    /// <summary>clamp(y, -1, 1): the real-valued relative of sign with the same straight-through window.</summary>
    HardTanh,
}

/// <summary>
/// The options every trainer shares (<see cref="TrainingOptions"/> of the MLP trainer, <see cref="ConvNetOptions"/> of the
/// conv-net trainer): epochs and batches, learning-rate schedule, Adam, batch norm, seed, validation set and threads.
/// Only those two records derive from it.
/// </summary>
public abstract record CommonTrainingOptions
{
    /// <summary>Sets the defaults that differ between the trainers.</summary>
    private protected CommonTrainingOptions(int epochs, float learningRate)
    {
        Epochs = epochs;
        LearningRate = learningRate;
    }

    public int Epochs { get; init; }

    /// <summary>Samples per optimiser step (at least 2: batch norm uses batch statistics). Each epoch drops the last incomplete batch.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam step size at the start of training.</summary>
    public float LearningRate { get; init; }

    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Cosine;

    /// <summary>Epochs per decay step of <see cref="LearningRateSchedule.Step"/>.</summary>
    public int StepEpochs { get; init; } = 10;

    /// <summary>Factor per decay step of <see cref="LearningRateSchedule.Step"/>.</summary>
    public float StepFactor { get; init; } = 0.3f;

    /// <summary>Seed of the one <see cref="Random"/> that initialises the weights, shuffles every epoch and draws the augmentations (conv nets).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Weight of the current batch in the running statistics: running = (1 - m)·running + m·batch (PyTorch convention).</summary>
    public float BnMomentum { get; init; } = 0.1f;

    /// <summary>Batch-norm epsilon, used in training and stored in the returned network.</summary>
    public float Epsilon { get; init; } = 1e-4f;

    /// <summary>
    /// Decoupled (AdamW-style) weight decay; 0 = none. The MLP trainer decays all dense weights (latent binary weights
    /// included); the conv-net trainer only real-valued weights (the full-precision head, the float baseline).
    /// </summary>
    public float WeightDecay { get; init; }

    /// <summary>
    /// Label smoothing ε of the cross-entropy, 0 ≤ ε &lt; 1 (0 = one-hot targets): the target puts 1 − ε + ε/K on the
    /// label and ε/K on each of the K classes, so the network is not pushed to ever larger margins on its training set.
    /// </summary>
    public float LabelSmoothing { get; init; }

    public float AdamBeta1 { get; init; } = 0.9f;

    public float AdamBeta2 { get; init; } = 0.999f;

    public float AdamEpsilon { get; init; } = 1e-8f;

    /// <summary>Hidden activation of the float same-architecture baseline (the trainers' TrainFloatBaseline).</summary>
    public FloatActivation FloatActivation { get; init; } = FloatActivation.Relu;

    /// <summary>Optional held-out set whose accuracy (inference mode, running statistics) is reported after each epoch (one inference pass per epoch).</summary>
    public Dataset? Validation { get; init; }

    /// <summary>Worker threads (0 = all processors). Results do not depend on it.</summary>
    public int Threads { get; init; }

    /// <summary>Refuses options that do not fit each other or <paramref name="train"/>: the derived trainer's own first, then the shared ones.</summary>
    internal void Validate(Dataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        ValidateSpecific(train);
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 2, nameof(BatchSize));
        if (!(LearningRate > 0f) || !float.IsFinite(LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "must be a positive finite number");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(StepEpochs, 1, nameof(StepEpochs));
        if (!(BnMomentum > 0f && BnMomentum <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(BnMomentum), BnMomentum, "must be in (0, 1]");
        }

        if (!(Epsilon > 0f) || !(WeightDecay >= 0f) || !(AdamEpsilon > 0f) || !(StepFactor > 0f))
        {
            throw new ArgumentException("Epsilon, AdamEpsilon and StepFactor must be positive, WeightDecay non-negative");
        }

        if (!(AdamBeta1 >= 0f && AdamBeta1 < 1f) || !(AdamBeta2 >= 0f && AdamBeta2 < 1f))
        {
            throw new ArgumentException("Adam betas must be in [0, 1)");
        }

        if (!(LabelSmoothing >= 0f && LabelSmoothing < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, "must be in [0, 1)");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(Threads, nameof(Threads));
        if (train.Count < 2)
        {
            throw new ArgumentException($"data set '{train.Name}' has {train.Count} samples; training needs at least 2", nameof(train));
        }

        if (Validation != null)
        {
            CheckCompatible(train, Validation, nameof(Validation));
        }
    }

    /// <summary>Refuses the options only the derived trainer has (architecture, augmentation); <paramref name="train"/> is not null.</summary>
    private protected abstract void ValidateSpecific(Dataset train);

    /// <summary>Refuses a data set (<paramref name="what"/>: "test", "Validation") whose features or classes differ from the training set's.</summary>
    internal static void CheckCompatible(Dataset train, Dataset other, string what)
    {
        if (other.FeatureCount != train.FeatureCount || other.ClassCount != train.ClassCount || other.Signed != train.Signed)
        {
            throw new ArgumentException(
                $"{what} set '{other.Name}' ({other.FeatureCount} features, {other.ClassCount} classes, {(other.Signed ? "int8" : "uint8")}) " +
                $"does not match training set '{train.Name}' ({train.FeatureCount}, {train.ClassCount}, {(train.Signed ? "int8" : "uint8")})");
        }
    }
}

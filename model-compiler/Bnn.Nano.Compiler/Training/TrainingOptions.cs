using System;
using System.Collections.Generic;
using Bnn.Nano.Compiler.Data;

namespace Bnn.Nano.Compiler.Training;

/// <summary>How the learning rate evolves over training.</summary>
public enum LearningRateSchedule
{
    /// <summary>The learning rate stays at <see cref="TrainingOptions.LearningRate"/>.</summary>
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

/// <summary>Options of <see cref="BinaryMlpTrainer"/>. All defaults are the demo configuration.</summary>
public sealed record TrainingOptions
{
    /// <summary>Widths of the hidden layers (each: dense → batch norm → sign). Empty: a single dense + BN layer.</summary>
    public IReadOnlyList<int> HiddenSizes { get; init; } = [128, 128];

    public int Epochs { get; init; } = 25;

    /// <summary>Samples per optimiser step (at least 2: batch norm uses batch statistics). Each epoch drops the last incomplete batch.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam step size at the start of training.</summary>
    public float LearningRate { get; init; } = 0.01f;

    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Cosine;

    /// <summary>Epochs per decay step of <see cref="LearningRateSchedule.Step"/>.</summary>
    public int StepEpochs { get; init; } = 10;

    /// <summary>Factor per decay step of <see cref="LearningRateSchedule.Step"/>.</summary>
    public float StepFactor { get; init; } = 0.3f;

    /// <summary>Seed of the one <see cref="Random"/> that initialises the weights and shuffles every epoch.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Weight of the current batch in the running statistics: running = (1 - m)·running + m·batch (PyTorch convention).</summary>
    public float BnMomentum { get; init; } = 0.1f;

    /// <summary>Batch-norm epsilon, used in training and stored in the returned <see cref="Ir.BatchNorm"/>.</summary>
    public float Epsilon { get; init; } = 1e-4f;

    /// <summary>Decoupled (AdamW-style) weight decay on the dense weights; 0 = none.</summary>
    public float WeightDecay { get; init; }

    public float AdamBeta1 { get; init; } = 0.9f;

    public float AdamBeta2 { get; init; } = 0.999f;

    public float AdamEpsilon { get; init; } = 1e-8f;

    /// <summary>True: binary weights and sign activations (the BNN). False: the float same-architecture baseline.</summary>
    public bool Binarized { get; init; } = true;

    /// <summary>Hidden activation when <see cref="Binarized"/> is false.</summary>
    public FloatActivation FloatActivation { get; init; } = FloatActivation.Relu;

    /// <summary>Optional held-out set whose accuracy (inference mode, running statistics) is reported after each epoch.</summary>
    public Dataset? Validation { get; init; }

    /// <summary>Worker threads (0 = all processors). Results do not depend on it.</summary>
    public int Threads { get; init; }

    internal void Validate(Dataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(HiddenSizes);
        foreach (int width in HiddenSizes)
        {
            if (width < 1)
            {
                throw new ArgumentException($"hidden layer widths must be at least 1, got {width}", nameof(HiddenSizes));
            }
        }

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

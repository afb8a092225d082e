using System;
using System.Collections.Generic;
using Bnn.Nano.Compiler.Data;

namespace Bnn.Nano.Compiler.Training;

/// <summary>
/// Options of <see cref="BinaryMlpTrainer"/>: these and the shared ones of <see cref="CommonTrainingOptions"/>. All
/// defaults are the demo configuration (25 epochs, learning rate 0.01).
/// </summary>
public sealed record TrainingOptions : CommonTrainingOptions
{
    public TrainingOptions()
        : base(epochs: 25, learningRate: 0.01f)
    {
    }

    /// <summary>Widths of the hidden layers (each: dense → batch norm → sign). Empty: a single dense + BN layer.</summary>
    public IReadOnlyList<int> HiddenSizes { get; init; } = [128, 128];

    /// <summary>True: binary weights and sign activations (the BNN). False: the float same-architecture baseline.</summary>
    public bool Binarized { get; init; } = true;

    private protected override void ValidateSpecific(Dataset train)
    {
        ArgumentNullException.ThrowIfNull(HiddenSizes);
        foreach (int width in HiddenSizes)
        {
            if (width < 1)
            {
                throw new ArgumentException($"hidden layer widths must be at least 1, got {width}", nameof(HiddenSizes));
            }
        }
    }
}

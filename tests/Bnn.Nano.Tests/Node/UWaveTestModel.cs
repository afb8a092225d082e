using System;
using System.Collections.Generic;
using System.IO;
using Bnn.Nano.Compiler;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Training;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Tests.Node;

/// <summary>
/// A small UWave gesture model for the node tests, trained once per test run: the recipe's front end and split, a
/// binarized MLP with one hidden layer of 64 on the un-augmented training recordings, 6 epochs, seed 1 (about a
/// second). Its accuracy is beside the point; the tests compare the node with the offline runtime.
/// </summary>
internal sealed class UWaveTestModel
{
    private static readonly Lazy<UWaveTestModel> s_instance = new(() => new UWaveTestModel());

    private UWaveTestModel()
    {
        SharedData = Path.Combine(RepoPaths.Shared, "data");
        Recordings = UWaveDataset.Load(SharedData);
        (Train, Test) = UWaveDataset.Split(Recordings);
        FrontEnd = UWaveGestures.FrontEnd;
        TrainSet = UWaveDataset.ToDataset("uwave-train", Recordings, Train, FrontEnd);
        TestSet = UWaveDataset.ToDataset("uwave-test", Recordings, Test, FrontEnd);
        TrainingOptions options = UWaveGestures.TrainingOptions() with { HiddenSizes = [64], Epochs = 6 };
        Network = UWaveGestures.Train(TrainSet, options);
        Blob = ModelArtifacts.Build(Network, "Bnn.Nano.Tests", "UWaveTestTables").Blob;
    }

    public static UWaveTestModel Instance => s_instance.Value;

    public string SharedData { get; }

    public IReadOnlyList<UWaveRecording> Recordings { get; }

    public int[] Train { get; }

    public int[] Test { get; }

    public UWaveFrontEnd FrontEnd { get; }

    public Dataset TrainSet { get; }

    public Dataset TestSet { get; }

    public BnnNetwork Network { get; }

    public byte[] Blob { get; }

    /// <summary>A new runtime instance of the model (each node and each offline check gets its own).</summary>
    public BnnModel Load() => BlobReader.Load(Blob);

    /// <summary>
    /// Recordings played back to back as sensor counts, x, y, z interleaved (the training pipeline's
    /// <see cref="UWaveFrontEnd.ToCounts(UWaveRecording)"/>).
    /// </summary>
    public int[] Counts(IReadOnlyList<int> indices)
    {
        int per = UWaveDataset.SamplesPerAxis * UWaveDataset.AxisCount;
        int[] counts = new int[indices.Count * per];
        for (int k = 0; k < indices.Count; k++)
        {
            FrontEnd.ToCounts(Recordings[indices[k]]).CopyTo(counts, k * per);
        }

        return counts;
    }
}

using System;
using Bnn.Nano.Compiler;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Compiler.Training;
using Xunit;

namespace Bnn.Nano.Tests.Compiler;

/// <summary>A model trained by our trainer, compiled, and run by the runtime on every sample of the demo data.</summary>
public class TrainedModelTests
{
    private static readonly Lazy<(Dataset Train, Dataset Test, BnnNetwork Network)> s_demo = new(() =>
    {
        (Dataset train, Dataset test) = GestureDemo.Split();
        return (train, test, BinaryMlpTrainer.Train(train, FastOptions(1)));
    });

    [Fact]
    public void runtime_matches_float_reference_on_every_sample_classes_and_hidden_bits()
    {
        (Dataset train, Dataset test, BnnNetwork network) = s_demo.Value;
        int checkedSamples = CompiledModelParityTests.AssertAgreement(network, test) + CompiledModelParityTests.AssertAgreement(network, train);
        Assert.Equal(train.Count + test.Count, checkedSamples);
    }

    [Fact]
    public void training_twice_with_one_seed_gives_byte_identical_blobs_and_another_seed_does_not()
    {
        (Dataset train, _, BnnNetwork first) = s_demo.Value;
        byte[] blob = BlobWriter.Write(ModelCompiler.Compile(first));
        byte[] again = BlobWriter.Write(ModelCompiler.Compile(BinaryMlpTrainer.Train(train, FastOptions(1))));
        byte[] other = BlobWriter.Write(ModelCompiler.Compile(BinaryMlpTrainer.Train(train, FastOptions(2))));
        Assert.Equal(blob, again);
        Assert.NotEqual(blob, other);
        Assert.Equal(NetworkFile.Serialize(first), NetworkFile.Serialize(NetworkFile.Deserialize(NetworkFile.Serialize(first))));
    }

    [Fact]
    public void trained_model_classifies_held_out_people_well_above_chance()
    {
        (_, Dataset test, BnnNetwork network) = s_demo.Value;
        Bnn.Nano.Runtime.Model.BnnModel model = Bnn.Nano.Runtime.Model.BlobReader.Load(BlobWriter.Write(ModelCompiler.Compile(network)));
        Bnn.Nano.Compiler.Evaluation.EvaluationResult result = Bnn.Nano.Compiler.Evaluation.ModelEvaluator.Evaluate(model, test, network);
        Assert.Equal(1.0, result.Agreement);
        Assert.True(result.Accuracy > 0.6, $"held-out accuracy {result.Accuracy:P2}");
        Assert.Equal(0, result.AllocatedBytesPerInference);
    }

    private static TrainingOptions FastOptions(int seed) => GestureDemo.TrainingOptions(seed) with { Epochs = 8 };
}

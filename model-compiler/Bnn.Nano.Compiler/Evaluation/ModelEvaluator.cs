using System;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Reference;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Compiler.Evaluation;

/// <summary>What running a compiled model over a data set measured.</summary>
/// <param name="Agreement">Fraction of samples where the runtime's class equals the float reference's (null without a network).</param>
/// <param name="ReferenceAccuracy">Accuracy of the float reference (null without a network).</param>
/// <param name="AllocatedBytesPerInference">Managed bytes the runtime allocated per inference over a whole pass of the data set (the quietest of up to three passes, see <see cref="SteadyStateAllocation"/>).</param>
/// <param name="HostTimePerInference">Host time per inference in the first measured pass.</param>
/// <param name="Confusion">Confusion[truth * classes + predicted] counts.</param>
public sealed record EvaluationResult(int Samples, double Accuracy, double? Agreement, double? ReferenceAccuracy, double AllocatedBytesPerInference, TimeSpan HostTimePerInference, int[] Confusion);

/// <summary>Runs the host build of the firmware runtime over a data set, optionally beside the float reference.</summary>
public static class ModelEvaluator
{
    public static EvaluationResult Evaluate(BnnModel model, Dataset data, BnnNetwork? reference = null, IProgress<double>? progress = null)
    {
        if (data.FeatureCount != model.InputLength)
        {
            throw new ArgumentException($"data set '{data.Name}' has {data.FeatureCount} features per sample but the model takes {model.InputLength}");
        }

        if (data.ClassCount != model.ClassCount)
        {
            throw new ArgumentException($"data set '{data.Name}' has {data.ClassCount} classes but the model outputs {model.ClassCount}");
        }

        if (data.Signed != model.InputSigned)
        {
            throw new ArgumentException($"data set '{data.Name}' holds {(data.Signed ? "int8" : "uint8")} features but the model reads {(model.InputSigned ? "int8" : "uint8")}");
        }

        int n = data.Count;
        int[] predictions = new int[n];
        byte[][] inputs = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            inputs[i] = data.Sample(i).ToArray();
        }

        // The runtime pass alone is measured for allocations and time, after a warm-up past tiered JIT compilation.
        for (int i = 0; i < 200; i++)
        {
            model.Run(inputs[i % n]);
        }

        long allocated = SteadyStateAllocation.Bytes(
            () =>
            {
                for (int i = 0; i < n; i++)
                {
                    predictions[i] = model.Run(inputs[i]);
                }
            },
            out TimeSpan elapsed);

        int classes = model.ClassCount;
        int[] confusion = new int[classes * classes];
        int correct = 0, agree = 0, referenceCorrect = 0;
        for (int i = 0; i < n; i++)
        {
            confusion[(data.Labels[i] * classes) + predictions[i]]++;
            correct += predictions[i] == data.Labels[i] ? 1 : 0;
            if (reference != null)
            {
                int expected = FloatReference.Forward(reference, inputs[i]).Class;
                agree += expected == predictions[i] ? 1 : 0;
                referenceCorrect += expected == data.Labels[i] ? 1 : 0;
            }

            if (progress != null && (i % 256 == 0 || i == n - 1))
            {
                progress.Report((i + 1) / (double)n);
            }
        }

        return new EvaluationResult(
            n,
            correct / (double)n,
            reference == null ? null : agree / (double)n,
            reference == null ? null : referenceCorrect / (double)n,
            allocated / (double)n,
            elapsed / n,
            confusion);
    }
}

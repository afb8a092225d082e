using System;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Compiler.Ir;

namespace Bnn.Nano.Compiler.Emit;

/// <summary>Renders a <see cref="ModelReport"/> (and optionally an evaluation) as Markdown and as JSON.</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static string Markdown(string title, CompiledModel model, ModelReport report, uint modelHash, EvaluationResult? evaluation, string? dataName)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        StringBuilder s = new();
        s.AppendLine(c, $"# {title}");
        s.AppendLine();
        s.AppendLine(c, $"Model hash 0x{modelHash:X8}; input {model.InputLength} {(model.InputSigned ? "int8" : "uint8")} features; classes: {string.Join(", ", model.ClassNames)}.");
        s.AppendLine();
        s.AppendLine("| layer | kind | shape | kernel | flash bytes | arena bytes | binary ops | 8-bit ops | est. IL ops |");
        s.AppendLine("|---:|---|---|---|---:|---:|---:|---:|---:|");
        foreach (LayerReport l in report.Layers)
        {
            s.AppendLine(c, $"| {l.Index} | {l.Kind} | {l.Inputs}→{l.Outputs} | {l.Kernel} | {l.FlashBytes:N0} | {l.ArenaBytes:N0} | {l.BinaryOps:N0} | {l.Int8Ops:N0} | {l.EstimatedIlOps:N0} |");
        }

        s.AppendLine();
        s.AppendLine(c, $"- flash (blob) bytes: {report.FlashBytes:N0}");
        s.AppendLine(c, $"- RAM bytes: {report.RamBytes:N0} = constants {report.ConstantRamBytes:N0} + arena and scratch {report.ArenaBytes:N0}");
        s.AppendLine(c, $"- operations per inference: {report.BinaryOps:N0} binary, {report.Int8Ops:N0} 8-bit");
        s.AppendLine(c, $"- estimated device time: {report.EstimatedIlOps:N0} IL instructions ≈ {report.EstimatedDeviceMilliseconds:F1} ms at {ModelReport.IlOpsPerSecond / 1e6:F0} M IL/s (an estimate from the interpreter cost model, not a measurement)");
        if (evaluation != null)
        {
            s.AppendLine();
            s.AppendLine(c, $"## Evaluation on {dataName} ({evaluation.Samples:N0} samples)");
            s.AppendLine();
            s.AppendLine(c, $"- accuracy (runtime): {evaluation.Accuracy * 100:F2}%");
            if (evaluation.Agreement is double agreement)
            {
                s.AppendLine(c, $"- agreement with the float reference: {agreement * 100:F2}%");
                s.AppendLine(c, $"- float reference accuracy: {evaluation.ReferenceAccuracy!.Value * 100:F2}%");
            }

            s.AppendLine(c, $"- bytes allocated per inference: {evaluation.AllocatedBytesPerInference:F0}");
            s.AppendLine(c, $"- host time per inference: {evaluation.HostTimePerInference.TotalMicroseconds:F1} µs");
            s.AppendLine();
            s.Append(ConfusionTable(model.ClassNames, evaluation.Confusion));
        }

        return s.ToString();
    }

    /// <summary>A confusion matrix as a Markdown table (rows: truth, columns: predicted).</summary>
    public static string ConfusionTable(System.Collections.Generic.IReadOnlyList<string> classNames, int[] confusion)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        int classes = classNames.Count;
        StringBuilder s = new();
        s.AppendLine("Confusion matrix (rows: truth, columns: predicted):");
        s.AppendLine();
        s.Append("| |");
        foreach (string name in classNames)
        {
            s.Append(' ').Append(name).Append(" |");
        }

        s.AppendLine();
        s.Append("|---|").AppendLine(string.Concat(System.Linq.Enumerable.Repeat("---:|", classes)));
        for (int t = 0; t < classes; t++)
        {
            s.Append("| ").Append(classNames[t]).Append(" |");
            for (int p = 0; p < classes; p++)
            {
                s.Append(' ').Append(confusion[(t * classes) + p].ToString(c)).Append(" |");
            }

            s.AppendLine();
        }

        return s.ToString();
    }

    public static string Json(CompiledModel model, ModelReport report, uint modelHash, EvaluationResult? evaluation, string? dataName)
    {
        var document = new
        {
            modelHash = $"0x{modelHash:X8}",
            inputLength = model.InputLength,
            inputEncoding = model.InputSigned ? "int8" : "uint8",
            classes = model.ClassNames,
            report.FlashBytes,
            report.RamBytes,
            report.ConstantRamBytes,
            report.ArenaBytes,
            report.BinaryOps,
            report.Int8Ops,
            report.EstimatedIlOps,
            report.EstimatedDeviceMilliseconds,
            layers = report.Layers,
            evaluation = evaluation == null ? null : new
            {
                data = dataName,
                evaluation.Samples,
                evaluation.Accuracy,
                evaluation.Agreement,
                evaluation.ReferenceAccuracy,
                evaluation.AllocatedBytesPerInference,
                hostMicrosecondsPerInference = evaluation.HostTimePerInference.TotalMicroseconds,
                evaluation.Confusion,
            },
        };
        return JsonSerializer.Serialize(document, s_json);
    }
}

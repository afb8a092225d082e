using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Compiler.Training;
using Spectre.Console;

namespace Bnn.Nano.Cli;

/// <summary>Console output shared by the commands: tables, progress, errors.</summary>
internal static class Ui
{
    public static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    /// <summary>
    /// Training progress that calls <paramref name="report"/> on the training thread at every epoch.
    /// </summary>
    public static IProgress<TrainingProgress> EachEpoch(Action<TrainingProgress> report) => new SynchronousProgress<TrainingProgress>(report);

    /// <summary>Runs work under one progress bar (plain lines when output is redirected).</summary>
    public static T WithProgress<T>(string label, Func<IProgress<double>, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            AnsiConsole.MarkupLine(Culture, $"[grey]{Markup.Escape(label)}...[/]");
            return work(new Progress<double>(_ => { }));
        }

        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask(Markup.Escape(label), maxValue: 1.0);
                result = work(new SynchronousProgress<double>(v => task.Value = v));
                task.Value = 1.0;
            });
        return result;
    }

    public static void LayerTable(ModelReport report)
    {
        Table table = new Table().Border(TableBorder.Rounded)
            .AddColumns("layer", "kind", "shape", "kernel", "flash B", "arena B", "binary ops", "8-bit ops", "est. IL ops");
        foreach (LayerReport l in report.Layers)
        {
            table.AddRow(
                l.Index.ToString(Culture),
                l.Kind,
                $"{l.Inputs}→{l.Outputs}",
                l.Kernel,
                l.FlashBytes.ToString("N0", Culture),
                l.ArenaBytes.ToString("N0", Culture),
                l.BinaryOps.ToString("N0", Culture),
                l.Int8Ops.ToString("N0", Culture),
                l.EstimatedIlOps.ToString("N0", Culture));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Culture, $"flash bytes [bold]{report.FlashBytes:N0}[/], RAM bytes {report.RamBytes:N0} (constants {report.ConstantRamBytes:N0}, arena bytes [bold]{report.ArenaBytes:N0}[/])");
        AnsiConsole.MarkupLine(Culture, $"per inference: {report.BinaryOps:N0} binary ops, {report.Int8Ops:N0} 8-bit ops, ≈{report.EstimatedIlOps:N0} IL instructions ≈ {report.EstimatedDeviceMilliseconds:F1} ms on a device at 4 M IL/s (estimate)");
    }

    public static void Evaluation(EvaluationResult result, string dataName)
    {
        AnsiConsole.MarkupLine(Culture, $"data [bold]{Markup.Escape(dataName)}[/]: {result.Samples:N0} samples");
        AnsiConsole.MarkupLine(Culture, $"accuracy [bold]{result.Accuracy * 100:F2}%[/]");
        if (result.Agreement is double agreement)
        {
            AnsiConsole.MarkupLine(Culture, $"agreement {agreement * 100:F2}% with the float reference (float reference accuracy {result.ReferenceAccuracy!.Value * 100:F2}%)");
        }

        AnsiConsole.MarkupLine(Culture, $"bytes allocated per inference {result.AllocatedBytesPerInference:F0}; host time per inference {result.HostTimePerInference.TotalMicroseconds:F1} µs");
    }

    /// <summary>The confusion matrix of an evaluation (rows: truth, columns: predicted; the diagonal in bold).</summary>
    public static void Confusion(IReadOnlyList<string> classNames, int[] confusion)
    {
        int classes = classNames.Count;
        var table = new Table().AddColumn("truth \\ predicted");
        foreach (string name in classNames)
        {
            table.AddColumn(new TableColumn(Markup.Escape(name)).RightAligned());
        }

        for (int t = 0; t < classes; t++)
        {
            string[] cells = new string[classes + 1];
            cells[0] = Markup.Escape(classNames[t]);
            for (int p = 0; p < classes; p++)
            {
                string count = confusion[(t * classes) + p].ToString(Culture);
                cells[p + 1] = p == t ? $"[bold]{count}[/]" : count;
            }

            table.AddRow(cells);
        }

        AnsiConsole.Write(table);
    }

    public static void Written(OutputFolder folder)
    {
        foreach (string file in folder.Written)
        {
            AnsiConsole.MarkupLine(Culture, $"[grey]wrote[/] {Markup.Escape(file)}");
        }
    }

    /// <summary>Runs a command body; known user errors become one red line and exit code 1, never a stack trace.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException
            or Bnn.Nano.Runtime.BnnException or InvalidOperationException or Bnn.Nano.Compiler.Onnx.OnnxImportException
            or Bnn.Nano.Node.NodeException or Bnn.Nano.FrontEnd.FrontEndException or Bnn.Nano.Compiler.Data.DatasetMissingException)
        {
            // One line: ArgumentOutOfRangeException puts "Actual value was …" on a line of its own.
            AnsiConsole.MarkupLine(Culture, $"[red]error:[/] {Markup.Escape(e.Message.ReplaceLineEndings(" "))}");
            return 1;
        }
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

using System;
using System.CommandLine;
using System.IO;
using Bnn.Nano.Compiler.Cost;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.FrontEnd;
using Bnn.Nano.Runtime.Model;
using Spectre.Console;

namespace Bnn.Nano.Cli.Commands;

/// <summary>
/// `bnnc inspect model.bnn`: validates a blob and prints its per-layer table; for a model with audio front-end
/// properties, also the cost of one second of audio on a keyword node (<see cref="StreamingCost"/>: operation counts,
/// exact IL instructions executed, estimated device time).
/// </summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        Argument<FileInfo> blobPath = new("blob") { Description = "a .bnn model blob" };
        Command command = new("inspect", "Validate a .bnn blob and show per layer: shape, flash bytes, arena bytes, binary ops, estimated IL cost; for an audio model, the cost per second of audio");
        command.Arguments.Add(blobPath);
        command.SetAction(parse => Ui.Guard(() =>
        {
            FileInfo file = parse.GetValue(blobPath)!;
            byte[] blob = ReadBlob(file);
            BnnModel model = BlobReader.Load(blob);
            AnsiConsole.MarkupLine(Ui.Culture, $"[bold]{Markup.Escape(file.Name)}[/]: format v{BlobFormat.Version}, model hash 0x{BlobWriter.ModelHash(blob):X8}, input {model.InputLength} {(model.InputSigned ? "int8" : "uint8")}, {model.ClassCount} classes, {model.LayerCount} layers");
            Ui.LayerTable(ModelReport.Build(blob));
            AudioCost(model, blob);
            return 0;
        }));
        return command;
    }

    public static byte[] ReadBlob(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new FileNotFoundException($"model blob '{file.FullName}' does not exist");
        }

        return File.ReadAllBytes(file.FullName);
    }

    /// <summary>The "per second of audio" section, for a blob with audio front-end properties (nothing otherwise).</summary>
    private static void AudioCost(BnnModel model, byte[] blob)
    {
        StreamingCost cost;
        try
        {
            if (StreamingCost.ReadFrontEnd(model) == null)
            {
                return;
            }

            cost = StreamingCost.Measure(blob);
        }
        catch (Exception e) when (e is FrontEndException or InvalidDataException or IOException or BadImageFormatException or ArgumentException)
        {
            AnsiConsole.MarkupLine(Ui.Culture, $"[yellow]per second of audio: not measured:[/] {Markup.Escape(e.Message)}");
            return;
        }

        FrontEndConfig f = cost.FrontEnd;
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine(Ui.Culture, $"[bold]per second of audio[/] (keyword node): front end {f.SampleRateHz:N0} Hz, window {f.WindowLength}, hop {f.HopLength}, FFT {f.FftSize}, {f.BandCount} bands × {f.FrameCount} frames; an inference every {cost.InferenceHopSamples:N0} samples");
        Table table = new Table().Border(TableBorder.Rounded).AddColumns("quantity", "per frame / inference", "per second of audio");
        table.Columns[1].RightAligned();
        table.Columns[2].RightAligned();
        table.AddRow("front-end frames", "", N(cost.FramesPerSecond));
        table.AddRow("front-end multiplies", N(cost.FrontEndMultipliesPerFrame), N(cost.FrontEndMultipliesPerSecond));
        table.AddRow("front-end adds", N(cost.FrontEndAddsPerFrame), N(cost.FrontEndAddsPerSecond));
        table.AddRow("inferences", "", N(cost.InferencesPerSecond));
        table.AddRow("network binary ops", N(cost.Report.BinaryOps), N(cost.NetworkBinaryOpsPerSecond));
        table.AddRow("network 8-bit ops", N(cost.Report.Int8Ops), N(cost.NetworkInt8OpsPerSecond));
        table.AddRow(Markup.Escape($"IL front end, exact (hop with its frame, max of {cost.HopsMeasured} hops)"), N(cost.HopIlMax), N(cost.FrontEndIlPerSecond));
        string run = cost.Streaming ? "RunStreaming" : "Run";
        table.AddRow(Markup.Escape($"IL network, exact (CopyTo + {run}, max of {cost.InferencesMeasured - 1} inferences after the first)"), N(cost.InferenceIl), N(cost.NetworkIlPerSecond));
        table.AddRow("[bold]IL total[/]", "", $"[bold]{N(cost.IlPerSecond)}[/]");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Ui.Culture, $"AudioFrontEnd.ProcessFrame: {cost.FrameIlMin:N0}–{cost.FrameIlMax:N0} IL per frame over {cost.AudioSeconds:0.##} s of speech-like audio (the counts depend slightly on the audio)");
        AnsiConsole.MarkupLine(Ui.Culture, $"device time per second of audio ≈ [bold]{cost.DeviceMillisecondsPerSecond():N0} ms[/] at 4 M IL/s: real-time factor [bold]{cost.RealTimeFactor():0.###}[/] ({cost.DeviceMillisecondsPerSecond(StreamingCost.FastIlOpsPerSecond):N0}–{cost.DeviceMillisecondsPerSecond(StreamingCost.SlowIlOpsPerSecond):N0} ms at 6.5–2.5 M IL/s; estimate, docs/cost-model.md)");
        if (cost.Streaming)
        {
            AnsiConsole.MarkupLine(Ui.Culture, $"the node runs BnnModel.RunStreaming: each inference computes only the rows the {cost.SlideRows} new frames change ({cost.NetworkIlMax:N0} IL at most after the first inference, {cost.FirstInferenceIl:N0} for the first, which computes every row)");
        }

        AnsiConsole.MarkupLine(Ui.Culture, $"network IL per full run: exact {cost.MaxRun.IlInstructions:N0}, static estimate {cost.Report.EstimatedIlOps:N0} (exact / estimate {cost.ExactToStaticRatio:0.00})");
        int ring = Bnn.Nano.Node.KeywordNode.DefaultAudioBufferSamples;
        AnsiConsole.MarkupLine(Ui.Culture, $"the node keeps up from [bold]{cost.KeepsUpFromIlPerSecond(ring) / 1e6:0.#} M IL/s[/] with the ESP32 glue's default 8-KB DMA ring ({ring:N0} samples: a full run must fit in it), {cost.KeepsUpFromIlPerSecond(4 * ring) / 1e6:0.#} M with 32 KB (bnnc kws-streams --device-speed plays it)");

        Table layers = new Table().Border(TableBorder.Rounded).AddColumns("layer", "kind", "kernel", "exact IL", "est. IL ops", "exact / est.");
        for (int c = 3; c < 6; c++)
        {
            layers.Columns[c].RightAligned();
        }

        for (int l = 0; l < cost.Report.Layers.Count && l < cost.MaxRun.LayerIlInstructions.Count; l++)
        {
            LayerReport layer = cost.Report.Layers[l];
            long exact = cost.MaxRun.LayerIlInstructions[l];
            layers.AddRow(
                l.ToString(Ui.Culture),
                layer.Kind,
                layer.Kernel,
                exact.ToString("N0", Ui.Culture),
                layer.EstimatedIlOps.ToString("N0", Ui.Culture),
                layer.EstimatedIlOps == 0 ? "-" : ((double)exact / layer.EstimatedIlOps).ToString("0.00", Ui.Culture));
        }

        AnsiConsole.Write(layers);
        if (!cost.HostBuildsOptimized)
        {
            AnsiConsole.MarkupLine("[yellow]the host firmware build is not optimised (Debug): its IL counts exceed those of the Release device build[/]");
        }
    }

    private static string N(double value) => value.ToString(value == Math.Floor(value) ? "N0" : "N2", Ui.Culture);

    private static string N(long value) => value.ToString("N0", Ui.Culture);
}

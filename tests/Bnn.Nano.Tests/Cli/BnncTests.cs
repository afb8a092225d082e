using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Bnn.Nano.Tests.Cli;

/// <summary>The bnnc commands end to end, in process, with the console captured.</summary>
[Collection(Bnn.Nano.Tests.Cli.ConsoleCollection.Name)]
public sealed class BnncTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bnnc-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void demo_prints_accuracy_sizes_and_full_agreement_then_inspect_and_run_read_its_blob()
    {
        string demo = Path.Combine(_folder, "demo");
        (int code, string output) = Bnnc("demo", "--out", demo);
        Assert.True(code == 0, output);
        Assert.Contains("agreement 100.00%", output, StringComparison.Ordinal);
        Assert.Matches(@"accuracy \d+\.\d\d%, flash bytes [\d,]+, arena bytes [\d,]+", output);

        // The test windows replayed through the emulated IMU into the node app: same bytes, same classes.
        System.Text.RegularExpressions.Match node = System.Text.RegularExpressions.Regex.Match(output, @"([\d,]+) windows classified \(input bytes identical to the data set's on ([\d,]+)\).*same class as the offline runtime on ([\d,]+) of ([\d,]+)", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(node.Success, output);
        Assert.Equal(node.Groups[4].Value, node.Groups[1].Value);
        Assert.Equal(node.Groups[4].Value, node.Groups[2].Value);
        Assert.Equal(node.Groups[4].Value, node.Groups[3].Value);
        foreach (string file in new[] { "network.json", "model.bnn", "GestureModel.g.cs", "report.md", "report.json" })
        {
            Assert.True(File.Exists(Path.Combine(demo, file)), file);
        }

        (code, output) = Bnnc("inspect", Path.Combine(demo, "model.bnn"));
        Assert.True(code == 0, output);
        Assert.Contains("SwarU64", output, StringComparison.Ordinal);

        (code, output) = Bnnc("run", Path.Combine(demo, "model.bnn"), "--data", "gestures-test", "--network", Path.Combine(demo, "network.json"));
        Assert.True(code == 0, output);
        Assert.Contains("agreement 100.00%", output, StringComparison.Ordinal);
        Assert.Contains("bytes allocated per inference 0", output, StringComparison.Ordinal);
        // The confusion matrix: a header of the class names and one row per true class whose counts add up to the samples.
        Match samples = Regex.Match(output, @": ([\d,]+) samples");
        Assert.True(samples.Success, output);
        MatchCollection rows = Regex.Matches(output, @"^│ [\w-]+\s*│((?:\s*\d+\s*│)+)$", RegexOptions.Multiline);
        Assert.Equal(6, rows.Count); // idle, shake, circle, tap, swipe-left, swipe-right
        int total = 0;
        foreach (Match row in rows)
        {
            total += row.Groups[1].Value.Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Sum(v => int.Parse(v, CultureInfo.InvariantCulture));
        }

        Assert.Equal(int.Parse(samples.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture), total);
        Assert.Contains("truth \\ predicted", output, StringComparison.Ordinal);

        // A second demo into the same folder must not overwrite anything without --force.
        byte[] blob = File.ReadAllBytes(Path.Combine(demo, "model.bnn"));
        (code, output) = Bnnc("demo", "--out", demo);
        Assert.Equal(1, code);
        Assert.Contains("--force", output, StringComparison.Ordinal);
        Assert.Equal(blob, File.ReadAllBytes(Path.Combine(demo, "model.bnn")));

        // compile from the saved network reproduces the demo's blob byte for byte.
        string compiled = Path.Combine(_folder, "compiled");
        (code, output) = Bnnc("compile", Path.Combine(demo, "network.json"), "--out", compiled, "--class", "GestureModel");
        Assert.True(code == 0, output);
        Assert.Equal(blob, File.ReadAllBytes(Path.Combine(compiled, "model.bnn")));
    }

    [Fact]
    public void bad_inputs_give_one_clear_error_line_and_exit_code_1()
    {
        Directory.CreateDirectory(_folder);
        string corrupt = Path.Combine(_folder, "corrupt.bnn");
        File.WriteAllBytes(corrupt, new byte[100]);
        (int code, string output) = Bnnc("inspect", corrupt);
        Assert.Equal(1, code);
        Assert.Contains("error:", output, StringComparison.Ordinal);
        Assert.Contains("magic", output, StringComparison.Ordinal);

        (code, output) = Bnnc("inspect", Path.Combine(_folder, "missing.bnn"));
        Assert.Equal(1, code);
        Assert.Contains("does not exist", output, StringComparison.Ordinal);

        (code, output) = Bnnc("compile", corrupt, "--out", _folder);
        Assert.Equal(1, code);
        Assert.Contains("not a valid Bnn.Nano network file", output, StringComparison.Ordinal);

        // A blob or an ONNX model given to compile: the error says which command reads it.
        string blob = Path.Combine(_folder, "model.bnn");
        File.WriteAllBytes(blob, [.. "BNNM"u8, 1, 0, 40, 0]);
        (code, output) = Bnnc("compile", blob, "--out", Path.Combine(_folder, "out"));
        Assert.Equal(1, code);
        Assert.Contains("is a compiled blob (.bnn), not a network file", output.ReplaceLineEndings(""), StringComparison.Ordinal);
        string onnx = Path.Combine(_folder, "model.onnx");
        File.WriteAllBytes(onnx, [8, 7, 18, 4]);
        (code, output) = Bnnc("compile", onnx, "--out", Path.Combine(_folder, "out"));
        Assert.Equal(1, code);
        Assert.Contains("bnnc import", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")));

        (code, output) = Bnnc("train", "--data", "no-such-data", "--out", Path.Combine(_folder, "n.json"));
        Assert.Equal(1, code);
        Assert.Contains("unknown data set", output, StringComparison.Ordinal);

        foreach ((string option, string value, string message) in new[]
        {
            ("--epochs", "0", "--epochs 0: train for at least 1 epoch"),
            ("--batch", "1", "--batch 1: a batch holds at least 2 samples"),
            ("--lr", "-0.5", "--lr -0.5: the learning rate must be a positive finite number"),
            ("--lr", "NaN", "--lr NaN: the learning rate must be a positive finite number"),
        })
        {
            (code, output) = Bnnc("train", "--data", "gestures-train", "--out", Path.Combine(_folder, "n.json"), option, value);
            Assert.Equal(1, code);
            Assert.Contains(message, output, StringComparison.Ordinal);
            Assert.DoesNotContain("training", output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(_folder, "n.json")));
        }
    }

    [Fact]
    public void train_on_uwave_gives_a_network_carrying_the_gesture_front_end_properties_that_the_node_accepts()
    {
        string network = Path.Combine(_folder, "uwave.json");
        (int code, string output) = Bnnc("train", "--data", "uwave-train", "--out", network, "--hidden", "64", "--epochs", "2");
        Assert.True(code == 0, output);
        Bnn.Nano.Compiler.Ir.BnnNetwork trained = Bnn.Nano.Compiler.Ir.NetworkFile.Load(network);
        Assert.Equal(
            System.Linq.Enumerable.OrderBy(Bnn.Nano.Compiler.UWaveGestures.FrontEnd.ModelProperties(), p => p.Key),
            System.Linq.Enumerable.OrderBy(trained.Properties, p => p.Key));

        // The compiled blob is enough for a gesture node: window, hop, rate and quantisation come from it.
        Bnn.Nano.Runtime.Model.BnnModel model = Bnn.Nano.Runtime.Model.BlobReader.Load(Bnn.Nano.Compiler.Emit.BlobWriter.Write(Bnn.Nano.Compiler.Passes.ModelCompiler.Compile(trained)));
        var frontEnd = new Bnn.Nano.Node.GestureFrontEnd(model, Bnn.Nano.Compiler.UWaveGestures.FrontEnd.CountsPerG);
        Assert.Equal(Bnn.Nano.Compiler.UWaveGestures.FrontEnd.WindowLength, frontEnd.WindowLength);
        Assert.Equal(Bnn.Nano.Compiler.UWaveGestures.FrontEnd.HopSamples, frontEnd.HopSamples);
    }

    private static (int Code, string Output) Bnnc(params string[] args) => Bnn.Nano.Tests.Cli.BnncConsole.Run(args);
}

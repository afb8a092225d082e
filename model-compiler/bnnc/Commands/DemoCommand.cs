using System.CommandLine;
using System.IO;
using Bnn.Nano.Cli.Emulation;
using Bnn.Nano.Compiler;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Runtime.Model;
using Spectre.Console;

namespace Bnn.Nano.Cli.Commands;

/// <summary>`bnnc demo`: generate, train, compile, run, summarise; no download.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo> output = new("--out", "-o") { Description = "output folder", DefaultValueFactory = _ => new DirectoryInfo("bnn-demo") };
        Option<int> seed = new("--seed") { Description = "seed of the data and of training", DefaultValueFactory = _ => 1 };
        Option<bool> force = new("--force") { Description = "replace files left by an earlier demo" };
        Command command = new("demo", "Train a binarized gesture classifier on built-in synthetic motion data, compile it, run it in the runtime and on the emulated sensor node, and summarise");
        command.Options.Add(output);
        command.Options.Add(seed);
        command.Options.Add(force);
        command.SetAction(parse => Ui.Guard(() =>
        {
            int s = parse.GetValue(seed);
            OutputFolder folder = new(parse.GetValue(output)!.FullName, parse.GetValue(force));
            const string networkFile = "network.json";
            string tables = GestureDemo.ClassName + ".g.cs";
            folder.EnsureWritable(networkFile, "network.curve.png", ModelArtifacts.BlobFileName, tables, ModelArtifacts.ReportMarkdownFileName, ModelArtifacts.ReportJsonFileName);

            (Dataset train, Dataset test) = GestureDemo.Split(s);
            AnsiConsole.MarkupLine(Ui.Culture, $"synthetic gestures (seed {s}): {train.Count:N0} training windows, {test.Count:N0} test windows from {GestureDemo.TestPersons} people never seen in training");
            (BnnNetwork network, System.Collections.Generic.IReadOnlyList<Bnn.Nano.Compiler.Training.TrainingProgress> epochs) = TrainCommand.Train(train, GestureDemo.TrainingOptions(s));
            network = network.WithProperties(DataCatalog.ModelProperties("gestures-train"));
            ModelArtifacts artifacts = ModelArtifacts.Build(network, "Bnn.Nano.Models", GestureDemo.ClassName);
            BnnModel model = BlobReader.Load(artifacts.Blob);
            EvaluationResult result = Ui.WithProgress("running the blob", p => ModelEvaluator.Evaluate(model, test, network, p));

            GestureReplayResult node = Ui.WithProgress("emulated node", _ => GestureNodeReplay.Run(BlobReader.Load(artifacts.Blob), model, test, SyntheticGestures.CountsPerG));

            folder.Write(networkFile, NetworkFile.Serialize(network));
            folder.Write("network.curve.png", TrainingCurvePlot.Render(epochs, "gesture demo"));
            artifacts.WriteTo(folder, result, test.Name);
            Ui.LayerTable(artifacts.Report);
            Ui.Evaluation(result, test.Name);
            Ui.Written(folder);
            AnsiConsole.MarkupLine(Ui.Culture, $"emulated node: the test windows as motion of an MPU6050 on I2C, {node.VirtualSeconds:F1} s on the virtual clock, LED changes {node.LedTransitions:N0}");
            AnsiConsole.MarkupLine(Ui.Culture, $"node: {node.Decisions:N0} windows classified (input bytes identical to the data set's on {node.IdenticalInputs:N0}), accuracy {node.Accuracy * 100:F2}%, same class as the offline runtime on {node.AgreeWithOffline:N0} of {node.Windows:N0}");
            AnsiConsole.MarkupLine(Ui.Culture, $"[bold]accuracy {result.Accuracy * 100:F2}%, flash bytes {artifacts.Report.FlashBytes:N0}, arena bytes {artifacts.Report.ArenaBytes:N0}, agreement {result.Agreement!.Value * 100:F2}%[/]");
            return 0;
        }));
        return command;
    }
}

using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Compiler.Training;
using Bnn.Nano.Runtime.Model;
using Spectre.Console;

namespace Bnn.Nano.Cli.Commands;

/// <summary>`bnnc train --data NAME --out network.json`: trains a binarized MLP.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        Option<string> data = new("--data", "-d") { Description = "training data set: " + DataCatalog.Help, Required = true };
        Option<string?> validation = new("--validation") { Description = "data set to report accuracy on after each epoch" };
        Option<FileInfo> output = new("--out", "-o") { Description = "where to write the trained network (JSON)", Required = true };
        Option<string> hidden = new("--hidden") { Description = "hidden layer widths, comma-separated", DefaultValueFactory = _ => "128,128" };
        Option<int> epochs = new("--epochs") { Description = "training epochs", DefaultValueFactory = _ => new TrainingOptions().Epochs };
        Option<int> batch = new("--batch") { Description = "batch size", DefaultValueFactory = _ => new TrainingOptions().BatchSize };
        Option<float> rate = new("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => new TrainingOptions().LearningRate };
        Option<int> seed = new("--seed") { Description = "seed of every random choice (same seed, same network)", DefaultValueFactory = _ => 1 };
        Option<bool> force = new("--force") { Description = "replace an existing output file" };
        Command command = new("train", "Train a binarized MLP (sign weights and activations, straight-through estimator, batch norm, Adam)");
        foreach (Option option in new Option[] { data, validation, output, hidden, epochs, batch, rate, seed, force })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Ui.Guard(() =>
        {
            // The options the trainer would refuse, checked by their command-line names before any data is loaded.
            int epochCount = parse.GetValue(epochs);
            int batchSize = parse.GetValue(batch);
            float learningRate = parse.GetValue(rate);
            if (epochCount < 1)
            {
                throw new ArgumentException($"--epochs {epochCount}: train for at least 1 epoch");
            }

            if (batchSize < 2)
            {
                throw new ArgumentException($"--batch {batchSize}: a batch holds at least 2 samples (batch norm needs them)");
            }

            if (!(learningRate > 0f) || !float.IsFinite(learningRate))
            {
                throw new ArgumentException($"--lr {learningRate.ToString(Ui.Culture)}: the learning rate must be a positive finite number");
            }

            FileInfo target = parse.GetValue(output)!;
            OutputFolder folder = new(target.DirectoryName ?? ".", parse.GetValue(force));
            folder.EnsureWritable(target.Name);
            string dataName = parse.GetValue(data)!;
            Dataset train = DataCatalog.Load(dataName);
            string? validationName = parse.GetValue(validation);
            TrainingOptions options = new()
            {
                HiddenSizes = ParseWidths(parse.GetValue(hidden)!),
                Epochs = epochCount,
                BatchSize = batchSize,
                LearningRate = learningRate,
                Seed = parse.GetValue(seed),
                Validation = validationName == null ? null : DataCatalog.Load(validationName),
            };
            string stem = Path.GetFileNameWithoutExtension(target.Name);
            folder.EnsureWritable(target.Name, stem + ".curve.png", stem + ".confusion.md");
            (BnnNetwork network, IReadOnlyList<TrainingProgress> history) = Train(train, options);
            IReadOnlyDictionary<int, int> properties = DataCatalog.ModelProperties(dataName);
            network = properties.Count == 0 ? network : network.WithProperties(properties);
            folder.Write(target.Name, NetworkFile.Serialize(network));
            WriteCurveAndConfusion(folder, stem, network, history, options.Validation ?? train);
            Ui.Written(folder);
            return 0;
        }));
        return command;
    }

    /// <summary>Writes the training curve (PNG) and the confusion matrix of the compiled model on <paramref name="data"/>.</summary>
    public static void WriteCurveAndConfusion(OutputFolder folder, string stem, BnnNetwork network, IReadOnlyList<TrainingProgress> epochs, Dataset data)
    {
        folder.Write(stem + ".curve.png", TrainingCurvePlot.Render(epochs, stem));
        BnnModel model = BlobReader.Load(BlobWriter.Write(ModelCompiler.Compile(network)));
        EvaluationResult result = Ui.WithProgress("confusion matrix", p => ModelEvaluator.Evaluate(model, data, null, p));
        folder.Write(stem + ".confusion.md", $"# {stem} on {data.Name}\n\nAccuracy {result.Accuracy * 100:F2}% ({result.Samples} samples).\n\n" + ReportWriter.ConfusionTable(network.ClassNames, result.Confusion));
    }

    /// <summary>Trains under a progress bar and reports the last epoch; returns the network and every epoch's numbers.</summary>
    public static (BnnNetwork Network, IReadOnlyList<TrainingProgress> Epochs) Train(Dataset train, TrainingOptions options)
    {
        List<TrainingProgress> epochs = [];
        AnsiConsole.MarkupLine(Ui.Culture, $"training on [bold]{Markup.Escape(train.Name)}[/]: {train.Count:N0} samples, {train.FeatureCount} features, {train.ClassCount} classes; hidden {string.Join(",", options.HiddenSizes)}, {options.Epochs} epochs, seed {options.Seed}");
        TrainingProgress? last = null;
        BnnNetwork network = Ui.WithProgress("training", p => BinaryMlpTrainer.Train(train, options, Ui.EachEpoch(t =>
        {
            last = t;
            epochs.Add(t);
            p.Report(t.Epoch / (double)t.TotalEpochs);
        })));
        if (last != null)
        {
            string validation = last.ValidationAccuracy is double v ? $", validation accuracy {v * 100:F2}%" : string.Empty;
            AnsiConsole.MarkupLine(Ui.Culture, $"trained in {last.Elapsed.TotalSeconds:F1} s: loss {last.TrainLoss:F4}, training accuracy {last.TrainAccuracy * 100:F2}%{validation}");
        }

        return (network, epochs);
    }

    private static int[] ParseWidths(string text)
    {
        try
        {
            return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, Ui.Culture))];
        }
        catch (FormatException)
        {
            throw new ArgumentException($"--hidden '{text}' is not a comma-separated list of widths");
        }
    }
}

using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using Bnn.Nano.Compiler;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.Compiler.Training;
using Bnn.Nano.Runtime.Model;
using Spectre.Console;

namespace Bnn.Nano.Cli.Commands;

/// <summary>
/// `bnnc train-kws`: the keyword model (KeywordSpotting's recipe: features by the node's front end, feature-domain
/// augmentation, int8 first layer, binary body, int8 head) trained on a keyword corpus, synthetic (`bnnc data kws`) or
/// imported (`bnnc data kws --speech-commands`), measured on the corpus' test split by the runtime, and compiled.
/// </summary>
internal static class TrainKwsCommand
{
    public const string NetworkFileName = "network.json";

    public static Command Create()
    {
        Option<DirectoryInfo?> corpus = new("--corpus") { Description = "keyword corpus folder (default: <repository>/artifacts/kws, as `bnnc data kws` writes it)" };
        Option<DirectoryInfo> output = new("--out", "-o") { Description = "output folder: network.json, model.bnn, <class>.g.cs, report.md/json", Required = true };
        Option<int> epochs = new("--epochs") { Description = "training epochs", DefaultValueFactory = _ => KeywordSpotting.Options().Epochs };
        Option<int> seed = new("--seed") { Description = "seed of the augmentation and the training", DefaultValueFactory = _ => 1 };
        Option<string> className = new("--class") { Description = "class name of the generated C# tables", DefaultValueFactory = _ => KeywordSpotting.ClassName };
        Option<string> namespaceName = new("--namespace") { Description = "namespace of the generated C# tables", DefaultValueFactory = _ => KeywordSpotting.Namespace };
        Option<bool> floatBaseline = new("--float-baseline") { Description = "also train the same architecture with real-valued weights and activations and print its test accuracy (doubles the training time)" };
        Option<bool> force = new("--force") { Description = "replace existing output files" };
        Command command = new("train-kws", "Train the keyword-spotting model on a keyword corpus (synthetic, or real speech imported from Speech Commands), measure it on the corpus' test split and compile it");
        foreach (Option option in new Option[] { corpus, output, epochs, seed, className, namespaceName, floatBaseline, force })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Ui.Guard(() =>
        {
            int epochCount = parse.GetValue(epochs);
            if (epochCount < 1)
            {
                throw new ArgumentException($"--epochs {epochCount}: train for at least 1 epoch");
            }

            OutputFolder folder = new(parse.GetValue(output)!.FullName, parse.GetValue(force));
            string tables = parse.GetValue(className)! + ".g.cs";
            folder.EnsureWritable(NetworkFileName, ModelArtifacts.BlobFileName, tables, ModelArtifacts.ReportMarkdownFileName, ModelArtifacts.ReportJsonFileName);
            SpeechCorpus speech = SpeechCorpus.Load(parse.GetValue(corpus)?.FullName ?? SpeechCorpus.DefaultDirectory());
            Dataset clips = Ui.WithProgress("features", _ => KeywordSpotting.ToDataset(KeywordSpotting.TrainName, speech.Train, speech.ClassNames));
            Dataset test = Ui.WithProgress("features", _ => KeywordSpotting.ToDataset(KeywordSpotting.TestName, speech.Test, speech.ClassNames));
            int runSeed = parse.GetValue(seed);
            Dataset train = KeywordSpotting.Augment(clips, KeywordSpotting.Augmentation(runSeed));
            ConvNetOptions options = KeywordSpotting.Options(runSeed) with { Epochs = epochCount };
            AnsiConsole.MarkupLine(Ui.Culture, $"corpus [bold]{Markup.Escape(speech.Directory)}[/]: {speech.Train.Count:N0} training clips ({train.Count:N0} samples with the augmented ones), {speech.Test.Count:N0} test clips; {KeywordSpotting.Architecture(options, train.ClassCount)}, {epochCount} epoch{(epochCount == 1 ? string.Empty : "s")}, seed {runSeed}");

            BnnNetwork network = Ui.WithProgress("training", p => KeywordSpotting.Train(train, options, Ui.EachEpoch(t => p.Report(t.Epoch / (double)t.TotalEpochs))));
            ModelArtifacts artifacts = ModelArtifacts.Build(network, parse.GetValue(namespaceName)!, parse.GetValue(className)!);
            EvaluationResult result = Ui.WithProgress("evaluating", p => ModelEvaluator.Evaluate(BlobReader.Load(artifacts.Blob), test, network, p));
            folder.Write(NetworkFileName, NetworkFile.Serialize(network));
            artifacts.WriteTo(folder, result, test.Name);
            Ui.LayerTable(artifacts.Report);
            Ui.Evaluation(result, test.Name);
            if (parse.GetValue(floatBaseline))
            {
                double accuracy = Ui.WithProgress("float baseline", p => ConvNetTrainer.TrainFloatBaseline(train, test, options, Ui.EachEpoch(t => p.Report(t.Epoch / (double)t.TotalEpochs))));
                AnsiConsole.MarkupLine(Ui.Culture, $"float same-architecture accuracy [bold]{accuracy * 100:F2}%[/] (real-valued weights and activations, same training set and epochs)");
            }

            Ui.Written(folder);
            return 0;
        }));
        return command;
    }}

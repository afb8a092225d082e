using System.CommandLine;
using System.IO;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Cli.Commands;

/// <summary>`bnnc run model.bnn --data NAME`: the host runtime over a data set.</summary>
internal static class RunCommand
{
    /// <summary>Most classes whose confusion matrix is printed (wider tables do not fit a terminal).</summary>
    private const int MaxConfusionClasses = 16;

    public static Command Create()
    {
        Argument<FileInfo> blobPath = new("blob") { Description = "a .bnn model blob" };
        Option<string> data = new("--data", "-d") { Description = "data set: " + DataCatalog.Help, Required = true };
        Option<FileInfo?> network = new("--network", "-n") { Description = "the network.json the blob was compiled from, to measure agreement with the float reference" };
        Command command = new("run", "Run a blob through the host runtime on a data set: accuracy, confusion matrix, agreement with the float reference, bytes allocated per inference");
        command.Arguments.Add(blobPath);
        command.Options.Add(data);
        command.Options.Add(network);
        command.SetAction(parse => Ui.Guard(() =>
        {
            BnnModel model = BlobReader.Load(InspectCommand.ReadBlob(parse.GetValue(blobPath)!));
            Dataset dataset = DataCatalog.Load(parse.GetValue(data)!);
            FileInfo? networkFile = parse.GetValue(network);
            BnnNetwork? reference = networkFile == null ? null : NetworkFile.Load(networkFile.FullName);
            EvaluationResult result = Ui.WithProgress("evaluating", p => ModelEvaluator.Evaluate(model, dataset, reference, p));
            Ui.Evaluation(result, dataset.Name);
            if (dataset.ClassCount <= MaxConfusionClasses)
            {
                Ui.Confusion(dataset.ClassNames, result.Confusion);
            }
            return 0;
        }));
        return command;
    }
}

using System.CommandLine;
using System.IO;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Runtime.Model;
using Spectre.Console;

namespace Bnn.Nano.Cli.Commands;

/// <summary>`bnnc inspect model.bnn`: validates a blob and prints its per-layer table.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        Argument<FileInfo> blobPath = new("blob") { Description = "a .bnn model blob" };
        Command command = new("inspect", "Validate a .bnn blob and show per layer: shape, flash bytes, arena bytes, binary ops, estimated IL cost");
        command.Arguments.Add(blobPath);
        command.SetAction(parse => Ui.Guard(() =>
        {
            FileInfo file = parse.GetValue(blobPath)!;
            byte[] blob = ReadBlob(file);
            BnnModel model = BlobReader.Load(blob);
            AnsiConsole.MarkupLine(Ui.Culture, $"[bold]{Markup.Escape(file.Name)}[/]: format v{BlobFormat.Version}, model hash 0x{BlobWriter.ModelHash(blob):X8}, input {model.InputLength} {(model.InputSigned ? "int8" : "uint8")}, {model.ClassCount} classes, {model.LayerCount} layers");
            Ui.LayerTable(ModelReport.Build(blob));
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
}

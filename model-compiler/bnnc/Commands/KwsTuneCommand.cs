using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using Bnn.Nano.Cli.Emulation;
using Bnn.Nano.Compiler;
using Bnn.Nano.Compiler.Cost;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.FrontEnd;
using Bnn.Nano.Node;
using Bnn.Nano.Runtime.Model;
using Spectre.Console;

namespace Bnn.Nano.Cli.Commands;

/// <summary>
/// `bnnc kws-tune -m model.bnn [--hop-ms 160] -o tuned.bnn`: sets a keyword model's inference hop and chooses the node's
/// detector settings for it on synthetic streams, then checks them on other streams; writes a copy of the blob that
/// carries both (model properties WindowHop and Detector*), its layers unchanged, and its C# tables beside it.
/// </summary>
internal static class KwsTuneCommand
{
    public static Command Create()
    {
        Option<FileInfo?> model = new("--model", "-m") { Description = "keyword model blob (default: the repository's firmware/Bnn.Nano.Node/Board/KeywordModel.bnn)" };
        Option<FileInfo> output = new("--out", "-o") { Description = "the tuned blob to write (never the input)", Required = true };
        Option<int> hopMs = new("--hop-ms") { Description = "milliseconds between classifications, a multiple of the front end's hop (default: keep the model's)", DefaultValueFactory = _ => 0 };
        Option<string> seeds = new("--seeds") { Description = "streams that choose the detector settings", DefaultValueFactory = _ => KeywordDetectorTuning.Describe(KeywordDetectorTuning.TuneSeeds) };
        Option<string> checkSeeds = new("--check-seeds") { Description = "other streams that check the chosen settings", DefaultValueFactory = _ => KeywordDetectorTuning.Describe(KeywordDetectorTuning.CheckSeeds) };
        Option<double> seconds = new("--seconds") { Description = "length of each stream in seconds", DefaultValueFactory = _ => 75 };
        Option<string> voices = new("--voices") { Description = "who speaks: train (the corpus's training voices, new renditions) or test (the held-out voices)", DefaultValueFactory = _ => "train" };
        Option<string> className = new("--class") { Description = "class name of the generated C# tables, written beside the blob as <class>.g.cs", DefaultValueFactory = _ => KeywordSpotting.ClassName };
        Option<string> namespaceName = new("--namespace") { Description = "namespace of the generated C# tables", DefaultValueFactory = _ => KeywordSpotting.Namespace };
        Option<bool> force = new("--force") { Description = "replace existing output files" };
        Command command = new("kws-tune", "Set a keyword model's inference hop and choose the node's detector settings for it on synthetic streams (checked on others); writes a tuned copy of the blob and its C# tables");
        foreach (Option option in new Option[] { model, output, hopMs, seeds, checkSeeds, seconds, voices, className, namespaceName, force })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Ui.Guard(() =>
        {
            (FileInfo modelFile, byte[] original) = KwsCommand.ReadModel(parse.GetValue(model));
            FileInfo target = parse.GetValue(output)!;
            if (string.Equals(Path.GetFullPath(target.FullName), Path.GetFullPath(modelFile.FullName), StringComparison.Ordinal))
            {
                throw new ArgumentException($"--out '{target.FullName}' is the input model: write the tuned copy to another file");
            }

            OutputFolder folder = new(target.DirectoryName ?? ".", parse.GetValue(force));
            string tablesName = parse.GetValue(className) + ".g.cs";
            folder.EnsureWritable(target.Name, tablesName);
            double length = KwsStreamsCommand.CheckLength(parse.GetValue(seconds));
            IReadOnlyList<TtsVoice> speakers = KwsStreamsCommand.ParseVoices(parse.GetValue(voices)!);
            int[] tuneSeeds = KwsStreamsCommand.ParseSeeds(parse.GetValue(seeds)!);
            int[] checkSeedList = KwsStreamsCommand.ParseSeeds(parse.GetValue(checkSeeds)!, "--check-seeds");

            BnnModel before = BlobReader.Load(original);
            FrontEndConfig frontEnd = StreamingCost.ReadFrontEnd(before)
                ?? throw new ArgumentException($"'{modelFile.Name}' carries no audio front-end properties: it is not a keyword model");
            int hop = HopSamples(parse.GetValue(hopMs), frontEnd, before);
            IReadOnlyList<string> names = KwsCommand.ClassNames(null, before.ClassCount);
            TunedKeywordBlob tuning = KeywordDetectorTuning.Tune(original, names, hop, tuneSeeds, length, speakers);
            byte[] tuned = tuning.Blob;

            // Before and after, each on the streams that chose the settings and on the others.
            var rows = new Table().AddColumn("model").AddColumn("hop").AddColumn("detector").AddColumn($"F1, seeds {parse.GetValue(seeds)}").AddColumn($"F1, seeds {parse.GetValue(checkSeeds)}");
            foreach ((string label, byte[] blob) in new[] { (modelFile.Name, original), (target.Name, tuned) })
            {
                // The detector does not change the posteriors, only the layers and the hop do: a blob with the tuned hop
                // (the tuned one, or the input when its hop was kept) has the tuning's runs on the tuning streams.
                BnnModel m = BlobReader.Load(blob);
                bool tunedHop = m.GetProperty(ModelProperty.WindowHop, frontEnd.HopLength) == hop;
                KeywordDetectorSetting onTune = KeywordDetectorTuning.AtNodeSettings(m, names, tunedHop ? tuning.TuneRuns : KeywordNodeReplay.RunStreams(m, names, tuneSeeds, length, speakers));
                KeywordDetectorSetting onCheck = KeywordDetectorTuning.AtNodeSettings(m, names, KeywordNodeReplay.RunStreams(m, names, checkSeedList, length, speakers));
                int modelHop = m.GetProperty(ModelProperty.WindowHop, frontEnd.HopLength);
                rows.AddRow(Markup.Escape(label), string.Create(Ui.Culture, $"{modelHop * 1000 / frontEnd.SampleRateHz} ms"), onTune.Describe(), Score(onTune), Score(onCheck));
            }

            AnsiConsole.MarkupLine(Ui.Culture, $"detection F1 of the emulated node on {length:F0}-s streams by the {parse.GetValue(voices)} voices (±0.5 s), at the settings each blob carries:");
            AnsiConsole.Write(rows);
            string tables = tuning.Tables(names, parse.GetValue(namespaceName)!, parse.GetValue(className)!);
            folder.Write(target.Name, tuned);
            folder.Write(tablesName, tables);
            Ui.Written(folder);
            AnsiConsole.MarkupLine(Ui.Culture, $"device cost of the tuned node (IL per inference, real-time factor): bnnc inspect {Markup.Escape(target.FullName)}");
            return 0;
        }));
        return command;
    }

    /// <summary>The inference hop in samples: --hop-ms, or the model's own when 0.</summary>
    private static int HopSamples(int milliseconds, FrontEndConfig frontEnd, BnnModel model)
    {
        if (milliseconds == 0)
        {
            return model.GetProperty(ModelProperty.WindowHop, frontEnd.HopLength);
        }

        long samples = (long)milliseconds * frontEnd.SampleRateHz / 1000;
        int frameMs = frontEnd.HopLength * 1000 / frontEnd.SampleRateHz;
        if (milliseconds < 0 || samples * 1000 != (long)milliseconds * frontEnd.SampleRateHz || samples % frontEnd.HopLength != 0 || samples > frontEnd.InputSpanSamples)
        {
            throw new ArgumentException(string.Create(Ui.Culture,
                $"--hop-ms {milliseconds}: the hop must be a positive multiple of the front end's {frameMs} ms hop ({frontEnd.HopLength} samples at {frontEnd.SampleRateHz:N0} Hz), at most the model's input span of {frontEnd.InputSpanSamples * 1000 / frontEnd.SampleRateHz} ms"));
        }

        return (int)samples;
    }

    private static string Score(KeywordDetectorSetting s) =>
        string.Create(Ui.Culture, $"{s.F1:F3} (TP {s.Score.TruePositives}, FP {s.Score.FalsePositives}, FN {s.Score.FalseNegatives})");
}

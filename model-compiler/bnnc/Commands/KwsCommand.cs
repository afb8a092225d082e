using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Bnn.Nano.Cli.Emulation;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.Emulator;
using Bnn.Nano.Runtime.Model;
using Spectre.Console;

namespace Bnn.Nano.Cli.Commands;

/// <summary>`bnnc kws --wav file.wav`: plays a recording through the emulated keyword node and prints its detections.</summary>
internal static class KwsCommand
{
    /// <summary>The keyword model the kws-cnn benchmark recipe writes beside the node's device tables.</summary>
    public static string DefaultModelPath() =>
        Path.Combine(DataCatalog.RepositoryRoot() ?? ".", "firmware", "Bnn.Nano.Node", "Board", "KeywordModel.bnn");

    /// <summary>The keyword model given by --model, or the repository's; a missing file is named in the error.</summary>
    internal static (FileInfo File, byte[] Bytes) ReadModel(FileInfo? given)
    {
        FileInfo modelFile = given ?? new FileInfo(DefaultModelPath());
        if (!modelFile.Exists)
        {
            throw new FileNotFoundException($"keyword model '{modelFile.FullName}' does not exist (the kws-cnn benchmark recipe writes it; or pass --model)");
        }

        return (modelFile, File.ReadAllBytes(modelFile.FullName));
    }

    public static Command Create()
    {
        Option<FileInfo> wav = new("--wav") { Description = "16-bit mono PCM WAV (another sample rate than the model's 16 kHz is resampled first); the node keeps listening to silence after its end until its last word is reported", Required = true };
        Option<FileInfo?> model = new("--model", "-m") { Description = "keyword model blob (default: the repository's firmware/Bnn.Nano.Node/Board/KeywordModel.bnn)" };
        Option<string?> labels = new("--labels") { Description = "class names, comma-separated (default: silence,unknown,yes,no,up,down,left,right,on,off,stop,go)" };
        Option<double> threshold = new("--threshold") { Description = "averaged posterior needed for a detection (0..1)", DefaultValueFactory = _ => -1 };
        Command command = new("kws", "Play a WAV file through the emulated keyword-spotting node (I2S microphone, front end, BNN, posterior smoothing) and print its detections");
        foreach (Option option in new Option[] { wav, model, labels, threshold })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Ui.Guard(() =>
        {
            BnnModel blob = BlobReader.Load(ReadModel(parse.GetValue(model)).Bytes);
            IReadOnlyList<string> names = ClassNames(parse.GetValue(labels), blob.ClassCount);
            WavFile file = WavFile.Read(parse.GetValue(wav)!.FullName);
            var recording = new PcmRecording(file.SampleRate, file.ToMono());
            double minimum = parse.GetValue(threshold);
            if (minimum > 1)
            {
                throw new ArgumentException($"--threshold {minimum} is above 1");
            }

            if (file.Channels > 1)
            {
                AnsiConsole.MarkupLine(Ui.Culture, $"[yellow]note:[/] mixed {file.Channels} channels down to one (the microphone is mono)");
            }

            int rate = KeywordNodeReplay.PlaybackRateHz(blob, recording);
            if (rate != recording.SampleRateHz)
            {
                AnsiConsole.MarkupLine(Ui.Culture, $"[yellow]note:[/] resampled from {recording.SampleRateHz:N0} Hz to the model's {rate:N0} Hz");
            }

            KeywordReplayResult result = KeywordNodeReplay.RunRecording(blob, names, recording, node =>
            {
                if (minimum >= 0)
                {
                    node.Detector.ThresholdQ15 = (int)Math.Round(minimum * Bnn.Nano.Node.KeywordDetector.OneQ15);
                }
            });

            AnsiConsole.MarkupLine(Ui.Culture, $"[bold]{Markup.Escape(Path.GetFileName(parse.GetValue(wav)!.FullName))}[/]: {recording.DurationSeconds:F2} s of audio and {result.AudioSeconds - recording.DurationSeconds:F2} s of silence after it through the emulated node ({result.VirtualSeconds:F2} s on its clock)");
            AnsiConsole.MarkupLine(Ui.Culture, $"{result.Frames:N0} feature frames, {result.Inferences:N0} inferences, {result.Detections.Count} detections, LED changes {result.LedChanges}");
            AnsiConsole.MarkupLine(Ui.Culture, $"classifications won: {Markup.Escape(result.ClassesWon(names))}");
            var table = new Table().AddColumn("time s").AddColumn("keyword").AddColumn("confidence");
            foreach (KeywordDetection d in result.Detections)
            {
                table.AddRow(d.Seconds.ToString("F2", Ui.Culture), Markup.Escape(d.Label), d.Confidence.ToString("P0", Ui.Culture));
            }

            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    internal static IReadOnlyList<string> ClassNames(string? labels, int classCount)
    {
        IReadOnlyList<string> names = labels == null
            ? SpeechCorpus.ClassNamesFor(SpeechCorpus.DefaultKeywords)
            : [.. labels.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
        if (names.Count != classCount)
        {
            throw new ArgumentException($"the model has {classCount} classes but {names.Count} labels were given ({string.Join(",", names)}); pass --labels");
        }

        return names;
    }
}

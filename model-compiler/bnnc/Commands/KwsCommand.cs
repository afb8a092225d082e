using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Bnn.Nano.Cli.Emulation;
using Bnn.Nano.Compiler.Cost;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.Devices.Audio;
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
        Option<double?> deviceSpeed = DeviceSpeedOption();
        Option<int> dmaBuffer = DmaBufferOption();
        Command command = new("kws", "Play a WAV file through the emulated keyword-spotting node (I2S microphone, front end, BNN, posterior smoothing) and print its detections");
        foreach (Option option in new Option[] { wav, model, labels, threshold, deviceSpeed, dmaBuffer })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Ui.Guard(() =>
        {
            byte[] bytes = ReadModel(parse.GetValue(model)).Bytes;
            BnnModel blob = BlobReader.Load(bytes);
            IReadOnlyList<string> names = ClassNames(parse.GetValue(labels), blob.ClassCount);
            DeviceTiming? timing = DeviceTimingFor(bytes, parse.GetValue(deviceSpeed), parse.GetValue(dmaBuffer));
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
            }, timing);

            AnsiConsole.MarkupLine(Ui.Culture, $"[bold]{Markup.Escape(Path.GetFileName(parse.GetValue(wav)!.FullName))}[/]: {recording.DurationSeconds:F2} s of audio and {result.AudioSeconds - recording.DurationSeconds:F2} s of silence after it through the emulated node ({result.VirtualSeconds:F2} s on its clock)");
            AnsiConsole.MarkupLine(Ui.Culture, $"{result.Frames:N0} feature frames, {result.Inferences:N0} inferences, {result.Detections.Count} detections, LED changes {result.LedChanges}");
            if (timing != null)
            {
                PrintDeviceTiming(timing, [result]);
            }

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

    /// <summary>--device-speed: the interpreter speed the emulated node runs at, in million IL instructions per second.</summary>
    internal static Option<double?> DeviceSpeedOption() => new("--device-speed")
    {
        Description = "run the node as on an interpreter of this many million IL instructions per second (docs/cost-model.md: about 4 on a 240 MHz ESP32): "
            + "each hop and classification takes its exact IL count's time on the board clock, and audio the microphone's DMA ring (--dma-buffer-bytes) cannot hold is lost",
    };

    /// <summary>--dma-buffer-bytes: the microphone's DMA ring at --device-speed, as Board/Esp32I2sReceiver takes it.</summary>
    internal static Option<int> DmaBufferOption() => new("--dma-buffer-bytes")
    {
        Description = "with --device-speed: the I2S DMA buffer of the board glue (Esp32I2sReceiver; a multiple of 1024, at least 2048; 4 bytes per sample)",
        DefaultValueFactory = _ => Esp32DefaultDmaBufferBytes,
    };

    /// <summary>Board/Esp32I2sReceiver.DefaultDmaBufferBytes (board glue is not compiled on the host): the node's default ring in 32-bit slots.</summary>
    internal const int Esp32DefaultDmaBufferBytes = Bnn.Nano.Node.KeywordNode.DefaultAudioBufferSamples * Inmp441Microphone.BytesPerSample;

    /// <summary>The node's timing at --device-speed (null when the option is absent), from the blob's exact IL counts.</summary>
    internal static DeviceTiming? DeviceTimingFor(byte[] blob, double? millionIlPerSecond, int dmaBufferBytes)
    {
        if (millionIlPerSecond is not double speed)
        {
            return null;
        }

        if (!(speed > 0) || double.IsInfinity(speed))
        {
            throw new ArgumentException($"--device-speed {speed} is not a positive number of million IL instructions per second");
        }

        if (dmaBufferBytes < 2048 || dmaBufferBytes % 1024 != 0)
        {
            throw new ArgumentException($"--dma-buffer-bytes {dmaBufferBytes} is not a multiple of 1024 of at least 2048 (what Esp32I2sReceiver accepts)");
        }

        return DeviceTiming.At(StreamingCost.Measure(blob), speed * 1e6, dmaBufferBytes / Inmp441Microphone.BytesPerSample);
    }

    /// <summary>The timing and what the node lost to it over <paramref name="runs"/>.</summary>
    internal static void PrintDeviceTiming(DeviceTiming timing, IReadOnlyList<KeywordReplayResult> runs)
    {
        ArgumentNullException.ThrowIfNull(timing);
        ArgumentNullException.ThrowIfNull(runs);
        double audio = runs.Sum(r => r.AudioSeconds), lost = runs.Sum(r => r.LostSeconds);
        int overruns = runs.Sum(r => r.Overruns);
        AnsiConsole.MarkupLine(Ui.Culture, $"at {timing.IlPerSecond / 1e6:0.###} M IL/s: a front-end hop takes {timing.HopMicroseconds / 1e3:F1} ms, a classification {timing.StreamingInferenceMicroseconds / 1e6:F2} s ({timing.FullInferenceMicroseconds / 1e6:F2} s computing every row); the DMA ring holds {timing.AudioBufferSamples:N0} samples");
        AnsiConsole.MarkupLine(Ui.Culture, $"the node fell behind and lost audio {overruns:N0} times: [bold]{lost:F2} s of {audio:F2} s ({(audio > 0 ? lost / audio : 0):P0})[/]");
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

using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Bnn.Nano.Cli.Emulation;
using Bnn.Nano.Compiler.Speech;
using Bnn.Nano.Node;
using Bnn.Nano.Runtime.Model;
using Spectre.Console;

namespace Bnn.Nano.Cli.Commands;

/// <summary>
/// `bnnc kws-streams [--seeds 21-26] [--voices train|test] [--tune]`: synthesises streams of keywords among other
/// words and noise at known times, plays each through the emulated keyword node and scores its detections (F1 within
/// ±0.5 s); --tune also replays the recorded posteriors through a grid of detector settings.
/// </summary>
internal static class KwsStreamsCommand
{
    public static Command Create()
    {
        Option<string> seeds = new("--seeds") { Description = "stream seeds: 21-26 or 1,5,9", DefaultValueFactory = _ => "21-26" };
        Option<double> seconds = new("--seconds") { Description = "length of each stream in seconds", DefaultValueFactory = _ => 75 };
        Option<string> voices = new("--voices") { Description = "who speaks: train (the corpus's training voices, new renditions) or test (the held-out voices)", DefaultValueFactory = _ => "train" };
        Option<FileInfo?> model = new("--model", "-m") { Description = "keyword model blob (default: the repository's firmware/Bnn.Nano.Node/Board/KeywordModel.bnn)" };
        Option<bool> tune = new("--tune") { Description = "score a grid of detector settings (average count, threshold, suppression) on the same runs" };
        Option<bool> errors = new("--errors") { Description = "list every false alarm (with what was spoken there) and every missed keyword" };
        Option<double?> deviceSpeed = KwsCommand.DeviceSpeedOption();
        Option<int> dmaBuffer = KwsCommand.DmaBufferOption();
        Command command = new("kws-streams", "Score the emulated keyword node on synthetic streams with known keyword times (detection F1), optionally over a grid of detector settings");
        foreach (Option option in new Option[] { seeds, seconds, voices, model, tune, errors, deviceSpeed, dmaBuffer })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Ui.Guard(() =>
        {
            double length = CheckLength(parse.GetValue(seconds));
            (FileInfo modelFile, byte[] bytes) = KwsCommand.ReadModel(parse.GetValue(model));
            BnnModel blob = BlobReader.Load(bytes);
            IReadOnlyList<string> names = KwsCommand.ClassNames(null, blob.ClassCount);
            IReadOnlyList<TtsVoice> speakers = ParseVoices(parse.GetValue(voices)!);
            int[] seedList = ParseSeeds(parse.GetValue(seeds)!);
            DeviceTiming? timing = KwsCommand.DeviceTimingFor(bytes, parse.GetValue(deviceSpeed), parse.GetValue(dmaBuffer));
            if (timing != null && parse.GetValue(tune))
            {
                throw new ArgumentException("--tune replays the recorded posteriors through other detector settings, which cannot replay the audio a node at --device-speed lost; use one of them");
            }

            List<(SpeechStreamResult Stream, KeywordReplayResult Run)> runs = KeywordNodeReplay.RunStreams(blob, names, seedList, length, speakers, timing);
            var perStream = new Table().AddColumn("seed").AddColumn("keywords").AddColumn("TP").AddColumn("FP").AddColumn("FN").AddColumn("F1");
            for (int i = 0; i < runs.Count; i++)
            {
                (SpeechStreamResult stream, KeywordReplayResult run) = runs[i];
                DetectionScore score = DetectionScore.Score(stream.Words, run.Detections, stream.SampleRate);
                perStream.AddRow(seedList[i].ToString(Ui.Culture), stream.Keywords.Count.ToString(Ui.Culture), score.TruePositives.ToString(Ui.Culture),
                    score.FalsePositives.ToString(Ui.Culture), score.FalseNegatives.ToString(Ui.Culture), score.F1.ToString("F3", Ui.Culture));
            }

            KeywordDetectorSetting current = KeywordDetectorTuning.OfNode(blob, runs);
            AnsiConsole.MarkupLine(Ui.Culture, $"[bold]{seedList.Length} streams[/] of {length:F0} s by the {parse.GetValue(voices)} voices through the emulated node ({Markup.Escape(modelFile.Name)}):");
            AnsiConsole.Write(perStream);
            if (parse.GetValue(errors))
            {
                AnsiConsole.Write(ErrorTable(seedList, runs, names));
            }

            if (timing != null)
            {
                KwsCommand.PrintDeviceTiming(timing, [.. runs.Select(r => r.Run)]);
            }

            AnsiConsole.MarkupLine(Ui.Culture, $"node settings ({current.Describe()}): F1 [bold]{current.F1:F3}[/] (TP {current.Score.TruePositives}, FP {current.Score.FalsePositives}, FN {current.Score.FalseNegatives})");
            double[] offsets = [.. runs.SelectMany(r => DetectionScore.TimingOffsets(r.Stream.Words, r.Run.Detections, r.Stream.SampleRate))];
            if (offsets.Length > 0)
            {
                AnsiConsole.MarkupLine(Ui.Culture, $"event time − keyword centre over {offsets.Length} true detections: mean {offsets.Average():+0.000;−0.000} s, {offsets.Min():+0.000;−0.000}..{offsets.Max():+0.000;−0.000} s, {offsets.Count(o => Math.Abs(o) > 0.3)} beyond ±0.3 s");
            }
            if (parse.GetValue(tune))
            {
                var grid = new Table().AddColumn("average").AddColumn("threshold").AddColumn("suppression s").AddColumn("TP").AddColumn("FP").AddColumn("FN").AddColumn("F1");
                foreach (KeywordDetectorSetting s in KeywordDetectorTuning.Grid(blob, names, runs).Take(10))
                {
                    grid.AddRow(s.AverageCount.ToString(Ui.Culture), s.Threshold.ToString("F1", Ui.Culture), s.SuppressionSeconds.ToString("F1", Ui.Culture),
                        s.Score.TruePositives.ToString(Ui.Culture), s.Score.FalsePositives.ToString(Ui.Culture), s.Score.FalseNegatives.ToString(Ui.Culture), s.F1.ToString("F3", Ui.Culture));
                }

                AnsiConsole.MarkupLine("best detector settings on these streams:");
                AnsiConsole.Write(grid);
            }

            return 0;
        }));
        return command;
    }

    /// <summary>One row per false alarm (what was detected, what was spoken within the tolerance) and per missed keyword.</summary>
    private static Table ErrorTable(int[] seedList, List<(SpeechStreamResult Stream, KeywordReplayResult Run)> runs, IReadOnlyList<string> names)
    {
        var table = new Table().AddColumn("seed").AddColumn("time s").AddColumn("error").AddColumn("detected (missed: heard)").AddColumn("spoken");
        for (int i = 0; i < runs.Count; i++)
        {
            (SpeechStreamResult stream, KeywordReplayResult run) = runs[i];
            DetectionErrors found = DetectionScore.Errors(stream.Words, run.Detections, stream.SampleRate);
            var rows = new List<(double Seconds, string[] Cells)>();
            foreach (KeywordDetection alarm in found.FalseAlarms)
            {
                string spoken = string.Join(", ", stream.Words.Where(w => DetectionScore.Near(w, alarm.Seconds, stream.SampleRate)).Select(Describe));
                rows.Add((alarm.Seconds, ["false alarm", string.Create(Ui.Culture, $"{alarm.Label} ({alarm.Confidence:F2})"), spoken.Length == 0 ? "(no word)" : spoken]));
            }

            foreach (SpeechStreamEvent miss in found.Misses)
            {
                rows.Add((miss.StartSample / (double)stream.SampleRate, ["missed", HeardNear(miss, stream, run, names), Describe(miss)]));
            }

            foreach ((double seconds, string[] cells) in rows.OrderBy(r => r.Seconds))
            {
                table.AddRow([seedList[i].ToString(Ui.Culture), seconds.ToString("F2", Ui.Culture), .. cells.Select(Markup.Escape)]);
            }
        }

        return table;
    }

    /// <summary>
    /// What the node heard around a missed keyword (the classifications whose window is centred within the detection
    /// tolerance of it): the missed keyword's highest posterior there and the class that won most of those
    /// classifications, e.g. "off ≤ 0.62, mostly up".
    /// </summary>
    private static string HeardNear(SpeechStreamEvent miss, SpeechStreamResult stream, KeywordReplayResult run, IReadOnlyList<string> names)
    {
        int classes = names.Count, target = -1;
        for (int c = 0; c < classes; c++)
        {
            target = names[c] == miss.Label ? c : target;
        }

        int[] wins = new int[classes];
        int peak = 0;
        for (int i = 0; i < run.Inferences; i++)
        {
            if (DetectionScore.Near(miss, (run.InferenceMicroseconds[i] - (run.WindowMicroseconds / 2)) / 1e6, stream.SampleRate))
            {
                wins[run.InferenceClasses[i]]++;
                peak = target < 0 ? peak : Math.Max(peak, run.InferencePosteriors[(i * classes) + target]);
            }
        }

        int most = Array.IndexOf(wins, wins.Max());
        return string.Create(Ui.Culture, $"{miss.Label} ≤ {peak / (double)KeywordDetector.OneQ15:F2}, mostly {names[most]}");
    }

    private static string Describe(SpeechStreamEvent word) => $"{word.Word} ({word.Speaker})";

    /// <summary>--seconds: the length of a synthetic stream, checked.</summary>
    internal static double CheckLength(double length) => SpeechStream.IsValidLength(length)
        ? length
        : throw new ArgumentException($"--seconds {length.ToString(Ui.Culture)}: a stream lasts more than 0 s and at most {SpeechStream.MaxSeconds.ToString("N0", Ui.Culture)} s");

    /// <summary>--voices: "train" (the corpus's training voices) or "test" (the held-out voices).</summary>
    internal static IReadOnlyList<TtsVoice> ParseVoices(string voices) => voices switch
    {
        "train" => SpeechVoices.Train,
        "test" => SpeechVoices.Test,
        var other => throw new ArgumentException($"--voices {other}: use train or test"),
    };

    /// <summary>"21-26" → 21..26; "1,5,9" → 1, 5, 9 (<paramref name="option"/> names the option in errors).</summary>
    internal static int[] ParseSeeds(string text, string option = "--seeds")
    {
        try
        {
            string[] range = text.Split('-');
            if (range.Length == 2)
            {
                int first = int.Parse(range[0], Ui.Culture), last = int.Parse(range[1], Ui.Culture);
                if (last < first || last - first >= 1000)
                {
                    throw new FormatException();
                }

                return [.. Enumerable.Range(first, last - first + 1)];
            }

            return [.. text.Split(',').Select(s => int.Parse(s, Ui.Culture))];
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ArgumentException($"{option} '{text}': give a range such as 21-26 (at most 1,000) or a list such as 1,5,9");
        }
    }
}

using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Speech;
using Spectre.Console;

namespace Bnn.Nano.Cli.Commands;

/// <summary>`bnnc data ...`: builds data sets that are generated rather than downloaded.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        Command command = new("data", "Build data sets that are generated or converted rather than downloaded (the keyword-spotting corpus)");
        command.Subcommands.Add(DataKwsCommand.Create());
        return command;
    }
}

/// <summary>
/// `bnnc data kws`: the 12-class keyword-spotting corpus, synthesised (SpeechCorpusBuilder) or imported from a Speech
/// Commands folder (SpeechCommandsImporter).
/// </summary>
internal static class DataKwsCommand
{
    /// <summary>Most synthesis processes at once (each festival process holds a voice in memory).</summary>
    private const int MaxJobs = 64;

    public static Command Create()
    {
        Option<DirectoryInfo?> output = new("--out", "-o") { Description = "output folder (default: <repository>/artifacts/kws)" };
        Option<int> seed = new("--seed") { Description = "seed of every random choice (same seed, same bytes)", DefaultValueFactory = _ => 1 };
        Option<int?> perClass = new("--per-class") { Description = $"training clips per class (default {new SpeechCorpusOptions().TrainPerClass}; --quick: 30)" };
        Option<int?> testPerClass = new("--test-per-class") { Description = "test clips per class (default: a third of --per-class, at least 1; 100 by default)" };
        Option<bool> quick = new("--quick") { Description = "a small corpus for a first look: 30 training and 10 test clips per class" };
        Option<DirectoryInfo?> cache = new("--cache") { Description = "utterance cache (default: <repository>/artifacts/kws-cache)" };
        Option<int> jobs = new("--jobs", "-j") { Description = "parallel synthesis processes", DefaultValueFactory = _ => Math.Clamp(Environment.ProcessorCount, 1, MaxJobs) };
        Option<bool> force = new("--force") { Description = "replace a different corpus already in the output folder" };
        Option<DirectoryInfo?> speechCommands = new("--speech-commands")
        {
            Description = "import real speech instead: a folder in the layout of Google's Speech Commands data set (word folders, _background_noise_, testing_list.txt, validation_list.txt); --per-class then caps the clips per keyword (default: all)",
        };
        Command command = new("kws", "Build the 12-class keyword-spotting corpus (silence, unknown, yes, no, up, down, left, right, on, off, stop, go): " +
            "synthetic speech by espeak-ng, flite and festival, test speakers never in training; or, with --speech-commands, real speech from a Speech Commands folder");
        foreach (Option option in new Option[] { output, seed, perClass, testPerClass, quick, cache, jobs, force, speechCommands })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Ui.Guard(() =>
        {
            int parallelism = parse.GetValue(jobs);
            if (parallelism < 1 || parallelism > MaxJobs)
            {
                throw new ArgumentException($"--jobs {parallelism}: give 1 to {MaxJobs} parallel synthesis processes");
            }

            string folder = parse.GetValue(output)?.FullName ?? SpeechCorpus.DefaultDirectory();
            if (parse.GetValue(speechCommands) is DirectoryInfo source)
            {
                string? synthetic = parse.GetValue(quick) ? "--quick" : parse.GetValue(testPerClass) != null ? "--test-per-class" : parse.GetValue(cache) != null ? "--cache" : null;
                if (synthetic != null)
                {
                    throw new ArgumentException($"{synthetic} is an option of the synthetic corpus; --speech-commands imports every clip of the data set's own test list");
                }

                int cap = parse.GetValue(perClass) ?? 0;
                if (cap < 0)
                {
                    throw new ArgumentException($"--per-class {cap}: give a positive cap, or leave it out to import every clip");
                }

                SpeechCommandsImportOptions import = new() { Seed = parse.GetValue(seed), MaxPerClass = cap, Parallelism = parallelism, Overwrite = parse.GetValue(force) };
                return RunImport(source.FullName, import, folder);
            }

            int train = parse.GetValue(perClass) ?? (parse.GetValue(quick) ? 30 : new SpeechCorpusOptions().TrainPerClass);
            int test = parse.GetValue(testPerClass) ?? (parse.GetValue(perClass) == null ? (parse.GetValue(quick) ? 10 : 100) : Math.Max(1, train / 3));
            SpeechCorpusOptions options = new()
            {
                Seed = parse.GetValue(seed),
                TrainPerClass = train,
                TestPerClass = test,
                CacheDirectory = parse.GetValue(cache)?.FullName,
                Parallelism = parallelism,
                Overwrite = parse.GetValue(force),
            };
            return Run(options, folder);
        }));
        return command;
    }

    private static int Run(SpeechCorpusOptions options, string folder)
    {
        SpeechCorpusBuilder builder = new(options);
        AnsiConsole.MarkupLine(Ui.Culture, $"keyword-spotting corpus, seed {options.Seed}: [bold]{options.TrainPerClass}[/] training and [bold]{options.TestPerClass}[/] test clips per class, {builder.ClassNames.Count} classes");
        AnsiConsole.MarkupLine(Ui.Culture, $"[grey]utterance cache {Markup.Escape(builder.CacheDirectory)}; {options.Parallelism} worker(s)[/]");
        VoiceLine("train", options.TrainVoices);
        VoiceLine("test", options.TestVoices);
        if (options.AlsaNoisePath != null && !File.Exists(options.AlsaNoisePath))
        {
            AnsiConsole.MarkupLine(Ui.Culture, $"[yellow]note:[/] {Markup.Escape(options.AlsaNoisePath)} is missing: generated noise only, which makes a different corpus (apt-get install -y alsa-utils)");
        }

        SpeechCorpusBuildResult result = Build(builder, folder);
        Summary(result, utterances: true);
        AnsiConsole.MarkupLine(Ui.Culture, "[grey]synthetic speech: accuracy measured on it is not accuracy on real voices[/]");
        return 0;
    }

    private static int RunImport(string source, SpeechCommandsImportOptions options, string folder)
    {
        AnsiConsole.MarkupLine(Ui.Culture, $"keyword-spotting corpus from the Speech Commands folder [bold]{Markup.Escape(source)}[/], seed {options.Seed}, {(options.MaxPerClass == 0 ? "every clip" : $"at most {options.MaxPerClass} clips per keyword")}");
        SpeechCorpusBuildResult result = SpeechCommandsImporter.Import(source, folder, options, ProgressLines());
        Summary(result, utterances: false);
        return 0;
    }

    private static SpeechCorpusBuildResult Build(SpeechCorpusBuilder builder, string folder)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            return builder.Build(folder, ProgressLines());
        }

        SpeechCorpusBuildResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask synthesis = ctx.AddTask("synthesizing utterances", maxValue: 1);
                ProgressTask assembly = ctx.AddTask("assembling clips", maxValue: 1);
                result = builder.Build(folder, new Inline(p =>
                {
                    ProgressTask task = p.Stage == "synthesis" ? synthesis : assembly;
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    if (p.Stage != "synthesis")
                    {
                        synthesis.Value = synthesis.MaxValue;
                    }
                }));
                synthesis.Value = synthesis.MaxValue;
                assembly.Value = assembly.MaxValue;
            });
        return result!;
    }

    /// <summary>Progress as plain lines: one per stage and tenth of the work.</summary>
    private static Inline ProgressLines()
    {
        string? stage = null;
        int lastTenth = -1;
        return new Inline(p =>
        {
            int tenth = p.Total == 0 ? 10 : p.Done * 10 / p.Total;
            if (p.Stage != stage || tenth != lastTenth)
            {
                stage = p.Stage;
                lastTenth = tenth;
                AnsiConsole.MarkupLine(Ui.Culture, $"[grey]{Markup.Escape(p.Stage)} {p.Done:N0}/{p.Total:N0}[/]");
            }
        });
    }

    private static void VoiceLine(string split, IReadOnlyList<TtsVoice> voices)
    {
        List<string> parts = [];
        List<TtsVoice> espeak = [.. voices.Where(v => v.Engine == TtsEngine.EspeakNg)];
        if (espeak.Count > 0)
        {
            int accents = espeak.Select(v => v.Accent).Distinct().Count();
            int variants = espeak.Select(v => v.Timbre).Distinct().Count();
            parts.Add($"espeak-ng {string.Join(",", espeak.Select(v => v.Accent).Distinct())} ({accents} accents × {variants} variants)");
        }

        foreach (TtsEngine engine in new[] { TtsEngine.Flite, TtsEngine.Festival })
        {
            string[] names = [.. voices.Where(v => v.Engine == engine).Select(v => v.Name)];
            if (names.Length > 0)
            {
                parts.Add($"{TtsVoice.EngineName(engine)} {string.Join(",", names)}");
            }
        }

        AnsiConsole.MarkupLine(Ui.Culture, $"[grey]{split} voices ({voices.Count}): {Markup.Escape(string.Join("; ", parts))}[/]");
    }

    /// <summary>The counts table, what was written (or that the folder was up to date) and the totals.</summary>
    private static void Summary(SpeechCorpusBuildResult result, bool utterances)
    {
        CountsTable(result);
        if (result.UpToDate)
        {
            AnsiConsole.MarkupLine(Ui.Culture, $"[green]up to date:[/] {Markup.Escape(result.Directory)} already holds this corpus (key {result.Key[..12]}); nothing written");
        }
        else
        {
            if (utterances)
            {
                AnsiConsole.MarkupLine(Ui.Culture, $"utterances: {result.Utterances.Synthesized:N0} synthesized, {result.Utterances.Cached:N0} from the cache");
            }

            foreach (string name in new[] { "train.pcm", "train.tsv", "test.pcm", "test.tsv", SpeechCorpus.ManifestFileName })
            {
                AnsiConsole.MarkupLine(Ui.Culture, $"[grey]wrote[/] {Markup.Escape(Path.Combine(result.Directory, name))}");
            }
        }

        AnsiConsole.MarkupLine(Ui.Culture, $"[bold]{result.Train.Clips + result.Test.Clips:N0} clips, {result.Bytes / 1048576.0:F1} MiB on disk, {result.Elapsed.TotalSeconds:F1} s[/] (key {result.Key[..12]})");
    }

    private static void CountsTable(SpeechCorpusBuildResult result)
    {
        Table table = new Table().Border(TableBorder.Rounded).AddColumns("class", "train", "test");
        for (int c = 0; c < result.ClassNames.Count; c++)
        {
            table.AddRow(result.ClassNames[c], result.Train.PerClass[c].ToString("N0", Ui.Culture), result.Test.PerClass[c].ToString("N0", Ui.Culture));
        }

        table.AddRow("[bold]total[/]", $"[bold]{result.Train.Clips:N0}[/]", $"[bold]{result.Test.Clips:N0}[/]");
        foreach (string engine in result.Train.PerEngine.Keys.Union(result.Test.PerEngine.Keys).Order(StringComparer.Ordinal))
        {
            table.AddRow(
                $"[grey]clips by {Markup.Escape(engine)}[/]",
                result.Train.PerEngine.GetValueOrDefault(engine).ToString("N0", Ui.Culture),
                result.Test.PerEngine.GetValueOrDefault(engine).ToString("N0", Ui.Culture));
        }

        table.AddRow("[grey]speakers heard[/]", result.Train.SpeakersUsed.ToString("N0", Ui.Culture), result.Test.SpeakersUsed.ToString("N0", Ui.Culture));
        AnsiConsole.Write(table);
    }

    /// <summary>IProgress that reports on the calling thread (the builder serialises its reports).</summary>
    private sealed class Inline(Action<SpeechBuildProgress> report) : IProgress<SpeechBuildProgress>
    {
        public void Report(SpeechBuildProgress value) => report(value);
    }
}

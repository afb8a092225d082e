using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Bnn.Nano.Compiler.Data;

namespace Bnn.Nano.Benchmarks;

/// <summary>
/// `dotnet run --project benchmarks/Bnn.Nano.Benchmarks -c Release [-- --only NAME[,NAME]]` runs every benchmark model
/// (or the named ones), then writes benchmarks/results.md and benchmarks/results.json. Rows not run keep their last
/// measured values from results.json, so one model can be re-measured alone.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string root = DataCatalog.RepositoryRoot() ?? throw new InvalidOperationException("run from inside the Bnn.Nano repository");
        string jsonPath = Path.Combine(root, "benchmarks", "results.json");
        string markdownPath = Path.Combine(root, "benchmarks", "results.md");
        HashSet<string>? only = args.Length == 2 && args[0] == "--only" ? [.. args[1].Split(',')] : null;
        if (args.Length != 0 && only == null)
        {
            Console.Error.WriteLine("usage: Bnn.Nano.Benchmarks [--only NAME[,NAME...]]; names: " + string.Join(", ", Recipes.All.Select(r => r.Name)));
            return 2;
        }

        Dictionary<string, BenchmarkResult> results = File.Exists(jsonPath)
            ? JsonSerializer.Deserialize<List<BenchmarkResult>>(File.ReadAllText(jsonPath))!.ToDictionary(r => r.Model)
            : [];
        foreach (Recipe recipe in Recipes.All)
        {
            if (only != null && !only.Contains(recipe.Name))
            {
                continue;
            }

            Console.WriteLine($"== {recipe.Name}");
            BenchmarkResult result = recipe.Run();
            results[recipe.Name] = result;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   accuracy {result.Accuracy * 100:F2}%, flash {result.FlashBytes} B, arena {result.ArenaBytes} B, agreement {result.Agreement * 100:F2}%"));
        }

        List<BenchmarkResult> ordered = [.. Recipes.All.Where(r => results.ContainsKey(r.Name)).Select(r => results[r.Name])];
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(ordered, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.WriteAllText(markdownPath, Markdown(ordered));
        Console.WriteLine($"wrote {markdownPath} and {jsonPath}");
        return 0;
    }

    private static string Markdown(IReadOnlyList<BenchmarkResult> rows)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        StringBuilder s = new();
        s.AppendLine("# Benchmarks");
        s.AppendLine();
        s.AppendLine("Regenerate with `dotnet run --project benchmarks/Bnn.Nano.Benchmarks -c Release` (one model: `-- --only NAME`).");
        s.AppendLine("Accuracy is the compiled blob run by the host build of the firmware runtime on the test split; agreement is");
        s.AppendLine("the share of test samples where the runtime's class equals the float reference's. Host latency is one core of the");
        s.AppendLine("benchmark machine (2-core x64 VM, shared and noisy); est. device ms = IL instructions from the interpreter cost model");
        s.AppendLine("at 4 M IL/s (an estimate, docs/cost-model.md). Float = the same architecture with real weights, trained by our trainer.");
        s.AppendLine();
        s.AppendLine("| model | data (test split) | architecture | params | flash B | arena B | RAM B | binary ops | 8-bit ops | accuracy | float same-arch | agreement | host µs/inf | est. device ms | alloc B/inf | training s |");
        s.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (BenchmarkResult r in rows)
        {
            string floatAccuracy = r.FloatAccuracy is double f ? (f * 100).ToString("F2", c) + "%" : "n/a";
            s.AppendLine(c, $"| {r.Model} | {r.Data} | {r.Architecture} | {r.Parameters:N0} | {r.FlashBytes:N0} | {r.ArenaBytes:N0} | {r.RamBytes:N0} | {r.BinaryOps:N0} | {r.Int8Ops:N0} | {r.Accuracy * 100:F2}% | {floatAccuracy} | {r.Agreement * 100:F2}% | {r.HostMicrosecondsPerInference:F1} | {r.EstimatedIlOps / 4000.0:F1} | {r.AllocatedBytesPerInference:F0} | {r.TrainingSeconds:F0} |");
        }

        s.AppendLine();
        foreach (BenchmarkResult r in rows.Where(r => r.Notes.Length > 0))
        {
            s.AppendLine(c, $"- **{r.Model}**: {r.Notes}");
        }

        return s.ToString();
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using Bnn.Nano.Compiler.Cost;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.FrontEnd;
using Bnn.Nano.Tests.Cost;
using Xunit;

namespace Bnn.Nano.Tests.Cli;

/// <summary>`bnnc inspect` on a model with audio front-end properties: the "per second of audio" section.</summary>
[Collection(Bnn.Nano.Tests.Cli.ConsoleCollection.Name)]
public sealed class InspectAudioCostTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bnnc-audio-" + Guid.NewGuid().ToString("N"));

    public InspectAudioCostTests()
    {
        Directory.CreateDirectory(_folder);
    }

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void inspect_prints_operations_exact_il_and_device_time_per_second_of_audio()
    {
        // A small front end (8 kHz, hop 80: 100 frames/s) and an inference every 160 samples (50/s).
        FrontEndConfig config = SmallFrontEnd();
        BnnNetwork network = RandomNetworks.Create(31, config.InputLength, true, [24], 4).WithProperties(IlExecutionCounterTests.AudioProperties(config, 160));
        byte[] blob = BlobWriter.Write(ModelCompiler.Compile(network));
        string path = Path.Combine(_folder, "audio.bnn");
        File.WriteAllBytes(path, blob);

        (int code, string output) = BnncConsole.Run("inspect", path);

        Assert.True(code == 0, output);
        Assert.Contains("est. IL ops", output, StringComparison.Ordinal);
        Assert.Contains("per second of audio", output, StringComparison.Ordinal);
        Assert.Equal(100, Row(output, "front-end frames").PerSecond);
        Assert.Equal(50, Row(output, "inferences").PerSecond);

        AudioFrontEnd frontEnd = new(config);
        long multiplies = 0, adds = 0;
        for (int s = 0; s < AudioFrontEnd.StageCount; s++)
        {
            multiplies += frontEnd.GetStageMultiplies(s);
            adds += frontEnd.GetStageAdds(s);
        }

        Assert.Equal((multiplies, 100.0 * multiplies), Row(output, "front-end multiplies"));
        Assert.Equal((adds, 100.0 * adds), Row(output, "front-end adds"));
        ModelReport report = ModelReport.Build(blob);
        Assert.Equal((report.BinaryOps, 50.0 * report.BinaryOps), Row(output, "network binary ops"));
        Assert.Equal((report.Int8Ops, 50.0 * report.Int8Ops), Row(output, "network 8-bit ops"));

        // The IL rows: exact counts (the same as measuring in process), and the total is frames/s · frame + inferences/s · inference.
        (double frameIl, double frontEndPerSecond) = Row(output, "IL front end");
        (double inferenceIl, double networkPerSecond) = Row(output, "IL network");
        double total = Row(output, "IL total").PerSecond;
        StreamingCost cost = StreamingCost.Measure(blob);
        Assert.Equal(cost.HopIlMax, frameIl);
        Assert.Equal(cost.InferenceIl, inferenceIl);
        Assert.Equal(100 * frameIl, frontEndPerSecond);
        Assert.Equal(50 * inferenceIl, networkPerSecond);
        Assert.Equal(frontEndPerSecond + networkPerSecond, total);

        Match time = Regex.Match(output, @"device time per second of audio ≈ ([\d,]+) ms at 4 M IL/s: real-time factor ([\d.]+)");
        Assert.True(time.Success, output);
        Assert.InRange(double.Parse(time.Groups[1].Value, NumberStyles.Number, CultureInfo.InvariantCulture), (total / 4_000) - 0.5, (total / 4_000) + 0.5);
        Assert.InRange(double.Parse(time.Groups[2].Value, CultureInfo.InvariantCulture), (total / 4_000_000) - 0.0005, (total / 4_000_000) + 0.0005);
        Assert.Matches(@"network IL per full run: exact [\d,]+, static estimate [\d,]+ \(exact / estimate \d+\.\d\d\)", output);
        Assert.Contains("exact IL", output, StringComparison.Ordinal);

        // The speed the node needs: the IL of a second of audio, or a full run within the DMA ring, whichever is more.
        double fullRunIn8KbRing = (cost.CopyIl + cost.FirstInferenceIl) / (2048 / (double)cost.FrontEnd.SampleRateHz);
        Assert.Equal(Math.Max(total, fullRunIn8KbRing), cost.KeepsUpFromIlPerSecond(2048), 6);
        Assert.Contains($"the node keeps up from {cost.KeepsUpFromIlPerSecond(2048) / 1e6:0.#} M IL/s with the ESP32 glue's default 8-KB DMA ring", output, StringComparison.Ordinal);
    }

    [Fact]
    public void inspect_prints_no_audio_section_without_front_end_properties_and_a_note_for_broken_ones()
    {
        string plain = Path.Combine(_folder, "plain.bnn");
        File.WriteAllBytes(plain, BlobWriter.Write(ModelCompiler.Compile(RandomNetworks.Create(32, 20, true, [8], 3))));
        (int code, string output) = BnncConsole.Run("inspect", plain);
        Assert.True(code == 0, output);
        Assert.Contains("est. IL ops", output, StringComparison.Ordinal);
        Assert.DoesNotContain("per second of audio", output, StringComparison.Ordinal);

        // Front-end keys present but incomplete: the layer table still prints, the audio section says why it is missing.
        Dictionary<int, int> partial = new() { [FrontEndProperty.Version] = FrontEndConfig.CurrentVersion, [FrontEndProperty.SampleRateHz] = 16000 };
        string broken = Path.Combine(_folder, "broken.bnn");
        File.WriteAllBytes(broken, BlobWriter.Write(ModelCompiler.Compile(RandomNetworks.Create(33, 20, true, [8], 3).WithProperties(partial))));
        (code, output) = BnncConsole.Run("inspect", broken);
        Assert.True(code == 0, output);
        Assert.Contains("est. IL ops", output, StringComparison.Ordinal);
        Assert.Contains("per second of audio: not measured", output, StringComparison.Ordinal);
        Assert.Contains("missing", output, StringComparison.Ordinal);
    }

    private static FrontEndConfig SmallFrontEnd() => new()
    {
        SampleRateHz = 8000,
        WindowLength = 200,
        HopLength = 80,
        FftSize = 256,
        BandCount = 16,
        MinFrequencyHz = 50,
        MaxFrequencyHz = 4000,
        FrameCount = 6,
    };

    /// <summary>The two number columns of a row of the "per second of audio" table (per frame / inference: 0 when empty).</summary>
    private static (double PerUnit, double PerSecond) Row(string output, string name)
    {
        Match row = Regex.Match(output, "│ " + Regex.Escape(name) + @"[^│]*│\s*([\d,.]*)\s*│\s*([\d,.]+)\s*│");
        Assert.True(row.Success, name + " not found in:\n" + output);
        double perUnit = row.Groups[1].Value.Length == 0 ? 0 : double.Parse(row.Groups[1].Value, NumberStyles.Number, CultureInfo.InvariantCulture);
        return (perUnit, double.Parse(row.Groups[2].Value, NumberStyles.Number, CultureInfo.InvariantCulture));
    }
}

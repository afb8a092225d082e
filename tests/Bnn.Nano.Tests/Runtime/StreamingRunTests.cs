using System;
using System.IO;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Runtime;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.Runtime;

/// <summary>
/// <see cref="BnnModel.RunStreaming"/> (only the rows a slide of the input changes are computed) against
/// <see cref="BnnModel.Run"/> (every row) on a second instance of the same blob.
/// </summary>
public class StreamingRunTests
{
    private static readonly string KeywordBlob = Path.Combine(RepoPaths.Firmware, "Bnn.Nano.Node", "Board", "KeywordModel.bnn");

    [Fact]
    public void streaming_equals_full_runs_on_random_conv_networks_with_every_slide()
    {
        // Random first layers (8-bit conv, int8-weight conv, input threshold), binary convs with every pad value and
        // strides 1–2, pools fused with their conv or not, both score layers; slides from 1 row to H − 1.
        Random random = new(5);
        int reusedCases = 0;
        for (int seed = 0; seed < 160; seed++)
        {
            bool signed = seed % 2 == 0;
            var shape = new TensorShape(random.Next(4, 22), random.Next(1, 7), random.Next(1, 4));
            BnnNetwork network = RandomNetworks.CreateConv(seed, shape, signed, random.Next(2, 6), int8FirstLayer: seed % 3 == 0);
            byte[] blob = BlobWriter.Write(ModelCompiler.Compile(network));
            BnnModel streaming = BlobReader.Load(blob);
            BnnModel reference = BlobReader.Load(blob);
            int slide = random.Next(1, shape.Height);
            streaming.EnableStreaming(slide);
            Assert.Equal(slide, streaming.StreamingSlideRows);

            int rowBytes = shape.Width * shape.Channels;
            byte[] rows = new byte[(shape.Height + (10 * slide)) * rowBytes];
            random.NextBytes(rows);
            byte[] input = new byte[shape.Count];
            bool reused = false;
            for (int step = 0; step <= 10; step++)
            {
                if (step == 6)
                {
                    // A jump (not a slide): everything is computed again.
                    random.NextBytes(input);
                }
                else
                {
                    Array.Copy(rows, step * slide * rowBytes, input, 0, input.Length);
                }

                int expected = reference.Run(input);
                Assert.Equal(expected, streaming.RunStreaming(input));
                Assert.Equal(reference.Scores, streaming.Scores);
                if (step == 0 || step == 6 || step == 7)
                {
                    Assert.Equal(0, streaming.StreamingReusedRows);
                }

                reused |= streaming.StreamingReusedRows > 0;
            }

            reusedCases += reused ? 1 : 0;
        }

        // Every first layer with stride 1 reuses rows; strides that do not divide the slide end the reuse early.
        Assert.True(reusedCases >= 80, $"only {reusedCases} of 160 networks reused any rows");
    }

    [Theory]
    [InlineData(5, 42)]
    [InlineData(8, 69)]
    public void keyword_model_reuses_the_rows_the_slide_leaves_unchanged(int slide, int expectedReusedRows)
    {
        // The keyword model: conv 3×3 pad 1 → pool 2 → (binary conv 3×3 pad 1 + pool 2) × 2 → dense → head over 49
        // frames. A slide of 5 frames keeps the first layer's rows 1..42 (42 rows), and the pool's stride 2 does not
        // divide 5. A slide of 8 keeps rows 1..39 of the first layer, 1..19 of the pool, 1..8 and 1..3 of the fused pairs.
        byte[] blob = File.ReadAllBytes(KeywordBlob);
        BnnModel streaming = BlobReader.Load(blob);
        BnnModel reference = BlobReader.Load(blob);
        streaming.EnableStreaming(slide);
        Assert.Equal(49, streaming.InputHeight);

        Random random = new(slide);
        int rowBytes = streaming.InputWidth;
        byte[] frames = new byte[(49 + (12 * slide)) * rowBytes];
        FillSpeechLikeFrames(random, frames, rowBytes);
        byte[] input = new byte[streaming.InputLength];
        for (int step = 0; step <= 12; step++)
        {
            Array.Copy(frames, step * slide * rowBytes, input, 0, input.Length);
            Assert.Equal(reference.Run(input), streaming.RunStreaming(input));
            Assert.Equal(reference.Scores, streaming.Scores);
            Assert.Equal(step == 0 ? 0 : expectedReusedRows, streaming.StreamingReusedRows);
        }
    }

    [Fact]
    public void a_full_run_between_streaming_runs_makes_the_next_one_compute_everything()
    {
        byte[] blob = File.ReadAllBytes(KeywordBlob);
        BnnModel model = BlobReader.Load(blob);
        BnnModel reference = BlobReader.Load(blob);
        model.EnableStreaming(5);
        Random random = new(3);
        byte[] frames = new byte[(49 + 10) * model.InputWidth];
        FillSpeechLikeFrames(random, frames, model.InputWidth);
        byte[] first = frames.AsSpan(0, model.InputLength).ToArray();
        byte[] second = frames.AsSpan(5 * model.InputWidth, model.InputLength).ToArray();
        byte[] other = new byte[model.InputLength];
        random.NextBytes(other);

        model.RunStreaming(first);
        model.Run(other);
        Assert.Equal(reference.Run(second), model.RunStreaming(second));
        Assert.Equal(reference.Scores, model.Scores);
        Assert.Equal(0, model.StreamingReusedRows);
    }

    [Fact]
    public void streaming_is_refused_until_enabled_and_for_slides_outside_the_input()
    {
        BnnModel model = BlobReader.Load(File.ReadAllBytes(KeywordBlob));
        BnnException notEnabled = Assert.Throws<BnnException>(() => model.RunStreaming(new byte[model.InputLength]));
        Assert.Contains("EnableStreaming", notEnabled.Message, StringComparison.Ordinal);
        Assert.Contains("1..48", Assert.Throws<BnnException>(() => model.EnableStreaming(0)).Message, StringComparison.Ordinal);
        Assert.Contains("not 49", Assert.Throws<BnnException>(() => model.EnableStreaming(49)).Message, StringComparison.Ordinal);
        model.EnableStreaming(8);
        Assert.Contains("1960 bytes, got 1959", Assert.Throws<BnnException>(() => model.RunStreaming(new byte[1959])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void streaming_memory_is_counted_and_the_arena_grows_only_when_the_stage_outputs_need_it()
    {
        BnnModel model = BlobReader.Load(File.ReadAllBytes(KeywordBlob));
        int arena = model.ArenaWords, ram = model.RamBytes;
        model.EnableStreaming(8);

        // Stage outputs, one after the other: 1960 + 480 + 120 + 30 + 2 words (first layer, pool, two fused pairs, dense).
        Assert.Equal(Math.Max(arena, 2592), model.ArenaWords);
        Assert.Equal(ram + ((model.ArenaWords - arena) * 8) + (2 * model.InputLength), model.RamBytes);
    }

    [Fact]
    public void streaming_runs_allocate_nothing()
    {
        BnnModel model = BlobReader.Load(File.ReadAllBytes(KeywordBlob));
        model.EnableStreaming(5);
        Random random = new(9);
        byte[] frames = new byte[(49 + (5 * 40)) * model.InputWidth];
        FillSpeechLikeFrames(random, frames, model.InputWidth);
        byte[][] inputs = new byte[41][];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = frames.AsSpan(i * 5 * model.InputWidth, model.InputLength).ToArray();
        }

        int checksum = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            checksum += model.RunStreaming(inputs[i]);
        }

        long allocated = SteadyStateAllocation.Bytes(() =>
        {
            for (int i = 0; i < 200; i++)
            {
                checksum += model.RunStreaming(inputs[i % inputs.Length]);
            }
        });
        Assert.True(checksum >= 0);
        Assert.Equal(0, allocated);
    }

    /// <summary>Frames of int8 log-mel-like values: a floor with bursts of energy, so the thresholds see both sides.</summary>
    private static void FillSpeechLikeFrames(Random random, byte[] frames, int bands)
    {
        int energy = 0;
        for (int f = 0; f < frames.Length / bands; f++)
        {
            energy = random.Next(8) == 0 ? random.Next(-100, 120) : energy;
            for (int b = 0; b < bands; b++)
            {
                frames[(f * bands) + b] = (byte)(sbyte)Math.Clamp(energy - (b * 2) + random.Next(-20, 21), -128, 127);
            }
        }
    }
}

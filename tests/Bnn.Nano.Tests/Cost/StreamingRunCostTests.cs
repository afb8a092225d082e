using System;
using System.IO;
using System.Linq;
using Bnn.Nano.Compiler.Cost;
using Bnn.Nano.Runtime.Model;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.Cost;

/// <summary>
/// <see cref="BnnModel.RunStreaming"/> on the device cost model (IL executed, counted exactly by
/// <see cref="IlExecutionCounter"/>): on the keyword model, a run after a slide executes fewer IL than
/// <see cref="BnnModel.Run"/>, a run with nothing to reuse about as many, and both give Run's scores.
/// </summary>
public class StreamingRunCostTests
{
    private readonly ITestOutputHelper _output;

    public StreamingRunCostTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(5)]
    [InlineData(8)]
    public void a_slid_input_costs_the_keyword_model_fewer_il_than_a_full_run(int slide)
    {
        byte[] blob = File.ReadAllBytes(Path.Combine(RepoPaths.Firmware, "Bnn.Nano.Node", "Board", "KeywordModel.bnn"));
        using IlExecutionCounter counter = IlExecutionCounter.Create();
        object model = counter.LoadModel(blob);
        IlExecutionCounter.Call(model, nameof(BnnModel.EnableStreaming), slide);
        BnnModel reference = BlobReader.Load(blob);

        Random random = new(20 + slide);
        int bands = reference.InputWidth;
        sbyte[] frames = new sbyte[(49 + (4 * slide)) * bands];
        for (int i = 0; i < frames.Length; i++)
        {
            frames[i] = (sbyte)random.Next(-128, 128);
        }

        long first = 0, slidMax = 0, fullMax = 0;
        IlCount? slidDetail = null;
        for (int step = 0; step <= 4; step++)
        {
            byte[] input = new byte[reference.InputLength];
            Buffer.BlockCopy(frames, step * slide * bands, input, 0, input.Length);
            int expected = reference.Run(input);
            int streamed = 0;
            IlCount count = counter.Measure(() => streamed = (int)IlExecutionCounter.Call(model, nameof(BnnModel.RunStreaming), input)!);
            long il = count.Total;
            Assert.Equal(expected, streamed);
            Assert.Equal(reference.Scores, (int[])IlExecutionCounter.Get(model, nameof(BnnModel.Scores))!);
            long full = counter.MeasureModelRun(blob, input, perLayer: false).IlInstructions;
            fullMax = Math.Max(fullMax, full);
            if (step == 0)
            {
                first = il;
                Assert.InRange(first, full - 1000, full + 1000);
            }
            else
            {
                slidDetail = il > slidMax ? count : slidDetail;
                slidMax = Math.Max(slidMax, il);
                Assert.True(il < full, $"slide {slide}: RunStreaming {il:N0} IL, Run {full:N0} IL");
            }
        }

        _output.WriteLine($"keyword model, slide {slide} frames: Run max {fullMax:N0} IL; RunStreaming first run {first:N0}, after a slide max {slidMax:N0} ({(double)slidMax / fullMax:0.000} of Run)");
        foreach (IlMethodCount m in slidDetail!.Methods.Take(8))
        {
            _output.WriteLine($"  {m.Method} {m.Instructions:N0} IL in {m.Calls:N0} calls");
        }
    }
}

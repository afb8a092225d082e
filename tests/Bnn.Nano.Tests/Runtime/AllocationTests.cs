using System;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Evaluation;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.Runtime;

public class AllocationTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void inference_allocates_zero_bytes_over_1000_runs(bool signed)
    {
        BnnModel model = BlobReader.Load(BlobWriter.Write(ModelCompiler.Compile(RandomNetworks.Create(31, 192, signed, [128, 64], 6))));
        Dataset data = RandomNetworks.Inputs(32, 16, 192, signed, 6);
        byte[][] inputs = new byte[data.Count][];
        for (int i = 0; i < data.Count; i++)
        {
            inputs[i] = data.Sample(i).ToArray();
        }

        Assert.Equal(0, BytesAllocatedBy1000Runs(model, inputs));
    }

    /// <summary>
    /// Bytes this thread allocates over 1,000 <see cref="BnnModel.Run"/> calls cycling through <paramref name="inputs"/>,
    /// after 2,000 warm-up runs (<see cref="SteadyStateAllocation"/>: the quietest of up to three such passes).
    /// </summary>
    internal static long BytesAllocatedBy1000Runs(BnnModel model, byte[][] inputs)
    {
        int checksum = 0;
        for (int i = 0; i < 2000; i++)
        {
            checksum += model.Run(inputs[i % inputs.Length]);
        }

        long allocated = SteadyStateAllocation.Bytes(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                checksum += model.Run(inputs[i % inputs.Length]);
            }
        });
        Assert.True(checksum >= 0);
        return allocated;
    }
}

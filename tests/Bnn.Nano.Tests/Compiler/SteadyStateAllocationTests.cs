using System;
using Bnn.Nano.Compiler.Evaluation;
using Xunit;

namespace Bnn.Nano.Tests.Compiler;

public class SteadyStateAllocationTests
{
    [Fact]
    public void A_pass_that_allocates_every_time_is_reported_with_at_least_its_bytes()
    {
        int passes = 0;
        object? kept = null;
        long bytes = SteadyStateAllocation.Bytes(() =>
        {
            kept = new byte[1000];
            passes++;
        });

        Assert.NotNull(kept);
        Assert.True(bytes >= 1000, $"{bytes} bytes");
        Assert.Equal(SteadyStateAllocation.Passes, passes);
    }

    [Fact]
    public void A_one_off_allocation_in_the_first_pass_is_not_blamed_on_the_workload()
    {
        int passes = 0;
        object? kept = null;
        long bytes = SteadyStateAllocation.Bytes(() =>
        {
            if (passes++ == 0)
            {
                kept = new byte[1000];
            }
        });

        Assert.NotNull(kept);
        Assert.Equal(0, bytes);
        Assert.Equal(2, passes); // stops at the first pass that allocates nothing
    }

    [Fact]
    public void The_first_pass_is_timed()
    {
        long bytes = SteadyStateAllocation.Bytes(() => System.Threading.Thread.Sleep(20), out TimeSpan first);

        Assert.Equal(0, bytes);
        Assert.True(first >= TimeSpan.FromMilliseconds(15), first.ToString());
    }
}

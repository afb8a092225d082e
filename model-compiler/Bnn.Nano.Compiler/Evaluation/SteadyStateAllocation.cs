using System;

namespace Bnn.Nano.Compiler.Evaluation;

/// <summary>
/// Managed bytes a warmed-up workload allocates on the calling thread: the least over up to <see cref="Passes"/> passes.
/// </summary>
/// <remarks>
/// One pass is not enough: the .NET runtime itself (tiered JIT promotion and its worker) now and then allocates on the
/// calling thread, and a single pass would blame that on the workload. An allocation the workload makes shows in every
/// pass, so the least of several passes is still zero only for a workload that allocates nothing.
/// </remarks>
public static class SteadyStateAllocation
{
    /// <summary>Passes run at most; measuring stops at the first pass that allocates nothing.</summary>
    public const int Passes = 3;

    /// <summary>Bytes allocated by the quietest of up to <see cref="Passes"/> runs of <paramref name="pass"/>.</summary>
    public static long Bytes(Action pass) => Bytes(pass, out _);

    /// <summary>As <see cref="Bytes(Action)"/>, also returning how long the first pass took.</summary>
    public static long Bytes(Action pass, out TimeSpan firstPassTime)
    {
        ArgumentNullException.ThrowIfNull(pass);
        firstPassTime = TimeSpan.Zero;
        long least = long.MaxValue;
        for (int i = 0; i < Passes && least != 0; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            pass();
            TimeSpan elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            if (i == 0)
            {
                firstPassTime = elapsed;
            }
        }

        return least;
    }
}

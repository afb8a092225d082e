using System;
using Bnn.Nano.Compiler.Cost;

namespace Bnn.Nano.Cli.Emulation;

/// <summary>
/// How long the keyword node's work takes on the emulated board's clock when it runs on an interpreter of
/// <see cref="IlPerSecond"/>: each hop (the front end's frame included) and each classification (a full run when the
/// model could reuse no rows, a streaming one otherwise) cost their exact IL count from <see cref="StreamingCost"/>
/// divided by that speed. With it the emulated microphone keeps capturing while the node computes, into a DMA ring of
/// <see cref="AudioBufferSamples"/> (which the node is told), and loses what does not fit, as the device does: the
/// cost model's real-time factor turned into what the node then hears. Not counted, as in <see cref="StreamingCost"/>:
/// the node's loop, the audio read and the posterior smoothing.
/// </summary>
/// <param name="IlPerSecond">Interpreter speed (docs/cost-model.md: 4 M on a 240 MHz ESP32, 2.5–6.5 M plausible).</param>
/// <param name="HopMicroseconds">One hop that computes a frame (<see cref="StreamingCost.HopIlMax"/>).</param>
/// <param name="FullInferenceMicroseconds">A classification that computes every row (<see cref="StreamingCost.FullInferenceIl"/>).</param>
/// <param name="StreamingInferenceMicroseconds">A classification after a slide (<see cref="StreamingCost.InferenceIl"/>).</param>
/// <param name="AudioBufferSamples">The microphone's DMA ring, in samples.</param>
internal sealed record DeviceTiming(double IlPerSecond, long HopMicroseconds, long FullInferenceMicroseconds, long StreamingInferenceMicroseconds, int AudioBufferSamples)
{
    /// <summary>The timing of the node whose costs <paramref name="cost"/> measured, at <paramref name="ilPerSecond"/>.</summary>
    public static DeviceTiming At(StreamingCost cost, double ilPerSecond, int audioBufferSamples = Bnn.Nano.Node.KeywordNode.DefaultAudioBufferSamples)
    {
        ArgumentNullException.ThrowIfNull(cost);
        if (!(ilPerSecond > 0) || double.IsInfinity(ilPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(ilPerSecond), ilPerSecond, "the interpreter's speed must be a positive number of IL instructions per second");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(audioBufferSamples, 1);
        return new DeviceTiming(ilPerSecond, Microseconds(cost.HopIlMax, ilPerSecond), Microseconds(cost.FullInferenceIl, ilPerSecond), Microseconds(cost.InferenceIl, ilPerSecond), audioBufferSamples);
    }

    private static long Microseconds(long il, double ilPerSecond) => (long)Math.Ceiling(il * 1e6 / ilPerSecond);
}

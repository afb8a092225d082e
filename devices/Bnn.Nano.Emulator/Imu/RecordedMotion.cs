using System;

namespace Bnn.Nano.Emulator;

/// <summary>
/// Recorded motion played back at a fixed rate: sample i (x, y, z interleaved in the arrays) holds from
/// start + i / rate until the next one (zero-order hold). Before the start the first sample holds; after the end the
/// last one, or the recording starts over when <c>loop</c> is set. The recorded acceleration is the motion alone; the
/// gravity vector (<see cref="GravityX"/>.., default +1 g on Z: lying flat, face up) is added to it, as an
/// accelerometer measures both.
/// </summary>
public sealed class RecordedMotion : IMotionSource
{
    private readonly double[] _accelG;
    private readonly double[] _gyroDps;

    /// <param name="accelG">Linear acceleration in g, x, y, z per sample.</param>
    /// <param name="gyroDps">Angular rate in °/s, x, y, z per sample (same number of samples).</param>
    /// <param name="rateHz">Playback rate, samples per second.</param>
    /// <param name="startMicroseconds">Clock time of sample 0.</param>
    /// <param name="loop">Start over after the last sample instead of holding it.</param>
    public RecordedMotion(double[] accelG, double[] gyroDps, double rateHz, long startMicroseconds = 0, bool loop = false)
    {
        ArgumentNullException.ThrowIfNull(accelG);
        ArgumentNullException.ThrowIfNull(gyroDps);
        if (accelG.Length == 0 || accelG.Length % 3 != 0 || gyroDps.Length != accelG.Length)
        {
            throw new ArgumentException("accelerometer and gyroscope recordings need the same non-zero number of x, y, z triples");
        }

        if (!(rateHz > 0) || double.IsInfinity(rateHz))
        {
            throw new ArgumentOutOfRangeException(nameof(rateHz), rateHz, "the playback rate must be positive");
        }

        _accelG = (double[])accelG.Clone();
        _gyroDps = (double[])gyroDps.Clone();
        RateHz = rateHz;
        StartMicroseconds = startMicroseconds;
        Loop = loop;
    }

    public double RateHz { get; }

    public long StartMicroseconds { get; }

    public bool Loop { get; }

    public int SampleCount => _accelG.Length / 3;

    public double GravityX { get; set; }

    public double GravityY { get; set; }

    public double GravityZ { get; set; } = 1.0;

    /// <summary>A device at rest: gravity only.</summary>
    public static RecordedMotion Still() => new(new double[3], new double[3], 1.0);

    /// <summary>The recorded sample that holds at <paramref name="microseconds"/>.</summary>
    public int IndexAt(long microseconds)
    {
        double position = (microseconds - StartMicroseconds) * RateHz / 1e6;
        long index = position <= 0 ? 0 : (long)Math.Floor(position + 1e-9);
        int count = SampleCount;
        if (index >= count)
        {
            index = Loop ? index % count : count - 1;
        }

        return (int)index;
    }

    public void Sample(long microseconds, Span<double> accelG, Span<double> gyroDps)
    {
        int i = IndexAt(microseconds) * 3;
        accelG[0] = _accelG[i] + GravityX;
        accelG[1] = _accelG[i + 1] + GravityY;
        accelG[2] = _accelG[i + 2] + GravityZ;
        gyroDps[0] = _gyroDps[i];
        gyroDps[1] = _gyroDps[i + 1];
        gyroDps[2] = _gyroDps[i + 2];
    }
}

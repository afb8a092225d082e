using System;

namespace Bnn.Nano.Emulator;

/// <summary>What an emulated IMU feels at a given time: specific force in g (gravity included) and angular rate in °/s.</summary>
public interface IMotionSource
{
    /// <summary>Fills x, y, z of <paramref name="accelG"/> and <paramref name="gyroDps"/> at <paramref name="microseconds"/> (clock time).</summary>
    void Sample(long microseconds, Span<double> accelG, Span<double> gyroDps);
}

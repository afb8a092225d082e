using System;

namespace Bnn.Nano.Devices.Imu
{
    /// <summary>
    /// The IMU answered on the bus but is not the device the driver expects, or did not keep what was written
    /// (wrong WHO_AM_I, configuration that does not read back). Retrying does not help, unlike a
    /// <see cref="Buses.BusException"/>; the message names the register and the value found.
    /// </summary>
    public sealed class ImuException : Exception
    {
        public ImuException(string message)
            : base(message)
        {
        }
    }
}

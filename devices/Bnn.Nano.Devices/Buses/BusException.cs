using System;

namespace Bnn.Nano.Devices.Buses
{
    /// <summary>A bus transfer failed; <see cref="Error"/> says how (values of <see cref="BusError"/>).</summary>
    public sealed class BusException : Exception
    {
        public BusException(int error, string message)
            : base(message)
        {
            Error = error;
        }

        public int Error { get; }
    }

    /// <summary>Why a bus transfer failed.</summary>
    public static class BusError
    {
        /// <summary>The device did not acknowledge its address or a byte (absent, resetting, or wrong address).</summary>
        public const int Nack = 1;

        /// <summary>The transfer did not complete in time (bus held low, clock stretching too long).</summary>
        public const int Timeout = 2;

        /// <summary>Any other failure reported by the bus driver.</summary>
        public const int Other = 3;
    }
}

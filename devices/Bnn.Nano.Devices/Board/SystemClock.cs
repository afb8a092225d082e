using System.Threading;
using Bnn.Nano.Devices.Time;
using nanoFramework.Hardware.Esp32;

namespace Bnn.Nano.Devices.Board
{
    /// <summary>
    /// <see cref="IClock"/> of an ESP32 (board glue): microseconds since boot from the ESP32's high-resolution timer
    /// (HighResTimer.GetCurrent, monotonic; DateTime.UtcNow would jump when SNTP sets the time), waits with
    /// Thread.Sleep. Thread.Sleep has millisecond resolution, so the last partial millisecond is waited by yielding
    /// (Sleep(0)) until the deadline.
    /// </summary>
    public sealed class SystemClock : IClock
    {
        public long NowMicroseconds
        {
            get
            {
                ulong now = HighResTimer.GetCurrent();
                return (long)now;
            }
        }

        public void SleepUntil(long microseconds)
        {
            while (true)
            {
                long remaining = microseconds - NowMicroseconds;
                if (remaining <= 0)
                {
                    return;
                }

                long milliseconds = remaining / 1000;
                Thread.Sleep(milliseconds > 60000 ? 60000 : (int)milliseconds);
            }
        }
    }
}

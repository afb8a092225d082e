using System.Device.Gpio;
using Bnn.Nano.Devices.Buses;

namespace Bnn.Nano.Devices.Board
{
    /// <summary>
    /// <see cref="IDigitalOutput"/> over one System.Device.Gpio pin opened as an output (board glue). With
    /// <c>activeLow</c> the level is inverted (an LED wired from 3.3 V to the pin lights when the pin is low).
    /// </summary>
    public sealed class GpioDigitalOutput : IDigitalOutput
    {
        private readonly GpioPin _pin;
        private readonly bool _activeLow;

        public GpioDigitalOutput(GpioController controller, int pinNumber, bool activeLow)
        {
            _activeLow = activeLow;
            _pin = controller.OpenPin(pinNumber, PinMode.Output);
        }

        public void Write(bool high)
        {
            _pin.Write(high != _activeLow ? PinValue.High : PinValue.Low);
        }
    }
}

namespace Bnn.Nano.Devices.Buses
{
    /// <summary>One GPIO output pin (e.g. the status LED). The board glue adapts System.Device.Gpio's GpioPin.</summary>
    public interface IDigitalOutput
    {
        void Write(bool high);
    }
}

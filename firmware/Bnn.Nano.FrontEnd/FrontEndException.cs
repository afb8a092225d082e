using System;

namespace Bnn.Nano.FrontEnd
{
    /// <summary>
    /// The one exception type of the audio front end: an invalid configuration (the message names the parameter, its
    /// value and the rule it breaks), missing or unknown front-end model properties, or buffers of the wrong size.
    /// </summary>
    public sealed class FrontEndException : Exception
    {
        public FrontEndException(string message)
            : base(message)
        {
        }
    }
}

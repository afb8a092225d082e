using System;

namespace Bnn.Nano.Runtime
{
    /// <summary>
    /// The one exception type of the runtime: a model that fails validation, an input of the wrong size, or a
    /// request the loaded model cannot serve. The message says what is wrong and where.
    /// </summary>
    public sealed class BnnException : Exception
    {
        public BnnException(string message)
            : base(message)
        {
        }
    }
}

using System;

namespace Bnn.Nano.Node
{
    /// <summary>
    /// The one exception type of the node: a model or configuration the node cannot run (missing model property, a
    /// window that does not divide into the model's input, a sample rate the IMU cannot produce). Thrown only by
    /// constructors; <see cref="GestureNode.Step"/> never throws.
    /// </summary>
    public sealed class NodeException : Exception
    {
        public NodeException(string message)
            : base(message)
        {
        }
    }
}

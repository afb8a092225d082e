using System;

namespace Bnn.Nano.Compiler.Data;

/// <summary>
/// A data set that is not installed. The message names the missing file or folder and the exact command that
/// installs it (<see cref="InstallCommand"/>).
/// </summary>
public sealed class DatasetMissingException : Exception
{
    public DatasetMissingException()
        : base("a data set is missing")
    {
        MissingPath = string.Empty;
        InstallCommand = string.Empty;
    }

    public DatasetMissingException(string message)
        : base(message)
    {
        MissingPath = string.Empty;
        InstallCommand = string.Empty;
    }

    public DatasetMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
        MissingPath = string.Empty;
        InstallCommand = string.Empty;
    }

    /// <param name="message">The whole message: what is missing and how to install it.</param>
    /// <param name="missingPath">The file or folder that was looked for.</param>
    /// <param name="installCommand">The command that installs the data, or what to do when there is none.</param>
    public DatasetMissingException(string message, string missingPath, string installCommand)
        : base(message)
    {
        MissingPath = missingPath;
        InstallCommand = installCommand;
    }

    /// <summary>The file or folder that was looked for.</summary>
    public string MissingPath { get; }

    /// <summary>What to run (or do) to install the data set.</summary>
    public string InstallCommand { get; }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Bnn.Nano.Compiler.Emit;

/// <summary>
/// Writes a command's output files into one folder without ever losing what the user had: existing files are
/// refused unless overwriting was asked for, and each file is written to a temporary name first and then renamed,
/// so an interrupted run never leaves a half-written blob.
/// </summary>
public sealed class OutputFolder
{
    private readonly bool _overwrite;
    private readonly List<string> _written = [];

    public OutputFolder(string path, bool overwrite)
    {
        Path = System.IO.Path.GetFullPath(path);
        _overwrite = overwrite;
        if (File.Exists(Path))
        {
            throw new IOException($"output folder '{Path}' is an existing file");
        }
    }

    public string Path { get; }

    public IReadOnlyList<string> Written => _written;

    /// <summary>Fails before anything is written when one of the files exists and overwriting was not asked for.</summary>
    public void EnsureWritable(params string[] fileNames)
    {
        if (_overwrite)
        {
            return;
        }

        List<string> existing = [];
        foreach (string name in fileNames)
        {
            if (File.Exists(System.IO.Path.Combine(Path, name)))
            {
                existing.Add(name);
            }
        }

        if (existing.Count > 0)
        {
            throw new IOException($"refusing to overwrite {string.Join(", ", existing)} in '{Path}' (use --force to replace them)");
        }
    }

    public string Write(string fileName, byte[] contents)
    {
        EnsureWritable(fileName);
        Directory.CreateDirectory(Path);
        string target = System.IO.Path.Combine(Path, fileName);
        string temporary = target + ".partial";
        File.WriteAllBytes(temporary, contents);
        File.Move(temporary, target, overwrite: true);
        _written.Add(target);
        return target;
    }

    public string Write(string fileName, string text) => Write(fileName, new UTF8Encoding(false).GetBytes(text));

    /// <summary>A path for a file written by another library (e.g. a plot), after the same overwrite check.</summary>
    public string Reserve(string fileName)
    {
        EnsureWritable(fileName);
        Directory.CreateDirectory(Path);
        string target = System.IO.Path.Combine(Path, fileName);
        _written.Add(target);
        return target;
    }

    public static string Describe(IEnumerable<string> files)
    {
        StringBuilder s = new();
        foreach (string f in files)
        {
            s.Append(Environment.NewLine).Append("  ").Append(f);
        }

        return s.ToString();
    }
}

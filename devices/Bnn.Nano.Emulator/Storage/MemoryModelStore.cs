using System;
using System.Collections.Generic;
using Bnn.Nano.Devices.Storage;

namespace Bnn.Nano.Emulator;

/// <summary>
/// An <see cref="IModelStore"/> in memory, standing in for flash. Fault: <see cref="FlipByte"/> corrupts a stored
/// byte in place (flash wear, a torn write), so the runtime's blob validation (CRC-32) can be exercised end to end.
/// Reading a name that was never written throws <see cref="InvalidOperationException"/>.
/// </summary>
public sealed class MemoryModelStore : IModelStore
{
    private readonly Dictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);

    public int ReadCount { get; private set; }

    public int WriteCount { get; private set; }

    public int Length(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _blobs.TryGetValue(name, out byte[]? blob) ? blob.Length : -1;
    }

    public void Read(string name, byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        byte[] blob = Get(name);
        if (buffer.Length < blob.Length)
        {
            throw new ArgumentException("buffer of " + buffer.Length + " bytes for blob '" + name + "' of " + blob.Length + " bytes", nameof(buffer));
        }

        ReadCount++;
        Array.Copy(blob, buffer, blob.Length);
    }

    public void Write(string name, byte[] data, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + count, data.Length, nameof(count));
        WriteCount++;
        _blobs[name] = data.AsSpan(offset, count).ToArray();
    }

    /// <summary>Corruption fault: XORs the stored byte at <paramref name="index"/> with <paramref name="mask"/> (default: every bit flips).</summary>
    public void FlipByte(string name, int index, byte mask = 0xFF)
    {
        byte[] blob = Get(name);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, blob.Length);
        blob[index] ^= mask;
    }

    /// <summary>A copy of what is stored under <paramref name="name"/>.</summary>
    public byte[] Snapshot(string name) => (byte[])Get(name).Clone();

    private byte[] Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _blobs.TryGetValue(name, out byte[]? blob)
            ? blob
            : throw new InvalidOperationException("no model blob named '" + name + "' in the store");
    }
}

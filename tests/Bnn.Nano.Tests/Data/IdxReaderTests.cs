using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Bnn.Nano.Compiler.Data;
using Xunit;

namespace Bnn.Nano.Tests.Data;

/// <summary>IDX files written here, well-formed and damaged: every damage gives an InvalidDataException naming the file.</summary>
public sealed class IdxReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bnn-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void plain_and_gzip_files_read_the_same()
    {
        byte[] pixels = [.. Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)(i * 7))];
        byte[] file = Idx(0x08, [2, 3, 4], pixels);

        IdxArray plain = IdxReader.ReadImages(Write("images-idx3-ubyte", file));
        Assert.Equal([2, 3, 4], plain.Dims);
        Assert.Equal(12, plain.ItemSize);
        Assert.Equal(pixels, plain.Data);

        Assert.Equal(pixels, IdxReader.ReadImages(Write("images-idx3-ubyte.gz", Gzip(file))).Data);

        // gzip is recognised by its magic 1F 8B even without the .gz extension.
        Assert.Equal(pixels, IdxReader.ReadImages(Write("images-idx3-ubyte.bin", Gzip(file))).Data);

        IdxArray labels = IdxReader.ReadLabels(Write("labels-idx1-ubyte", Idx(0x08, [5], [0, 1, 2, 3, 9])));
        Assert.Equal([5], labels.Dims);
        Assert.Equal([0, 1, 2, 3, 9], labels.Data);
    }

    [Fact]
    public void truncated_data_is_refused()
    {
        byte[] file = Idx(0x08, [2, 3, 4], new byte[24]);
        string path = Write("short-images", file.AsSpan(0, file.Length - 1).ToArray());
        AssertRefused(path, () => IdxReader.ReadImages(path), "is truncated", "need 24 data bytes, the file has 23");
    }

    [Fact]
    public void trailing_bytes_are_refused()
    {
        string path = Write("long-labels", [.. Idx(0x08, [3], [1, 2, 3]), 0]);
        AssertRefused(path, () => IdxReader.ReadLabels(path), "trailing bytes", "need 3 data bytes, the file has 4");
    }

    [Fact]
    public void truncated_header_is_refused()
    {
        string path = Write("short-header", Idx(0x08, [2, 3, 4], []).AsSpan(0, 10).ToArray());
        AssertRefused(path, () => IdxReader.Read(path), "truncated", "16-byte header");

        string tiny = Write("tiny", [0, 0]);
        AssertRefused(tiny, () => IdxReader.Read(tiny), "not an IDX file");

        string empty = Write("empty", []);
        AssertRefused(empty, () => IdxReader.Read(empty), "not an IDX file");
    }

    [Fact]
    public void wrong_magic_or_element_type_is_refused()
    {
        string text = Write("text", "hello, this is not IDX"u8.ToArray());
        AssertRefused(text, () => IdxReader.Read(text), "not an IDX file");

        string floats = Write("floats", Idx(0x0D, [1], [0, 0, 0, 0]));
        AssertRefused(floats, () => IdxReader.Read(floats), "element type 0x0D", "only unsigned bytes");

        string noDims = Write("no-dims", [0, 0, 8, 0]);
        AssertRefused(noDims, () => IdxReader.Read(noDims), "0 dimensions");
    }

    [Fact]
    public void labels_read_as_images_and_images_as_labels_are_refused()
    {
        string labels = Write("labels", Idx(0x08, [3], [1, 2, 3]));
        AssertRefused(labels, () => IdxReader.ReadImages(labels), "should hold images", "0x00000803");

        string images = Write("images", Idx(0x08, [1, 2, 2], [1, 2, 3, 4]));
        AssertRefused(images, () => IdxReader.ReadLabels(images), "should hold labels", "0x00000801");
    }

    [Fact]
    public void corrupt_or_truncated_gzip_is_refused()
    {
        byte[] gz = Gzip(Idx(0x08, [4, 28, 28], [.. Enumerable.Range(0, 4 * 784).Select(i => (byte)(i * 31))]));

        byte[] corrupt = (byte[])gz.Clone();
        for (int i = 12; i < corrupt.Length - 8; i++)
        {
            corrupt[i] ^= 0x5A;
        }

        string bad = Write("corrupt-idx3-ubyte.gz", corrupt);
        AssertRefused(bad, () => IdxReader.ReadImages(bad));

        string cut = Write("cut-idx3-ubyte.gz", gz.AsSpan(0, gz.Length / 2).ToArray());
        AssertRefused(cut, () => IdxReader.ReadImages(cut));

        string notGzip = Write("plain-text.gz", "not gzip at all"u8.ToArray());
        AssertRefused(notGzip, () => IdxReader.ReadImages(notGzip), "gzip");
    }

    [Fact]
    public void missing_file_names_the_path()
    {
        string path = Path.Combine(_dir, "absent-idx1-ubyte.gz");
        FileNotFoundException e = Assert.Throws<FileNotFoundException>(() => IdxReader.ReadLabels(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    private static void AssertRefused(string path, Func<IdxArray> read, params string[] phrases)
    {
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => read());
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        foreach (string phrase in phrases)
        {
            Assert.Contains(phrase, e.Message, StringComparison.Ordinal);
        }
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Idx(byte type, int[] dims, byte[] data)
    {
        byte[] file = new byte[4 + (4 * dims.Length) + data.Length];
        file[2] = type;
        file[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4 + (4 * i)), dims[i]);
        }

        data.CopyTo(file, 4 + (4 * dims.Length));
        return file;
    }

    private static byte[] Gzip(byte[] data)
    {
        using MemoryStream memory = new();
        using (GZipStream gzip = new(memory, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return memory.ToArray();
    }
}

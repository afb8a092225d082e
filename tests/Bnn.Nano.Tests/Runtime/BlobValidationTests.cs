using System;
using System.Buffers.Binary;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Runtime;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.Runtime;

/// <summary>Damaged blobs give a BnnException naming the problem, never another exception or a wrong answer.</summary>
public class BlobValidationTests
{
    private static readonly byte[] s_blob = BlobWriter.Write(ModelCompiler.Compile(RandomNetworks.Create(21, 70, true, [40, 33], 4)));

    [Fact]
    public void crc32_matches_system_io_hashing()
    {
        Random random = new(4);
        for (int n = 0; n < 300; n++)
        {
            byte[] data = new byte[random.Next(0, 2000)];
            random.NextBytes(data);
            Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32(data), Crc32.Compute(data, 0, data.Length));
        }
    }

    [Fact]
    public void every_truncation_is_refused()
    {
        for (int length = 0; length < s_blob.Length; length++)
        {
            BnnException error = Assert.Throws<BnnException>(() => BlobReader.Load(s_blob.AsSpan(0, length).ToArray()));
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
        }
    }

    [Fact]
    public void every_single_bit_flip_is_refused()
    {
        for (int bit = 0; bit < s_blob.Length * 8; bit++)
        {
            byte[] damaged = (byte[])s_blob.Clone();
            damaged[bit >> 3] ^= (byte)(1 << (bit & 7));
            Assert.Throws<BnnException>(() => BlobReader.Load(damaged));
        }
    }

    [Fact]
    public void wrong_version_is_refused_with_its_number()
    {
        byte[] blob = (byte[])s_blob.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(BlobFormat.VersionAt), 2);
        Reseal(blob);
        BnnException error = Assert.Throws<BnnException>(() => BlobReader.Load(blob));
        Assert.Contains("version 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void wrong_magic_and_null_are_refused()
    {
        byte[] blob = (byte[])s_blob.Clone();
        blob[0] = (byte)'X';
        Assert.Contains("magic", Assert.Throws<BnnException>(() => BlobReader.Load(blob)).Message, StringComparison.Ordinal);
        Assert.Throws<BnnException>(() => BlobReader.Load(null!));
    }

    /// <summary>
    /// Structural damage behind a valid CRC (what a buggy or hostile writer could produce): every byte of the header
    /// and layer table, set to several values, is either refused with a BnnException or yields a model that runs
    /// without any other exception.
    /// </summary>
    [Fact]
    public void resealed_header_and_table_damage_never_escapes_as_another_exception()
    {
        int tableEnd = BlobFormat.HeaderSize + (3 * BlobFormat.RecordSize);
        byte[] values = [0x00, 0x01, 0x02, 0x07, 0x3F, 0x40, 0x7F, 0x80, 0xFE, 0xFF];
        byte[] input = new byte[70];
        int refused = 0;
        for (int at = 0; at < tableEnd; at++)
        {
            if (at is >= BlobFormat.CrcAt and < BlobFormat.CrcAt + 4)
            {
                continue;
            }

            foreach (byte value in values)
            {
                byte[] blob = (byte[])s_blob.Clone();
                if (blob[at] == value)
                {
                    continue;
                }

                blob[at] = value;
                Reseal(blob);
                try
                {
                    BnnModel model = BlobReader.Load(blob);
                    int result = model.Run(input);
                    Assert.InRange(result, 0, model.ClassCount - 1);
                }
                catch (BnnException)
                {
                    refused++;
                }
            }
        }

        Assert.True(refused > 500, $"only {refused} damaged headers were refused");
    }

    [Fact]
    public void ram_limit_refuses_a_model_that_does_not_fit()
    {
        BnnException error = Assert.Throws<BnnException>(() => BlobReader.Load(s_blob, 100));
        Assert.Contains("limit of 100", error.Message, StringComparison.Ordinal);
        Assert.NotNull(BlobReader.Load(s_blob, 1_000_000));
    }

    [Fact]
    public void wrong_input_size_is_refused()
    {
        BnnModel model = BlobReader.Load(s_blob);
        Assert.Contains("70 bytes", Assert.Throws<BnnException>(() => model.Run(new byte[69])).Message, StringComparison.Ordinal);
        Assert.Throws<BnnException>(() => model.Run(null!));
    }

    [Fact]
    public void padding_bits_set_in_weights_are_refused()
    {
        // Layer 0 has 70 inputs: its rows are 3 uint32 words, bits 70..95 must be 0.
        byte[] blob = (byte[])s_blob.Clone();
        int weightsAt = BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(BlobFormat.HeaderSize + BlobFormat.WeightsAt));
        blob[weightsAt + 11] |= 0x80;
        Reseal(blob);
        Assert.Contains("padding", Assert.Throws<BnnException>(() => BlobReader.Load(blob)).Message, StringComparison.Ordinal);
    }

    private static void Reseal(byte[] blob)
    {
        uint crc = Crc32.Compute(blob, BlobFormat.CrcStart, blob.Length - BlobFormat.CrcStart);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(BlobFormat.CrcAt), crc);
    }
}

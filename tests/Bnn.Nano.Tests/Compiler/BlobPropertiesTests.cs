using System;
using System.Collections.Generic;
using System.Linq;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.Runtime;
using Bnn.Nano.Runtime.Model;
using Xunit;

namespace Bnn.Nano.Tests.Compiler;

/// <summary>Replacing a blob's model properties after compilation (BlobProperties): the blob the compiler would write.</summary>
public class BlobPropertiesTests
{
    private static readonly Dictionary<int, int> s_compiled = new() { [ModelProperty.WindowLength] = 128, [ModelProperty.SampleRateHz] = 16000 };

    public static TheoryData<int, bool> Networks() => new() { { 1, false }, { 2, true }, { 3, false }, { 4, true } };

    [Theory]
    [MemberData(nameof(Networks))]
    public void changed_properties_give_the_blob_compiled_with_them_and_the_same_scores(int seed, bool conv)
    {
        BnnNetwork network = conv
            ? RandomNetworks.CreateConv(seed, new TensorShape(9, 7, 2), true, 4, int8FirstLayer: seed % 4 == 0)
            : RandomNetworks.Create(seed, 20, false, [16, 8], 3);
        byte[] blob = BlobWriter.Write(ModelCompiler.Compile(network.WithProperties(s_compiled)));
        byte[] copy = [.. blob];
        Dictionary<int, int> changes = new() { [ModelProperty.WindowHop] = 2560, [ModelProperty.DetectorAverageCount] = 3, [ModelProperty.WindowLength] = -7 };

        byte[] changed = BlobProperties.With(blob, changes);

        Assert.Equal(copy, blob);
        SortedDictionary<int, int> expected = new(s_compiled);
        foreach (KeyValuePair<int, int> c in changes)
        {
            expected[c.Key] = c.Value;
        }

        Assert.Equal(expected, BlobProperties.Read(changed));
        Assert.Equal(BlobWriter.Write(ModelCompiler.Compile(network.WithProperties(expected))), changed);
        BnnModel before = BlobReader.Load(blob), after = BlobReader.Load(changed);
        Random random = new(seed);
        byte[] input = new byte[before.InputLength];
        for (int i = 0; i < 20; i++)
        {
            random.NextBytes(input);
            Assert.Equal(before.Run(input), after.Run(input));
            Assert.Equal(before.Scores, after.Scores);
        }

        // Removing nothing, adding nothing: the same bytes.
        Assert.Equal(blob, BlobProperties.With(blob, new Dictionary<int, int>()));
    }

    [Fact]
    public void a_blob_without_properties_gains_them_and_a_blob_with_them_keeps_its_length_when_values_change()
    {
        BnnNetwork network = RandomNetworks.Create(5, 12, true, [8], 2);
        byte[] bare = BlobWriter.Write(ModelCompiler.Compile(network));
        Assert.Empty(BlobProperties.Read(bare));
        byte[] one = BlobProperties.With(bare, new Dictionary<int, int> { [ModelProperty.DetectorThresholdQ15] = 22938 });
        Assert.Equal(bare.Length + BlobFormat.PropertySize, one.Length);
        Assert.Equal(22938, BlobReader.Load(one).GetProperty(ModelProperty.DetectorThresholdQ15, 0));
        byte[] again = BlobProperties.With(one, new Dictionary<int, int> { [ModelProperty.DetectorThresholdQ15] = 16384 });
        Assert.Equal(one.Length, again.Length);
        Assert.Equal(16384, BlobReader.Load(again).GetProperty(ModelProperty.DetectorThresholdQ15, 0));
    }

    [Fact]
    public void bad_keys_and_corrupt_blobs_are_refused_with_the_reason()
    {
        byte[] blob = BlobWriter.Write(ModelCompiler.Compile(RandomNetworks.Create(6, 12, true, [8], 2)));
        Assert.Contains("property key 0", Assert.Throws<ArgumentException>(() => BlobProperties.With(blob, new Dictionary<int, int> { [0] = 1 })).Message, StringComparison.Ordinal);
        Assert.Contains("property key 65536", Assert.Throws<ArgumentException>(() => BlobProperties.With(blob, new Dictionary<int, int> { [65536] = 1 })).Message, StringComparison.Ordinal);
        Dictionary<int, int> tooMany = Enumerable.Range(1, ModelProperty.MaxCount + 1).ToDictionary(k => k, k => k);
        Assert.Contains("at most 256", Assert.Throws<ArgumentException>(() => BlobProperties.With(blob, tooMany)).Message, StringComparison.Ordinal);

        byte[] corrupt = [.. blob];
        corrupt[^1] ^= 1;
        Assert.Throws<BnnException>(() => BlobProperties.With(corrupt, new Dictionary<int, int> { [ModelProperty.WindowHop] = 1 }));
        Assert.Throws<BnnException>(() => BlobProperties.Read(corrupt[..^4]));
    }
}

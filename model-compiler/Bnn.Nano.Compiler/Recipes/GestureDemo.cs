using System;
using System.Collections.Generic;
using Bnn.Nano.Compiler.Data;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Training;

namespace Bnn.Nano.Compiler;

/// <summary>
/// The download-free demo: synthetic 3-axis motion windows of six gestures by simulated people; training on some
/// people, testing on people never seen. One definition shared by `bnnc demo`, the gestures-* data sets and tests.
/// </summary>
public static class GestureDemo
{
    /// <summary>People held out for the test split (the last ones generated).</summary>
    public const int TestPersons = 8;

    public const string ClassName = "GestureModel";

    public static SyntheticGesturesOptions DataOptions(int seed = 1) => new() { Seed = seed };

    public static TrainingOptions TrainingOptions(int seed = 1) => new() { Seed = seed };

    public static (Dataset Train, Dataset Test) Split(int seed = 1) => SyntheticGestures.GenerateSplit(DataOptions(seed), TestPersons);

    /// <summary>Samples per window of the default data (<see cref="SyntheticGesturesOptions.WindowLength"/>).</summary>
    public static int WindowLength => DataOptions().WindowLength;

    /// <summary>
    /// What a gesture node needs to feed this model (firmware/Bnn.Nano.Node/GestureFrontEnd.cs): the data set's
    /// quantisation (1/32 g per step, zero point 0), one whole window per classification (no downsampling, no overlap:
    /// windows of the data set are back to back when replayed) at 50 Hz.
    /// </summary>
    public static IReadOnlyDictionary<int, int> ModelProperties() => new Dictionary<int, int>
    {
        [Runtime.Model.ModelProperty.InputScaleBits] = BitConverter.SingleToInt32Bits((float)(1.0 / SyntheticGestures.CountsPerG)),
        [Runtime.Model.ModelProperty.InputZeroPoint] = 0,
        [Runtime.Model.ModelProperty.WindowLength] = WindowLength,
        [Runtime.Model.ModelProperty.WindowHop] = WindowLength,
        [Runtime.Model.ModelProperty.SampleRateHz] = (int)SyntheticGestures.SampleRateHz,
    };

}

using System;
using System.Collections.Generic;
using Bnn.Nano.Compiler.Data;
using Xunit;

namespace Bnn.Nano.Tests.Training;

public class SyntheticGesturesTests
{
    private static readonly SyntheticGesturesOptions Small = new() { Seed = 7, Persons = 5, RepetitionsPerPersonAndClass = 4 };

    [Fact]
    public void same_seed_gives_the_same_bytes_and_another_seed_does_not()
    {
        Dataset a = SyntheticGestures.Generate(Small);
        Dataset b = SyntheticGestures.Generate(Small);
        Dataset c = SyntheticGestures.Generate(Small with { Seed = 8 });

        Assert.Equal(a.Features, b.Features);
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.Features, c.Features);
    }

    [Fact]
    public void shape_is_interleaved_int8_xyz_with_balanced_labels()
    {
        Dataset data = SyntheticGestures.Generate(Small);

        Assert.True(data.Signed);
        Assert.Equal(3 * Small.WindowLength, data.FeatureCount);
        Assert.Equal(6, data.ClassCount);
        Assert.Equal(["idle", "shake", "circle", "tap", "swipe-left", "swipe-right"], data.ClassNames);
        Assert.Equal(Small.Persons * Small.RepetitionsPerPersonAndClass * 6, data.Count);
        int[] perClass = new int[6];
        foreach (int label in data.Labels)
        {
            perClass[label]++;
        }

        Assert.All(perClass, n => Assert.Equal(Small.Persons * Small.RepetitionsPerPersonAndClass, n));

        // Gravity: at 32 counts per g an idle window's z axis averages about +1 g (tilt up to ~35° lowers it).
        double z = 0;
        int idle = Array.IndexOf(data.Labels, 0);
        for (int k = 0; k < Small.WindowLength; k++)
        {
            z += data.Value(idle, (3 * k) + 2);
        }

        Assert.InRange(z / Small.WindowLength, 20, 40);
    }

    [Fact]
    public void a_person_does_not_depend_on_how_many_persons_are_generated()
    {
        Dataset five = SyntheticGestures.Generate(Small);
        Dataset lastTwo = SyntheticGestures.Generate(Small with { FirstPerson = 3, Persons = 2 });
        int perPerson = 6 * Small.RepetitionsPerPersonAndClass * five.FeatureCount;

        Assert.Equal(five.Features.AsSpan(3 * perPerson).ToArray(), lastTwo.Features);
        Assert.Equal(3, SyntheticGestures.PersonOf(Small, 3 * 6 * Small.RepetitionsPerPersonAndClass));
    }

    [Fact]
    public void split_holds_out_the_last_persons()
    {
        Dataset all = SyntheticGestures.Generate(Small);
        (Dataset train, Dataset test) = SyntheticGestures.SplitByPerson(all, Small, 2);
        (Dataset train2, Dataset test2) = SyntheticGestures.GenerateSplit(Small, 2);
        int perPerson = 6 * Small.RepetitionsPerPersonAndClass;

        Assert.Equal(3 * perPerson, train.Count);
        Assert.Equal(2 * perPerson, test.Count);
        Assert.Equal(all.Features.AsSpan(0, train.Features.Length).ToArray(), train.Features);
        Assert.Equal(all.Features.AsSpan(train.Features.Length).ToArray(), test.Features);
        Assert.Equal(train.Features, train2.Features);
        Assert.Equal(test.Features, test2.Features);
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticGestures.SplitByPerson(all, Small, Small.Persons));
    }

    [Fact]
    public void classes_differ_in_motion_energy_as_modelled()
    {
        // Mean absolute sample-to-sample change per class: shake and tap move most, idle least.
        Dataset data = SyntheticGestures.Generate(Small);
        var energy = new Dictionary<int, double>();
        for (int s = 0; s < data.Count; s++)
        {
            double e = 0;
            for (int f = 3; f < data.FeatureCount; f++)
            {
                e += Math.Abs(data.Value(s, f) - data.Value(s, f - 3));
            }

            energy[data.Labels[s]] = energy.GetValueOrDefault(data.Labels[s]) + e;
        }

        for (int c = 1; c < 6; c++)
        {
            Assert.True(energy[c] > energy[0], $"class {c} should move more than idle");
        }

        Assert.True(energy[1] > energy[2], "shake should move more than circle");
    }
}

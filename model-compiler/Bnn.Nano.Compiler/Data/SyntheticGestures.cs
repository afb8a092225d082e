using System;
using System.Collections.Generic;

namespace Bnn.Nano.Compiler.Data;

/// <summary>Parameters of <see cref="SyntheticGestures.Generate"/>.</summary>
public sealed record SyntheticGesturesOptions
{
    /// <summary>Seed of the generator. Each person's windows depend only on (Seed, person id, WindowLength, NoiseLevel).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Number of persons generated, with ids FirstPerson .. FirstPerson + Persons - 1.</summary>
    public int Persons { get; init; } = 30;

    /// <summary>Id of the first person; disjoint id ranges give disjoint persons (e.g. a separate test set).</summary>
    public int FirstPerson { get; init; }

    /// <summary>Windows per person and gesture class.</summary>
    public int RepetitionsPerPersonAndClass { get; init; } = 20;

    /// <summary>Samples per window at <see cref="SyntheticGestures.SampleRateHz"/> (64 = 1.28 s); features = 3 × this.</summary>
    public int WindowLength { get; init; } = 64;

    /// <summary>Standard deviation of the white sensor noise, in g (added before quantisation).</summary>
    public double NoiseLevel { get; init; } = 0.05;
}

/// <summary>
/// The embedded demo data set: windows of a 3-axis accelerometer worn on the hand, six gestures, no download needed.
/// <para>
/// Signals are modelled in g in a world frame (x right, y forward, z up) as gravity (+1 g on z at rest) plus the
/// gesture's acceleration plus slow hand wander, rotated into the sensor frame by a per-person mounting tilt
/// (roll/pitch up to about ±25°, yaw up to ±20°) with a small per-window jitter, plus a per-person and per-window
/// sensor offset and white noise. Persons differ in amplitude, speed and style (shake axis, circle direction and size,
/// tap strength, swipe duration); every window has its own timing jitter, amplitude and speed variation.
/// </para>
/// <para>
/// Quantisation (fixed, part of the data set's contract): <c>value = round(g × 32)</c> (midpoint away from zero),
/// clamped to [-128, 127], i.e. 1/32 g per count and a ±4 g range, stored as int8 (<see cref="Dataset.Signed"/> = true).
/// Features are interleaved per time step: feature <c>3·k + axis</c> is axis (0 = x, 1 = y, 2 = z) at sample k.
/// Sample rate <see cref="SampleRateHz"/> = 50 Hz.
/// </para>
/// <para>
/// Windows are ordered person by person (ascending id), inside a person repetition by repetition, inside a repetition
/// class by class, so labels are exactly balanced and <see cref="PersonOf"/> recovers a window's person.
/// </para>
/// </summary>
public static class SyntheticGestures
{
    /// <summary>Quantisation scale: counts per g.</summary>
    public const double CountsPerG = 32.0;

    /// <summary>Sample rate of the simulated accelerometer.</summary>
    public const double SampleRateHz = 50.0;

    private static readonly string[] Names = ["idle", "shake", "circle", "tap", "swipe-left", "swipe-right"];

    /// <summary>The six class names, in label order.</summary>
    public static IReadOnlyList<string> ClassNames => Names;

    /// <summary>Generates Persons × RepetitionsPerPersonAndClass × 6 windows (see the class remarks for the layout).</summary>
    public static Dataset Generate(SyntheticGesturesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Persons, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.FirstPerson);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RepetitionsPerPersonAndClass, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WindowLength, 8);
        ArgumentOutOfRangeException.ThrowIfNegative(options.NoiseLevel);

        int classes = Names.Length;
        int length = options.WindowLength;
        int features = 3 * length;
        int perPerson = classes * options.RepetitionsPerPersonAndClass;
        int count = options.Persons * perPerson;
        byte[] data = new byte[count * features];
        int[] labels = new int[count];
        double[] window = new double[features];

        int index = 0;
        for (int p = 0; p < options.Persons; p++)
        {
            int personId = options.FirstPerson + p;
            var random = new Random(MixSeed(options.Seed, personId));
            Person person = Person.Create(random);
            for (int r = 0; r < options.RepetitionsPerPersonAndClass; r++)
            {
                for (int c = 0; c < classes; c++)
                {
                    RenderWindow(random, person, c, length, options.NoiseLevel, window);
                    Span<byte> target = data.AsSpan(index * features, features);
                    for (int f = 0; f < features; f++)
                    {
                        double counts = Math.Round(window[f] * CountsPerG, MidpointRounding.AwayFromZero);
                        target[f] = (byte)(sbyte)Math.Clamp(counts, -128.0, 127.0);
                    }

                    labels[index++] = c;
                }
            }
        }

        string name = $"synthetic-gestures(seed {options.Seed}, persons {options.FirstPerson}..{options.FirstPerson + options.Persons - 1})";
        return new Dataset(name, features, signed: true, data, labels, Names);
    }

    /// <summary>Index (0-based, relative to FirstPerson) of the person who made window <paramref name="sampleIndex"/>.</summary>
    public static int PersonOf(SyntheticGesturesOptions options, int sampleIndex)
    {
        ArgumentNullException.ThrowIfNull(options);
        return sampleIndex / (Names.Length * options.RepetitionsPerPersonAndClass);
    }

    /// <summary>
    /// Splits a data set made by <see cref="Generate"/> with <paramref name="options"/> by person: the last
    /// <paramref name="testPersons"/> persons form the test set, the others the training set (order preserved).
    /// </summary>
    public static (Dataset Train, Dataset Test) SplitByPerson(Dataset data, SyntheticGesturesOptions options, int testPersons)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(testPersons, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(testPersons, options.Persons);
        int perPerson = Names.Length * options.RepetitionsPerPersonAndClass;
        if (data.Count != options.Persons * perPerson || data.FeatureCount != 3 * options.WindowLength)
        {
            throw new ArgumentException($"data set '{data.Name}' was not generated with these options", nameof(data));
        }

        int trainCount = (options.Persons - testPersons) * perPerson;
        var train = new int[trainCount];
        var test = new int[data.Count - trainCount];
        for (int i = 0; i < trainCount; i++)
        {
            train[i] = i;
        }

        for (int i = 0; i < test.Length; i++)
        {
            test[i] = trainCount + i;
        }

        return (data.Subset(data.Name + " train", train), data.Subset(data.Name + " test", test));
    }

    /// <summary>Generates Persons persons and holds out the last <paramref name="testPersons"/> of them as the test set.</summary>
    public static (Dataset Train, Dataset Test) GenerateSplit(SyntheticGesturesOptions options, int testPersons) =>
        SplitByPerson(Generate(options), options, testPersons);

    /// <summary>SplitMix64 over (seed, person): a platform-independent seed for the person's own <see cref="Random"/>.</summary>
    private static int MixSeed(int seed, int person)
    {
        ulong z = ((ulong)(uint)seed << 32) ^ (uint)person;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    private static double Uniform(Random random, double low, double high) => low + ((high - low) * random.NextDouble());

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static double Deg(double degrees) => degrees * Math.PI / 180.0;

    /// <summary>Per-person traits: how this person wears the sensor and performs the gestures.</summary>
    private sealed class Person
    {
        public double Amplitude { get; private init; }

        public double Speed { get; private init; }

        public double Roll { get; private init; }

        public double Pitch { get; private init; }

        public double Yaw { get; private init; }

        public double BiasX { get; private init; }

        public double BiasY { get; private init; }

        public double BiasZ { get; private init; }

        public double ShakeAngle { get; private init; }

        public double ShakeFrequency { get; private init; }

        public double CircleDirection { get; private init; }

        public double CircleTilt { get; private init; }

        public double TapStrength { get; private init; }

        public double SwipeDuration { get; private init; }

        public double Wander { get; private init; }

        public static Person Create(Random random) => new()
        {
            Amplitude = Uniform(random, 0.7, 1.3),
            Speed = Uniform(random, 0.8, 1.25),
            Roll = Deg(Uniform(random, -25, 25)),
            Pitch = Deg(Uniform(random, -25, 25)),
            Yaw = Deg(Uniform(random, -20, 20)),
            BiasX = Uniform(random, -0.08, 0.08),
            BiasY = Uniform(random, -0.08, 0.08),
            BiasZ = Uniform(random, -0.08, 0.08),
            ShakeAngle = Deg(Uniform(random, -30, 30)),
            ShakeFrequency = Uniform(random, 3.5, 6.0),
            CircleDirection = random.NextDouble() < 0.75 ? 1.0 : -1.0,
            CircleTilt = Deg(Uniform(random, 0, 60)),
            TapStrength = Uniform(random, 1.2, 2.5),
            SwipeDuration = Uniform(random, 0.3, 0.55),
            Wander = Uniform(random, 0.03, 0.12),
        };
    }

    /// <summary>Renders one window (interleaved x, y, z in g, sensor frame) into <paramref name="window"/>.</summary>
    private static void RenderWindow(Random random, Person person, int gesture, int length, double noise, double[] window)
    {
        double duration = length / SampleRateHz;
        double amplitude = person.Amplitude * Uniform(random, 0.85, 1.15);
        double speed = person.Speed * Uniform(random, 0.9, 1.1);

        // Sensor orientation: the person's mounting tilt plus a little per-window jitter. R = Rz(yaw)·Ry(pitch)·Rx(roll).
        double roll = person.Roll + Deg(Uniform(random, -6, 6));
        double pitch = person.Pitch + Deg(Uniform(random, -6, 6));
        double yaw = person.Yaw + Deg(Uniform(random, -6, 6));
        double cr = Math.Cos(roll), sr = Math.Sin(roll), cp = Math.Cos(pitch), sp = Math.Sin(pitch), cy = Math.Cos(yaw), sy = Math.Sin(yaw);
        double r00 = cy * cp, r01 = (cy * sp * sr) - (sy * cr), r02 = (cy * sp * cr) + (sy * sr);
        double r10 = sy * cp, r11 = (sy * sp * sr) + (cy * cr), r12 = (sy * sp * cr) - (cy * sr);
        double r20 = -sp, r21 = cp * sr, r22 = cp * cr;

        double biasX = person.BiasX + Uniform(random, -0.03, 0.03);
        double biasY = person.BiasY + Uniform(random, -0.03, 0.03);
        double biasZ = person.BiasZ + Uniform(random, -0.03, 0.03);

        // Slow hand wander: two low-frequency components per axis.
        double wander = person.Wander * Uniform(random, 0.5, 1.5);
        Span<double> wanderFrequency = stackalloc double[6];
        Span<double> wanderPhase = stackalloc double[6];
        Span<double> wanderAmplitude = stackalloc double[6];
        for (int k = 0; k < 6; k++)
        {
            wanderFrequency[k] = Uniform(random, 0.2, 1.6);
            wanderPhase[k] = Uniform(random, 0, 2 * Math.PI);
            wanderAmplitude[k] = wander * Uniform(random, 0.3, 1.0);
        }

        // Gesture parameters (timing jitter: where in the window the gesture happens).
        double start = 0, span = 0, frequency = 0, phase = 0, ux = 1, uy = 0, uz = 0, second = -1, extra = 0;
        switch (gesture)
        {
            case 0: // idle: occasionally a small bump (adjusting the hand) on a random axis
                if (random.NextDouble() < 0.4)
                {
                    extra = Uniform(random, 0.15, 0.45) * (random.NextDouble() < 0.5 ? -1 : 1);
                    span = Uniform(random, 0.15, 0.4);
                    start = Uniform(random, 0, duration - span);
                    double a = Uniform(random, 0, 2 * Math.PI), e = Uniform(random, -1, 1);
                    double h = Math.Sqrt(1 - (e * e));
                    ux = h * Math.Cos(a);
                    uy = h * Math.Sin(a);
                    uz = e;
                }

                break;
            case 1: // shake: fast oscillation along a mostly horizontal axis under a smooth envelope
                frequency = person.ShakeFrequency * speed;
                span = Math.Min(duration * 0.95, Uniform(random, 0.55, 1.05) / speed);
                start = Uniform(random, 0, duration - span);
                phase = Uniform(random, 0, 2 * Math.PI);
                double shakeAngle = person.ShakeAngle + Deg(Uniform(random, -10, 10));
                ux = Math.Cos(shakeAngle);
                uy = Math.Sin(shakeAngle);
                uz = Uniform(random, -0.25, 0.25);
                amplitude *= Uniform(random, 0.9, 1.9);
                break;
            case 2: // circle: hand draws a circle; centripetal acceleration rotates, 90° between the two axes
                frequency = Uniform(random, 0.8, 1.3) * speed;
                span = Math.Min(duration, Uniform(random, 0.9, 1.2) / frequency);
                start = Uniform(random, 0, Math.Max(0, duration - span));
                phase = Uniform(random, 0, 2 * Math.PI);
                amplitude *= Uniform(random, 0.45, 0.85);
                extra = person.CircleTilt + Deg(Uniform(random, -10, 10)); // plane tilted from horizontal towards vertical
                break;
            case 3: // tap: one or two knocks on a surface (downward approach, sharp stop with ringing) along z
                start = Uniform(random, 0.1, duration * 0.55);
                second = random.NextDouble() < 0.5 ? start + Uniform(random, 0.18, 0.35) / speed : -1;
                amplitude = person.TapStrength * Uniform(random, 0.8, 1.2);
                break;
            default: // swipe left / right: accelerate towards the side, then brake (one sine period along x)
                span = person.SwipeDuration * Uniform(random, 0.85, 1.15) / speed;
                start = Uniform(random, 0, duration - span);
                amplitude *= Uniform(random, 0.55, 1.1);
                double swipeAngle = Deg(Uniform(random, -15, 15));
                ux = Math.Cos(swipeAngle) * (gesture == 4 ? -1 : 1);
                uy = Math.Sin(swipeAngle);
                uz = Uniform(random, -0.2, 0.2);
                break;
        }

        for (int k = 0; k < length; k++)
        {
            double t = k / SampleRateHz;
            double wx = 0, wy = 0, wz = 1.0; // gravity reaction: +1 g up
            for (int j = 0; j < 2; j++)
            {
                wx += wanderAmplitude[j] * Math.Sin((2 * Math.PI * wanderFrequency[j] * t) + wanderPhase[j]);
                wy += wanderAmplitude[j + 2] * Math.Sin((2 * Math.PI * wanderFrequency[j + 2] * t) + wanderPhase[j + 2]);
                wz += wanderAmplitude[j + 4] * 0.5 * Math.Sin((2 * Math.PI * wanderFrequency[j + 4] * t) + wanderPhase[j + 4]);
            }

            double m = 0;
            switch (gesture)
            {
                case 0:
                    if (span > 0 && t >= start && t <= start + span)
                    {
                        m = extra * Math.Sin(Math.PI * (t - start) / span);
                    }

                    wx += m * ux;
                    wy += m * uy;
                    wz += m * uz;
                    break;
                case 1:
                    if (t >= start && t <= start + span)
                    {
                        double envelope = 0.5 * (1 - Math.Cos(2 * Math.PI * (t - start) / span));
                        m = amplitude * envelope * Math.Sin((2 * Math.PI * frequency * (t - start)) + phase);
                    }

                    wx += m * ux;
                    wy += m * uy;
                    wz += m * uz;
                    break;
                case 2:
                    if (t >= start && t <= start + span)
                    {
                        double ramp = Math.Min(1.0, Math.Min(t - start, start + span - t) / 0.15);
                        double angle = (2 * Math.PI * frequency * (t - start) * person.CircleDirection) + phase;
                        double a = -amplitude * ramp;
                        double cx = a * Math.Cos(angle);
                        double cyv = a * Math.Sin(angle);
                        wx += cx;
                        wy += cyv * Math.Cos(extra);
                        wz += cyv * Math.Sin(extra);
                    }

                    break;
                case 3:
                    wz += Knock(t, start, amplitude, speed) + (second >= 0 ? Knock(t, second, amplitude * 0.85, speed) : 0);
                    break;
                default:
                    if (t >= start && t <= start + span)
                    {
                        m = amplitude * Math.Sin(2 * Math.PI * (t - start) / span);
                    }

                    wx += m * ux;
                    wy += m * uy;
                    wz += m * uz;
                    break;
            }

            // World -> sensor frame: Rᵀ · w.
            double sx = (r00 * wx) + (r10 * wy) + (r20 * wz);
            double sy2 = (r01 * wx) + (r11 * wy) + (r21 * wz);
            double sz = (r02 * wx) + (r12 * wy) + (r22 * wz);
            window[3 * k] = sx + biasX + (noise * Gaussian(random));
            window[(3 * k) + 1] = sy2 + biasY + (noise * Gaussian(random));
            window[(3 * k) + 2] = sz + biasZ + (noise * Gaussian(random));
        }
    }

    /// <summary>
    /// A tap at time <paramref name="at"/>: the hand accelerates down (a half-sine dip) and stops on the surface, which
    /// gives a sharp upward deceleration peak with damped ~12 Hz ringing.
    /// </summary>
    private static double Knock(double t, double at, double strength, double speed)
    {
        double approach = 0.18 / speed;
        double value = 0;
        if (t >= at - approach && t < at)
        {
            value -= 0.4 * strength * Math.Sin(Math.PI * (t - at + approach) / approach);
        }

        if (t >= at)
        {
            double dt = t - at;
            value += strength * Math.Exp(-dt / 0.05) * Math.Cos(2 * Math.PI * 12 * dt);
        }

        return value;
    }
}

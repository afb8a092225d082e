using System;
using System.Collections.Generic;
using System.Text;

namespace Bnn.Nano.Compiler.Speech;

/// <summary>
/// xoshiro256** seeded through SplitMix64: a random stream that is the same on every platform and .NET version
/// (unlike <see cref="Random"/>, whose algorithm is not a documented contract). Every random choice of the speech
/// corpus comes from one of these, seeded from the corpus seed and the identity of the thing being drawn.
/// </summary>
internal sealed class SeededRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public SeededRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>A stream for one named thing: seed, then any mix of numbers and strings (e.g. split, class, index).</summary>
    public static SeededRandom For(long seed, params object[] identity) => new(Mix(seed, identity));

    /// <summary>Hashes a seed and an identity (numbers and strings) into one 64-bit seed.</summary>
    public static ulong Mix(long seed, params object[] identity)
    {
        ulong h = (ulong)seed;
        h = Avalanche(h + 0x9E3779B97F4A7C15UL);
        foreach (object part in identity)
        {
            ulong v = part switch
            {
                int i => (ulong)(long)i,
                long l => (ulong)l,
                ulong u => u,
                string s => Fnv1a(s),
                _ => throw new ArgumentException("seed identity parts must be int, long, ulong or string", nameof(identity)),
            };
            h = Avalanche(h ^ Avalanche(v + 0x632BE59BD9B4E019UL));
        }

        return h;
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1), 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="count"/>), unbiased.</summary>
    public int Next(int count)
    {
        if (count <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "must be positive");
        }

        ulong bound = (ulong)count;
        ulong limit = ulong.MaxValue - (ulong.MaxValue % bound);
        ulong v;
        do
        {
            v = NextUInt64();
        }
        while (v >= limit);
        return (int)(v % bound);
    }

    /// <summary>Uniform integer in [<paramref name="low"/>, <paramref name="high"/>] (both included).</summary>
    public int NextInclusive(int low, int high) => low + Next(high - low + 1);

    /// <summary>Uniform in [low, high).</summary>
    public double Uniform(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>One of <paramref name="items"/>, uniformly.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(T[] items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        return Avalanche(x);
    }

    private static ulong Avalanche(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Fnv1a(string s)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (byte b in Encoding.UTF8.GetBytes(s))
        {
            h = (h ^ b) * 0x100000001B3UL;
        }

        return h;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.Loader;
using Bnn.Nano.FrontEnd;
using Bnn.Nano.Runtime.Model;

namespace Bnn.Nano.Compiler.Cost;

/// <summary>IL executed in one method during a measurement.</summary>
/// <param name="Instructions">IL instructions the method's own body executed (not its callees').</param>
/// <param name="Calls">Times the method was entered.</param>
public sealed record IlMethodCount(IlMethodName Method, long Instructions, long Calls);

/// <summary>
/// The IL instructions executed by instrumented code during one measurement: the total and, per method, its own
/// instructions and calls (methods that did not run are left out; the list is ordered by instructions, most first).
/// </summary>
public sealed record IlCount(long Total, IReadOnlyList<IlMethodCount> Methods)
{
    /// <summary>Instructions executed in the methods of <paramref name="typeName"/> (full name) called <paramref name="methodName"/>, all overloads.</summary>
    public long Of(string typeName, string methodName)
    {
        long sum = 0;
        foreach (IlMethodCount m in Methods)
        {
            if (m.Method.TypeName == typeName && m.Method.MethodName == methodName)
            {
                sum += m.Instructions;
            }
        }

        return sum;
    }

    /// <summary>Instructions executed in the methods of the type with this full name.</summary>
    public long OfType(string typeName)
    {
        long sum = 0;
        foreach (IlMethodCount m in Methods)
        {
            if (m.Method.TypeName == typeName)
            {
                sum += m.Instructions;
            }
        }

        return sum;
    }
}

/// <summary>One front-end frame measured by <see cref="IlExecutionCounter.MeasureFrontEndFrame"/>.</summary>
/// <param name="Offset">Sample offset of the frame in the audio.</param>
/// <param name="Features">The frame's features as the instrumented front end computed them.</param>
public sealed record FrontEndFrameIl(int Offset, long IlInstructions, sbyte[] Features, IlCount Detail);

/// <summary>One inference measured by <see cref="IlExecutionCounter.MeasureModelRun"/>.</summary>
/// <param name="IlInstructions">IL of <c>BnnModel.Run</c>, everything included.</param>
/// <param name="Class">The class Run returned.</param>
/// <param name="Scores">The model's class scores after the run.</param>
/// <param name="LayerIlInstructions">
/// IL per layer: for layer l, IL(RunLayers(input, l)) − IL(RunLayers(input, l − 1)), so layer 0 also carries
/// RunLayers' argument checks; the sum is IL(RunLayers(input, last)), a few instructions below Run's (its own call).
/// A convolution that runs fused with the max-pool after it (<c>BnnModel.RunsWithNextLayer</c>) carries the IL of
/// both, and the pool 0. Empty when not asked for.
/// </param>
public sealed record ModelRunIl(long IlInstructions, int Class, int[] Scores, IReadOnlyList<long> LayerIlInstructions, IlCount Detail);

/// <summary>
/// An exact counter of the IL instructions that the firmware code executes: the cost model of the nanoCLR
/// interpreter (docs/cost-model.md), measured instead of estimated.
/// <para>
/// How: copies of the host builds of the firmware libraries <c>Bnn.Nano.Runtime.dll</c> and
/// <c>Bnn.Nano.FrontEnd.dll</c> (the ones this process loaded) are rewritten with Mono.Cecil so that every basic block
/// counts its entries (<see cref="IlInstrumenter"/>), loaded into a collectible <see cref="AssemblyLoadContext"/>
/// (where each resolves the other to its instrumented copy; everything else, mscorlib included, is shared with the
/// process) and driven through reflection. The IL of block b times its entries, summed, is the IL executed: exact,
/// deterministic, independent of the host's JIT and timing.
/// </para>
/// <para>
/// Assumption: the host build's IL equals the device build's (compiled by the same Roslyn from the same sources; only
/// the referenced mscorlib differs). This holds for our integer code, instruction for instruction (a test compares
/// the per-method counts of the kernels and the front end against the device build); it needs an optimised (Release)
/// host build (<see cref="HostBuildsOptimized"/>): Debug adds <c>nop</c>s and local stores.
/// </para>
/// <para>
/// What counts: every IL instruction of the instrumented assemblies' methods (prefixes count as one). Calls into
/// mscorlib (<c>Array.Copy</c>, string building, <c>ToString</c>) count as their call instruction only: on nanoCLR those
/// are native. Static constructors are not counted (the device runs them once at boot); the counter runs them all
/// before the first measurement. An exception that leaves a block early still counts the whole block (at most one
/// block per throw too many). Calls made by reflection to start a measurement are not counted, only what they run.
/// </para>
/// Not thread-safe across measurements of one instance: measurements are serialised with a lock.
/// </summary>
public sealed class IlExecutionCounter : IDisposable
{
    /// <summary>The firmware libraries that <see cref="Create()"/> instruments (host builds).</summary>
    public static readonly string[] FirmwareAssemblies = ["Bnn.Nano.Runtime", "Bnn.Nano.FrontEnd"];

    private readonly InstrumentedContext _context;
    private readonly List<(Assembly Assembly, long[] Hits, IReadOnlyList<IlBlock> Blocks)> _assemblies = [];
    private readonly object _gate = new();
    private bool _disposed;

    private IlExecutionCounter(IReadOnlyList<string> paths)
    {
        Dictionary<string, (byte[] Image, IReadOnlyList<IlBlock> Blocks)> images = [];
        foreach (string path in paths)
        {
            images[Path.GetFileNameWithoutExtension(path)] = IlInstrumenter.Instrument(path);
        }

        _context = new InstrumentedContext(images.ToDictionary(kv => kv.Key, kv => kv.Value.Image));
        bool optimized = true;
        foreach (KeyValuePair<string, (byte[] Image, IReadOnlyList<IlBlock> Blocks)> image in images)
        {
            Assembly assembly = _context.LoadFromAssemblyName(new AssemblyName(image.Key));
            Type hitsType = assembly.GetType(IlInstrumenter.CounterNamespace + "." + IlInstrumenter.CounterTypeName, throwOnError: true)!;
            long[] hits = new long[image.Value.Blocks.Count];
            hitsType.GetField(IlInstrumenter.HitsFieldName)!.SetValue(null, hits);
            _assemblies.Add((assembly, hits, image.Value.Blocks));
            optimized &= assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;
        }

        HostBuildsOptimized = optimized;

        // Static constructors run now, uncounted (they are not instrumented either): on the device they run at boot.
        foreach ((Assembly assembly, _, _) in _assemblies)
        {
            foreach (Type type in assembly.GetTypes())
            {
                if (type.TypeInitializer != null)
                {
                    RuntimeHelpers.RunClassConstructor(type.TypeHandle);
                }
            }
        }
    }

    /// <summary>Paths of the instrumented originals.</summary>
    public IReadOnlyList<string> SourcePaths { get; private init; } = [];

    /// <summary>False when a host build was compiled without optimisation (Debug): its IL then differs from the Release device build's.</summary>
    public bool HostBuildsOptimized { get; }

    /// <summary>Basic blocks of every instrumented method.</summary>
    public IReadOnlyList<IlBlock> Blocks => [.. _assemblies.SelectMany(a => a.Blocks)];

    /// <summary>Instruments the host builds of <see cref="FirmwareAssemblies"/> (the DLLs this process loaded).</summary>
    public static IlExecutionCounter Create()
    {
        string[] paths = [typeof(BnnModel).Assembly.Location, typeof(AudioFrontEnd).Assembly.Location];
        return Create(paths);
    }

    /// <summary>
    /// Instruments the given assemblies (which may reference each other: each resolves to the other's instrumented
    /// copy). They must not need anything the process cannot load.
    /// </summary>
    public static IlExecutionCounter Create(IReadOnlyList<string> assemblyPaths)
    {
        ArgumentNullException.ThrowIfNull(assemblyPaths);
        foreach (string path in assemblyPaths)
        {
            if (string.IsNullOrEmpty(path) || !File.Exists(path))
            {
                throw new FileNotFoundException("assembly to instrument not found: '" + path + "'");
            }
        }

        return new IlExecutionCounter(assemblyPaths) { SourcePaths = [.. assemblyPaths] };
    }

    /// <summary>A type of the instrumented assemblies, by full name (nested types as Outer+Inner).</summary>
    public Type GetType(string fullName)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach ((Assembly assembly, _, _) in _assemblies)
        {
            Type? type = assembly.GetType(fullName);
            if (type != null)
            {
                return type;
            }
        }

        throw new ArgumentException("type '" + fullName + "' is not in the instrumented assemblies", nameof(fullName));
    }

    /// <summary>A new instance of an instrumented type (constructor chosen by the arguments' types).</summary>
    public object New(string typeName, params object?[] args)
    {
        Type type = GetType(typeName);
        ConstructorInfo constructor = Pick(type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance), args, type.FullName + " constructor");
        return Unwrap(() => constructor.Invoke(args))!;
    }

    /// <summary>Calls an instance method of an instrumented object (overload chosen by the arguments' types).</summary>
    public static object? Call(object target, string methodName, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(target);
        Type type = target.GetType();
        MethodInfo method = Pick(type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance).Where(m => m.Name == methodName), args, type.FullName + "." + methodName);
        return Unwrap(() => method.Invoke(target, args));
    }

    /// <summary>Calls a static method of an instrumented type (overload chosen by the arguments' types).</summary>
    public object? CallStatic(string typeName, string methodName, params object?[] args)
    {
        Type type = GetType(typeName);
        MethodInfo method = Pick(type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).Where(m => m.Name == methodName), args, typeName + "." + methodName);
        return Unwrap(() => method.Invoke(null, args));
    }

    /// <summary>Reads a property of an instrumented object.</summary>
    public static object? Get(object target, string propertyName)
    {
        ArgumentNullException.ThrowIfNull(target);
        PropertyInfo property = target.GetType().GetProperty(propertyName, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new ArgumentException(target.GetType().FullName + " has no property " + propertyName, nameof(propertyName));
        return Unwrap(() => property.GetValue(target));
    }

    /// <summary>Runs <paramref name="action"/> (which calls into the instrumented assemblies) and counts the IL it executed there.</summary>
    public IlCount Measure(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_gate)
        {
            foreach ((_, long[] hits, _) in _assemblies)
            {
                Array.Clear(hits);
            }

            action();
            return Collect();
        }
    }

    /// <summary>
    /// IL of one <c>AudioFrontEnd.ProcessFrame(short[], int, sbyte[], int)</c> on pcm[offset..] with a front end of
    /// <paramref name="config"/> (built before the measurement, uncounted).
    /// </summary>
    public FrontEndFrameIl MeasureFrontEndFrame(FrontEndConfig config, short[] pcm, int offset)
    {
        return MeasureFrontEndFrames(config, pcm, [offset])[0];
    }

    /// <summary>
    /// IL of <c>ProcessFrame</c> for each frame at the given offsets (one front end for all, as on a node; every
    /// frame is measured on its own). Without offsets: every frame of the audio at 0, hop, 2·hop, ...
    /// </summary>
    public IReadOnlyList<FrontEndFrameIl> MeasureFrontEndFrames(FrontEndConfig config, short[] pcm, IReadOnlyList<int>? offsets = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(pcm);
        object frontEnd = New(typeof(AudioFrontEnd).FullName!, NewFrontEndConfig(config));
        if (offsets == null)
        {
            List<int> all = [];
            for (int at = 0; at + config.WindowLength <= pcm.Length; at += config.HopLength)
            {
                all.Add(at);
            }

            offsets = all;
        }

        List<FrontEndFrameIl> frames = [];
        foreach (int offset in offsets)
        {
            sbyte[] features = new sbyte[config.BandCount];
            IlCount count = Measure(() => Call(frontEnd, nameof(AudioFrontEnd.ProcessFrame), pcm, offset, features, 0));
            frames.Add(new FrontEndFrameIl(offset, count.Total, features, count));
        }

        return frames;
    }

    /// <summary>An instrumented <see cref="FrontEndConfig"/> with every property of <paramref name="config"/>.</summary>
    public object NewFrontEndConfig(FrontEndConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        object copy = New(typeof(FrontEndConfig).FullName!);
        foreach (PropertyInfo property in typeof(FrontEndConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.CanRead && property.CanWrite)
            {
                copy.GetType().GetProperty(property.Name)!.SetValue(copy, property.GetValue(config));
            }
        }

        return copy;
    }

    /// <summary>
    /// IL of one <c>BnnModel.Run(input)</c> of the model in <paramref name="blob"/> (loaded before the measurement,
    /// uncounted); with <paramref name="perLayer"/>, also the IL of each layer (the network is then run once more per
    /// layer, see <see cref="ModelRunIl.LayerIlInstructions"/>).
    /// </summary>
    public ModelRunIl MeasureModelRun(byte[] blob, byte[] input, bool perLayer = true)
    {
        return MeasureModelRun(LoadModel(blob), input, perLayer);
    }

    /// <summary>As <see cref="MeasureModelRun(byte[], byte[], bool)"/> on a model loaded by <see cref="LoadModel"/>.</summary>
    public ModelRunIl MeasureModelRun(object model, byte[] input, bool perLayer = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        int cls = 0;
        IlCount run = Measure(() => cls = (int)Call(model, nameof(BnnModel.Run), input)!);
        int[] scores = (int[])((int[])Get(model, nameof(BnnModel.Scores))!).Clone();
        List<long> layers = [];
        if (perLayer)
        {
            int count = (int)Get(model, nameof(BnnModel.LayerCount))!;
            long before = 0;
            for (int l = 0; l < count; l++)
            {
                // A fused pair runs as one kernel only when both layers run: measure it as a whole.
                bool fused = (bool)Call(model, nameof(BnnModel.RunsWithNextLayer), l)!;
                int last = fused ? l + 1 : l;
                long upTo = Measure(() => Call(model, nameof(BnnModel.RunLayers), input, last)).Total;
                layers.Add(upTo - before);
                before = upTo;
                if (fused)
                {
                    layers.Add(0);
                    l++;
                }
            }
        }

        return new ModelRunIl(run.Total, cls, scores, layers, run);
    }

    /// <summary>The instrumented <c>BnnModel</c> of a blob (loading is not measured).</summary>
    public object LoadModel(byte[] blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return CallStatic(typeof(BlobReader).FullName!, nameof(BlobReader.Load), blob)!;
    }

    /// <summary>Unloads the instrumented assemblies (once nothing references their objects any more).</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _assemblies.Clear();
            _context.Unload();
        }
    }

    private IlCount Collect()
    {
        long total = 0;
        Dictionary<IlMethodName, (long Instructions, long Calls)> methods = [];
        foreach ((_, long[] hits, IReadOnlyList<IlBlock> blocks) in _assemblies)
        {
            for (int b = 0; b < hits.Length; b++)
            {
                long n = hits[b];
                if (n == 0)
                {
                    continue;
                }

                IlBlock block = blocks[b];
                long il = n * block.Instructions;
                total += il;
                methods.TryGetValue(block.Method, out (long Instructions, long Calls) m);
                methods[block.Method] = (m.Instructions + il, m.Calls + (block.IsEntry ? n : 0));
            }
        }

        List<IlMethodCount> list = [.. methods.Select(kv => new IlMethodCount(kv.Key, kv.Value.Instructions, kv.Value.Calls))];
        list.Sort((a, b) => a.Instructions != b.Instructions ? b.Instructions.CompareTo(a.Instructions) : string.CompareOrdinal(a.Method.ToString(), b.Method.ToString()));
        return new IlCount(total, list);
    }

    private static T Pick<T>(IEnumerable<T> candidates, object?[] args, string what)
        where T : MethodBase
    {
        List<T> fits = [];
        foreach (T candidate in candidates)
        {
            ParameterInfo[] parameters = candidate.GetParameters();
            bool fit = parameters.Length == args.Length;
            for (int i = 0; fit && i < parameters.Length; i++)
            {
                Type p = parameters[i].ParameterType;
                fit = args[i] == null ? !p.IsValueType : p.IsInstanceOfType(args[i]);
            }

            if (fit)
            {
                fits.Add(candidate);
            }
        }

        return fits.Count == 1 ? fits[0] : throw new ArgumentException(fits.Count + " overloads of " + what + " take these arguments");
    }

    private static object? Unwrap(Func<object?> call)
    {
        try
        {
            return call();
        }
        catch (TargetInvocationException e) when (e.InnerException != null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    /// <summary>Resolves the instrumented assemblies to their rewritten images, everything else to the process's.</summary>
    private sealed class InstrumentedContext : AssemblyLoadContext
    {
        private readonly Dictionary<string, byte[]> _images;
        private readonly Dictionary<string, Assembly> _loaded = [];

        public InstrumentedContext(Dictionary<string, byte[]> images)
            : base("Bnn.Nano IL execution counter", isCollectible: true)
        {
            _images = images;
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string? name = assemblyName.Name;
            if (name == null || !_images.TryGetValue(name, out byte[]? image))
            {
                return null;
            }

            lock (_loaded)
            {
                if (!_loaded.TryGetValue(name, out Assembly? assembly))
                {
                    using MemoryStream stream = new(image, writable: false);
                    assembly = LoadFromStream(stream);
                    _loaded[name] = assembly;
                }

                return assembly;
            }
        }
    }
}

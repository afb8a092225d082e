using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Bnn.Nano.Compiler.Cost;
using Bnn.Nano.Compiler.Emit;
using Bnn.Nano.Compiler.Ir;
using Bnn.Nano.Compiler.Passes;
using Bnn.Nano.FrontEnd;
using Bnn.Nano.Runtime.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Xunit;
using Xunit.Abstractions;

namespace Bnn.Nano.Tests.Cost;

/// <summary>
/// The exact IL counter (<see cref="IlExecutionCounter"/>): counts checked against static IL counts of the device
/// build (<see cref="IlCostInspector"/>, an independent decoder), determinism, results identical to the uninstrumented
/// code, the host-vs-device IL assumption it rests on, and the cost per second of audio of the default front end.
/// </summary>
public class IlExecutionCounterTests
{
    private const string DotKernels = "Bnn.Nano.Runtime.Kernels.BinaryDotKernels";

    private readonly ITestOutputHelper _output;

    public IlExecutionCounterTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void a_method_without_branches_executes_exactly_its_il_instructions()
    {
        using IlExecutionCounter counter = IlExecutionCounter.Create();
        MethodIlCost popcount = FindDevice("Bnn.Nano.Runtime", "Bnn.Nano.Runtime.Kernels.Popcount", "CountU64");
        MethodIlCost run = FindDevice("Bnn.Nano.Runtime", "Bnn.Nano.Runtime.Model.BnnModel", "Run");
        Assert.Empty(popcount.Loops);

        int result = 0;
        IlCount count = counter.Measure(() => result = (int)counter.CallStatic("Bnn.Nano.Runtime.Kernels.Popcount", "CountU64", 0xF0F0_0000_1234_5678UL)!);

        Assert.Equal(System.Numerics.BitOperations.PopCount(0xF0F0_0000_1234_5678UL), result);
        Assert.Equal(popcount.IlInstructions, count.Total);
        IlMethodCount only = Assert.Single(count.Methods);
        Assert.Equal(1, only.Calls);

        // BnnModel.Run is one block too (it calls RunLayers): the per-layer counts of a run add up to the run minus Run's own body.
        Assert.Single(counter.Blocks, b => b.Method.TypeName == run.TypeName && b.Method.MethodName == "Run");
        byte[] blob = BlobWriter.Write(ModelCompiler.Compile(RandomNetworks.CreateConv(5, new TensorShape(6, 5, 3), true, 4)));
        byte[] input = RandomNetworks.Inputs(6, 1, 90, true, 4).Features;
        ModelRunIl measured = counter.MeasureModelRun(blob, input);
        Assert.Equal(measured.IlInstructions - run.IlInstructions, measured.LayerIlInstructions.Sum());
        Assert.Equal(run.IlInstructions, measured.Detail.Of(run.TypeName, "Run"));
    }

    [Fact]
    public void kernel_il_grows_by_its_inner_loop_body_per_extra_iteration()
    {
        using IlExecutionCounter counter = IlExecutionCounter.Create();
        int swarLoop = Assert.Single(FindDevice("Bnn.Nano.Runtime", DotKernels, "SwarU64").InnermostLoops).IlInstructions;
        int blockLoop = FindDevice("Bnn.Nano.Runtime", DotKernels, "HarleySealU64").InnermostLoops.Max(l => l.IlInstructions);
        int decodeLoop = Assert.Single(FindDevice("Bnn.Nano.FrontEnd", "Bnn.Nano.FrontEnd.AudioFrontEnd", "DecodePcm16").InnermostLoops).IlInstructions;

        // One output row of 3 and of 11 words: 8 more iterations of SwarU64's word loop.
        long swar3 = MeasureDot(counter, "SwarU64", 3);
        long swar11 = MeasureDot(counter, "SwarU64", 11);
        Assert.Equal(8L * swarLoop, swar11 - swar3);

        // 8, 24 and 27 words: 2 more 8-word blocks, then 3 more words of the SWAR tail (the same body as SwarU64's loop).
        long hs8 = MeasureDot(counter, "HarleySealU64", 8);
        long hs24 = MeasureDot(counter, "HarleySealU64", 24);
        long hs27 = MeasureDot(counter, "HarleySealU64", 27);
        Assert.Equal(2L * blockLoop, hs24 - hs8);
        Assert.Equal(3L * swarLoop, hs27 - hs24);

        long decode10 = MeasureDecode(counter, 10);
        long decode50 = MeasureDecode(counter, 50);
        Assert.Equal(40L * decodeLoop, decode50 - decode10);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SwarU64 row of 3 words {swar3} IL, 11 words {swar11}; HarleySealU64 8 words {hs8}, 24 {hs24}, 27 {hs27}; loops {swarLoop} / {blockLoop}"));
    }

    [Fact]
    public void branches_switch_exception_handlers_and_stack_joins_keep_working_and_count_exactly()
    {
        string folder = Path.Combine(Path.GetTempPath(), "il-counter-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string path = CompileProbe(folder);
            AssemblyLoadContext plain = new("plain probe", isCollectible: true);
            try
            {
                Type original = plain.LoadFromAssemblyPath(path).GetType("Probe")!;
                using IlExecutionCounter counter = IlExecutionCounter.Create([path]);
                foreach (string method in new[] { "Straight", "Loop", "Switch", "Nested", "Join", "Filter", "Rethrow" })
                {
                    foreach (int k in new[] { -7, -1, 0, 1, 2, 3, 4, 6, 9, 40 })
                    {
                        object? expected = Invoke(original, method, k);
                        object? actual = null;
                        counter.Measure(() => actual = counter.CallStatic("Probe", method, k));
                        Assert.Equal(expected, actual);
                    }
                }

                // Straight has no branches; Loop's count grows by its loop body per iteration (IlCostInspector's counts).
                IReadOnlyList<MethodIlCost> statics = IlCostInspector.Inspect(path);
                MethodIlCost straight = statics.Single(m => m.MethodName == "Straight");
                Assert.Empty(straight.Loops);
                Assert.Equal(straight.IlInstructions, counter.Measure(() => counter.CallStatic("Probe", "Straight", 5)).Total);
                int loop = Assert.Single(statics.Single(m => m.MethodName == "Loop").Loops).IlInstructions;
                Assert.Equal(37L * loop, counter.Measure(() => counter.CallStatic("Probe", "Loop", 40)).Total - counter.Measure(() => counter.CallStatic("Probe", "Loop", 3)).Total);

                // An exception leaving instrumented code arrives as itself, not wrapped.
                Assert.Throws<InvalidOperationException>(() => counter.CallStatic("Probe", "Throws", 1));
            }
            finally
            {
                plain.Unload();
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void counts_are_identical_across_runs_and_counters()
    {
        FrontEndConfig config = new();
        short[] pcm = SpeechLikeSignal.Generate(config.SampleRateHz, 4000, 3);
        byte[] blob = BlobWriter.Write(ModelCompiler.Compile(RandomNetworks.CreateConv(11, new TensorShape(8, 7, 2), true, 5)));
        byte[] input = RandomNetworks.Inputs(12, 1, 8 * 7 * 2, true, 5).Features;

        List<string> runs = [];
        for (int c = 0; c < 2; c++)
        {
            using IlExecutionCounter counter = IlExecutionCounter.Create();
            for (int r = 0; r < 2; r++)
            {
                IReadOnlyList<FrontEndFrameIl> frames = counter.MeasureFrontEndFrames(config, pcm);
                ModelRunIl run = counter.MeasureModelRun(blob, input);
                runs.Add(string.Join(";", frames.Select(f => Describe(f.Detail))) + "|" + Describe(run.Detail) + "|" + string.Join(",", run.LayerIlInstructions));
            }
        }

        Assert.True(runs[0].Length > 100, runs[0]);
        Assert.All(runs, r => Assert.Equal(runs[0], r));
    }

    [Fact]
    public void instrumented_code_computes_what_the_original_computes()
    {
        using IlExecutionCounter counter = IlExecutionCounter.Create();
        FrontEndConfig plain = new();
        FrontEndConfig emphasis = new() { PreEmphasisQ15 = 31130, WindowLength = 401, HopLength = 160, BandCount = 32 };
        foreach (FrontEndConfig config in new[] { plain, emphasis })
        {
            short[] pcm = SpeechLikeSignal.Generate(config.SampleRateHz, 8000, 5);
            AudioFrontEnd reference = new(config);
            IReadOnlyList<FrontEndFrameIl> frames = counter.MeasureFrontEndFrames(config, pcm);
            Assert.True(frames.Count > 10);
            foreach (FrontEndFrameIl frame in frames)
            {
                sbyte[] expected = new sbyte[config.BandCount];
                reference.ProcessFrame(pcm, frame.Offset, expected, 0);
                Assert.Equal(expected, frame.Features);
                Assert.True(frame.IlInstructions > 0);
            }
        }

        for (int seed = 0; seed < 6; seed++)
        {
            BnnNetwork network = seed % 2 == 0
                ? RandomNetworks.CreateConv(100 + seed, new TensorShape(7 + seed, 6, 1 + seed), seed % 3 == 0, 3 + seed)
                : RandomNetworks.Create(100 + seed, 50 + (30 * seed), seed % 3 == 0, [40 + seed, 33], 3 + seed);
            byte[] blob = BlobWriter.Write(ModelCompiler.Compile(network));
            BnnModel host = BlobReader.Load(blob);
            object instrumented = counter.LoadModel(blob);
            byte[] features = RandomNetworks.Inputs(200 + seed, 4, network.InputLength, network.InputSigned, network.ClassCount).Features;
            for (int i = 0; i < 4; i++)
            {
                byte[] input = features.AsSpan(i * network.InputLength, network.InputLength).ToArray();
                int expected = host.Run(input);
                ModelRunIl run = counter.MeasureModelRun(instrumented, input, perLayer: false);
                Assert.Equal(expected, run.Class);
                Assert.Equal(host.Scores.Take(network.ClassCount), run.Scores.Take(network.ClassCount));
                Assert.True(run.IlInstructions > 0);
            }
        }
    }

    [Fact]
    public void host_and_device_builds_have_the_same_il_on_every_path_that_does_not_throw()
    {
        // The counter runs the host builds; the device interprets the device builds. Both are compiled by the same
        // Roslyn from the same sources, so their IL must match instruction for instruction, except in blocks that end
        // in `throw` (message building calls string.Concat overloads that only one mscorlib has).
        int compared = 0;
        foreach ((string library, string hostPath) in HostBuilds())
        {
            string devicePath = DeviceBuild(library);
            Dictionary<string, MethodDefinition> host = Methods(hostPath);
            Dictionary<string, MethodDefinition> device = Methods(devicePath);
            Assert.Equal(host.Keys.Order(StringComparer.Ordinal), device.Keys.Order(StringComparer.Ordinal));
            Dictionary<string, int> hostStatic = StaticCounts(hostPath);
            Dictionary<string, int> deviceStatic = StaticCounts(devicePath);
            foreach ((string name, MethodDefinition hostMethod) in host)
            {
                List<string> hostBlocks = ExecutableBlocks(hostMethod, out bool hostThrows);
                List<string> deviceBlocks = ExecutableBlocks(device[name], out bool deviceThrows);
                Assert.True(hostBlocks.SequenceEqual(deviceBlocks), library + " " + name + ": the IL differs between the host and the device build");
                Assert.Equal(hostThrows, deviceThrows);
                if (hostThrows && hostStatic[StaticKey(hostMethod)] != deviceStatic[StaticKey(hostMethod)])
                {
                    _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {hostStatic[StaticKey(hostMethod)]} IL on the host, {deviceStatic[StaticKey(hostMethod)]} on the device, all of the difference in throw blocks"));
                }

                if (!hostThrows)
                {
                    // Without throw blocks, the independent decoder must count the same instructions in both.
                    Assert.True(hostStatic[StaticKey(hostMethod)] == deviceStatic[StaticKey(hostMethod)], name);
                }

                compared++;
            }
        }

        _output.WriteLine(compared + " methods compared");
        Assert.True(compared > 100, compared + " methods compared");
    }

    [Fact]
    public void default_front_end_and_a_keyword_shaped_network_cost_per_second_of_audio()
    {
        // The front end of the keyword model (FrontEndConfig defaults) and a network of the keyword model's shape
        // (conv 32 - pool - conv 64 - pool - conv 64 - pool - dense 128 - int8 head of 12) with random weights,
        // an inference every 1,600 samples. Prints the numbers of docs/cost-model.md.
        FrontEndConfig config = new();
        byte[] blob = KeywordShapedBlob(config, 1600);
        using IlExecutionCounter counter = IlExecutionCounter.Create();
        StreamingCost cost = StreamingCost.Measure(blob, counter);
        _output.WriteLine(cost.Summary());

        Assert.Equal(16000.0 / 320, cost.FramesPerSecond);
        Assert.Equal(10, cost.InferencesPerSecond);
        AudioFrontEnd frontEnd = new(config);
        long multiplies = 0, adds = 0;
        for (int s = 0; s < AudioFrontEnd.StageCount; s++)
        {
            multiplies += frontEnd.GetStageMultiplies(s);
            adds += frontEnd.GetStageAdds(s);
        }

        Assert.Equal(multiplies * 50, cost.FrontEndMultipliesPerSecond);
        Assert.Equal(adds * 50, cost.FrontEndAddsPerSecond);
        Assert.Equal(ModelReport.Build(blob).BinaryOps * 10.0, cost.NetworkBinaryOpsPerSecond);
        Assert.InRange(cost.FrameIlMean, cost.FrameIlMin, cost.FrameIlMax);
        Assert.True(cost.FrameIlMin > 0 && cost.HopIlMin > 0 && cost.NetworkIlMin > 0 && cost.CopyIl > 0);

        // The audio: one feature window (480 + 48 hops) and one more second, in whole hops; ProcessFrame measured
        // every frame of it, the node loop one frame per hop until its 11th inference (after 49 + 10 · 5 frames).
        int samples = (15840 + 16000 + 319) / 320 * 320;
        Assert.Equal(((samples - 480) / 320) + 1, cost.FramesMeasured);
        Assert.Equal(49 + (10 * 5), cost.HopsMeasured);
        Assert.Equal(11, cost.InferencesMeasured);

        // The node streams (the window slides by 5 of its 49 frames): the first inference computes every row, the
        // later ones only the rows the new frames change; the full Run on the costliest input computes every row.
        Assert.True(cost.Streaming);
        Assert.InRange(cost.NetworkIlMax, 1, cost.FirstInferenceIl - 1);
        Assert.InRange(cost.NetworkIlMax, 1, cost.MaxRun.IlInstructions - 1);
        Assert.Equal(cost.MaxRun.IlInstructions - FindDevice("Bnn.Nano.Runtime", "Bnn.Nano.Runtime.Model.BnnModel", "Run").IlInstructions, cost.MaxRun.LayerIlInstructions.Sum());
        Assert.Equal((50.0 * cost.HopIlMax) + (10.0 * (cost.CopyIl + cost.NetworkIlMax)), cost.IlPerSecond);
        Assert.Equal(cost.IlPerSecond / 4_000_000, cost.RealTimeFactor(), 12);
        Assert.Equal((double)cost.MaxRun.IlInstructions / ModelReport.Build(blob).EstimatedIlOps, cost.ExactToStaticRatio, 12);
    }

    /// <summary>A network of the keyword model's shape over the front end's frames × bands, random weights, with the front end's properties.</summary>
    internal static byte[] KeywordShapedBlob(FrontEndConfig config, int inferenceHop)
    {
        Random random = new(7);
        TensorShape input = new(config.FrameCount, config.BandCount, 1);
        List<NetworkLayer> layers =
        [
            new Conv2dLayer(1, 32, 3, 3, 1, 1, 1, 1, 1, 1, 0, Weights(random, 32 * 9), Norm(random, 32, 74 * 3)),
            new MaxPool2dLayer(2, 2, 2, 2),
            new Conv2dLayer(32, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, Weights(random, 64 * 9 * 32), Norm(random, 64, Math.Sqrt(9 * 32))),
            new MaxPool2dLayer(2, 2, 2, 2),
            new Conv2dLayer(64, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, Weights(random, 64 * 9 * 64), Norm(random, 64, Math.Sqrt(9 * 64))),
            new MaxPool2dLayer(2, 2, 2, 2),
        ];
        TensorShape shape = input;
        foreach (NetworkLayer layer in layers)
        {
            shape = layer.OutputShape(shape);
        }

        layers.Add(new DenseLayer(shape.Count, 128, Weights(random, shape.Count * 128), Norm(random, 128, Math.Sqrt(shape.Count))));
        sbyte[] head = new sbyte[128 * 12];
        for (int i = 0; i < head.Length; i++)
        {
            head[i] = (sbyte)random.Next(-127, 128);
        }

        layers.Add(new Int8HeadLayer(128, 12, head, new int[12], 0.01f));
        string[] classes = [.. Enumerable.Range(0, 12).Select(c => "class" + c.ToString(CultureInfo.InvariantCulture))];
        BnnNetwork network = new(input, true, layers, classes, AudioProperties(config, inferenceHop));
        return BlobWriter.Write(ModelCompiler.Compile(network));
    }

    /// <summary>The front end's properties (keys 16..28), its sample rate and the inference hop.</summary>
    internal static Dictionary<int, int> AudioProperties(FrontEndConfig config, int inferenceHop)
    {
        int[] keys = new int[FrontEndProperty.Count];
        int[] values = new int[FrontEndProperty.Count];
        config.ToProperties(keys, values, 0);
        Dictionary<int, int> properties = new()
        {
            [ModelProperty.SampleRateHz] = config.SampleRateHz,
            [ModelProperty.WindowHop] = inferenceHop,
        };
        for (int i = 0; i < keys.Length; i++)
        {
            properties[keys[i]] = values[i];
        }

        return properties;
    }

    private static float[] Weights(Random random, int count)
    {
        float[] weights = new float[count];
        for (int i = 0; i < count; i++)
        {
            weights[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return weights;
    }

    private static BatchNorm Norm(Random random, int outputs, double spread)
    {
        float[] gamma = new float[outputs], beta = new float[outputs], mean = new float[outputs], variance = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            gamma[o] = 1;
            mean[o] = (float)((random.NextDouble() - 0.5) * spread * 0.5);
            variance[o] = (float)(spread * spread);
        }

        return new BatchNorm(gamma, beta, mean, variance, 1e-4f);
    }

    private static long MeasureDot(IlExecutionCounter counter, string kernel, int words)
    {
        Random random = new(words);
        ulong[] input = new ulong[words];
        ulong[] weights = new ulong[words];
        for (int i = 0; i < words; i++)
        {
            input[i] = (ulong)random.NextInt64();
            weights[i] = (ulong)random.NextInt64();
        }

        int[] dots = new int[1];
        long il = counter.Measure(() => counter.CallStatic(DotKernels, kernel, input, 0, words * 64, weights, words, 1, dots)).Total;
        int expected = words * 64;
        for (int i = 0; i < words; i++)
        {
            expected -= 2 * System.Numerics.BitOperations.PopCount(input[i] ^ weights[i]);
        }

        Assert.Equal(expected, dots[0]);
        return il;
    }

    private static long MeasureDecode(IlExecutionCounter counter, int samples)
    {
        byte[] bytes = new byte[2 * samples];
        short[] decoded = new short[samples];
        return counter.Measure(() => counter.CallStatic("Bnn.Nano.FrontEnd.AudioFrontEnd", "DecodePcm16", bytes, 0, decoded, 0, samples)).Total;
    }

    private static string CompileProbe(string folder)
    {
        const string source = """
            using System;
            public static class Probe
            {
                public static int Straight(int a) { return ((a * 3) + 7) ^ (a - 11); }
                public static int Loop(int n) { int s = 0; for (int i = 0; i < n; i++) { s += i * i; } return s; }
                public static int Switch(int k)
                {
                    switch (k) { case 0: return 10; case 1: return 20; case 2: return 30; case 3: return 45; default: return -1; }
                }
                public static int Nested(int k)
                {
                    int r = 0;
                    try
                    {
                        try { if (k == 1 || k > 30) { throw new InvalidOperationException("x"); } r = 1; }
                        finally { r += 10; }
                    }
                    catch (InvalidOperationException) { r += 100; }
                    return r;
                }
                public static int Join(int a) { return 5 + (a > 0 ? a : -a) * (a > 2 ? 3 : 7); }
                public static int Filter(int k)
                {
                    try { if (k > 0) { throw new ArgumentException("x"); } return 0; }
                    catch (ArgumentException) when (k > 5) { return 2; }
                    catch (ArgumentException) { return 1; }
                }
                public static int Rethrow(int k)
                {
                    try
                    {
                        try { if (k < 0) { throw new InvalidOperationException(); } return k; }
                        catch (InvalidOperationException) { if (k < -3) { throw; } return -k; }
                    }
                    catch (InvalidOperationException) { return 999; }
                }
                public static int Throws(int k) { if (k > 0) { throw new InvalidOperationException(); } return k; }
            }
            """;
        CSharpCompilation compilation = CSharpCompilation.Create(
            "IlCounterProbe",
            [CSharpSyntaxTree.ParseText(source)],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));
        string path = Path.Combine(folder, "IlCounterProbe.dll");
        EmitResult result = compilation.Emit(path);
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        return path;
    }

    private static object? Invoke(Type type, string method, int argument)
    {
        return type.GetMethod(method)!.Invoke(null, [argument]);
    }

    private static string Describe(IlCount count)
    {
        return count.Total.ToString(CultureInfo.InvariantCulture) + ":" + string.Join(",", count.Methods.Select(m => m.Method + "=" + m.Instructions.ToString(CultureInfo.InvariantCulture) + "/" + m.Calls.ToString(CultureInfo.InvariantCulture)));
    }

    private static IEnumerable<(string Library, string HostPath)> HostBuilds()
    {
        yield return ("Bnn.Nano.Runtime", typeof(BnnModel).Assembly.Location);
        yield return ("Bnn.Nano.FrontEnd", typeof(AudioFrontEnd).Assembly.Location);
    }

    /// <summary>Every method with a body of the project's own types ("Bnn.Nano.*"), by type, name and parameters.</summary>
    private static Dictionary<string, MethodDefinition> Methods(string path)
    {
        ModuleDefinition module = ModuleDefinition.ReadModule(path, new ReaderParameters { InMemory = true });
        Dictionary<string, MethodDefinition> methods = [];
        foreach (TypeDefinition type in module.GetTypes())
        {
            if (!type.FullName.StartsWith("Bnn.Nano.", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (MethodDefinition method in type.Methods)
            {
                if (method.HasBody)
                {
                    methods.Add(type.FullName + "::" + method.Name + "(" + string.Join(",", method.Parameters.Select(p => p.ParameterType.FullName)) + ")", method);
                }
            }
        }

        return methods;
    }

    /// <summary>The opcodes of each basic block that does not end in <c>throw</c>; <paramref name="throws"/>: whether any does.</summary>
    private static List<string> ExecutableBlocks(MethodDefinition method, out bool throws)
    {
        IList<Instruction> code = method.Body.Instructions;
        HashSet<Instruction> leaders = [code[0]];
        for (int i = 0; i < code.Count; i++)
        {
            if (code[i].Operand is Instruction target)
            {
                leaders.Add(target);
            }
            else if (code[i].Operand is Instruction[] targets)
            {
                leaders.UnionWith(targets);
            }

            if (code[i].OpCode.FlowControl is FlowControl.Branch or FlowControl.Cond_Branch or FlowControl.Return or FlowControl.Throw && i + 1 < code.Count)
            {
                leaders.Add(code[i + 1]);
            }
        }

        foreach (ExceptionHandler handler in method.Body.ExceptionHandlers)
        {
            leaders.UnionWith(new[] { handler.TryStart, handler.TryEnd, handler.HandlerStart, handler.HandlerEnd, handler.FilterStart }.Where(x => x != null));
        }

        List<string> blocks = [];
        List<string> current = [];
        throws = false;
        for (int i = 0; i < code.Count; i++)
        {
            current.Add(code[i].OpCode.Name);
            if (i + 1 == code.Count || leaders.Contains(code[i + 1]))
            {
                if (code[i].OpCode.Code == Code.Throw)
                {
                    throws = true;
                }
                else
                {
                    blocks.Add(string.Join(" ", current));
                }

                current.Clear();
            }
        }

        return blocks;
    }

    private static Dictionary<string, int> StaticCounts(string path)
    {
        Dictionary<string, int> counts = [];
        foreach (IGrouping<string, MethodIlCost> group in IlCostInspector.Inspect(path).GroupBy(m => m.TypeName + "." + m.MethodName))
        {
            // Overloads share a key: keep it only when they agree (then the comparison is still exact).
            counts[group.Key] = group.Select(m => m.IlInstructions).Distinct().Count() == 1 ? group.First().IlInstructions : -group.Count();
        }

        return counts;
    }

    private static string StaticKey(MethodDefinition method)
    {
        return method.DeclaringType.FullName.Replace('/', '+') + "." + method.Name;
    }

    private static MethodIlCost FindDevice(string library, string typeName, string methodName)
    {
        return IlCostInspector.Inspect(DeviceBuild(library)).Single(m => m.TypeName == typeName && m.MethodName == methodName);
    }

    /// <summary>
    /// The Release device build of a firmware library (<see cref="DeviceBuilds.Release"/>), to compare with this
    /// process's host builds, which must then be optimised too.
    /// </summary>
    private static string DeviceBuild(string library)
    {
        if (typeof(BnnModel).Assembly.GetCustomAttribute<System.Diagnostics.DebuggableAttribute>()?.IsJITOptimizerDisabled == true)
        {
            Assert.Fail("the IL comparisons with the device build need Release host builds: run the README's test command, dotnet test Bnn.Nano.sln -c Release");
        }

        return DeviceBuilds.Release(library);
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

namespace Bnn.Nano.Compiler.Cost;

/// <summary>
/// One basic block of an instrumented method: a straight run of IL that is always executed as a whole once entered
/// (up to an exception), starting at a leader: the method entry, a branch or switch target, the instruction after a
/// branch, <c>ret</c>, <c>throw</c>, <c>rethrow</c>, <c>leave</c>, <c>endfinally</c> or <c>endfilter</c>, or the start
/// of a protected region, handler or filter.
/// </summary>
/// <param name="Method">The method holding the block.</param>
/// <param name="Offset">IL offset of the block's first instruction in the original (uninstrumented) body.</param>
/// <param name="Instructions">Original IL instructions in the block (prefixes such as <c>constrained.</c> count as one).</param>
/// <param name="IsEntry">True for the block at the method's entry: its hits are the method's calls.</param>
public sealed record IlBlock(IlMethodName Method, int Offset, int Instructions, bool IsEntry);

/// <summary>A method of an instrumented assembly.</summary>
/// <param name="TypeName">Full name of the declaring type, nested types as Outer+Inner (as <see cref="IlCostInspector"/> names them).</param>
/// <param name="MethodName">The method's name (".ctor" for constructors).</param>
/// <param name="Parameters">Parameter types, comma-separated, as C# spells the primitive ones ("short[],int,sbyte[],int").</param>
public sealed record IlMethodName(string TypeName, string MethodName, string Parameters)
{
    /// <summary>Type name without its namespace, then the method: "AudioFrontEnd.ProcessFrame".</summary>
    public string ShortName
    {
        get
        {
            int dot = TypeName.LastIndexOf('.');
            return (dot < 0 ? TypeName : TypeName[(dot + 1)..]) + "." + MethodName;
        }
    }

    public override string ToString() => ShortName + "(" + Parameters + ")";
}

/// <summary>
/// Rewrites an assembly with Mono.Cecil so that every basic block first adds one to its own element of a
/// <c>long[]</c> (a static field of an injected class): the hits of block b times its original instruction count is
/// the IL that block executed. Branches, <c>switch</c> tables and exception-handler boundaries that pointed at a
/// block's first instruction are retargeted to the inserted increment, so every way into a block counts it. The
/// increment is stack-neutral, so it may stand where the evaluation stack is not empty (the join of a <c>?:</c>, a
/// handler start holding the exception). Static constructors are left alone (the device runs them once at boot; a
/// measurement must not depend on whether it ran them).
/// </summary>
internal static class IlInstrumenter
{
    /// <summary>Namespace of the injected counter class.</summary>
    public const string CounterNamespace = "Bnn.Nano.Compiler.Cost.Injected";

    /// <summary>Name of the injected counter class.</summary>
    public const string CounterTypeName = "IlBlockHits";

    /// <summary>The injected <c>public static long[]</c> field: one element per block.</summary>
    public const string HitsFieldName = "Hits";

    /// <summary>Instruments the assembly at <paramref name="path"/> and returns its new image and its blocks (index = element of Hits).</summary>
    public static (byte[] Image, IReadOnlyList<IlBlock> Blocks) Instrument(string path)
    {
        using DefaultAssemblyResolver resolver = new();
        resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using ModuleDefinition module = ModuleDefinition.ReadModule(path, new ReaderParameters { InMemory = true, ReadSymbols = false, AssemblyResolver = resolver });

        TypeDefinition counter = new(CounterNamespace, CounterTypeName, TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Sealed | TypeAttributes.BeforeFieldInit, module.TypeSystem.Object);
        FieldDefinition hits = new(HitsFieldName, FieldAttributes.Public | FieldAttributes.Static, new ArrayType(module.TypeSystem.Int64));
        counter.Fields.Add(hits);

        List<IlBlock> blocks = [];
        foreach (TypeDefinition type in module.GetTypes().ToList())
        {
            foreach (MethodDefinition method in type.Methods)
            {
                if (method.HasBody && !(method.IsConstructor && method.IsStatic))
                {
                    InstrumentMethod(method, hits, blocks);
                }
            }
        }

        module.Types.Add(counter);
        using MemoryStream image = new();
        module.Write(image);
        return (image.ToArray(), blocks);
    }

    /// <summary>The leaders of a body (indices into its instruction list, ascending).</summary>
    internal static List<int> FindLeaders(MethodBody body)
    {
        IList<Instruction> code = body.Instructions;
        Dictionary<Instruction, int> index = new(code.Count);
        for (int i = 0; i < code.Count; i++)
        {
            index[code[i]] = i;
        }

        SortedSet<int> leaders = [0];
        for (int i = 0; i < code.Count; i++)
        {
            Instruction instruction = code[i];
            switch (instruction.Operand)
            {
                case Instruction target:
                    leaders.Add(index[target]);
                    break;
                case Instruction[] targets:
                    foreach (Instruction target in targets)
                    {
                        leaders.Add(index[target]);
                    }

                    break;
                default:
                    break;
            }

            FlowControl flow = instruction.OpCode.FlowControl;
            if ((flow is FlowControl.Branch or FlowControl.Cond_Branch or FlowControl.Return or FlowControl.Throw) && i + 1 < code.Count)
            {
                leaders.Add(i + 1);
            }
        }

        foreach (ExceptionHandler handler in body.ExceptionHandlers)
        {
            foreach (Instruction? boundary in new[] { handler.TryStart, handler.TryEnd, handler.HandlerStart, handler.HandlerEnd, handler.FilterStart })
            {
                if (boundary != null)
                {
                    leaders.Add(index[boundary]);
                }
            }
        }

        return [.. leaders];
    }

    private static void InstrumentMethod(MethodDefinition method, FieldDefinition hits, List<IlBlock> blocks)
    {
        MethodBody body = method.Body;
        if (body.Instructions.Count == 0)
        {
            return;
        }

        IlMethodName name = new(TypeName(method.DeclaringType), method.Name, Parameters(method));
        List<int> leaders = FindLeaders(body);
        List<Instruction> original = [.. body.Instructions];

        // Long branch forms first: the inserted code lengthens every jump.
        body.SimplifyMacros();
        ILProcessor il = body.GetILProcessor();
        Dictionary<Instruction, Instruction> entryOf = new(leaders.Count);
        for (int k = 0; k < leaders.Count; k++)
        {
            int start = leaders[k];
            int end = k + 1 < leaders.Count ? leaders[k + 1] : original.Count;
            int id = blocks.Count;
            blocks.Add(new IlBlock(name, original[start].Offset, end - start, start == 0));

            // Hits[id]++ : ldsfld, ldc.i4, ldelema, dup, ldind.i8, ldc.i4.1, conv.i8, add, stind.i8 (stack-neutral).
            Instruction leader = original[start];
            Instruction first = il.Create(OpCodes.Ldsfld, hits);
            Instruction[] increment =
            [
                first,
                il.Create(OpCodes.Ldc_I4, id),
                il.Create(OpCodes.Ldelema, method.Module.TypeSystem.Int64),
                il.Create(OpCodes.Dup),
                il.Create(OpCodes.Ldind_I8),
                il.Create(OpCodes.Ldc_I4_1),
                il.Create(OpCodes.Conv_I8),
                il.Create(OpCodes.Add),
                il.Create(OpCodes.Stind_I8),
            ];
            foreach (Instruction instruction in increment)
            {
                il.InsertBefore(leader, instruction);
            }

            entryOf[leader] = first;
        }

        // Every jump into a block, and every region boundary at one, now lands on its increment.
        foreach (Instruction instruction in body.Instructions)
        {
            if (instruction.Operand is Instruction target && entryOf.TryGetValue(target, out Instruction? entry))
            {
                instruction.Operand = entry;
            }
            else if (instruction.Operand is Instruction[] targets)
            {
                Instruction[] retargeted = new Instruction[targets.Length];
                for (int t = 0; t < targets.Length; t++)
                {
                    retargeted[t] = entryOf.TryGetValue(targets[t], out Instruction? e) ? e : targets[t];
                }

                instruction.Operand = retargeted;
            }
        }

        foreach (ExceptionHandler handler in body.ExceptionHandlers)
        {
            handler.TryStart = Retarget(handler.TryStart, entryOf);
            handler.TryEnd = Retarget(handler.TryEnd, entryOf);
            handler.HandlerStart = Retarget(handler.HandlerStart, entryOf);
            handler.HandlerEnd = Retarget(handler.HandlerEnd, entryOf);
            handler.FilterStart = Retarget(handler.FilterStart, entryOf);
        }

        body.OptimizeMacros();
    }

    private static Instruction Retarget(Instruction boundary, Dictionary<Instruction, Instruction> entryOf)
    {
        return boundary != null && entryOf.TryGetValue(boundary, out Instruction? entry) ? entry : boundary!;
    }

    /// <summary>Full name with '+' between nested types, as System.Reflection and <see cref="IlCostInspector"/> spell it.</summary>
    internal static string TypeName(TypeReference type)
    {
        return type.DeclaringType != null ? TypeName(type.DeclaringType) + "+" + type.Name : type.FullName;
    }

    /// <summary>Parameter types, comma-separated, C# keywords for the primitives.</summary>
    internal static string Parameters(MethodReference method)
    {
        StringBuilder s = new();
        foreach (ParameterDefinition parameter in method.Parameters)
        {
            if (s.Length > 0)
            {
                s.Append(',');
            }

            s.Append(CSharpName(parameter.ParameterType.FullName));
        }

        return s.ToString();
    }

    /// <summary>"System.Int16[]" → "short[]"; other names keep their namespace-less form.</summary>
    internal static string CSharpName(string fullName)
    {
        string suffix = "";
        string name = fullName;
        while (name.EndsWith("[]", StringComparison.Ordinal) || name.EndsWith('&'))
        {
            int cut = name.EndsWith('&') ? 1 : 2;
            suffix = name[^cut..] + suffix;
            name = name[..^cut];
        }

        string keyword = name switch
        {
            "System.Boolean" => "bool",
            "System.Byte" => "byte",
            "System.SByte" => "sbyte",
            "System.Int16" => "short",
            "System.UInt16" => "ushort",
            "System.Int32" => "int",
            "System.UInt32" => "uint",
            "System.Int64" => "long",
            "System.UInt64" => "ulong",
            "System.Single" => "float",
            "System.Double" => "double",
            "System.Char" => "char",
            "System.String" => "string",
            "System.Object" => "object",
            _ => name[(name.LastIndexOfAny(['.', '/']) + 1)..],
        };
        return keyword + suffix;
    }
}

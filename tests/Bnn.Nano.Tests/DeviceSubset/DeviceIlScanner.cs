using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Bnn.Nano.Tests.DeviceSubset;

/// <summary>What one device-build assembly holds that nanoFramework 1.x cannot run.</summary>
/// <param name="Findings">"Type::Method: what" lines (Type alone for type-level findings).</param>
/// <param name="AssemblyReferences">Names of the referenced assemblies.</param>
/// <param name="MethodsScanned">Method bodies whose IL was decoded.</param>
internal sealed record IlScanResult(IReadOnlyList<string> Findings, IReadOnlyList<string> AssemblyReferences, int MethodsScanned);

/// <summary>
/// Reads a device-build DLL with System.Reflection.Metadata (DESIGN.md, "Device build"): GenericParam rows, MethodSpec
/// rows, TypeSpecs (and inline signatures) that instantiate generics, and the localloc opcode, found by decoding
/// every method body opcode by opcode (operand sizes from System.Reflection.Emit.OpCodes, switch tables included).
/// Multi-dimensional arrays, pointers and pinned locals in signatures are reported too (unsupported on 1.x).
/// </summary>
internal static class DeviceIlScanner
{
    private static readonly Lazy<Dictionary<ushort, OpCode>> s_opcodes = new(() =>
        typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!)
            .ToDictionary(o => unchecked((ushort)o.Value)));

    public static IlScanResult Scan(string path) => Scan(File.ReadAllBytes(path));

    public static IlScanResult Scan(byte[] image)
    {
        using var pe = new PEReader(ImmutableArray.Create(image));
        MetadataReader md = pe.GetMetadataReader();
        var scan = new ScanState(pe, md);
        scan.Run();
        var references = md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToList();
        return new IlScanResult(scan.Findings.Distinct(StringComparer.Ordinal).ToList(), references, scan.MethodsScanned);
    }

    /// <summary>Opcodes in a method body, with the offset of each; throws on bytes that are not valid IL.</summary>
    public static IEnumerable<(int Offset, OpCode OpCode, int Operand)> Decode(byte[] il)
    {
        int i = 0;
        while (i < il.Length)
        {
            int offset = i;
            ushort value = il[i++];
            if (value == 0xFE)
            {
                if (i >= il.Length)
                {
                    throw new InvalidDataException("IL ends inside a two-byte opcode at " + offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                value = (ushort)(0xFE00 | il[i++]);
            }

            if (!s_opcodes.Value.TryGetValue(value, out OpCode opcode))
            {
                throw new InvalidDataException("unknown IL opcode 0x" + value.ToString("X", System.Globalization.CultureInfo.InvariantCulture) + " at " + offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            int operand = 0;
            int size = opcode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * (int)ReadUInt32(il, i)),
                _ => 4, // InlineBrTarget, InlineField, InlineI, InlineMethod, InlineSig, InlineString, InlineTok, InlineType, ShortInlineR
            };

            if (i + size > il.Length)
            {
                throw new InvalidDataException("IL operand of " + opcode.Name + " at " + offset.ToString(System.Globalization.CultureInfo.InvariantCulture) + " runs past the end of the body");
            }

            if (size == 4)
            {
                operand = (int)ReadUInt32(il, i);
            }

            i += size;
            yield return (offset, opcode, operand);
        }
    }

    private static uint ReadUInt32(byte[] il, int at)
    {
        if (at + 4 > il.Length)
        {
            throw new InvalidDataException("IL switch count runs past the end of the body");
        }

        return (uint)(il[at] | (il[at + 1] << 8) | (il[at + 2] << 16) | (il[at + 3] << 24));
    }

    private sealed class ScanState
    {
        private readonly PEReader _pe;
        private readonly MetadataReader _md;
        private readonly SignatureNamer _namer;

        /// <summary>Who uses each MethodSpec / TypeSpec / MemberRef row (from IL tokens, signatures, base types).</summary>
        private readonly Dictionary<EntityHandle, List<string>> _users = new();

        public ScanState(PEReader pe, MetadataReader md)
        {
            _pe = pe;
            _md = md;
            _namer = new SignatureNamer(md);
        }

        public List<string> Findings { get; } = new();

        public int MethodsScanned { get; private set; }

        public void Run()
        {
            foreach (TypeDefinitionHandle typeHandle in _md.TypeDefinitions)
            {
                TypeDefinition type = _md.GetTypeDefinition(typeHandle);
                string typeName = _namer.TypeDefName(typeHandle);
                foreach (GenericParameterHandle gp in type.GetGenericParameters())
                {
                    Findings.Add(typeName + ": GenericParam row (generic type, parameter " + _md.GetString(_md.GetGenericParameter(gp).Name) + ")");
                }

                if (!type.BaseType.IsNil)
                {
                    Use(type.BaseType, typeName + " (base type)");
                }

                foreach (InterfaceImplementationHandle ih in type.GetInterfaceImplementations())
                {
                    Use(_md.GetInterfaceImplementation(ih).Interface, typeName + " (implements)");
                }

                foreach (FieldDefinitionHandle fh in type.GetFields())
                {
                    FieldDefinition field = _md.GetFieldDefinition(fh);
                    string fieldName = typeName + "::" + _md.GetString(field.Name);
                    CheckSignature(field.DecodeSignature(_namer, null), fieldName + " (field type)");
                }

                foreach (MethodDefinitionHandle mh in type.GetMethods())
                {
                    ScanMethod(typeName, mh);
                }
            }

            CheckTables();
        }

        private void ScanMethod(string typeName, MethodDefinitionHandle handle)
        {
            MethodDefinition method = _md.GetMethodDefinition(handle);
            string name = typeName + "::" + _md.GetString(method.Name);
            foreach (GenericParameterHandle gp in method.GetGenericParameters())
            {
                Findings.Add(name + ": GenericParam row (generic method, parameter " + _md.GetString(_md.GetGenericParameter(gp).Name) + ")");
            }

            MethodSignature<SigType> signature = method.DecodeSignature(_namer, null);
            CheckSignature(signature.ReturnType, name + " (return type)");
            foreach (SigType parameter in signature.ParameterTypes)
            {
                CheckSignature(parameter, name + " (parameter)");
            }

            if (method.RelativeVirtualAddress == 0)
            {
                return;
            }

            MethodBodyBlock body = _pe.GetMethodBody(method.RelativeVirtualAddress);
            MethodsScanned++;
            if (!body.LocalSignature.IsNil)
            {
                StandaloneSignature locals = _md.GetStandaloneSignature(body.LocalSignature);
                foreach (SigType local in locals.DecodeLocalSignature(_namer, null))
                {
                    CheckSignature(local, name + " (local variable)");
                }
            }

            byte[] il = body.GetILBytes() ?? Array.Empty<byte>();
            try
            {
                foreach ((int offset, OpCode opcode, int operand) in Decode(il))
                {
                    if (opcode == OpCodes.Localloc)
                    {
                        Findings.Add(name + ": localloc at IL_" + offset.ToString("X4", System.Globalization.CultureInfo.InvariantCulture) + " (stackalloc)");
                    }

                    bool hasToken = opcode.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType
                        or OperandType.InlineTok or OperandType.InlineSig;
                    if (hasToken)
                    {
                        EntityHandle token = MetadataTokens.EntityHandle(operand);
                        Use(token, name + " (" + opcode.Name + " at IL_" + offset.ToString("X4", System.Globalization.CultureInfo.InvariantCulture) + ")");
                    }
                }
            }
            catch (InvalidDataException e)
            {
                Findings.Add(name + ": undecodable IL: " + e.Message);
            }
        }

        private void Use(EntityHandle handle, string user)
        {
            if (handle.Kind == HandleKind.MemberReference)
            {
                MemberReference member = _md.GetMemberReference((MemberReferenceHandle)handle);
                Use(member.Parent, user);
            }
            else if (handle.Kind == HandleKind.StandaloneSignature)
            {
                StandaloneSignature sig = _md.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                if (sig.GetKind() == StandaloneSignatureKind.Method)
                {
                    MethodSignature<SigType> s = sig.DecodeMethodSignature(_namer, null);
                    CheckSignature(s.ReturnType, user + " (calli signature)");
                }

                return;
            }

            if (handle.Kind is HandleKind.MethodSpecification or HandleKind.TypeSpecification or HandleKind.MemberReference)
            {
                if (!_users.TryGetValue(handle, out List<string>? list))
                {
                    list = new List<string>();
                    _users[handle] = list;
                }

                list.Add(user);
            }
        }

        private void CheckSignature(SigType type, string where)
        {
            if (type.Problem != null)
            {
                Findings.Add(where + ": " + type.Problem + " " + type.Name);
            }
        }

        private void CheckTables()
        {
            int methodSpecs = _md.GetTableRowCount(TableIndex.MethodSpec);
            for (int row = 1; row <= methodSpecs; row++)
            {
                MethodSpecificationHandle handle = MetadataTokens.MethodSpecificationHandle(row);
                MethodSpecification spec = _md.GetMethodSpecification(handle);
                string method = _namer.MethodName(spec.Method);
                string args = string.Join(", ", spec.DecodeSignature(_namer, null).Select(t => t.Name));
                Findings.Add(UsersOf(handle) + ": MethodSpec row (generic method instance " + method + "<" + args + ">)");
            }

            int typeSpecs = _md.GetTableRowCount(TableIndex.TypeSpec);
            for (int row = 1; row <= typeSpecs; row++)
            {
                TypeSpecificationHandle handle = MetadataTokens.TypeSpecificationHandle(row);
                SigType type = _md.GetTypeSpecification(handle).DecodeSignature(_namer, null);
                if (type.Problem != null)
                {
                    Findings.Add(UsersOf(handle) + ": TypeSpec row (" + type.Problem + " " + type.Name + ")");
                }
            }

            int memberRefs = _md.GetTableRowCount(TableIndex.MemberRef);
            for (int row = 1; row <= memberRefs; row++)
            {
                MemberReferenceHandle handle = MetadataTokens.MemberReferenceHandle(row);
                MemberReference member = _md.GetMemberReference(handle);
                string name = _namer.MethodName(handle);
                if (member.GetKind() == MemberReferenceKind.Method)
                {
                    MethodSignature<SigType> sig = member.DecodeMethodSignature(_namer, null);
                    foreach (SigType t in sig.ParameterTypes.Prepend(sig.ReturnType))
                    {
                        if (t.Problem != null && !t.Problem.StartsWith("generic parameter", StringComparison.Ordinal))
                        {
                            Findings.Add(UsersOf(handle) + ": MemberRef " + name + " signature has " + t.Problem + " " + t.Name);
                        }
                    }
                }
            }
        }

        private string UsersOf(EntityHandle handle)
        {
            return _users.TryGetValue(handle, out List<string>? users) && users.Count > 0
                ? string.Join("; ", users.Distinct(StringComparer.Ordinal))
                : "(no IL user found)";
        }
    }

    /// <summary>A decoded signature type: its C#-like name and the first thing nanoFramework 1.x cannot run, if any.</summary>
    internal sealed record SigType(string Name, string? Problem);

    private sealed class SignatureNamer : ISignatureTypeProvider<SigType, object?>
    {
        private readonly MetadataReader _md;

        public SignatureNamer(MetadataReader md) => _md = md;

        public string TypeDefName(TypeDefinitionHandle handle)
        {
            TypeDefinition type = _md.GetTypeDefinition(handle);
            string name = _md.GetString(type.Name);
            if (!type.GetDeclaringType().IsNil)
            {
                return TypeDefName(type.GetDeclaringType()) + "." + name;
            }

            string ns = _md.GetString(type.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public string TypeRefName(TypeReferenceHandle handle)
        {
            TypeReference type = _md.GetTypeReference(handle);
            string name = _md.GetString(type.Name);
            if (type.ResolutionScope.Kind == HandleKind.TypeReference)
            {
                return TypeRefName((TypeReferenceHandle)type.ResolutionScope) + "." + name;
            }

            string ns = _md.GetString(type.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public string MethodName(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.MethodDefinition:
                {
                    MethodDefinition m = _md.GetMethodDefinition((MethodDefinitionHandle)handle);
                    return TypeDefName(m.GetDeclaringType()) + "::" + _md.GetString(m.Name);
                }

                case HandleKind.MemberReference:
                {
                    MemberReference m = _md.GetMemberReference((MemberReferenceHandle)handle);
                    string parent = m.Parent.Kind switch
                    {
                        HandleKind.TypeReference => TypeRefName((TypeReferenceHandle)m.Parent),
                        HandleKind.TypeDefinition => TypeDefName((TypeDefinitionHandle)m.Parent),
                        HandleKind.TypeSpecification => _md.GetTypeSpecification((TypeSpecificationHandle)m.Parent).DecodeSignature(this, null).Name,
                        _ => "?",
                    };
                    return parent + "::" + _md.GetString(m.Name);
                }

                default:
                    return "?";
            }
        }

        public SigType GetPrimitiveType(PrimitiveTypeCode typeCode) => new(typeCode.ToString(), null);

        public SigType GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => new(TypeDefName(handle), null);

        public SigType GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => new(TypeRefName(handle), null);

        public SigType GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public SigType GetSZArrayType(SigType elementType) => new(elementType.Name + "[]", elementType.Problem);

        public SigType GetArrayType(SigType elementType, ArrayShape shape) =>
            new(elementType.Name + "[" + new string(',', shape.Rank - 1) + "]", elementType.Problem ?? "multi-dimensional array");

        public SigType GetByReferenceType(SigType elementType) => new(elementType.Name + "&", elementType.Problem);

        public SigType GetPointerType(SigType elementType) => new(elementType.Name + "*", elementType.Problem ?? "pointer type");

        public SigType GetPinnedType(SigType elementType) => new(elementType.Name + " pinned", elementType.Problem ?? "pinned local (fixed)");

        public SigType GetModifiedType(SigType modifier, SigType unmodifiedType, bool isRequired) => unmodifiedType;

        public SigType GetFunctionPointerType(MethodSignature<SigType> signature) => new("method pointer", "function pointer");

        public SigType GetGenericInstantiation(SigType genericType, ImmutableArray<SigType> typeArguments) =>
            new(genericType.Name + "<" + string.Join(", ", typeArguments.Select(t => t.Name)) + ">", "generic instantiation");

        public SigType GetGenericMethodParameter(object? genericContext, int index) => new("!!" + index.ToString(System.Globalization.CultureInfo.InvariantCulture), "generic parameter");

        public SigType GetGenericTypeParameter(object? genericContext, int index) => new("!" + index.ToString(System.Globalization.CultureInfo.InvariantCulture), "generic parameter");
    }
}

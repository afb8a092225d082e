using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Bnn.Nano.Tests.DeviceSubset;

/// <summary>
/// The public API lists of nanoFramework in ../shared/nano-api/ (namespace TAB type TAB signature, one member a
/// line). An allowlist entry such as <c>System.Array.Copy</c> matches when some line has namespace <c>System</c>,
/// type <c>Array</c> and a signature that declares a member named <c>Copy</c>: the identifier before the parameter
/// list, the property/indexer braces, or the '=' / end of a field, constant or enum member. Constructors
/// (<c>..ctor</c>) match lines that declare the type's constructor (<c>public Exception(string message)</c>),
/// indexers (<c>this[]</c>) lines with <c>this[</c>, operators (<c>op_Equality</c>) <c>operator ==</c> lines, and
/// a type entry alone any line of that type. Type columns use C# keywords for primitives (<c>uint</c>), so
/// <c>System.UInt32</c> also looks up <c>uint</c>; nested types are written Outer.Inner in both.
/// The 2.0 preview lists are left out: the project targets the stable 1.x line.
/// </summary>
internal sealed class NanoApi
{
    private static readonly Dictionary<string, string> s_keywordOf = new(StringComparer.Ordinal)
    {
        ["Boolean"] = "bool", ["Byte"] = "byte", ["SByte"] = "sbyte", ["Char"] = "char",
        ["Int16"] = "short", ["UInt16"] = "ushort", ["Int32"] = "int", ["UInt32"] = "uint",
        ["Int64"] = "long", ["UInt64"] = "ulong", ["Single"] = "float", ["Double"] = "double",
        ["String"] = "string", ["Object"] = "object", ["Void"] = "void",
    };

    private static readonly Dictionary<string, string> s_operatorNames = new(StringComparer.Ordinal)
    {
        ["+/2"] = "op_Addition", ["-/2"] = "op_Subtraction", ["*/2"] = "op_Multiply", ["//2"] = "op_Division",
        ["%/2"] = "op_Modulus", ["==/2"] = "op_Equality", ["!=/2"] = "op_Inequality", ["</2"] = "op_LessThan",
        [">/2"] = "op_GreaterThan", ["<=/2"] = "op_LessThanOrEqual", [">=/2"] = "op_GreaterThanOrEqual",
        ["&/2"] = "op_BitwiseAnd", ["|/2"] = "op_BitwiseOr", ["^/2"] = "op_ExclusiveOr", ["<</2"] = "op_LeftShift",
        [">>/2"] = "op_RightShift", ["+/1"] = "op_UnaryPlus", ["-/1"] = "op_UnaryNegation", ["!/1"] = "op_LogicalNot",
        ["~/1"] = "op_OnesComplement", ["++/1"] = "op_Increment", ["--/1"] = "op_Decrement", ["true/1"] = "op_True",
        ["false/1"] = "op_False",
    };

    /// <summary>"namespace|type" → (declared member name or null, file) of each line.</summary>
    private readonly Dictionary<string, List<(string? Member, string File)>> _types = new(StringComparer.Ordinal);

    private NanoApi(IEnumerable<string> files)
    {
        foreach (string file in files)
        {
            string fileName = Path.GetFileName(file);
            foreach (string line in File.ReadLines(file))
            {
                if (line.StartsWith('#') || line.Length == 0)
                {
                    continue;
                }

                string[] columns = line.Split('\t');
                if (columns.Length < 3)
                {
                    continue;
                }

                string type = StripGenericArguments(columns[1]);
                string key = columns[0] + "|" + type;
                if (!_types.TryGetValue(key, out List<(string?, string)>? members))
                {
                    members = new List<(string?, string)>();
                    _types[key] = members;
                }

                members.Add((DeclaredMember(columns[2], type), fileName));
            }
        }

        Files = files.Select(Path.GetFileName).OfType<string>().ToList();
    }

    public IReadOnlyList<string> Files { get; }

    public static string Directory => Path.Combine(RepoPaths.Shared, "nano-api");

    /// <summary>The lists of the stable line (mscorlib v1.17 and the packages), or null when ../shared/nano-api is absent.</summary>
    public static NanoApi? TryLoad()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return null;
        }

        var files = System.IO.Directory.GetFiles(Directory, "*.txt")
            .Where(f => !Path.GetFileName(f).Contains("v2.0", StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
        return new NanoApi(files);
    }

    /// <summary>Full names (namespace.Type) of every type in the lists.</summary>
    public IEnumerable<string> TypeNames => _types.Keys.Select(k => k.Replace('|', '.'));

    /// <summary>The list file that declares an allowlist entry, or null when none does.</summary>
    public string? Find(string entry)
    {
        string? member = null;
        string typePath = entry;
        if (entry.EndsWith("..ctor", StringComparison.Ordinal))
        {
            member = ".ctor";
            typePath = entry.Substring(0, entry.Length - 6);
        }

        string[] parts = typePath.Split('.');

        // Try every split namespace | type (nested types contain dots) | optional member.
        for (int nsEnd = 1; nsEnd < parts.Length; nsEnd++)
        {
            string ns = string.Join('.', parts, 0, nsEnd);
            for (int typeEnd = nsEnd + 1; typeEnd <= parts.Length; typeEnd++)
            {
                string type = string.Join('.', parts, nsEnd, typeEnd - nsEnd);
                string? wanted = member;
                if (wanted == null && typeEnd < parts.Length)
                {
                    if (typeEnd != parts.Length - 1)
                    {
                        continue;
                    }

                    wanted = parts[parts.Length - 1];
                }
                else if (wanted != null && typeEnd != parts.Length)
                {
                    continue;
                }

                string? file = FindMember(ns, type, wanted);
                if (file != null)
                {
                    return file;
                }
            }
        }

        return null;
    }

    private string? FindMember(string ns, string type, string? member)
    {
        foreach (string typeName in TypeSpellings(type))
        {
            if (!_types.TryGetValue(ns + "|" + typeName, out List<(string? Member, string File)>? lines))
            {
                continue;
            }

            if (member == null)
            {
                return lines[0].File;
            }

            foreach ((string? declared, string file) in lines)
            {
                if (declared == member || (member == "Invoke" && declared == "delegate"))
                {
                    return file;
                }
            }
        }

        return null;
    }

    private static IEnumerable<string> TypeSpellings(string type)
    {
        yield return type;
        if (s_keywordOf.TryGetValue(type, out string? keyword))
        {
            yield return keyword;
        }
    }

    private static string StripGenericArguments(string type)
    {
        int lt = type.IndexOf('<', StringComparison.Ordinal);
        return lt < 0 ? type : type.Substring(0, lt);
    }

    /// <summary>
    /// The member a signature line declares, in allowlist spelling: ".ctor", "this[]", "op_Addition", "delegate"
    /// (a delegate type), a plain member name, or null (a type declaration or an explicit interface implementation).
    /// </summary>
    public static string? DeclaredMember(string signature, string type)
    {
        string sig = Regex.Replace(signature, @"/\*.*?\*/", "").Trim();
        if (Regex.IsMatch(sig, @"(^|\s)delegate\s"))
        {
            return "delegate";
        }

        Match op = Regex.Match(sig, @"\boperator\s*(\+\+|--|<<|>>|==|!=|<=|>=|true|false|[-+*/%&|^<>!~])\s*\(([^)]*)\)");
        if (op.Success)
        {
            int arity = op.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Length;
            return s_operatorNames.TryGetValue(op.Groups[1].Value + "/" + arity.ToString(System.Globalization.CultureInfo.InvariantCulture), out string? name) ? name : null;
        }

        Match conversion = Regex.Match(sig, @"\b(implicit|explicit)\s+operator\b");
        if (conversion.Success)
        {
            return conversion.Groups[1].Value == "implicit" ? "op_Implicit" : "op_Explicit";
        }

        if (Regex.IsMatch(sig, @"(^|[\s.])this\s*\["))
        {
            return Regex.IsMatch(sig, @"\w\.this\s*\[") ? null : "this[]";
        }

        if (Regex.IsMatch(sig, @"(^|\s)(class|struct|interface|enum|record)\s"))
        {
            return null;
        }

        int end = sig.Length;
        foreach (char stop in new[] { '(', '{', '=' })
        {
            int at = sig.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && at < end)
            {
                end = at;
            }
        }

        string head = Regex.Replace(sig.Substring(0, end).Trim(), @"<[^<>]*>$", "").TrimEnd(';').Trim();
        string[] words = head.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return null;
        }

        string last = words[^1];
        if (last.Contains('.', StringComparison.Ordinal))
        {
            return null; // explicit interface implementation: not callable by that name
        }

        string simpleType = type.Contains('.', StringComparison.Ordinal) ? type.Substring(type.LastIndexOf('.') + 1) : type;
        bool isCtor = end < sig.Length && sig[end] == '('
            && (last == simpleType || (s_keywordOf.FirstOrDefault(k => k.Value == simpleType).Key is string clr && last == clr));
        if (isCtor)
        {
            return ".ctor";
        }

        return last == simpleType ? null : last; // "public int" lines declare the type itself
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Bnn.Nano.Tests.DeviceSubset;

/// <summary>One source file given to the guard.</summary>
/// <param name="Path">Repository-relative path ('/' separated): what violations name.</param>
/// <param name="Text">The C# source.</param>
/// <param name="Library">Files of one library are compiled together (one assembly per library).</param>
/// <param name="IsBoardGlue">Board glue (a library's Board/ folder) may use packages other than mscorlib.</param>
internal sealed record GuardSource(string Path, string Text, string Library, bool IsBoardGlue = false);

/// <summary>A construct outside the nanoFramework subset, at file:line.</summary>
internal sealed record SubsetViolation(string Path, int Line, string Construct)
{
    public override string ToString() => Path + ":" + Line.ToString(System.Globalization.CultureInfo.InvariantCulture) + ": " + Construct;
}

/// <summary>
/// A reference to a member or type of another assembly (the BCL), as the canonical allowlist entry:
/// <c>System.Exception</c> (a type), <c>System.Array.Copy</c> (a member; overloads are not told apart),
/// <c>System.Exception..ctor</c> (a constructor), <c>System.String.this[]</c> (an indexer).
/// </summary>
/// <param name="Resolved">False when the name did not resolve against the device mscorlib (another package, or
/// nothing at all); the entry is then the best reading of the name through the file's usings.</param>
internal sealed record BclReference(string Path, int Line, string Entry, bool Resolved, bool IsBoardGlue);

/// <summary>What the guard found: constructs outside the subset, and every BCL reference (allowed or not).</summary>
internal sealed record GuardAnalysis(IReadOnlyList<SubsetViolation> Violations, IReadOnlyList<BclReference> References);

/// <summary>
/// The subset guard (docs: DESIGN.md, "Subset guard"). Parses firmware sources, compiles them with Roslyn against
/// the real nanoFramework mscorlib so that names resolve to device types, and reports what nanoFramework 1.x
/// cannot run (generics, Span, stackalloc, unsafe/fixed/pointers, [,] arrays, LINQ, async/await, tuples,
/// interpolated strings, dynamic, ...) and every BCL member that is not on the allowlist.
/// </summary>
internal static class SubsetGuard
{
    public const string AllowlistFile = "firmware/nano-allowlist.txt";

    /// <summary>Preprocessor symbols of a nanoFramework (.nfproj) build.</summary>
    private static readonly string[] s_deviceSymbols = { "NANOFRAMEWORK_1_0" };

    private static readonly Lazy<MetadataReference> s_mscorlib = new(() => MetadataReference.CreateFromFile(NanoPackages.Mscorlib));

    /// <summary>The guard's verdict: subset violations plus BCL references that the allowlist does not allow.</summary>
    /// <param name="knownNames">Extra names that help read unresolved references (e.g. nano-api types of other packages).</param>
    public static IReadOnlyList<SubsetViolation> Check(IReadOnlyList<GuardSource> sources, IReadOnlyCollection<string> allowlist, IEnumerable<string>? knownNames = null)
    {
        var allowed = new HashSet<string>(allowlist, StringComparer.Ordinal);
        GuardAnalysis analysis = Analyze(sources, allowed.Concat(knownNames ?? Array.Empty<string>()));
        var violations = new List<SubsetViolation>(analysis.Violations);
        foreach (BclReference r in analysis.References)
        {
            bool isSpanByte = r.Entry == "System.SpanByte" || r.Entry.StartsWith("System.SpanByte.", StringComparison.Ordinal);
            if (isSpanByte && !r.IsBoardGlue && !r.Path.StartsWith("devices/", StringComparison.Ordinal))
            {
                violations.Add(new SubsetViolation(r.Path, r.Line, "BCL reference " + r.Entry + ": SpanByte is for device glue only (the 2.0 line removes it)"));
            }

            if (!r.Resolved && !r.Entry.Contains('.', StringComparison.Ordinal))
            {
                violations.Add(new SubsetViolation(r.Path, r.Line, "unresolved name " + r.Entry + " (neither in the nanoFramework mscorlib nor in the sources)"));
            }
            else if (!allowed.Contains(r.Entry))
            {
                string why = r.Resolved ? "" : " (not in the nanoFramework mscorlib)";
                violations.Add(new SubsetViolation(r.Path, r.Line, "BCL reference " + r.Entry + " is not on " + AllowlistFile + why));
            }
            else if (!r.Resolved && !r.IsBoardGlue)
            {
                violations.Add(new SubsetViolation(r.Path, r.Line, "BCL reference " + r.Entry + " is not in the nanoFramework mscorlib: only board glue (" + DeviceLibrary.BoardFolder + "/) may use other packages"));
            }
        }

        return Sort(violations);
    }

    /// <summary>Analyses sources: subset violations and all BCL references, without judging the references.</summary>
    public static GuardAnalysis Analyze(IReadOnlyList<GuardSource> sources, IEnumerable<string>? knownNames = null)
    {
        var known = new KnownNames(knownNames ?? Array.Empty<string>());
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Regular, s_deviceSymbols);
        var compileOptions = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            allowUnsafe: true,
            nullableContextOptions: NullableContextOptions.Disable);

        var libraries = sources.GroupBy(s => s.Library, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var trees = new Dictionary<SyntaxTree, GuardSource>();
        var baseCompilations = new List<CSharpCompilation>();
        for (int i = 0; i < libraries.Count; i++)
        {
            var libraryTrees = new List<SyntaxTree>();
            foreach (GuardSource source in libraries[i])
            {
                SyntaxTree tree = CSharpSyntaxTree.ParseText(source.Text, parseOptions, source.Path, Encoding.UTF8);
                trees[tree] = source;
                libraryTrees.Add(tree);
            }

            baseCompilations.Add(CSharpCompilation.Create("GuardLibrary" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), libraryTrees, new[] { s_mscorlib.Value }, compileOptions));
        }

        var violations = new List<SubsetViolation>();
        var references = new List<BclReference>();
        for (int i = 0; i < baseCompilations.Count; i++)
        {
            // Each library sees the others as referenced assemblies: their types are ours, not the BCL's.
            var others = baseCompilations.Where((_, j) => j != i).Select(c => (MetadataReference)c.ToMetadataReference()).ToList();
            CSharpCompilation compilation = baseCompilations[i].AddReferences(others);
            var ownAssemblies = new HashSet<IAssemblySymbol>(SymbolEqualityComparer.Default) { compilation.Assembly };
            foreach (MetadataReference other in others)
            {
                if (compilation.GetAssemblyOrModuleSymbol(other) is IAssemblySymbol assembly)
                {
                    ownAssemblies.Add(assembly);
                }
            }

            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                var walker = new FileAnalyzer(compilation, compilation.GetSemanticModel(tree), trees[tree], ownAssemblies, known);
                walker.Run();
                violations.AddRange(walker.Violations);
                references.AddRange(walker.References);
            }
        }

        return new GuardAnalysis(Sort(violations), references.Distinct().OrderBy(r => r.Path, StringComparer.Ordinal).ThenBy(r => r.Line).ThenBy(r => r.Entry, StringComparer.Ordinal).ToList());
    }

    /// <summary>The console-friendly report: one "path:line: construct" line per violation.</summary>
    public static string Format(IReadOnlyCollection<SubsetViolation> violations)
    {
        if (violations.Count == 0)
        {
            return "no subset violations";
        }

        var sb = new StringBuilder();
        sb.Append(violations.Count).Append(" construct(s) outside the nanoFramework subset (DESIGN.md, \"Subset guard\"):").Append('\n');
        foreach (SubsetViolation v in violations)
        {
            sb.Append(v.ToString()).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Every .cs file of every firmware and device-side library (board glue included, obj/bin excluded).</summary>
    public static IReadOnlyList<GuardSource> LoadRepositorySources()
    {
        var sources = new List<GuardSource>();
        foreach (DeviceLibrary library in DeviceLibrary.All())
        {
            foreach (string relative in library.SourceFilesOnDisk())
            {
                string full = Path.Combine(library.Directory, relative);
                sources.Add(new GuardSource(
                    DeviceLibrary.RepoRelative(full),
                    File.ReadAllText(full),
                    library.RelativeDirectory,
                    DeviceLibrary.IsBoardGlue(relative)));
            }
        }

        return sources;
    }

    /// <summary>Entries of the allowlist file: one a line, '#' starts a comment.</summary>
    public static IReadOnlyList<string> ReadAllowlist(string path)
    {
        return File.ReadAllLines(path)
            .Select(line =>
            {
                int hash = line.IndexOf('#', StringComparison.Ordinal);
                return (hash >= 0 ? line.Substring(0, hash) : line).Trim();
            })
            .Where(entry => entry.Length > 0)
            .ToList();
    }

    private static List<SubsetViolation> Sort(IEnumerable<SubsetViolation> violations)
    {
        return violations.Distinct()
            .OrderBy(v => v.Path, StringComparer.Ordinal)
            .ThenBy(v => v.Line)
            .ThenBy(v => v.Construct, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Canonical allowlist name of a type: namespace + nesting, no generic arity.</summary>
    public static string TypeName(INamedTypeSymbol type)
    {
        INamedTypeSymbol t = type.OriginalDefinition;
        if (t.ContainingType != null)
        {
            return TypeName(t.ContainingType) + "." + t.Name;
        }

        INamespaceSymbol ns = t.ContainingNamespace;
        return ns == null || ns.IsGlobalNamespace ? t.Name : ns.ToDisplayString() + "." + t.Name;
    }

    /// <summary>Canonical allowlist entry of a type or member symbol, or null for symbols that are not entries.</summary>
    public static string? Entry(ISymbol symbol)
    {
        switch (symbol)
        {
            case INamedTypeSymbol type:
                return TypeName(type);
            case IMethodSymbol method when method.ContainingType != null:
                return method.MethodKind == MethodKind.Constructor
                    ? TypeName(method.ContainingType) + "..ctor"
                    : TypeName(method.ContainingType) + "." + method.Name;
            case IPropertySymbol property:
                return TypeName(property.ContainingType) + "." + (property.IsIndexer ? "this[]" : property.Name);
            case IFieldSymbol field when field.ContainingType != null:
                return TypeName(field.ContainingType) + "." + field.Name;
            case IEventSymbol ev:
                return TypeName(ev.ContainingType) + "." + ev.Name;
            default:
                return null;
        }
    }

    /// <summary>Names known to exist outside mscorlib (allowlist entries, nano-api types): used to read unresolved names.</summary>
    private sealed class KnownNames
    {
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);
        private readonly HashSet<string> _prefixes = new(StringComparer.Ordinal);

        public KnownNames(IEnumerable<string> names)
        {
            foreach (string name in names)
            {
                string n = name.EndsWith("..ctor", StringComparison.Ordinal) ? name.Substring(0, name.Length - 6) : name;
                _names.Add(n);
                for (int dot = n.IndexOf('.', StringComparison.Ordinal); dot > 0; dot = n.IndexOf('.', dot + 1))
                {
                    _prefixes.Add(n.Substring(0, dot));
                }
            }
        }

        /// <summary>True when a type (or namespace) of that full name is known.</summary>
        public bool Contains(string fullName) => _names.Contains(fullName) || _prefixes.Contains(fullName);
    }

    private sealed class FileAnalyzer
    {
        private readonly CSharpCompilation _compilation;
        private readonly SemanticModel _model;
        private readonly GuardSource _source;
        private readonly HashSet<IAssemblySymbol> _own;
        private readonly KnownNames _known;
        private readonly HashSet<int> _genericLines = new();

        public FileAnalyzer(CSharpCompilation compilation, SemanticModel model, GuardSource source, HashSet<IAssemblySymbol> own, KnownNames known)
        {
            _compilation = compilation;
            _model = model;
            _source = source;
            _own = own;
            _known = known;
        }

        public List<SubsetViolation> Violations { get; } = new();

        public List<BclReference> References { get; } = new();

        public void Run()
        {
            SyntaxNode root = _model.SyntaxTree.GetRoot();

            // Pass 1: constructs recognised from syntax alone.
            foreach (SyntaxToken token in root.DescendantTokens())
            {
                CheckToken(token);
            }

            foreach (SyntaxNode node in root.DescendantNodes())
            {
                CheckSyntax(node);
            }

            // Pass 2: the semantic model: generic uses the syntax does not show, and every BCL reference.
            foreach (SyntaxNode node in root.DescendantNodes())
            {
                CheckSemantics(node);
            }
        }

        private void Add(SyntaxNode node, string construct) => Add(node.GetLocation(), construct);

        private void Add(Location location, string construct)
        {
            int line = location.GetLineSpan().StartLinePosition.Line + 1;
            if (construct.StartsWith("generic", StringComparison.Ordinal))
            {
                _genericLines.Add(line);
            }

            Violations.Add(new SubsetViolation(_source.Path, line, construct));
        }

        /// <summary>A generic use found only through the semantic model: reported once per line.</summary>
        private void AddGenericUse(SyntaxNode node, string construct)
        {
            int line = node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
            if (!_genericLines.Contains(line))
            {
                Add(node, construct);
            }
        }

        private void AddReference(SyntaxNode node, string entry, bool resolved)
        {
            int line = node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
            References.Add(new BclReference(_source.Path, line, entry, resolved, _source.IsBoardGlue));
        }

        private void CheckToken(SyntaxToken token)
        {
            switch (token.Kind())
            {
                case SyntaxKind.UnsafeKeyword:
                    Add(token.GetLocation(), "unsafe");
                    break;
                case SyntaxKind.FixedKeyword:
                    Add(token.GetLocation(), "fixed (pinning or fixed-size buffer)");
                    break;
                case SyntaxKind.StackAllocKeyword:
                    Add(token.GetLocation(), "stackalloc (localloc)");
                    break;
                case SyntaxKind.AsyncKeyword:
                    Add(token.GetLocation(), "async");
                    break;
                case SyntaxKind.AwaitKeyword:
                    Add(token.GetLocation(), "await");
                    break;
                case SyntaxKind.CheckedKeyword:
                    Add(token.GetLocation(), "checked arithmetic (nanoCLR does not throw on overflow)");
                    break;
            }
        }

        private void CheckSyntax(SyntaxNode node)
        {
            switch (node)
            {
                case GenericNameSyntax generic:
                    Add(node, "generic name " + Compact(generic));
                    break;
                case TypeParameterListSyntax:
                    Add(node, "generic declaration " + Compact(node));
                    break;
                case TypeParameterConstraintClauseSyntax:
                    Add(node, "generic constraint " + Compact(node));
                    break;
                case NullableTypeSyntax nullable when _model.GetTypeInfo(nullable.ElementType).Type is { IsValueType: true }:
                    Add(node, "generic Nullable<T> (" + Compact(node) + ")");
                    break;
                case PointerTypeSyntax:
                    Add(node, "pointer type " + Compact(node));
                    break;
                case FunctionPointerTypeSyntax:
                    Add(node, "function pointer type");
                    break;
                case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.AddressOfExpression) || unary.IsKind(SyntaxKind.PointerIndirectionExpression):
                    Add(node, "pointer operation " + Compact(node));
                    break;
                case MemberAccessExpressionSyntax access when access.IsKind(SyntaxKind.PointerMemberAccessExpression):
                    Add(node, "pointer member access ->");
                    break;
                case ArrayRankSpecifierSyntax rank when rank.Rank > 1:
                    Add(node, "multi-dimensional array " + Compact(node));
                    break;
                case QueryExpressionSyntax:
                    Add(node, "LINQ query expression");
                    break;
                case UsingDirectiveSyntax usingDirective when usingDirective.Name != null && IsLinqNamespace(usingDirective.Name.ToString()):
                    Add(node, "LINQ (" + Compact(node) + ")");
                    break;
                case TupleTypeSyntax:
                    Add(node, "tuple type " + Compact(node));
                    break;
                case TupleExpressionSyntax:
                    Add(node, "tuple literal " + Compact(node));
                    break;
                case ParenthesizedVariableDesignationSyntax:
                    Add(node, "tuple deconstruction " + Compact(node));
                    break;
                case InterpolatedStringExpressionSyntax:
                    Add(node, "interpolated string $\"...\"");
                    break;
                case IdentifierNameSyntax { Identifier.Text: "dynamic" } name when IsDynamic(name):
                    Add(node, "dynamic");
                    break;
                case RangeExpressionSyntax:
                    Add(node, "range expression (..)");
                    break;
                case PrefixUnaryExpressionSyntax hat when hat.IsKind(SyntaxKind.IndexExpression):
                    Add(node, "index from end (^) (System.Index)");
                    break;
                case AnonymousObjectCreationExpressionSyntax:
                    Add(node, "generic anonymous type new { ... }");
                    break;
                case RecordDeclarationSyntax:
                    Add(node, "generic record (the compiler generates IEquatable<T> and EqualityComparer<T> code)");
                    break;
                case YieldStatementSyntax:
                    Add(node, "generic iterator (yield: the compiler generates IEnumerator<T>)");
                    break;
                case CollectionExpressionSyntax collection when !IsPlainArrayCollection(collection):
                    Add(node, "collection expression that is not a plain array initializer");
                    break;
            }
        }

        private static bool IsLinqNamespace(string name)
        {
            string n = name.Replace(" ", "", StringComparison.Ordinal).Replace("global::", "", StringComparison.Ordinal);
            return n == "System.Linq" || n.StartsWith("System.Linq.", StringComparison.Ordinal);
        }

        private bool IsDynamic(IdentifierNameSyntax name)
        {
            return _model.GetSymbolInfo(name).Symbol is IDynamicTypeSymbol || _model.GetTypeInfo(name).Type is IDynamicTypeSymbol;
        }

        private bool IsPlainArrayCollection(CollectionExpressionSyntax collection)
        {
            return _model.GetTypeInfo(collection).ConvertedType is IArrayTypeSymbol
                && collection.Elements.All(e => e is ExpressionElementSyntax);
        }

        private void CheckSemantics(SyntaxNode node)
        {
            switch (node)
            {
                case UsingDirectiveSyntax:
                case NamespaceDeclarationSyntax:
                case FileScopedNamespaceDeclarationSyntax:
                    break;
                case SimpleNameSyntax name:
                    CheckName(name);
                    break;
                case BaseObjectCreationExpressionSyntax creation:
                    CheckCreation(creation);
                    break;
                case ConstructorInitializerSyntax initializer:
                    Reference(_model.GetSymbolInfo(initializer), initializer);
                    break;
                case AttributeSyntax attribute:
                    Reference(_model.GetSymbolInfo(attribute), attribute);
                    break;
                case InvocationExpressionSyntax invocation
                    when _model.GetSymbolInfo(invocation).Symbol is IMethodSymbol { MethodKind: MethodKind.DelegateInvoke } invoke:
                    Reference(invoke, invocation);
                    break;
                case ElementAccessExpressionSyntax elementAccess:
                    Reference(_model.GetSymbolInfo(elementAccess), elementAccess);
                    break;
                case ClassDeclarationSyntax classDeclaration:
                    CheckImplicitBaseConstructor(classDeclaration);
                    break;
                case CommonForEachStatementSyntax forEach:
                    CheckForEach(forEach);
                    break;
                case LockStatementSyntax:
                    ReferenceWellKnown(node, "System.Threading.Monitor", "Enter", "Exit");
                    break;
                case UsingStatementSyntax:
                    ReferenceWellKnown(node, "System.IDisposable", "Dispose");
                    break;
                case LocalDeclarationStatementSyntax local when local.UsingKeyword.IsKind(SyntaxKind.UsingKeyword):
                    ReferenceWellKnown(node, "System.IDisposable", "Dispose");
                    break;
                case TypeOfExpressionSyntax:
                    ReferenceWellKnown(node, "System.Type", "GetTypeFromHandle");
                    break;
            }

            if (node is ExpressionSyntax expression)
            {
                CheckExpression(expression);
            }
        }

        private void CheckExpression(ExpressionSyntax expression)
        {
            TypeInfo info = _model.GetTypeInfo(expression);
            ITypeSymbol? generic = FindGeneric(info.Type) ?? FindGeneric(info.ConvertedType);
            if (generic != null)
            {
                AddGenericUse(expression, "generic type " + generic.ToDisplayString() + " (in " + Compact(expression) + ")");
            }

            Conversion conversion = _model.GetConversion(expression);
            if (conversion.IsUserDefined && conversion.MethodSymbol != null)
            {
                Reference(conversion.MethodSymbol, expression);
            }

            switch (expression)
            {
                case CastExpressionSyntax:
                case BinaryExpressionSyntax:
                case PrefixUnaryExpressionSyntax:
                case PostfixUnaryExpressionSyntax:
                case AssignmentExpressionSyntax:
                    CheckOperator(expression);
                    break;
            }
        }

        private void CheckCreation(BaseObjectCreationExpressionSyntax creation)
        {
            SymbolInfo info = _model.GetSymbolInfo(creation);
            if (info.Symbol != null || !info.CandidateSymbols.IsEmpty)
            {
                Reference(info, creation);
            }
            else if (creation is ObjectCreationExpressionSyntax { Type: NameSyntax type }
                && _model.GetTypeInfo(creation).Type is null or IErrorTypeSymbol
                && Prefix(type) is string typeName)
            {
                AddReference(creation, typeName + "..ctor", resolved: false);
            }
        }

        private void CheckOperator(ExpressionSyntax expression)
        {
            if (_model.GetSymbolInfo(expression).Symbol is IMethodSymbol op
                && op.MethodKind is MethodKind.UserDefinedOperator or MethodKind.Conversion
                && !IsPrimitive(op.ContainingType))
            {
                Reference(op, expression);
            }

            // Delegate + and - call Delegate.Combine / Delegate.Remove (events excepted: their accessors are the members).
            SyntaxKind kind = expression.Kind();
            bool combine = kind is SyntaxKind.AddExpression or SyntaxKind.AddAssignmentExpression;
            bool remove = kind is SyntaxKind.SubtractExpression or SyntaxKind.SubtractAssignmentExpression;
            if ((combine || remove) && _model.GetTypeInfo(expression).Type is { TypeKind: TypeKind.Delegate }
                && !(expression is AssignmentExpressionSyntax a && _model.GetSymbolInfo(a.Left).Symbol is IEventSymbol))
            {
                ReferenceWellKnown(expression, "System.Delegate", combine ? "Combine" : "Remove");
            }
        }

        private static bool IsPrimitive(ITypeSymbol? type)
        {
            return type != null && type.SpecialType != SpecialType.None;
        }

        private static ITypeSymbol? FindGeneric(ITypeSymbol? type)
        {
            switch (type)
            {
                case null:
                    return null;
                case IArrayTypeSymbol array:
                    return FindGeneric(array.ElementType);
                case IPointerTypeSymbol pointer:
                    return FindGeneric(pointer.PointedAtType);
                case ITypeParameterSymbol:
                    return type;
                case INamedTypeSymbol named when named.TypeKind != TypeKind.Error:
                    if (named.IsGenericType || named.IsTupleType)
                    {
                        return named;
                    }

                    return named.ContainingType != null ? FindGeneric(named.ContainingType) : null;
                default:
                    return null;
            }
        }

        private void CheckName(SimpleNameSyntax name)
        {
            if (IsNameof(name) || IsInNamespaceImport(name))
            {
                return;
            }

            if (name.Parent is AttributeSyntax || (name.Parent is QualifiedNameSyntax q && q.Right == name && q.Parent is AttributeSyntax))
            {
                // The attribute's type; its constructor is referenced by the AttributeSyntax itself.
                if (_model.GetSymbolInfo(name).Symbol is IMethodSymbol { MethodKind: MethodKind.Constructor } ctor)
                {
                    Reference(ctor.ContainingType, name);
                    return;
                }
            }

            SymbolInfo info = _model.GetSymbolInfo(name);
            ISymbol? symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
            if (name.IsVar)
            {
                ITypeSymbol? generic = FindGeneric(symbol as ITypeSymbol);
                if (generic != null)
                {
                    AddGenericUse(name, "generic type " + generic.ToDisplayString() + " (var)");
                }

                return; // the inferred type is reported where it comes from
            }

            if (symbol == null || symbol is IErrorTypeSymbol)
            {
                Unresolved(name);
                return;
            }

            Reference(symbol, name);
        }

        /// <summary>Names in "using N;" (namespaces, not references); alias and static usings do reference types.</summary>
        private static bool IsInNamespaceImport(SimpleNameSyntax name)
        {
            return name.FirstAncestorOrSelf<UsingDirectiveSyntax>() is { Alias: null } u && u.StaticKeyword.IsKind(SyntaxKind.None);
        }

        private bool IsNameof(SimpleNameSyntax name)
        {
            foreach (InvocationExpressionSyntax call in name.Ancestors().OfType<InvocationExpressionSyntax>())
            {
                if (call.Expression is IdentifierNameSyntax { Identifier.Text: "nameof" } && _model.GetSymbolInfo(call.Expression).Symbol == null)
                {
                    return true;
                }
            }

            return false;
        }

        private void Reference(SymbolInfo info, SyntaxNode at)
        {
            ISymbol? symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
            if (symbol != null)
            {
                Reference(symbol, at);
            }
        }

        private void Reference(ISymbol symbol, SyntaxNode at)
        {
            if (symbol is IAliasSymbol alias)
            {
                symbol = alias.Target;
            }

            if (symbol is IMethodSymbol { ReducedFrom: not null } reduced)
            {
                symbol = reduced.ReducedFrom;
            }

            CheckGenericSymbol(symbol, at);
            if (!IsExternal(symbol))
            {
                return;
            }

            string? entry = Entry(symbol);
            if (entry != null)
            {
                AddReference(at, entry, resolved: true);
            }
        }

        private void CheckGenericSymbol(ISymbol symbol, SyntaxNode at)
        {
            switch (symbol)
            {
                case IMethodSymbol { IsGenericMethod: true } method:
                    AddGenericUse(at, "generic method " + method.ToDisplayString());
                    return;
                case ITypeParameterSymbol parameter:
                    AddGenericUse(at, "generic type parameter " + parameter.Name);
                    return;
                case INamedTypeSymbol type when FindGeneric(type) != null:
                    AddGenericUse(at, "generic type " + type.ToDisplayString());
                    return;
            }

            if (symbol is IMethodSymbol or IPropertySymbol or IFieldSymbol or IEventSymbol && FindGeneric(symbol.ContainingType) is ITypeSymbol container)
            {
                AddGenericUse(at, "generic type " + container.ToDisplayString() + " (member " + symbol.Name + ")");
            }
        }

        private bool IsExternal(ISymbol symbol)
        {
            if (symbol is not (INamedTypeSymbol or IMethodSymbol or IPropertySymbol or IFieldSymbol or IEventSymbol))
            {
                return false;
            }

            if (symbol is IMethodSymbol { MethodKind: MethodKind.BuiltinOperator or MethodKind.LocalFunction or MethodKind.AnonymousFunction })
            {
                return false;
            }

            if (symbol is IErrorTypeSymbol || symbol.ContainingType is IErrorTypeSymbol)
            {
                return false;
            }

            IAssemblySymbol? assembly = symbol.ContainingAssembly;
            return assembly != null && !_own.Contains(assembly);
        }

        private void ReferenceWellKnown(SyntaxNode at, string typeName, params string[] members)
        {
            INamedTypeSymbol? type = _compilation.GetTypeByMetadataName(typeName);
            if (type == null)
            {
                foreach (string member in members)
                {
                    AddReference(at, typeName + "." + member, resolved: false);
                }

                return;
            }

            foreach (string member in members)
            {
                ISymbol? symbol = type.GetMembers(member).FirstOrDefault();
                if (symbol != null)
                {
                    Reference(symbol, at);
                }
                else
                {
                    AddReference(at, typeName + "." + member, resolved: false);
                }
            }
        }

        /// <summary>A class whose constructor has no explicit initializer calls its base's parameterless constructor.</summary>
        private void CheckImplicitBaseConstructor(ClassDeclarationSyntax declaration)
        {
            if (_model.GetDeclaredSymbol(declaration) is not INamedTypeSymbol type
                || type.BaseType is not INamedTypeSymbol baseType
                || baseType.SpecialType == SpecialType.System_Object
                || !IsExternal(baseType))
            {
                return;
            }

            IMethodSymbol? baseCtor = baseType.InstanceConstructors.FirstOrDefault(c => c.Parameters.All(p => p.IsOptional || p.IsParams));
            if (baseCtor == null)
            {
                return;
            }

            foreach (IMethodSymbol ctor in type.InstanceConstructors)
            {
                if (ctor.IsImplicitlyDeclared)
                {
                    if (type.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() == declaration)
                    {
                        Reference(baseCtor, declaration);
                    }
                }
                else if (ctor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is ConstructorDeclarationSyntax { Initializer: null } ctorSyntax
                    && declaration.Members.Contains(ctorSyntax))
                {
                    Reference(baseCtor, ctorSyntax);
                }
            }
        }

        private void CheckForEach(CommonForEachStatementSyntax forEach)
        {
            ITypeSymbol? collection = _model.GetTypeInfo(forEach.Expression).Type;
            if (collection is IArrayTypeSymbol)
            {
                return; // lowered to an index loop over the array
            }

            if (collection?.SpecialType == SpecialType.System_String)
            {
                // Lowered to an index loop: string.Length and the string indexer.
                ReferenceWellKnown(forEach, "System.String", "Length");
                if (collection.GetMembers().OfType<IPropertySymbol>().FirstOrDefault(p => p.IsIndexer) is IPropertySymbol indexer)
                {
                    Reference(indexer, forEach);
                }

                return;
            }

            ForEachStatementInfo info = _model.GetForEachStatementInfo(forEach);
            foreach (ISymbol? member in new ISymbol?[] { info.GetEnumeratorMethod, info.MoveNextMethod, info.CurrentProperty, info.DisposeMethod })
            {
                if (member != null)
                {
                    Reference(member, forEach);
                }
            }
        }

        /// <summary>
        /// A name that does not resolve against mscorlib (another nanoFramework package, or nothing): reported once
        /// per dotted chain, read through the file's usings and the known names.
        /// </summary>
        private void Unresolved(SimpleNameSyntax name)
        {
            SyntaxNode chain = name.Parent switch
            {
                QualifiedNameSyntax q when q.Right == name => q,
                MemberAccessExpressionSyntax m when m.Name == name => m,
                AliasQualifiedNameSyntax a when a.Name == name => a,
                _ => name,
            };

            bool isLeftOfDot = chain.Parent switch
            {
                QualifiedNameSyntax q => q.Left == chain,
                MemberAccessExpressionSyntax m => m.Expression == chain,
                _ => false,
            };

            if (isLeftOfDot || name.Parent is NameColonSyntax || name.Parent is NameEqualsSyntax { Parent: UsingDirectiveSyntax })
            {
                return;
            }

            string? prefix = chain switch
            {
                QualifiedNameSyntax q => Prefix(q.Left),
                MemberAccessExpressionSyntax m => Prefix(m.Expression),
                AliasQualifiedNameSyntax => null,
                _ => "",
            };

            string entry;
            if (prefix == null && chain is MemberAccessExpressionSyntax unknown)
            {
                Add(name, "member " + name.Identifier.Text + " of " + Compact(unknown.Expression)
                    + ", whose type the guard cannot name (not in mscorlib): assign it to an explicitly typed local first");
                return;
            }
            else if (prefix == null)
            {
                entry = name.Identifier.Text;
            }
            else if (prefix.Length == 0)
            {
                entry = ResolveSimpleTypeName(name.Identifier.Text, name);
            }
            else
            {
                entry = prefix + "." + name.Identifier.Text;
            }

            AddReference(name, entry, resolved: false);
        }

        /// <summary>The canonical name of the left side of a dot: a namespace, a type, or the type of an expression.</summary>
        private string? Prefix(ExpressionSyntax left)
        {
            SymbolInfo info = _model.GetSymbolInfo(left);
            ISymbol? symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
            if (symbol is IAliasSymbol alias)
            {
                symbol = alias.Target;
            }

            switch (symbol)
            {
                case INamespaceSymbol ns:
                    return ns.IsGlobalNamespace ? null : ns.ToDisplayString();
                case INamedTypeSymbol type when type.TypeKind != TypeKind.Error:
                    return TypeName(type);
                case null or IErrorTypeSymbol when left is SimpleNameSyntax simple:
                    return ResolveSimpleTypeName(simple.Identifier.Text, simple);
                case null or IErrorTypeSymbol when left is QualifiedNameSyntax q:
                    return Combine(Prefix(q.Left), q.Right.Identifier.Text);
                case null or IErrorTypeSymbol when left is MemberAccessExpressionSyntax m && symbol == null && _model.GetTypeInfo(m).Type is not INamedTypeSymbol { TypeKind: not TypeKind.Error }:
                    return Combine(Prefix(m.Expression), m.Name.Identifier.Text);
            }

            ITypeSymbol? valueType = _model.GetTypeInfo(left).Type;
            return valueType switch
            {
                INamedTypeSymbol { TypeKind: not TypeKind.Error } named => TypeName(named),
                IErrorTypeSymbol error => ErrorTypeName(error, left),
                _ => null,
            };
        }

        private static string? Combine(string? prefix, string name) => prefix == null ? null : prefix + "." + name;

        private string? ErrorTypeName(IErrorTypeSymbol error, SyntaxNode context)
        {
            string display = error.ToDisplayString();
            if (error.Name.Length == 0 || display == "?")
            {
                return null; // the type of an unresolved call: unknown
            }

            return display.Contains('.', StringComparison.Ordinal) ? display : ResolveSimpleTypeName(display, context);
        }

        /// <summary>Reads an unresolved simple type name through the enclosing namespaces and usings of the file.</summary>
        private string ResolveSimpleTypeName(string name, SyntaxNode context)
        {
            var namespaces = new List<string>();
            foreach (SyntaxNode ancestor in context.AncestorsAndSelf())
            {
                SyntaxList<UsingDirectiveSyntax> usings = ancestor switch
                {
                    BaseNamespaceDeclarationSyntax ns => ns.Usings,
                    CompilationUnitSyntax unit => unit.Usings,
                    _ => default,
                };

                if (ancestor is BaseNamespaceDeclarationSyntax declaration)
                {
                    string full = declaration.Name.ToString();
                    for (string? n = full; !string.IsNullOrEmpty(n); n = n.Contains('.', StringComparison.Ordinal) ? n.Substring(0, n.LastIndexOf('.')) : null)
                    {
                        namespaces.Add(n);
                    }
                }

                foreach (UsingDirectiveSyntax u in usings)
                {
                    if (u.Alias == null && u.StaticKeyword.IsKind(SyntaxKind.None) && u.Name != null)
                    {
                        namespaces.Add(u.Name.ToString().Replace("global::", "", StringComparison.Ordinal));
                    }
                }
            }

            var candidates = namespaces.Select(ns => ns + "." + name).Where(_known.Contains).Distinct(StringComparer.Ordinal).ToList();
            return candidates.Count == 1 ? candidates[0] : name;
        }

        private static string Compact(SyntaxNode node)
        {
            string text = string.Join(" ", node.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            return text.Length > 60 ? text.Substring(0, 57) + "..." : text;
        }
    }
}

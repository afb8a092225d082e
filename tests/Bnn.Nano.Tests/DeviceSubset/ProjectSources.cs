using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Bnn.Nano.Tests.DeviceSubset;

/// <summary>
/// The C# files a project compiles, read from its XML: the explicit list of a classic .nfproj, and for SDK csprojs
/// a small model of MSBuild's evaluation of Compile items (default glob, Include/Exclude/Remove in the project, in
/// the files it imports, and in the nearest Directory.Build.props/targets). Paths come back relative to the project
/// folder, '/' separated. Anything this model cannot evaluate (conditions on Compile items, unknown properties in
/// their paths) throws, so the test fails loudly rather than comparing the wrong sets.
/// </summary>
internal static class ProjectSources
{
    /// <summary>The &lt;Compile Include&gt; items of a classic nanoFramework project (which must list files explicitly).</summary>
    public static SortedSet<string> NfprojCompileItems(string nfprojPath)
    {
        XDocument doc = XDocument.Load(nfprojPath);
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (XElement item in doc.Descendants().Where(e => e.Name.LocalName == "Compile"))
        {
            string? include = (string?)item.Attribute("Include");
            if (include == null)
            {
                throw new InvalidDataException(nfprojPath + ": <Compile> without Include (an .nfproj lists its sources explicitly)");
            }

            foreach (string part in SplitList(include))
            {
                if (part.Contains('*', StringComparison.Ordinal) || part.Contains('?', StringComparison.Ordinal) || part.Contains("$(", StringComparison.Ordinal))
                {
                    throw new InvalidDataException(nfprojPath + ": <Compile Include=\"" + part + "\"> is not an explicit file (no wildcards or properties in an .nfproj)");
                }

                files.Add(Normalize(part));
            }
        }

        return files;
    }

    /// <summary>The Compile items of an SDK-style csproj, evaluated from its XML (see the class summary).</summary>
    public static SortedSet<string> CsprojCompileItems(string csprojPath)
    {
        string projectDir = Path.GetDirectoryName(Path.GetFullPath(csprojPath))!;
        var evaluation = new Evaluation(projectDir, csprojPath);

        // MSBuild order: Directory.Build.props (imported by the Sdk props), the Sdk's default items, the project
        // body with its imports inlined, Directory.Build.targets. Properties are read in a first pass over all of it.
        var documents = new List<(XElement Element, string File)>();
        string? buildProps = FindAbove(projectDir, "Directory.Build.props");
        if (buildProps != null)
        {
            Flatten(buildProps, documents, new HashSet<string>(StringComparer.Ordinal));
        }

        int defaultItemsAt = documents.Count;
        Flatten(Path.GetFullPath(csprojPath), documents, new HashSet<string>(StringComparer.Ordinal));
        string? buildTargets = FindAbove(projectDir, "Directory.Build.targets");
        if (buildTargets != null)
        {
            Flatten(buildTargets, documents, new HashSet<string>(StringComparer.Ordinal));
        }

        foreach ((XElement element, string file) in documents)
        {
            evaluation.ReadProperties(element, file);
        }

        for (int i = 0; i < documents.Count; i++)
        {
            if (i == defaultItemsAt)
            {
                evaluation.AddDefaultItems();
            }

            evaluation.ReadItems(documents[i].Element, documents[i].File);
        }

        if (defaultItemsAt == documents.Count)
        {
            evaluation.AddDefaultItems();
        }

        return new SortedSet<string>(evaluation.Compile, StringComparer.Ordinal);
    }

    /// <summary>Every file of <paramref name="directory"/> (relative, '/' separated) matching an MSBuild glob.</summary>
    public static IEnumerable<string> Glob(string directory, string pattern)
    {
        Regex regex = GlobRegex(pattern);
        if (!Directory.Exists(directory))
        {
            return Array.Empty<string>();
        }

        return Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(directory, f).Replace('\\', '/'))
            .Where(f => regex.IsMatch(f));
    }

    public static Regex GlobRegex(string pattern)
    {
        string p = Normalize(pattern);
        var sb = new StringBuilder("^");
        for (int i = 0; i < p.Length; i++)
        {
            char c = p[i];
            if (c == '*' && i + 1 < p.Length && p[i + 1] == '*')
            {
                bool slashAfter = i + 2 < p.Length && p[i + 2] == '/';
                sb.Append(slashAfter ? "(?:.*/)?" : ".*");
                i += slashAfter ? 2 : 1;
            }
            else if (c == '*')
            {
                sb.Append("[^/]*");
            }
            else if (c == '?')
            {
                sb.Append("[^/]");
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }

        sb.Append('$');
        return new Regex(sb.ToString(), RegexOptions.CultureInvariant);
    }

    private static string Normalize(string path)
    {
        string p = path.Trim().Replace('\\', '/');
        while (p.StartsWith("./", StringComparison.Ordinal))
        {
            p = p.Substring(2);
        }

        return p;
    }

    private static IEnumerable<string> SplitList(string value)
    {
        return value.Split(';').Select(s => s.Trim()).Where(s => s.Length > 0);
    }

    private static string? FindAbove(string directory, string fileName)
    {
        string? dir = directory;
        while (dir != null)
        {
            string candidate = Path.Combine(dir, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }

            dir = Path.GetDirectoryName(dir);
        }

        return null;
    }

    /// <summary>The project file's elements in document order, each &lt;Import&gt; of a local file replaced by that file's.</summary>
    private static void Flatten(string file, List<(XElement, string)> output, HashSet<string> seen)
    {
        if (!seen.Add(file))
        {
            return;
        }

        XDocument doc = XDocument.Load(file);
        string dir = Path.GetDirectoryName(file)!;
        foreach (XElement child in doc.Root!.Elements())
        {
            if (child.Name.LocalName == "Import")
            {
                string project = ((string?)child.Attribute("Project") ?? string.Empty)
                    .Replace("$(MSBuildThisFileDirectory)", dir + "/", StringComparison.Ordinal);
                if (project.Contains("$(", StringComparison.Ordinal) || child.Attribute("Sdk") != null)
                {
                    continue; // Sdk and tool imports: no Compile items of ours.
                }

                string path = Path.GetFullPath(Path.Combine(dir, project.Replace('\\', '/')));
                if (File.Exists(path))
                {
                    Flatten(path, output, seen);
                }
                else if (child.Attribute("Condition") == null)
                {
                    throw new FileNotFoundException(file + " imports " + project + ", which does not exist", path);
                }

                continue;
            }

            output.Add((child, file));
        }
    }

    private sealed class Evaluation
    {
        private readonly string _projectDir;
        private readonly Dictionary<string, string> _properties = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<string> _compile = new();

        public Evaluation(string projectDir, string projectFile)
        {
            _projectDir = projectDir;
            _properties["DefaultItemExcludes"] = "bin/**;obj/**";
            _properties["MSBuildProjectDirectory"] = projectDir;
            _properties["MSBuildProjectName"] = Path.GetFileNameWithoutExtension(projectFile);
        }

        public IEnumerable<string> Compile => _compile.Distinct(StringComparer.Ordinal);

        public void ReadProperties(XElement element, string file)
        {
            if (element.Name.LocalName != "PropertyGroup")
            {
                return;
            }

            foreach (XElement property in element.Elements())
            {
                string name = property.Name.LocalName;
                string value = Expand(property.Value, file, allowUnknown: true);
                _properties[name] = value;
            }
        }

        public void AddDefaultItems()
        {
            if (IsFalse("EnableDefaultItems") || IsFalse("EnableDefaultCompileItems"))
            {
                return;
            }

            var excludes = SplitList(_properties["DefaultItemExcludes"])
                .Concat(new[] { "**/*.user", "**/*.*proj", "**/*.sln", "**/*.vssscc", "**/.*/**" })
                .Where(p => !p.Contains("$(", StringComparison.Ordinal))
                .Select(GlobRegex)
                .ToList();
            _compile.AddRange(Glob(_projectDir, "**/*.cs").Where(f => !excludes.Any(r => r.IsMatch(f))));
        }

        public void ReadItems(XElement element, string file)
        {
            if (element.Name.LocalName != "ItemGroup")
            {
                return;
            }

            foreach (XElement item in element.Elements().Where(e => e.Name.LocalName == "Compile"))
            {
                XAttribute? condition = item.Attribute("Condition") ?? element.Attribute("Condition");
                if (condition != null)
                {
                    throw new NotSupportedException(file + ": Compile item with Condition=\"" + condition.Value + "\" cannot be evaluated here; keep Compile items unconditional");
                }

                string? include = (string?)item.Attribute("Include");
                string? remove = (string?)item.Attribute("Remove");
                if (include != null)
                {
                    var exclude = SplitList(Expand((string?)item.Attribute("Exclude") ?? string.Empty, file, false)).Select(GlobRegex).ToList();
                    foreach (string pattern in SplitList(Expand(include, file, false)))
                    {
                        IEnumerable<string> matched = IsWildcard(pattern) ? Glob(_projectDir, pattern) : new[] { Normalize(pattern) };
                        _compile.AddRange(matched.Where(f => !exclude.Any(r => r.IsMatch(f))));
                    }
                }
                else if (remove != null)
                {
                    foreach (string pattern in SplitList(Expand(remove, file, false)))
                    {
                        Regex regex = GlobRegex(pattern);
                        _compile.RemoveAll(f => regex.IsMatch(f));
                    }
                }
            }
        }

        private static bool IsWildcard(string pattern) => pattern.Contains('*', StringComparison.Ordinal) || pattern.Contains('?', StringComparison.Ordinal);

        private bool IsFalse(string property) =>
            _properties.TryGetValue(property, out string? value) && value.Trim().Equals("false", StringComparison.OrdinalIgnoreCase);

        /// <summary>Expands $(Property) references; absolute paths under the project become project-relative.</summary>
        private string Expand(string value, string file, bool allowUnknown)
        {
            string fileDir = Path.GetDirectoryName(file)!.Replace('\\', '/') + "/";
            string expanded = Regex.Replace(value, @"\$\(([A-Za-z_][A-Za-z0-9_.\-]*)\)", m =>
            {
                string name = m.Groups[1].Value;
                if (name.Equals("MSBuildThisFileDirectory", StringComparison.OrdinalIgnoreCase))
                {
                    return fileDir;
                }

                if (_properties.TryGetValue(name, out string? known))
                {
                    return known;
                }

                if (allowUnknown)
                {
                    return m.Value;
                }

                throw new NotSupportedException(file + ": cannot evaluate $(" + name + ") in a Compile item (\"" + value + "\")");
            });
            if (allowUnknown)
            {
                return expanded;
            }

            string projectPrefix = _projectDir.Replace('\\', '/').TrimEnd('/') + "/";
            return string.Join(';', SplitList(expanded).Select(p =>
            {
                string n = p.Replace('\\', '/');
                if (Path.IsPathRooted(n))
                {
                    n = n.StartsWith(projectPrefix, StringComparison.Ordinal)
                        ? n.Substring(projectPrefix.Length)
                        : Path.GetRelativePath(_projectDir, n).Replace('\\', '/');
                }

                return n;
            }));
        }
    }
}

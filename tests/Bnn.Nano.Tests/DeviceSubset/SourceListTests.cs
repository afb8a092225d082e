using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace Bnn.Nano.Tests.DeviceSubset;

/// <summary>
/// The three projects of each device library compile the same sources: the .nfproj lists exactly the .cs files on
/// disk, and the host and device csprojs compile that list minus board glue (Board/), which needs packages that only
/// the .nfproj build has.
/// </summary>
public class SourceListTests
{
    [Fact]
    public void Nfproj_host_and_device_projects_list_the_same_sources()
    {
        IReadOnlyList<DeviceLibrary> libraries = DeviceLibrary.All();
        Assert.NotEmpty(libraries);

        var failures = new List<string>();
        foreach (DeviceLibrary library in libraries)
        {
            var onDisk = new SortedSet<string>(library.SourceFilesOnDisk(), StringComparer.Ordinal);
            SortedSet<string> nfproj = ProjectSources.NfprojCompileItems(library.Nfproj);
            Compare(failures, DeviceLibrary.RepoRelative(library.Nfproj), nfproj, "the .cs files on disk", onDisk);

            var withoutBoard = new SortedSet<string>(nfproj.Where(f => !DeviceLibrary.IsBoardGlue(f)), StringComparer.Ordinal);
            var projects = library.HostProjects.Concat(library.DeviceProjects).ToList();
            if (library.HostProjects.Count == 0)
            {
                failures.Add(library.RelativeDirectory + ": no host csproj (each device library has a host, a device and an nfproj project)");
            }

            if (library.DeviceProjects.Count == 0)
            {
                failures.Add(library.RelativeDirectory + ": no *.Device.csproj (each device library has a host, a device and an nfproj project)");
            }

            foreach (string csproj in projects)
            {
                SortedSet<string> compiled = ProjectSources.CsprojCompileItems(csproj);
                Compare(failures, DeviceLibrary.RepoRelative(csproj), compiled, DeviceLibrary.RepoRelative(library.Nfproj) + " minus " + DeviceLibrary.BoardFolder + "/", withoutBoard);
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Csproj_evaluation_applies_default_glob_removes_imports_and_board_exclusion()
    {
        string dir = Path.Combine(Path.GetTempPath(), "bnn-sourcelist-" + Guid.NewGuid().ToString("N"));
        try
        {
            foreach (string file in new[] { "A.cs", "Kernels/B.cs", "Board/Glue.cs", "obj/Gen.cs", "bin/X.cs", "Old/Skip.cs", ".hidden/H.cs" })
            {
                string path = Path.Combine(dir, "Lib", file);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, "// " + file);
            }

            File.WriteAllText(Path.Combine(dir, "Shared.props"), """
                <Project>
                  <ItemGroup>
                    <Compile Remove="Board/**" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir, "Lib", "Lib.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <Import Project="../Shared.props" />
                  <ItemGroup>
                    <Compile Remove="Old\**" />
                    <Compile Include="..\Extra.cs" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir, "Lib", "Lib.nfproj"), """
                <Project>
                  <ItemGroup>
                    <Compile Include="A.cs" />
                    <Compile Include="Board\Glue.cs" />
                    <Compile Include="Kernels\B.cs" />
                  </ItemGroup>
                </Project>
                """);

            SortedSet<string> compiled = ProjectSources.CsprojCompileItems(Path.Combine(dir, "Lib", "Lib.csproj"));
            SortedSet<string> listed = ProjectSources.NfprojCompileItems(Path.Combine(dir, "Lib", "Lib.nfproj"));

            Assert.Equal(new[] { "../Extra.cs", "A.cs", "Kernels/B.cs" }, compiled);
            Assert.Equal(new[] { "A.cs", "Board/Glue.cs", "Kernels/B.cs" }, listed);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Compare(List<string> failures, string project, SortedSet<string> actual, string expectedName, SortedSet<string> expected)
    {
        var missing = expected.Except(actual, StringComparer.Ordinal).ToList();
        var extra = actual.Except(expected, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            failures.Add(project + " lacks files of " + expectedName + ": " + string.Join(", ", missing));
        }

        if (extra.Count > 0)
        {
            failures.Add(project + " compiles files not in " + expectedName + ": " + string.Join(", ", extra));
        }
    }
}

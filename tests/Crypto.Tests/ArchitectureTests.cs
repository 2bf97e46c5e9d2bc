using System.Reflection;

namespace SafeIntake.Crypto.Tests;

/// <summary>The server cannot decrypt by construction: no type that holds a secret key is reachable from it.</summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void IntakeWeb_ProjectGraph_ExcludesTheSecretsProject()
    {
        var reachable = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>([Path.Combine(TestPaths.RepoRoot, "src", "Intake.Web", "SafeIntake.Intake.Web.csproj")]);
        while (pending.TryDequeue(out var project))
        {
            if (!reachable.Add(Path.GetFileName(project)))
            {
                continue;
            }

            var references = System.Xml.Linq.XDocument.Load(project).Descendants("ProjectReference").Select(r => (string)r.Attribute("Include")!);
            foreach (var reference in references)
            {
                pending.Enqueue(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, reference)));
            }
        }

        Assert.Contains("SafeIntake.Crypto.csproj", reachable);
        Assert.DoesNotContain("SafeIntake.Crypto.Secrets.csproj", reachable);
    }

    [Fact]
    public void IntakeWeb_LoadedAssemblies_ExcludeTheSecretsAssembly()
    {
        var reachable = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<AssemblyName>(typeof(Program).Assembly.GetReferencedAssemblies());
        while (pending.TryDequeue(out var name))
        {
            if (name.Name is { } simple && simple.StartsWith("SafeIntake", StringComparison.Ordinal) && reachable.Add(simple))
            {
                foreach (var next in Assembly.Load(name).GetReferencedAssemblies())
                {
                    pending.Enqueue(next);
                }
            }
        }

        Assert.Equal("SafeIntake.Intake.Web", typeof(Program).Assembly.GetName().Name);
        Assert.DoesNotContain("SafeIntake.Crypto.Secrets", reachable);
    }

    [Fact]
    public void FormatAssembly_ExposesNoSecretKeyType()
    {
        var format = typeof(EnvelopeSealer).Assembly;
        var secretTypes = new[] { typeof(X25519SecretKey), typeof(Ed25519SecretKey), typeof(EnvelopeOpener), typeof(Keyfile), typeof(Codename) };

        Assert.All(secretTypes, t => Assert.NotEqual(format, t.Assembly));
        Assert.DoesNotContain(format.GetExportedTypes(), t => t.Name.Contains("Secret", StringComparison.Ordinal) || t.Name.Contains("Opener", StringComparison.Ordinal));
    }
}

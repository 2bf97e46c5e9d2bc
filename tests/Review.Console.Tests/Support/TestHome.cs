using System.Text.Json.Nodes;
using SafeIntake.Crypto;
using Spectre.Console.Testing;

namespace SafeIntake.Review.Console.Tests.Support;

/// <summary>The outcome of one console run: its exit code, what it printed on standard output and on standard error.</summary>
public sealed record RunResult(int ExitCode, string Output, string Errors = "")
{
    public override string ToString() => $"exit {ExitCode}:\n{Output}\n--- stderr ---\n{Errors}";
}

/// <summary>
/// A temporary console home and environment: passphrases come from variables (never the process environment), the
/// clock is fixed, HTTP goes to an in-memory handler. Each test owns one, so tests share no state.
/// </summary>
public sealed class TestHome : IDisposable
{
    public const string Passphrase = "correct horse battery staple";

    public TestHome()
    {
        Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "si-review-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        Variables[ConsoleEnvironment.HomeVariable] = Root;
        Variables[ConsoleEnvironment.PassphraseVariable] = Passphrase;
    }

    public string Root { get; }

    public Dictionary<string, string?> Variables { get; } = [];

    public DateTimeOffset Now { get; set; } = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    public Func<HttpMessageHandler> Http { get; set; } = () => throw new InvalidOperationException("This test uses no HTTP.");

    /// <summary>Standard input for <c>note</c> and <c>reply</c>; never the test runner's own.</summary>
    public Func<TextReader> StandardInput { get; set; } = () => TextReader.Null;

    /// <summary>Whether standard input counts as piped; false unless a test pipes text in.</summary>
    public Func<bool> InputRedirected { get; set; } = () => false;

    /// <summary>Whether standard output counts as piped (plain tables); false unless a test pipes the output.</summary>
    public bool OutputRedirected { get; set; }

    /// <summary>The console's width in columns (what the terminal reports; COLUMNS in <see cref="Variables"/> overrides it).</summary>
    public int Width { get; set; } = 220;

    /// <summary>Lines of the test terminal: tall, so that review shows a report above its menu and never pages it.</summary>
    public int Height { get; set; } = 1000;

    /// <summary>Plays the reviewer's editor on a draft (editor command, path) and returns its exit code.</summary>
    public Func<string, string, int> RunEditor { get; set; } = (_, _) => throw new InvalidOperationException("This test uses no editor.");

    public string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public RunResult Run(params string[] args) => RunWithInput([], args);

    /// <summary>What Ctrl+C does during a run; by default nothing (no test sends a real signal).</summary>
    public Func<Action, IDisposable> OnInterrupt { get; set; } = _ => new NoInterrupt();

    /// <summary>Runs in an interactive console that answers prompts with <paramref name="lines"/>, in order.</summary>
    public RunResult RunWithInput(IReadOnlyList<string> lines, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var console = new TestConsole();
        if (lines.Count > 0)
        {
            console.Interactive();
            foreach (var line in lines)
            {
                console.Input.PushTextWithEnter(line);
            }
        }

        return RunIn(console, args);
    }

    /// <summary>Runs in an interactive ANSI console whose keyboard plays <paramref name="keys"/> (arrows, Enter, text).</summary>
    public RunResult RunWithKeys(Action<TestConsoleInput> keys, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var console = new TestConsole().Interactive().SupportsAnsi(true);
        keys(console.Input);
        return RunIn(console, args);
    }

    private RunResult RunIn(TestConsole console, string[] args)
    {
        console.Width(Width);
        console.Profile.Height = Height;
        var errors = new StringWriter();
        var environment = new ConsoleEnvironment
        {
            ErrorOutput = errors,
            GetVariable = name => Variables.GetValueOrDefault(name),
            UserHome = Root,
            Time = new FixedClock(Now),
            CreateHttpHandler = Http,
            OnInterrupt = OnInterrupt,
            StandardInput = StandardInput,
            InputRedirected = InputRedirected,
            OutputRedirected = () => OutputRedirected,
            RunEditor = RunEditor,
        };
        var code = Program.Run(args, console, environment);
        return new RunResult(code, console.Output, errors.ToString());
    }

    /// <summary>Runs and asserts the exit code, showing the output when it differs.</summary>
    public RunResult Expect(int exitCode, params string[] args)
    {
        var result = Run(args);
        Assert.True(result.ExitCode == exitCode, $"expected exit {exitCode} from `{string.Join(' ', args)}`, got {result}");
        return result;
    }

    /// <summary>keys init with the fast Argon2id parameters; returns the reviewer's public keys.</summary>
    public ReviewerKeys InitReviewer(string id = "alice", string name = "Alice Chan")
    {
        Expect(ExitCodes.Ok, "keys", "init", "--id", id, "--name", name, "--argon-fast");
        var json = JsonNode.Parse(File.ReadAllText(Path($"{id}.pub.json")))!;
        return new ReviewerKeys(id,
            X25519PublicKey.TryParseBase64((string?)json["x25519"], out var x) ? x : throw new InvalidOperationException(),
            Ed25519PublicKey.TryParseBase64((string?)json["ed25519"], out var e) ? e : throw new InvalidOperationException());
    }

    /// <summary>Every file under the home, for the canary grep.</summary>
    public IEnumerable<string> AllFiles() => Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    private sealed class NoInterrupt : IDisposable
    {
        public void Dispose()
        {
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

public sealed record ReviewerKeys(string Id, X25519PublicKey EncryptionKey, Ed25519PublicKey SigningKey);

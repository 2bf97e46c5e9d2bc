using System.Runtime.InteropServices;

namespace SafeIntake.Review.Console;

/// <summary>
/// What the console takes from the world besides its arguments: environment variables, the clock, the user's home
/// folder and the HTTP stack. Tests pass their own, so they never touch the process environment or the network.
/// </summary>
public sealed class ConsoleEnvironment
{
    public const string HomeVariable = "SAFEINTAKE_HOME";
    public const string PassphraseVariable = "SAFEINTAKE_PASSPHRASE";
    public const string NewPassphraseVariable = "SAFEINTAKE_NEW_PASSPHRASE";

    public required Func<string, string?> GetVariable { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The user's home folder, under which the default console home (.safeintake) lives.</summary>
    public required string UserHome { get; init; }

    /// <summary>Creates the handler for <c>fetch</c> and <c>upload-outbox</c>; the caller disposes it.</summary>
    public Func<HttpMessageHandler> CreateHttpHandler { get; init; } = () => new SocketsHttpHandler { AllowAutoRedirect = false };

    /// <summary>Standard error: every error and warning (<see cref="Diagnostics"/>), so standard output holds only results.</summary>
    public TextWriter ErrorOutput { get; init; } = System.Console.Error;

    /// <summary>Standard input, for text piped into <c>note</c> and <c>reply</c>.</summary>
    public Func<TextReader> StandardInput { get; init; } = () => System.Console.In;

    /// <summary>True when standard output is a pipe or file: tables then print in a plain layout (<see cref="Commands.TableView"/>).</summary>
    public Func<bool> OutputRedirected { get; init; } = () => System.Console.IsOutputRedirected;

    /// <summary>True when standard input is a pipe or file, not the keyboard.</summary>
    public Func<bool> InputRedirected { get; init; } = () => System.Console.IsInputRedirected;

    /// <summary>Opens the reviewer's editor on a file and waits; returns its exit code. Tests replace it.</summary>
    public Func<string, string, int> RunEditor { get; init; } = Editor.Run;

    /// <summary>
    /// Calls the action on Ctrl+C instead of ending the process, until the result is disposed: the interactive
    /// <c>review</c> then leaves its loop, zeroes the keys and exits 0. Tests replace it.
    /// </summary>
    public Func<Action, IDisposable> OnInterrupt { get; init; } = action => PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
    {
        context.Cancel = true;
        action();
    });

    public static ConsoleEnvironment FromProcess() => new()
    {
        GetVariable = Environment.GetEnvironmentVariable,
        UserHome = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
    };
}

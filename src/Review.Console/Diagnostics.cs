using System.Text.Json;
using System.Text.RegularExpressions;

namespace SafeIntake.Review.Console;

/// <summary>
/// Errors and warnings go to standard error, never standard output: a script reading <c>--json</c> from stdout gets
/// only the result. With <c>--json</c> each one is a JSON object on its own line (<c>{"error":{…}}</c> or
/// <c>{"warning":{…}}</c>), else a line starting "Error:" or "Warning:".
/// </summary>
public sealed class Diagnostics(TextWriter error, bool json)
{
    private static readonly JsonSerializerOptions Compact = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public bool Json => json;

    public void Error(int exitCode, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Write(json ? JsonSerializer.Serialize(new { error = new { exitCode, kind = Kind(exitCode), message } }, Compact) : $"Error: {message}");
    }

    public void Warning(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Write(json ? JsonSerializer.Serialize(new { warning = new { message } }, Compact) : $"Warning: {message}");
    }

    /// <summary>A further line of help after an error (text only: JSON readers have the exit code).</summary>
    public void Hint(string message)
    {
        if (!json)
        {
            Write(message);
        }
    }

    public static string Kind(int exitCode) => exitCode switch
    {
        ExitCodes.Ok => "ok",
        ExitCodes.Failure => "refused",
        ExitCodes.Usage => "usage",
        ExitCodes.Locked => "passphrase",
        ExitCodes.Unreachable => "unreachable",
        _ => "internal",
    };

    private void Write(string line)
    {
        error.WriteLine(line);
        error.Flush();
    }
}

/// <summary>File-system failures in the console's words, for every place that reports one.</summary>
public static partial class FileErrors
{
    /// <summary>
    /// A file error in the console's words: what went wrong with which path and what to do. .NET's own text ("Could not
    /// find a part of the path …") never reaches the reviewer; only the path it names, which the reviewer gave or owns.
    /// </summary>
    public static string Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var quoted = QuotedPath().Match(e.Message);
        var where = (e as FileNotFoundException)?.FileName ?? (quoted.Success ? quoted.Groups[1].Value : "a file or folder");
        return e switch
        {
            UnauthorizedAccessException => $"Not allowed to read or write {where}: check its owner and permissions. Nothing more was changed.",
            DirectoryNotFoundException => $"The folder for {where} does not exist: create it, or give another path. Nothing was written there.",
            FileNotFoundException => $"{where} does not exist: check the path.",
            PathTooLongException => $"The path {where} is too long: give a shorter one.",
            _ when (e.HResult & 0xFFFF) is 28 or 112 => $"The disk is full while writing {where}: free some space and run the command again.",
            _ => $"Could not read or write {where} (the disk or the file is unavailable, or in use by another program). Nothing more was changed.",
        };
    }

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex QuotedPath();
}

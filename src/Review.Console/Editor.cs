using System.Diagnostics;

namespace SafeIntake.Review.Console;

/// <summary>Runs the reviewer's own editor ($VISUAL, else $EDITOR, else nano, else vi) on a draft file.</summary>
public static class Editor
{
    private static readonly string[] Variables = ["VISUAL", "EDITOR"];
    private static readonly string[] Fallbacks = ["nano", "vi"];

    /// <summary>Starts <paramref name="editor"/> (a command, possibly with arguments) on <paramref name="path"/> and waits.</summary>
    public static int Run(string editor, string path)
    {
        ArgumentNullException.ThrowIfNull(editor);
        var parts = editor.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            return -1;
        }

        var start = new ProcessStartInfo(parts[0]) { UseShellExecute = false };
        foreach (var argument in parts.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(path);
        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return -1;
            }

            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    /// <summary>The editor command the environment names, else the first of nano and vi found on PATH.</summary>
    public static string? Choose(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        foreach (var name in Variables)
        {
            if (getVariable(name) is { Length: > 0 } value)
            {
                return value;
            }
        }

        var path = getVariable("PATH") ?? "";
        return Fallbacks.FirstOrDefault(e => path.Split(Path.PathSeparator).Any(folder => File.Exists(Path.Combine(folder, e))));
    }
}

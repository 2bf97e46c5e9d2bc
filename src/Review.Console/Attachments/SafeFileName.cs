using SafeIntake.Review.Console.Home;
using System.Globalization;
using System.Text;

namespace SafeIntake.Review.Console.Attachments;

/// <summary>
/// Turns an attachment's name, which the witness (or an attacker) chose, into a file name that stays in the folder
/// the reviewer chose, shows what it is, and overwrites nothing: no separators or "..", no control or bidi characters
/// (the "photo‮gpj.exe" trick), no leading dot or dash, no Windows-reserved names or characters, a bounded length.
/// </summary>
public static class SafeFileName
{
    /// <summary>Longest name in UTF-8 bytes, " (n)" included: well under the 255 of ext4, APFS and NTFS.</summary>
    public const int MaxBytes = 150;

    private const int MaxExtensionLength = 10;
    private const int MaxCopies = 10_000;

    private static readonly HashSet<string> ReservedNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
    };

    /// <summary>Extensions that run code, or open in a browser or an office suite that may, when double-clicked.</summary>
    private static readonly HashSet<string> DangerousExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        // Windows executables, installers, shortcuts and scripts
        "exe", "com", "scr", "pif", "cpl", "dll", "sys", "drv", "ocx", "msi", "msp", "mst", "msc", "appx", "msix", "application",
        "bat", "cmd", "ps1", "psm1", "psd1", "ps1xml", "vb", "vbs", "vbe", "js", "jse", "wsf", "wsh", "wsc", "hta", "scf",
        "lnk", "url", "inf", "reg", "gadget", "chm", "hlp", "settingcontent-ms", "library-ms", "search-ms",
        "iso", "img", "vhd", "vhdx", "xll", "appref-ms",
        // Unix and macOS
        "sh", "bash", "zsh", "csh", "ksh", "fish", "command", "tool", "desktop", "run", "bin", "elf", "appimage", "deb", "rpm",
        "app", "pkg", "dmg", "workflow", "action", "scpt", "applescript",
        // Cross-platform code
        "jar", "jnlp", "class", "apk", "xapk", "py", "pyw", "pyc", "pl", "rb", "php", "lua", "mjs", "cjs", "swf",
        // Browsers: active content
        "html", "htm", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "xslt",
        // Office documents with macros
        "docm", "dotm", "xlsm", "xltm", "xlsb", "xlam", "pptm", "potm", "ppsm", "ppam", "sldm", "one",
    };

    /// <summary>
    /// A safe name for <paramref name="name"/> that does not exist yet in <paramref name="folder"/>: the cleaned name,
    /// else "stem (2).ext", "stem (3).ext" and so on. The caller still moves without overwriting (another process can
    /// create the name in between) and asks again on a clash.
    /// </summary>
    public static string Unique(string folder, string? name, int position)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var clean = Clean(name, position);
        for (var copy = 1; copy <= MaxCopies; copy++)
        {
            var candidate = copy == 1 ? clean : WithCopyNumber(clean, copy);
            if (!Path.Exists(Path.Combine(folder, candidate)) && !IsDanglingLink(Path.Combine(folder, candidate)))
            {
                return candidate;
            }
        }

        throw new IOException($"{folder} already holds {MaxCopies} files named like {clean}.");
    }

    /// <summary>The cleaned name (not checked against a folder); "attachment-<paramref name="position"/>" when nothing is left.</summary>
    public static string Clean(string? name, int position)
    {
        var text = Sanitize(name ?? "");
        var (stem, extension) = Split(text);
        stem = TrimEnds(stem);
        if (ReservedNames.Contains(stem) || ReservedNames.Contains(stem.Split('.')[0].TrimEnd()))
        {
            stem = "_" + stem;
        }

        if (stem.Length == 0)
        {
            stem = extension.Length == 0 ? "" : "attachment-" + position.ToString(CultureInfo.InvariantCulture);
        }

        var result = Fit(stem, extension, MaxBytes);
        return result.Length == 0 ? "attachment-" + position.ToString(CultureInfo.InvariantCulture) : result;
    }

    /// <summary>Whether opening a file of this name may run code (a program, a script, a page, a macro document).</summary>
    public static bool IsDangerous(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var name = fileName.TrimEnd('.', ' ');
        var dot = name.LastIndexOf('.');
        return dot >= 0 && DangerousExtensions.Contains(name[(dot + 1)..]);
    }

    /// <summary>"stem (n).ext", fitted so that the number is never cut off.</summary>
    internal static string WithCopyNumber(string name, int copy)
    {
        var (stem, extension) = Split(name);
        var suffix = $" ({copy.ToString(CultureInfo.InvariantCulture)})";
        var fitted = Fit(stem, extension, MaxBytes - suffix.Length);
        var (fittedStem, fittedExtension) = Split(fitted);
        return fittedStem + suffix + (fittedExtension.Length > 0 ? "." + fittedExtension : "");
    }

    private static string Sanitize(string name)
    {
        // Lone surrogates first: Normalize throws on them.
        var valid = string.Concat(UntrustedText.Runes(name).Select(r => r.ToString()));
        var builder = new StringBuilder(valid.Length);
        foreach (var rune in UntrustedText.Runes(valid.Normalize(NormalizationForm.FormC)))
        {
            if (UntrustedText.IsInvisibleFormat(rune) || rune.Value is 0xFFFE or 0xFFFF)
            {
                continue;
            }

            if (Rune.IsControl(rune) || Rune.IsWhiteSpace(rune))
            {
                builder.Append(' ');
            }
            else if (rune.Value is '/' or '\\' or '<' or '>' or ':' or '"' or '|' or '?' or '*')
            {
                builder.Append('_');
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        var text = builder.ToString();
        // Runs of dots become one ("..", "...") and runs of spaces one space.
        while (text.Contains("..", StringComparison.Ordinal))
        {
            text = text.Replace("..", ".", StringComparison.Ordinal);
        }

        while (text.Contains("  ", StringComparison.Ordinal))
        {
            text = text.Replace("  ", " ", StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>The extension is kept apart when it is sane: 1 to 10 ASCII letters and digits after the last dot.</summary>
    private static (string Stem, string Extension) Split(string name)
    {
        var dot = name.LastIndexOf('.');
        if (dot > 0 && name.Length - dot - 1 is >= 1 and <= MaxExtensionLength && name[(dot + 1)..].All(char.IsAsciiLetterOrDigit))
        {
            return (name[..dot], name[(dot + 1)..]);
        }

        return (name, "");
    }

    /// <summary>No leading dot (hidden), dash (an option to the next tool) or space; no trailing dot or space (Windows drops them).</summary>
    private static string TrimEnds(string stem) => stem.TrimStart('.', '-', ' ', '_').TrimEnd('.', ' ');

    private static string Fit(string stem, string extension, int maxBytes)
    {
        var tail = extension.Length > 0 ? "." + extension : "";
        var budget = maxBytes - Encoding.UTF8.GetByteCount(tail);
        var builder = new StringBuilder();
        var used = 0;
        // Cut between grapheme clusters, so no accent or emoji half is left at the end.
        var elements = StringInfo.GetTextElementEnumerator(stem);
        while (elements.MoveNext())
        {
            var element = elements.GetTextElement();
            var bytes = Encoding.UTF8.GetByteCount(element);
            if (used + bytes > budget)
            {
                break;
            }

            builder.Append(element);
            used += bytes;
        }

        var fitted = builder.ToString().TrimEnd('.', ' ');
        return fitted.Length == 0 ? "" : fitted + tail;
    }

    private static bool IsDanglingLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }
}

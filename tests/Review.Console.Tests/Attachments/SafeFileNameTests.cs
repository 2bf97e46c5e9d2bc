using System.Text;
using SafeIntake.Review.Console.Attachments;

namespace SafeIntake.Review.Console.Tests.Attachments;

public sealed class SafeFileNameTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "si-names-" + Guid.NewGuid().ToString("N")[..12]);

    public SafeFileNameTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static void AssertSafe(string name)
    {
        Assert.NotEmpty(name);
        Assert.DoesNotContain('/', name);
        Assert.DoesNotContain('\\', name);
        Assert.DoesNotContain("..", name, StringComparison.Ordinal);
        Assert.False(name[0] is '.' or '-' or ' ', name);
        Assert.False(name[^1] is '.' or ' ', name);
        Assert.DoesNotContain(name, c => char.IsControl(c) || c is '\u202A' or '\u202B' or '\u202C' or '\u202D' or '\u202E'
            or '\u2066' or '\u2067' or '\u2068' or '\u2069' or '\u200E' or '\u200F' or '<' or '>' or ':' or '"' or '|' or '?' or '*');
        Assert.True(Encoding.UTF8.GetByteCount(name) <= SafeFileName.MaxBytes, name);
        Assert.Equal(name, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(name)));
    }

    [Theory]
    [InlineData("photo.jpg", "photo.jpg")]
    [InlineData("../../etc/passwd", "etc_passwd")]
    [InlineData("..\\x", "x")]
    [InlineData("/etc/shadow", "etc_shadow")]
    [InlineData("C:\\Windows\\system32\\evil.dll", "C__Windows_system32_evil.dll")]
    [InlineData("a/../../b.txt", "a_._._b.txt")]
    [InlineData("photo\u202Egpj.exe", "photogpj.exe")]
    [InlineData("\u2066report\u2069\u200F.pdf", "report.pdf")]
    [InlineData(".bashrc", "bashrc")]
    [InlineData("-rf.txt", "rf.txt")]
    [InlineData("--help", "help")]
    [InlineData("a<b>c:d\"e|f?g*h.txt", "a_b_c_d_e_f_g_h.txt")]
    [InlineData("line\r\nbreak\u0000and\u001b[31mred.txt", "line break and [31mred.txt")]
    [InlineData("evil.exe. . ", "evil.exe")]
    [InlineData("too...many....dots.jpg", "too.many.dots.jpg")]
    [InlineData("警察 在 旺角.jpg", "警察 在 旺角.jpg")]
    [InlineData("CON", "_CON")]
    [InlineData("con.txt", "_con.txt")]
    [InlineData("LPT1.tar.gz", "_LPT1.tar.gz")]
    [InlineData("Nul .jpg", "_Nul.jpg")]
    [InlineData("console.txt", "console.txt")]
    public void Clean_HostileNames_BecomeSafe(string name, string expected)
    {
        var clean = SafeFileName.Clean(name, 1);

        Assert.Equal(expected, clean);
        AssertSafe(clean);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("...")]
    [InlineData("..")]
    [InlineData("\u202E\u202E")]
    [InlineData("-")]
    [InlineData("/")]
    public void Clean_NothingLeft_IsAttachmentN(string name)
    {
        Assert.Equal("attachment-3", SafeFileName.Clean(name, 3));
    }

    [Fact]
    public void Clean_Null_IsAttachmentN() => Assert.Equal("attachment-7", SafeFileName.Clean(null, 7));

    [Fact]
    public void Clean_OnlyAnExtension_KeepsItBehindAttachmentN() => Assert.Equal("attachment-2.jpg", SafeFileName.Clean("-.jpg", 2));

    [Fact]
    public void Clean_LoneSurrogate_IsReplacedNotThrown()
    {
        var clean = SafeFileName.Clean("\uD800abc\uDC00.jpg", 1);

        Assert.Equal("\uFFFDabc\uFFFD.jpg", clean);
        AssertSafe(clean);
    }

    [Theory]
    [InlineData("a", ".jpg")]
    [InlineData("警", ".png")]
    [InlineData("😀", ".mp4")]
    [InlineData("q\u0301", ".txt")]
    public void Clean_500CharacterName_IsCutAndKeepsTheExtension(string unit, string extension)
    {
        var name = string.Concat(Enumerable.Repeat(unit, 500)) + extension;

        var clean = SafeFileName.Clean(name, 1);

        AssertSafe(clean);
        Assert.EndsWith(extension, clean, StringComparison.Ordinal);
        Assert.StartsWith(unit, clean, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(clean) > SafeFileName.MaxBytes - 10, clean);
        Assert.Equal(0, (clean.Length - extension.Length) % unit.Length);
    }

    [Fact]
    public void Clean_LongInsaneExtension_IsCutWithTheName()
    {
        var clean = SafeFileName.Clean("x." + new string('y', 400), 1);

        AssertSafe(clean);
        Assert.StartsWith("x.yyy", clean, StringComparison.Ordinal);
    }

    [Fact]
    public void Unique_NameTaken_AddsTheNextNumber()
    {
        File.WriteAllText(Path.Combine(_folder, "photo.jpg"), "mine");
        File.WriteAllText(Path.Combine(_folder, "photo (2).jpg"), "mine too");

        Assert.Equal("photo (3).jpg", SafeFileName.Unique(_folder, "photo.jpg", 1));
        Assert.Equal("other.jpg", SafeFileName.Unique(_folder, "other.jpg", 1));
    }

    [Fact]
    public void Unique_NameTakenByAFolderOrADanglingLink_AddsANumber()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "notes"));
        File.CreateSymbolicLink(Path.Combine(_folder, "link.txt"), Path.Combine(_folder, "missing-target"));

        Assert.Equal("notes (2)", SafeFileName.Unique(_folder, "notes", 1));
        Assert.Equal("link (2).txt", SafeFileName.Unique(_folder, "link.txt", 1));
    }

    [Fact]
    public void Unique_LongNameTaken_KeepsNumberAndExtensionWithinTheLimit()
    {
        var first = SafeFileName.Unique(_folder, new string('n', 500) + ".jpg", 1);
        File.WriteAllText(Path.Combine(_folder, first), "");

        var second = SafeFileName.Unique(_folder, new string('n', 500) + ".jpg", 1);

        AssertSafe(second);
        Assert.EndsWith(" (2).jpg", second, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Unique_NoExtension_NumbersTheEnd()
    {
        File.WriteAllText(Path.Combine(_folder, "README"), "");

        Assert.Equal("README (2)", SafeFileName.Unique(_folder, "README", 1));
    }

    [Theory]
    [InlineData("setup.exe")]
    [InlineData("invoice.JS")]
    [InlineData("page.html")]
    [InlineData("page.htm")]
    [InlineData("logo.svg")]
    [InlineData("shortcut.lnk")]
    [InlineData("screen.scr")]
    [InlineData("run.bat")]
    [InlineData("run.cmd")]
    [InlineData("script.ps1")]
    [InlineData("install.sh")]
    [InlineData("app.jar")]
    [InlineData("app.apk")]
    [InlineData("letter.docm")]
    [InlineData("sheet.xlsm")]
    [InlineData("photo.jpg.exe")]
    [InlineData("evil.exe.")]
    [InlineData("photogpj.exe")]
    public void IsDangerous_CodeAndActiveContent_IsFlagged(string name) => Assert.True(SafeFileName.IsDangerous(name));

    [Theory]
    [InlineData("report.pdf")]
    [InlineData("photo.jpg")]
    [InlineData("photo.PNG")]
    [InlineData("clip.mp4")]
    [InlineData("notes.txt")]
    [InlineData("letter.docx")]
    [InlineData("exe")]
    [InlineData("README")]
    public void IsDangerous_PlainDocumentsAndMedia_AreNot(string name) => Assert.False(SafeFileName.IsDangerous(name));
}

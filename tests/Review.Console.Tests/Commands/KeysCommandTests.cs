using System.Buffers.Binary;
using System.Text.Json.Nodes;
using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Commands;

public sealed class KeysCommandTests : IDisposable
{
    private readonly TestHome _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public void Init_WritesKeyfileAndPublicFileWithFingerprint()
    {
        var result = _home.Expect(ExitCodes.Ok, "keys", "init", "--id", "alice", "--name", "Alice Chan", "--argon-fast");

        Assert.True(File.Exists(_home.Path("reviewer.key")));
        var pub = JsonNode.Parse(File.ReadAllText(_home.Path("alice.pub.json")))!;
        Assert.Equal("alice", (string?)pub["id"]);
        Assert.Equal("Alice Chan", (string?)pub["name"]);
        Assert.Equal(44, ((string?)pub["x25519"])!.Length);
        Assert.Equal(44, ((string?)pub["ed25519"])!.Length);
        Assert.Contains((string)pub["fingerprint"]!, result.Output);
    }

    [Fact]
    public void Init_Twice_RefusesAndKeepsTheFirstKeyfile()
    {
        _home.InitReviewer();
        var before = File.ReadAllBytes(_home.Path("reviewer.key"));

        _home.Expect(ExitCodes.Failure, "keys", "init", "--id", "alice", "--name", "Alice", "--argon-fast");

        Assert.Equal(before, File.ReadAllBytes(_home.Path("reviewer.key")));
    }

    [Theory]
    [InlineData("Alice")]
    [InlineData("-alice")]
    [InlineData("")]
    public void Init_InvalidId_IsUsageError(string id) =>
        _home.Expect(ExitCodes.Usage, "keys", "init", "--id", id, "--name", "Alice", "--argon-fast");

    [Theory]
    [InlineData("short")]
    [InlineData("aaaaaaaaaaaaaaaa")]
    [InlineData("password1234")]
    public void Init_WeakPassphrase_IsRefusedBeforeAnythingIsCreated_UnlessInsisted(string weak)
    {
        _home.Variables[ConsoleEnvironment.PassphraseVariable] = weak;

        var refused = _home.Expect(ExitCodes.Failure, "keys", "init", "--id", "alice", "--name", "Alice", "--argon-fast");

        Assert.Contains("weak", refused.Errors, StringComparison.Ordinal);
        Assert.Contains("--accept-weak-passphrase", refused.Errors, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_home.Root));

        var insisted = _home.Expect(ExitCodes.Ok, "keys", "init", "--id", "alice", "--name", "Alice", "--argon-fast", "--accept-weak-passphrase");
        Assert.Contains("Warning: this passphrase is weak", insisted.Errors, StringComparison.Ordinal);
        Assert.True(File.Exists(_home.Path("reviewer.key")));
    }

    [Fact]
    public void Init_Interactive_WeakThenMismatchThenGood_IsAskedAgainAndCreates()
    {
        _home.Variables.Remove(ConsoleEnvironment.PassphraseVariable);
        const string good = "typed at the keyboard, not echoed";

        var result = _home.RunWithInput(["short", good, "a different one entirely", good, good], "keys", "init", "--id", "alice", "--name", "Alice", "--argon-fast");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("Too weak", result.Output, StringComparison.Ordinal);
        Assert.Contains("The two passphrases differ", result.Output, StringComparison.Ordinal);
        Assert.True(SafeIntake.Crypto.Keyfile.Open(File.ReadAllBytes(_home.Path("reviewer.key")), good).IsReviewer);
    }

    [Fact]
    public void Unlock_Interactive_ThreeTries()
    {
        _home.InitReviewer();
        _home.Variables.Remove(ConsoleEnvironment.PassphraseVariable);

        var second = _home.RunWithInput(["wrong once", TestHome.Passphrase], "outbox", "write");
        Assert.Equal(ExitCodes.Ok, second.ExitCode);
        Assert.Contains("Wrong passphrase. 2 more tries.", second.Output, StringComparison.Ordinal);

        var third = _home.RunWithInput(["wrong once", "wrong twice", TestHome.Passphrase], "outbox", "write");
        Assert.Equal(ExitCodes.Ok, third.ExitCode);

        var locked = _home.RunWithInput(["wrong once", "wrong twice", "wrong thrice"], "outbox", "write");
        Assert.Equal(ExitCodes.Locked, locked.ExitCode);
        Assert.Contains("3 tries", locked.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_NoPassphraseSourceAndNoTerminal_IsUsageError()
    {
        _home.Variables.Remove(ConsoleEnvironment.PassphraseVariable);

        _home.Expect(ExitCodes.Usage, "keys", "init", "--id", "alice", "--name", "Alice", "--argon-fast");

        Assert.False(File.Exists(_home.Path("reviewer.key")));
    }

    [Fact]
    public void Init_PassphraseFile_IsUsedOverTheEnvironment()
    {
        var file = _home.Path("pass.txt");
        File.WriteAllText(file, "a passphrase from a file\n");
        _home.Expect(ExitCodes.Ok, "keys", "init", "--id", "alice", "--name", "Alice", "--argon-fast", "--passphrase-file", file);

        _home.Expect(ExitCodes.Locked, "outbox", "write");
        _home.Expect(ExitCodes.Ok, "outbox", "write", "--passphrase-file", file);
    }

    [Fact]
    public void Init_Interactive_AsksTwiceWithoutEcho()
    {
        _home.Variables.Remove(ConsoleEnvironment.PassphraseVariable);
        const string typed = "typed at the keyboard, not echoed";

        var result = _home.RunWithInput([typed, typed], "keys", "init", "--id", "alice", "--name", "Alice", "--argon-fast");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.DoesNotContain(typed, result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("*", result.Output, StringComparison.Ordinal);
        Assert.True(SafeIntake.Crypto.Keyfile.Open(File.ReadAllBytes(_home.Path("reviewer.key")), typed).IsReviewer);
    }

    [Fact]
    public void Init_Interactive_DifferentConfirmation_IsRefused()
    {
        _home.Variables.Remove(ConsoleEnvironment.PassphraseVariable);

        // Asked again after each mismatch; three mismatches and nothing is created.
        var result = _home.RunWithInput(["first passphrase typed", "second passphrase typed", "first passphrase typed", "second passphrase typed",
            "first passphrase typed", "second passphrase typed"], "keys", "init", "--id", "alice", "--name", "Alice", "--argon-fast");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.False(File.Exists(_home.Path("reviewer.key")));
    }

    [Fact]
    public void Show_PrintsIdentityAndJson()
    {
        var keys = _home.InitReviewer();

        var text = _home.Expect(ExitCodes.Ok, "keys", "show");
        var json = JsonNode.Parse(_home.Expect(ExitCodes.Ok, "keys", "show", "--json").Output)!;

        Assert.Contains(keys.EncryptionKey.ToBase64(), text.Output);
        Assert.Equal(keys.SigningKey.ToBase64(), (string?)json["ed25519"]);
        Assert.Equal(67108864L, (long)json["argon2"]!["memoryBytes"]!);
    }

    [Fact]
    public void Show_WithoutIdentity_Fails() => _home.Expect(ExitCodes.Failure, "keys", "show");

    [Fact]
    public void ChangePassphrase_NewOneOpensOldOneDoesNot()
    {
        _home.InitReviewer();
        _home.Variables[ConsoleEnvironment.NewPassphraseVariable] = "another long passphrase";

        _home.Expect(ExitCodes.Ok, "keys", "change-passphrase", "--argon-fast");

        _home.Expect(ExitCodes.Locked, "outbox", "write");
        _home.Variables[ConsoleEnvironment.PassphraseVariable] = "another long passphrase";
        _home.Expect(ExitCodes.Ok, "outbox", "write");
    }

    [Fact]
    public void ChangePassphrase_WrongPassphrase_ExitsLockedAndKeyfileUnchanged()
    {
        _home.InitReviewer();
        var before = File.ReadAllBytes(_home.Path("reviewer.key"));
        _home.Variables[ConsoleEnvironment.PassphraseVariable] = "not the passphrase";
        _home.Variables[ConsoleEnvironment.NewPassphraseVariable] = "another long passphrase";

        var result = _home.Expect(ExitCodes.Locked, "keys", "change-passphrase", "--argon-fast");

        Assert.Contains("Wrong passphrase", result.Errors, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(_home.Path("reviewer.key")));
    }

    [Fact]
    public void Keyfile_PassesLoweredBelowMinimum_IsRefusedBeforeArgon2()
    {
        _home.InitReviewer();
        var file = File.ReadAllBytes(_home.Path("reviewer.key"));
        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(11, 4), 1);
        File.WriteAllBytes(_home.Path("reviewer.key"), file);

        var result = _home.Expect(ExitCodes.Failure, "outbox", "write");

        Assert.Contains("below the minimum", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Keyfile_MemoryLoweredWithinLimits_FailsItsTagLikeAWrongPassphrase()
    {
        // A default keyfile (256 MiB) lowered to the 64 MiB floor: the parameters are associated data, so the tag breaks.
        _home.Expect(ExitCodes.Ok, "keys", "init", "--id", "alice", "--name", "Alice");
        var file = File.ReadAllBytes(_home.Path("reviewer.key"));
        Assert.Equal(256UL * 1024 * 1024, BinaryPrimitives.ReadUInt64BigEndian(file.AsSpan(15, 8)));
        BinaryPrimitives.WriteUInt64BigEndian(file.AsSpan(15, 8), 64UL * 1024 * 1024);
        File.WriteAllBytes(_home.Path("reviewer.key"), file);

        _home.Expect(ExitCodes.Locked, "outbox", "write");
    }

    [Fact]
    public void NoArguments_ShowsHelpAsUsageError() => Assert.Equal(ExitCodes.Usage, _home.Run().ExitCode);

    [Fact]
    public void Help_IsOk()
    {
        var result = _home.Expect(ExitCodes.Ok, "import", "--help");
        Assert.Contains("--passphrase-file", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownCommand_IsUsageError() => _home.Expect(ExitCodes.Usage, "frobnicate");
}

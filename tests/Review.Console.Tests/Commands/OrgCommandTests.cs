using System.Text.Json.Nodes;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Commands;

public sealed class OrgCommandTests : IDisposable
{
    private readonly TestHome _org = new();
    private readonly TestHome _alice = new();
    private readonly TestHome _bob = new();

    public void Dispose()
    {
        _org.Dispose();
        _alice.Dispose();
        _bob.Dispose();
    }

    private Ed25519PublicKey InitOrganisation()
    {
        _org.Expect(ExitCodes.Ok, "org", "init", "--name", "Example Rights Group", "--argon-fast");
        Assert.True(Ed25519PublicKey.TryParseBase64(File.ReadAllText(_org.Path("org", "organisation.pub")).Trim(), out var key));
        return key;
    }

    private RunResult Sign(string name, string expires = "90") =>
        _org.Expect(ExitCodes.Ok, "org", "sign-bundle", "--expires", expires, "--out", _org.Path(name));

    [Fact]
    public void SignBundle_ProducesABundleThatVerifiesAndEpochsRise()
    {
        var orgKey = InitOrganisation();
        _alice.InitReviewer("alice", "Alice Chan");
        _bob.InitReviewer("bob", "Bob 陳");
        _org.Expect(ExitCodes.Ok, "org", "add-reviewer", _alice.Path("alice.pub.json"));
        var first = Sign("bundle1.json");

        var v1 = SignedReviewerBundle.Verify(File.ReadAllText(_org.Path("bundle1.json")), orgKey, _org.Now);
        Assert.True(v1.IsValid, v1.Failure.ToString());
        Assert.Equal(1, v1.Bundle.Bundle.Epoch);
        Assert.Contains(v1.Bundle.Fingerprint, first.Output);
        Assert.Equal(["alice"], v1.Bundle.Bundle.Reviewers.Select(r => r.Id));

        _org.Expect(ExitCodes.Ok, "org", "add-reviewer", _bob.Path("bob.pub.json"));
        Sign("bundle2.json");
        var v2 = SignedReviewerBundle.Verify(File.ReadAllText(_org.Path("bundle2.json")), orgKey, _org.Now, highestSeenEpoch: 1);
        Assert.True(v2.IsValid, v2.Failure.ToString());
        Assert.Equal(2, v2.Bundle.Bundle.Epoch);
        Assert.Equal(["alice", "bob"], v2.Bundle.Bundle.Reviewers.Select(r => r.Id));
        Assert.Equal("Bob 陳", v2.Bundle.Bundle.FindReviewer("bob")!.Name);

        _org.Expect(ExitCodes.Ok, "org", "remove-reviewer", "alice");
        Sign("bundle3.json", "2027-03-01");
        var v3 = SignedReviewerBundle.Verify(File.ReadAllText(_org.Path("bundle3.json")), orgKey, _org.Now, highestSeenEpoch: 2);
        Assert.True(v3.IsValid, v3.Failure.ToString());
        Assert.Equal(3, v3.Bundle.Bundle.Epoch);
        Assert.Equal(["bob"], v3.Bundle.Bundle.Reviewers.Select(r => r.Id));
        Assert.Equal(new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero), v3.Bundle.Bundle.Expires);

        // The older bundle is now a rollback for anyone who saw epoch 3.
        Assert.Equal(BundleFailureReason.RolledBack,
            SignedReviewerBundle.Verify(File.ReadAllText(_org.Path("bundle2.json")), orgKey, _org.Now, highestSeenEpoch: 3).Failure);
    }

    [Fact]
    public void SignBundle_WrongPassphrase_ExitsLockedAndWritesNothing()
    {
        InitOrganisation();
        _alice.InitReviewer();
        _org.Expect(ExitCodes.Ok, "org", "add-reviewer", _alice.Path("alice.pub.json"));
        _org.Variables[ConsoleEnvironment.PassphraseVariable] = "wrong passphrase here";

        _org.Expect(ExitCodes.Locked, "org", "sign-bundle", "--expires", "30", "--out", _org.Path("bundle.json"));

        Assert.False(File.Exists(_org.Path("bundle.json")));
        Assert.Equal(0, (long)JsonNode.Parse(_org.Expect(ExitCodes.Ok, "org", "show", "--json").Output)!["epoch"]!);
    }

    [Fact]
    public void SignBundle_WithoutReviewers_Fails()
    {
        InitOrganisation();
        _org.Expect(ExitCodes.Failure, "org", "sign-bundle", "--expires", "30", "--out", _org.Path("bundle.json"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("2020-01-01")]
    [InlineData("soon")]
    public void SignBundle_BadExpiry_IsUsageError(string expires)
    {
        InitOrganisation();
        _alice.InitReviewer();
        _org.Expect(ExitCodes.Ok, "org", "add-reviewer", _alice.Path("alice.pub.json"));
        _org.Expect(ExitCodes.Usage, "org", "sign-bundle", "--expires", expires, "--out", _org.Path("bundle.json"));
    }

    [Fact]
    public void AddReviewer_AlteredPublicFile_IsRefused()
    {
        InitOrganisation();
        _alice.InitReviewer();
        _bob.InitReviewer("bob", "Bob");
        var alice = JsonNode.Parse(File.ReadAllText(_alice.Path("alice.pub.json")))!;
        var bob = JsonNode.Parse(File.ReadAllText(_bob.Path("bob.pub.json")))!;
        alice["x25519"] = (string?)bob["x25519"];
        File.WriteAllText(_alice.Path("altered.json"), alice.ToJsonString());

        var result = _org.Expect(ExitCodes.Failure, "org", "add-reviewer", _alice.Path("altered.json"));

        Assert.Contains("fingerprint does not match", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void AddReviewer_Twice_IsRefused()
    {
        InitOrganisation();
        _alice.InitReviewer();
        _org.Expect(ExitCodes.Ok, "org", "add-reviewer", _alice.Path("alice.pub.json"));
        _org.Expect(ExitCodes.Failure, "org", "add-reviewer", _alice.Path("alice.pub.json"));
    }

    [Fact]
    public void RemoveReviewer_Unknown_Fails()
    {
        InitOrganisation();
        _org.Expect(ExitCodes.Failure, "org", "remove-reviewer", "nobody");
    }

    [Fact]
    public void BundleInstall_PinsTheOrganisationAndRefusesRollback()
    {
        var orgKey = InitOrganisation();
        _alice.InitReviewer();
        _org.Expect(ExitCodes.Ok, "org", "add-reviewer", _alice.Path("alice.pub.json"));
        Sign("b1.json");
        Sign("b2.json");

        _alice.Expect(ExitCodes.Usage, "bundle", "install", _org.Path("b2.json"));
        _alice.Expect(ExitCodes.Ok, "bundle", "install", _org.Path("b2.json"), "--org-key", orgKey.ToBase64());
        var rollback = _alice.Expect(ExitCodes.Failure, "bundle", "install", _org.Path("b1.json"));
        Assert.Contains("RolledBack", rollback.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void RotateKey_NextBundleContinuesTheEpochsUnderTheNewKey_AndReviewersRepinOnlyWhenTold()
    {
        var oldKey = InitOrganisation();
        _alice.InitReviewer();
        _org.Expect(ExitCodes.Ok, "org", "add-reviewer", _alice.Path("alice.pub.json"));
        Sign("b1.json");
        Sign("b2.json");
        _alice.Expect(ExitCodes.Ok, "bundle", "install", _org.Path("b2.json"), "--org-key", oldKey.ToBase64());

        _org.Expect(ExitCodes.Ok, "org", "rotate-key", "--argon-fast");
        Assert.True(Ed25519PublicKey.TryParseBase64(File.ReadAllText(_org.Path("org", "organisation.pub")).Trim(), out var newKey));
        Assert.False(newKey.Equals(oldKey));
        Assert.True(File.Exists(_org.Path("org", "organisation.key.retired-epoch2")));
        _org.Expect(ExitCodes.Failure, "org", "rotate-key", "--argon-fast");
        Sign("b3.json");

        var v3 = SignedReviewerBundle.Verify(File.ReadAllText(_org.Path("b3.json")), newKey, _org.Now, highestSeenEpoch: 2);
        Assert.True(v3.IsValid, v3.Failure.ToString());
        Assert.Equal(3, v3.Bundle.Bundle.Epoch);
        Assert.Equal(["alice"], v3.Bundle.Bundle.Reviewers.Select(r => r.Id));
        Assert.False(SignedReviewerBundle.Verify(File.ReadAllText(_org.Path("b3.json")), oldKey, _org.Now).IsValid);

        var refused = _alice.Expect(ExitCodes.Failure, "bundle", "install", _org.Path("b3.json"), "--org-key", newKey.ToBase64());
        Assert.Contains("--replace-org-key", refused.Errors, StringComparison.Ordinal);
        _alice.Expect(ExitCodes.Ok, "bundle", "install", _org.Path("b3.json"), "--org-key", newKey.ToBase64(), "--replace-org-key");
        Assert.Equal(newKey.ToBase64(), File.ReadAllText(_alice.Path("organisation.pub")).Trim());
    }

    [Fact]
    public void ServerTrust_PinsShowsAndRefusesASilentSwitch()
    {
        using var a = Ed25519SecretKey.Generate();
        using var b = Ed25519SecretKey.Generate();

        _alice.Expect(ExitCodes.Usage, "server", "trust", "not-a-key");
        _alice.Expect(ExitCodes.Failure, "server", "show");
        _alice.Expect(ExitCodes.Ok, "server", "trust", a.PublicKey.ToBase64());
        Assert.Equal(a.PublicKey.ToBase64(), (string?)JsonNode.Parse(_alice.Expect(ExitCodes.Ok, "server", "show", "--json").Output)!["serverKey"]);

        _alice.Expect(ExitCodes.Failure, "server", "trust", b.PublicKey.ToBase64());
        _alice.Expect(ExitCodes.Ok, "server", "trust", b.PublicKey.ToBase64(), "--replace");
        Assert.Contains(b.PublicKey.Fingerprint, _alice.Expect(ExitCodes.Ok, "server", "show").Output);
    }
}

using SafeIntake.Crypto;

namespace SafeIntake.Intake.Web.Tests;

/// <summary>The demo reviewer the server created, playing the air-gapped console: opens what the server stored.</summary>
internal sealed class DemoReviewer : IDisposable
{
    private readonly KeyfileOpenResult _keyfile;

    private DemoReviewer(KeyfileOpenResult keyfile) => _keyfile = keyfile;

    public ReviewerIdentity Identity => _keyfile.Reviewer!;

    /// <summary>Opens <c>reviewer.key</c> of the demo folder with the demo passphrase.</summary>
    public static DemoReviewer Open(string demoPath)
    {
        var keyfile = Keyfile.Open(File.ReadAllBytes(Path.Combine(demoPath, "reviewer.key")), "demo");
        Assert.True(keyfile.IsReviewer, "the demo reviewer.key does not open with the passphrase 'demo'");
        return new DemoReviewer(keyfile);
    }

    /// <summary>Opens a stored blob; asserts success and returns the manifest and the attachments' bytes.</summary>
    public (EnvelopeManifest Manifest, IReadOnlyList<byte[]> Attachments) OpenBlob(string blobPath)
    {
        using var stream = File.OpenRead(blobPath);
        var sink = new MemoryEnvelopeSink();
        var result = EnvelopeOpener.Open(stream, [Identity.EncryptionKey], sink);
        Assert.True(result.IsSuccess, $"the stored blob does not open: {result.Status} {result.Detail}");
        return (result.Manifest!, sink.Attachments);
    }

    public void Dispose() => _keyfile.Dispose();
}

using SafeIntake.Crypto;

namespace SafeIntake.Intake.Web.Tests;

/// <summary>Witnesses with a codename: the keys it derives and a report that makes their mailbox exist.</summary>
internal static class Witnesses
{
    public static CodenameKeys NewCodenameKeys()
    {
        Assert.True(Codename.TryDeriveKeys(Codename.Generate(), out var keys));
        return keys;
    }

    /// <summary>A fresh codename and a report filed with its mailbox, so replies and follow-ups can follow.</summary>
    public static async Task<CodenameKeys> SubmitReportWithMailboxAsync(WitnessClient witness, string text = "First report.")
    {
        ArgumentNullException.ThrowIfNull(witness);
        var keys = NewCodenameKeys();
        await witness.SubmitOkAsync(await witness.SealReportAsync(text), mailbox: keys.MailboxKey.PublicKey.ToBase64());
        return keys;
    }
}

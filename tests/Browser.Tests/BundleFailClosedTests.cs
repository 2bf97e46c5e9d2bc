using System.Text;
using Microsoft.Playwright;
using SafeIntake.Crypto;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// The page fails closed: when the reviewers' bundle it is served does not verify against the pinned organisation
/// key (a compromised server or a broken network in between), the form stays disabled, the witness reads why, and
/// nothing is uploaded, even if the page is pushed to submit.
/// </summary>
public sealed class BundleFailClosedTests(BundleFailClosedTests.Fixture fixture) : IClassFixture<BundleFailClosedTests.Fixture>
{
    public sealed class Fixture : BrowserFixture;

    /// <summary>How the served bundle is broken, and the failure the page must report.</summary>
    public static TheoryData<string, string> Cases => new()
    {
        { "flipped-signature-bit", "signature" },
        { "signed-by-another-key", "signature" },
        { "names-another-organisation", "org-key" },
        { "expired", "expired" },
        { "malformed", "malformed" },
        { "server-error", "unavailable" },
    };

    [ChromiumTheory]
    [MemberData(nameof(Cases))]
    public async Task TamperedBundle_FormStaysDisabled_ShowsWhy_UploadsNothing(string tampering, string reason)
    {
        var (status, body) = await BrokenBundleAsync(tampering);
        await using var witness = await fixture.NewSessionAsync("fail-closed-" + tampering, "en");
        await witness.Context.RouteAsync("**/api/v1/bundle", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = status,
            ContentType = "application/json",
            Body = body,
        }));

        // The report form.
        await witness.Page.GotoAsync("/en/");
        await AssertFailedClosedAsync(witness, reason, "#form-fields");
        await witness.ScreenshotAsync("form-refused");
        await witness.AssertAccessibleAsync("form-refused");
        Assert.False(await witness.Page.Locator("#what").IsEditableAsync());

        // Even pushed past the disabled controls, the page seals and sends nothing.
        await witness.Page.EvaluateAsync("""
            () => {
              document.getElementById('what').value = 'pushed';
              document.getElementById('form-fields').disabled = false;
              document.getElementById('report-form').requestSubmit();
            }
            """);
        await witness.Page.WaitForTimeoutAsync(1500);
        Assert.True(await witness.Page.Locator("#sending").IsHiddenAsync());
        Assert.True(await witness.Page.Locator("#done").IsHiddenAsync());

        // The replies page refuses the same way: no codename is taken.
        await witness.Page.GotoAsync("/en/replies");
        await AssertFailedClosedAsync(witness, reason, "#open-fields");
        await witness.ScreenshotAsync("replies-refused");

        var network = witness.Network;
        network.AssertOnlyOrigin(fixture.Server.Address);
        Assert.DoesNotContain(network.Requests, r => r.Method != "GET");
        Assert.DoesNotContain(network.Requests, r => new Uri(r.Url).AbsolutePath.StartsWith("/api/v1/", StringComparison.Ordinal)
                                                     && new Uri(r.Url).AbsolutePath != "/api/v1/bundle");
        await witness.AssertNothingStoredAsync();
    }

    [ChromiumFact]
    public async Task WithoutJavaScript_FormStaysDisabledAndSaysWhy_NothingIsPosted()
    {
        await using var witness = await fixture.NewSessionAsync("no-javascript", "en", new BrowserNewContextOptions { JavaScriptEnabled = false });
        await witness.Page.GotoAsync("/en/");
        Assert.Equal(witness.T("page.noscript"), await witness.Page.Locator("noscript .noscript-text").InnerTextAsync());
        Assert.True(await witness.Page.Locator("#what").IsDisabledAsync());
        Assert.True(await witness.Page.Locator("#submit").IsDisabledAsync());
        await witness.ScreenshotAsync("no-javascript");
        await witness.Page.Locator("#submit").ClickAsync(new LocatorClickOptions { Force = true });
        await witness.Page.WaitForTimeoutAsync(500);
        Assert.DoesNotContain(witness.Network.Requests, r => r.Method != "GET");
        Assert.Equal(new Uri(fixture.Server.Address, "/en/").ToString(), witness.Page.Url);
    }

    private static async Task AssertFailedClosedAsync(WitnessSession witness, string reason, string fieldset)
    {
        var error = witness.Page.Locator("#bundle-error");
        await error.WaitForAsync();
        Assert.Equal(witness.T("js.bundle.fail." + reason), await witness.Page.Locator("#bundle-error-reason").InnerTextAsync());
        Assert.True(await witness.Page.Locator("#bundle-ok").IsHiddenAsync());
        Assert.True(await witness.Page.Locator("#bundle-status").IsHiddenAsync());
        Assert.Equal("", await witness.Page.Locator("#bundle-fingerprint").TextContentAsync());
        Assert.True(await witness.Page.Locator(fieldset).EvaluateAsync<bool>("f => f.disabled"), "The form was enabled with an unverified bundle.");
        var controls = witness.Page.Locator(fieldset + " textarea, " + fieldset + " input:not([type=hidden]), " + fieldset + " button");
        Assert.True(await controls.CountAsync() > 0);
        foreach (var control in await controls.AllAsync())
        {
            Assert.True(await control.IsDisabledAsync(), "A control is usable with an unverified bundle.");
        }
    }

    private async Task<(int Status, string Body)> BrokenBundleAsync(string tampering)
    {
        var desk = fixture.Desk;
        var served = await desk.ServedBundleAsync();
        switch (tampering)
        {
            case "flipped-signature-bit":
            {
                var signature = served.Signature.ToArray();
                signature[17] ^= 0x04;
                return (200, FileText(served.Body, signature));
            }

            case "signed-by-another-key":
            {
                // The attacker's own organisation key and reviewer: a valid bundle, just not by the pinned key.
                using var attacker = OrganisationSigningKey.Generate();
                using var reviewer = ReviewerIdentity.Generate();
                var bundle = served.Bundle with
                {
                    OrganisationKey = attacker.PublicKey,
                    Reviewers = [reviewer.ToBundleEntry("demo", "Demo reviewer")],
                };
                return (200, attacker.SignBundle(bundle).ToFileText());
            }

            case "names-another-organisation":
            {
                // Signed by the pinned key, but the body names another organisation key.
                using var org = OpenDemoOrganisation();
                using var other = OrganisationSigningKey.Generate();
                var body = (served.Bundle with { OrganisationKey = other.PublicKey }).Encode();
                return (200, FileText(body, org.Key.Sign(SignedReviewerBundle.SignedMessage(body))));
            }

            case "expired":
            {
                using var org = OpenDemoOrganisation();
                var now = DateTimeOffset.UtcNow;
                var bundle = served.Bundle with { Issued = now.AddDays(-30), Expires = now.AddDays(-1) };
                return (200, org.SignBundle(bundle).ToFileText());
            }

            case "malformed":
                return (200, "{\"format\":\"safeintake-signed-bundle/1\",\"body\":\"not base64!\"}");

            case "server-error":
                return (503, "{\"code\":\"server-error\",\"status\":503}");

            default:
                throw new ArgumentOutOfRangeException(nameof(tampering), tampering, null);
        }
    }

    private OrganisationSigningKey OpenDemoOrganisation()
    {
        using var opened = Keyfile.Open(File.ReadAllBytes(Path.Combine(fixture.Server.DemoPath, "organisation.key")), "demo");
        Assert.True(opened.IsOrganisation);
        var seed = opened.Organisation!.Key.ExportSeed();
        try
        {
            return new OrganisationSigningKey(Ed25519SecretKey.Import(seed));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(seed);
        }
    }

    private static string FileText(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature) =>
        new StringBuilder()
            .Append("{\"format\":\"").Append(SignedReviewerBundle.FormatName)
            .Append("\",\"body\":\"").Append(Convert.ToBase64String(body))
            .Append("\",\"signature\":\"").Append(Convert.ToBase64String(signature))
            .Append("\"}").ToString();
}

using System.Text;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace SafeIntake.Browser.Tests;

/// <summary>What a witness types into the report form.</summary>
public sealed record WitnessReport(string What, string When, string Where, string? Category);

/// <summary>
/// One witness at one browser: a fresh BrowserContext and page on the real server, every request recorded, a
/// screenshot of every state visited (<c>artifacts/screenshots/{test}-{lang}-{n}-{state}.png</c>), and the steps a
/// witness takes, named for what they do.
/// </summary>
public sealed class WitnessSession : IAsyncDisposable
{
    public static string ScreenshotFolder { get; } = Path.Combine(IntakeServer.RepoRoot, "artifacts", "screenshots");

    private readonly string _test;
    private int _shots;

    private WitnessSession(IBrowserContext context, IPage page, NetworkLog network, Uri origin, string test, string lang)
    {
        Context = context;
        Page = page;
        Network = network;
        Origin = origin;
        _test = test;
        Lang = lang;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public NetworkLog Network { get; }

    public Uri Origin { get; }

    public string Lang { get; }

    /// <summary>Console errors and warnings, uncaught exceptions and CSP violations the page reported.</summary>
    public List<string> ConsoleProblems { get; } = [];

    /// <summary>Screenshots this session wrote, in order.</summary>
    public List<string> Screenshots { get; } = [];

    internal static async Task<WitnessSession> StartAsync(BrowserFixture fixture, string test, string lang, BrowserNewContextOptions? options)
    {
        options ??= new BrowserNewContextOptions();
        options.BaseURL = fixture.SiteAddress.ToString();
        options.ViewportSize ??= new ViewportSize { Width = 1000, Height = 900 };
        var context = await fixture.Browser.NewContextAsync(options);
        context.SetDefaultTimeout(30_000);
        var network = new NetworkLog();
        network.Attach(context);
        var page = await context.NewPageAsync();
        var session = new WitnessSession(context, page, network, fixture.SiteAddress, test, lang);
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                session.ConsoleProblems.Add($"console.{message.Type}: {message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => session.ConsoleProblems.Add("uncaught: " + error);
        return session;
    }

    public string T(string key, IReadOnlyDictionary<string, string>? vars = null) => PageStrings.Get(Lang, key, vars);

    // ------------------------------------------------------------------ the report form

    public async Task OpenFormAsync()
    {
        await Page.GotoAsync($"/{Lang}/");
        await WaitForVerifiedBundleAsync();
        await ScreenshotAsync("form");
    }

    /// <summary>Waits until the page has checked the reviewers' bundle and shows its fingerprint.</summary>
    public async Task WaitForVerifiedBundleAsync()
    {
        await Page.Locator("#bundle-fingerprint .fp-group").First.WaitForAsync();
        Assert.Equal(T("js.bundle.ok"), await Page.Locator("#bundle-status").InnerTextAsync());
        Assert.Matches(@"^[0-9a-f]{4}( [0-9a-f]{4}){7,}$", (await Page.Locator("#bundle-fingerprint").TextContentAsync())!.Trim());
    }

    public async Task FillReportAsync(WitnessReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        Assert.True(await Page.Locator("#form-fields").IsEnabledAsync(), "The form is still disabled.");
        await Page.Locator("#what").FillAsync(report.What);
        await Page.Locator("#when").FillAsync(report.When);
        await Page.Locator("#where").FillAsync(report.Where);
        if (report.Category is not null)
        {
            await Page.Locator("#category").SelectOptionAsync(report.Category);
        }
    }

    /// <summary>Picks files and waits until the page has checked each for hidden information.</summary>
    public async Task AttachAsync(string inputId, params string[] paths)
    {
        await Page.Locator("#" + inputId).SetInputFilesAsync(paths);
        var checking = T("js.files.checking");
        await Page.WaitForFunctionAsync(
            "([list, n, checking]) => { const items = document.querySelectorAll('#' + list + ' .file-item'); " +
            "return items.length === n && Array.from(items).every(i => !i.textContent.includes(checking)); }",
            new object[] { inputId + "-list", paths.Length, checking });
    }

    /// <summary>Sends the report and waits for the done page; returns the codename shown, or null when none is.</summary>
    public async Task<string?> SubmitReportAsync()
    {
        await Page.Locator("#submit").ClickAsync();
        return await WaitForDoneAsync();
    }

    /// <summary>Waits for the done page after a submission; returns the codename shown, or null when none is.</summary>
    public async Task<string?> WaitForDoneAsync()
    {
        // Done, or an error: either ends the wait, so a failure is reported with what the witness reads.
        try
        {
            await Page.Locator("#done:not([hidden]), #form-error:not([hidden])").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 120_000 });
        }
        catch (TimeoutException)
        {
            await ScreenshotAsync("send-stuck");
            Assert.Fail($"Sending did not finish in 120 s; progress {await Page.Locator("#progress").EvaluateAsync<int>("p => p.value")}/1000, " +
                        $"'{await Page.Locator("#progress-text").TextContentAsync()}'; requests: " +
                        string.Join(", ", Network.Requests.Select(r => $"{r.Method} {new Uri(r.Url).AbsolutePath}")));
        }

        if (await Page.Locator("#form-error").IsVisibleAsync())
        {
            await ScreenshotAsync("send-failed");
            Assert.Fail("Sending failed; the page says: " + await Page.Locator("#form-error").TextContentAsync());
        }

        await ScreenshotAsync("done");
        var area = Page.Locator("#codename-area");
        return await area.IsVisibleAsync() ? (await Page.Locator("#codename").TextContentAsync())!.Trim() : null;
    }

    /// <summary>Opens the form, writes <paramref name="what"/>, asks for replies and sends; returns the codename.</summary>
    public async Task<string> SubmitSimpleReportAsync(string what)
    {
        await OpenFormAsync();
        await FillReportAsync(new WitnessReport(what, "", "", null));
        var codename = await SubmitReportAsync();
        Assert.NotNull(codename);
        return codename;
    }

    // ------------------------------------------------------------------ replies and follow-ups

    public async Task OpenRepliesPageAsync()
    {
        await Page.GotoAsync($"/{Lang}/replies");
        await WaitForVerifiedBundleAsync();
        await ScreenshotAsync("replies");
    }

    /// <summary>Types the codename as given and opens the mailbox; waits until it shows.</summary>
    public async Task OpenMailboxAsync(string typedCodename)
    {
        await Page.Locator("#codename").FillAsync(typedCodename);
        await Page.Locator("#open-form button[type=submit]").ClickAsync();
        await Page.Locator("#mailbox").WaitForAsync();
        Assert.True(await Page.Locator("#open-error").IsHiddenAsync());
        await ScreenshotAsync("mailbox");
    }

    /// <summary>Closes the open mailbox: the keys are forgotten and the codename form shows again.</summary>
    public async Task CloseMailboxAsync()
    {
        await Page.Locator("#close-mailbox").ClickAsync();
        await Page.Locator("#open-form").WaitForAsync();
        Assert.Equal(T("js.replies.closed"), await Page.Locator("#open-status").InnerTextAsync());
        Assert.Equal(0, await Page.Locator("#replies-list li").CountAsync());
        await ScreenshotAsync("mailbox-closed");
    }

    public async Task SendFollowUpAsync(string text)
    {
        await Page.Locator("#followup-text").FillAsync(text);
        await Page.Locator("#followup-form button[type=submit]").ClickAsync();
        await Page.Locator("#followup-done").WaitForAsync(new LocatorWaitForOptions { Timeout = 120_000 });
        Assert.True(await Page.Locator("#followup-error").IsHiddenAsync(), "The follow-up failed: " + await Page.Locator("#followup-error").TextContentAsync());
        await ScreenshotAsync("follow-up-sent");
    }

    // ------------------------------------------------------------------ evidence

    public async Task ScreenshotAsync(string state)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        _shots++;
        var path = Path.Combine(ScreenshotFolder, $"{_test}-{Lang}-{_shots:00}-{state}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Screenshots.Add(path);
    }

    /// <summary>axe-core on the page as it is now: no violations at all, whatever their impact.</summary>
    public async Task AssertAccessibleAsync(string state)
    {
        var result = await Page.RunAxe();
        var report = new StringBuilder();
        foreach (var violation in result.Violations)
        {
            report.Append(CultureInvariant($"\n[{violation.Impact}] {violation.Id}: {violation.Help}"));
            foreach (var node in violation.Nodes)
            {
                report.Append("\n    ").Append(node.Target?.ToString()).Append("  ").Append(node.Html);
            }
        }

        Assert.True(result.Violations.Length == 0, $"axe found violations on {_test} {Lang} ({state}):{report}");
    }

    /// <summary>The page ran cleanly: no uncaught exception, no console error or warning, no CSP violation.</summary>
    public void AssertCleanConsole()
    {
        // The pages declare /favicon.ico and the server has it (issue 12): a 404 for it is a problem like any other.
        Assert.True(ConsoleProblems.Count == 0, "The page reported problems:\n" + string.Join("\n", ConsoleProblems));
    }

    /// <summary>Nothing was stored on the device: no cookie, no Web Storage.</summary>
    public async Task AssertNothingStoredAsync()
    {
        await Network.AssertNoCookiesAsync(Context);
        using var state = System.Text.Json.JsonDocument.Parse(await Context.StorageStateAsync());
        Assert.Equal(0, state.RootElement.GetProperty("cookies").GetArrayLength());
        Assert.Equal(0, state.RootElement.GetProperty("origins").GetArrayLength());
        Assert.Equal(0, await Page.EvaluateAsync<int>("() => localStorage.length + sessionStorage.length + document.cookie.length"));
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using SafeIntake.Intake.Web.Security;

namespace SafeIntake.Intake.Web.Tests.Security;

/// <summary>The proof of work that gates <c>POST /api/v1/uploads</c>: solved by the spec's formula, accepted once.</summary>
public sealed class ProofOfWorkTests(IntakeApplicationFactory factory) : IClassFixture<IntakeApplicationFactory>
{
    [Fact]
    public async Task Pow_IssuesATokenWithTheConfiguredSchemeAndWork_AndADayNotATime()
    {
        using var witness = factory.CreateWitness();

        using var response = await witness.Http.PostAsync(new Uri("/api/v1/pow", UriKind.Relative), content: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.RootElement;
        Assert.Equal(["difficulty", "expires", "iterations", "scheme", "token"], root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("pbkdf2-sha256", root.GetProperty("scheme").GetString());
        Assert.Equal(4, root.GetProperty("difficulty").GetInt32());
        Assert.Equal(100, root.GetProperty("iterations").GetInt32());
        Assert.Matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", root.GetProperty("expires").GetString());
        Assert.InRange(DateOnly.ParseExact(root.GetProperty("expires").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture),
            DateOnly.FromDateTime(DateTime.UtcNow), DateOnly.FromDateTime(DateTime.UtcNow.AddDays(1)));
    }

    [Fact]
    public async Task CreateUpload_MissingPow_Returns403PowInvalid_AndCreatesNothing()
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();

        using var response = await witness.PostUploadAsync("report", 20_000, pow: null);

        await ProblemAssert.IsAsync(response, "pow-invalid");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Fact]
    public async Task CreateUpload_NonceThatMissesTheDifficulty_Returns403PowInvalid_AndCreatesNothing()
    {
        using var witness = factory.CreateWitness();
        var solved = await witness.SolvePowAsync();
        var wrong = Enumerable.Range(0, 1000).Select(n => (ulong)n).First(n => !WitnessClient.PowMeets(solved.Token, n, solved.Difficulty, solved.Iterations));
        var before = factory.Snapshot();

        using var response = await witness.PostUploadAsync("report", 20_000, solved with { Nonce = wrong.ToString(CultureInfo.InvariantCulture) });

        await ProblemAssert.IsAsync(response, "pow-invalid");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("0x1")]
    [InlineData(" 1")]
    [InlineData("18446744073709551616")]
    [InlineData("9007199254740992")]
    [InlineData("one")]
    public async Task CreateUpload_NonceThatIsNotCanonicalDecimalBelow2To53_Returns403PowInvalid(string nonce)
    {
        using var witness = factory.CreateWitness();
        var solved = await witness.SolvePowAsync();
        var before = factory.Snapshot();

        using var response = await witness.PostUploadAsync("report", 20_000, solved with { Nonce = nonce });

        await ProblemAssert.IsAsync(response, "pow-invalid");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData("CfDJ8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("!!!!")]
    public async Task CreateUpload_GarbageToken_Returns403PowInvalid_AndCreatesNothing(string token)
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        // Whatever nonce: with difficulty 4, find one that "meets" the garbage token so only the token is wrong.
        var nonce = Enumerable.Range(0, 100_000).Select(n => (ulong)n).First(n => WitnessClient.PowMeets(token, n, 4, 100));

        using var response = await witness.PostUploadAsync("report", 20_000, new PowSolution(token, nonce.ToString(CultureInfo.InvariantCulture), 4, 100));

        await ProblemAssert.IsAsync(response, "pow-invalid");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Fact]
    public async Task CreateUpload_TooLongToken_Returns403PowInvalid()
    {
        using var witness = factory.CreateWitness();
        var solved = await witness.SolvePowAsync();

        using var response = await witness.PostUploadAsync("report", 20_000, solved with { Token = solved.Token + new string('A', 2000) });

        await ProblemAssert.IsAsync(response, "pow-invalid");
    }

    [Fact]
    public async Task CreateUpload_ReplayedPowToken_SecondUseReturns403PowInvalid_AndCreatesNothing()
    {
        using var witness = factory.CreateWitness();
        var solved = await witness.SolvePowAsync();
        using var first = await witness.PostUploadAsync("report", 20_000, solved);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var before = factory.Snapshot();

        using var replay = await witness.PostUploadAsync("report", 20_000, solved);

        await ProblemAssert.IsAsync(replay, "pow-invalid");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Fact]
    public async Task CreateUpload_TokenFromAnotherServer_Returns403PowInvalid()
    {
        // Another installation has another DataProtection key ring: its tokens mean nothing here.
        using var other = new IntakeApplicationFactory();
        using var elsewhere = other.CreateWitness();
        var foreign = await elsewhere.SolvePowAsync();
        using var witness = factory.CreateWitness();

        using var response = await witness.PostUploadAsync("report", 20_000, foreign);

        await ProblemAssert.IsAsync(response, "pow-invalid");
    }

    [Fact]
    public async Task CreateUpload_ManyConcurrentUsesOfOneToken_AcceptsExactlyOne()
    {
        using var witness = factory.CreateWitness();
        var solved = await witness.SolvePowAsync();
        var before = factory.Snapshot();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => witness.PostUploadAsync("report", 20_000, solved)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.Forbidden));
        Assert.Equal(before.Uploads + 1, factory.Snapshot().Uploads);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }
    [Fact]
    public async Task CreateUpload_NonceWithALeadingZero_Returns403PowInvalid_EvenWhenItsValueMeetsTheWork()
    {
        // The page's verifier refuses "07"; the server must agree, so both sides accept the same answers.
        using var witness = factory.CreateWitness();
        var solved = await witness.SolvePowAsync();

        using var response = await witness.PostUploadAsync("report", 20_000, solved with { Nonce = "0" + solved.Nonce });

        await ProblemAssert.IsAsync(response, "pow-invalid");
    }

    public static TheoryData<string> Vectors() => new(Directory.GetFiles(VectorFolder, "*.txt").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Vector_TrialAndVerdictMatch(string file)
    {
        var v = File.ReadAllLines(Path.Combine(VectorFolder, file)).Where(l => l.Contains(':', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf(':', StringComparison.Ordinal)], l => l[(l.IndexOf(':', StringComparison.Ordinal) + 2)..], StringComparer.Ordinal);
        Assert.Equal(ProofOfWork.Scheme, v["scheme"]);
        var difficulty = int.Parse(v["difficulty"], CultureInfo.InvariantCulture);
        var iterations = int.Parse(v["iterations"], CultureInfo.InvariantCulture);
        var parsed = ProofOfWork.TryParseNonce(v["nonce"], out var nonce);
        if (v.TryGetValue("trial", out var trial))
        {
            Assert.True(parsed);
            Assert.Equal(trial, Convert.ToHexStringLower(ProofOfWork.Trial(v["token"], nonce, iterations)));
            Assert.Equal(int.Parse(v["leading-zero-bits"], CultureInfo.InvariantCulture), ProofOfWork.LeadingZeroBits(ProofOfWork.Trial(v["token"], nonce, iterations)));
        }

        Assert.Equal(v["expect"] == "success", parsed && ProofOfWork.Meets(v["token"], nonce, difficulty, iterations));
    }

    [Fact]
    public void Vectors_IncludeSuccessesAndFailures()
    {
        var expects = Directory.GetFiles(VectorFolder, "*.txt").Select(f => File.ReadAllLines(f).Single(l => l.StartsWith("expect: ", StringComparison.Ordinal))).ToList();
        Assert.Contains("expect: success", expects);
        Assert.Contains("expect: PowFailure", expects);
    }

    [Fact]
    public void Verify_OneTrialAtTheDefaultWork_CostsAboutTwoMillisecondsOrLess()
    {
        // Every answer costs the server one trial; a replayed token is refused before that (see Redeem).
        var iterations = new IntakeOptions().PowIterations;
        var times = new List<double>();
        for (var i = 0; i < 21; i++)
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            ProofOfWork.Trial("CfDJ8-timing", (ulong)i, iterations);
            times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        // The best of 21, generous for a shared machine: 4000 iterations take ~1 ms where a core is free.
        Assert.InRange(times.Min(), 0, 10);
    }

    private static string VectorFolder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SafeIntake.sln")))
                {
                    return Path.Combine(dir.FullName, "tests", "testdata", "pow");
                }
            }

            throw new InvalidOperationException("SafeIntake.sln not found above " + AppContext.BaseDirectory);
        }
    }
}

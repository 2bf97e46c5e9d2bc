using SafeIntake.Review.Console.Triage;
using SafeIntake.Review.Console.Vault;

namespace SafeIntake.Review.Console.Tests.Triage;

public sealed class WorkflowTests
{
    [Theory]
    [InlineData("new", "triaged")]
    [InlineData("new", "rejected")]
    [InlineData("triaged", "investigating")]
    [InlineData("triaged", "rejected")]
    [InlineData("investigating", "closed")]
    [InlineData("investigating", "rejected")]
    [InlineData("closed", "investigating")]
    [InlineData("rejected", "triaged")]
    public void CheckTransition_AllowedMove_ReturnsNull(string from, string to) =>
        Assert.Null(Workflow.CheckTransition(from, to, "a reason"));

    [Theory]
    [InlineData("new", "closed", "triaged or rejected")]
    [InlineData("new", "investigating", "triaged or rejected")]
    [InlineData("triaged", "closed", "investigating or rejected")]
    [InlineData("triaged", "new", "investigating or rejected")]
    [InlineData("investigating", "triaged", "closed or rejected")]
    [InlineData("investigating", "new", "closed or rejected")]
    [InlineData("closed", "rejected", "investigating")]
    [InlineData("closed", "new", "investigating")]
    [InlineData("closed", "triaged", "investigating")]
    [InlineData("rejected", "new", "triaged")]
    [InlineData("rejected", "closed", "triaged")]
    public void CheckTransition_IllegalMove_NamesTheAllowedNextStatuses(string from, string to, string allowed)
    {
        var problem = Workflow.CheckTransition(from, to, "a reason");

        Assert.NotNull(problem);
        Assert.Contains($"cannot go from {from} to {to}", problem, StringComparison.Ordinal);
        Assert.Contains($"it can go to: {allowed} (", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("new")]
    [InlineData("triaged")]
    [InlineData("closed")]
    [InlineData("rejected")]
    public void CheckTransition_SameStatus_SaysItIsAlreadyThere(string status) =>
        Assert.Equal($"The report is already {status}.", Workflow.CheckTransition(status, status, "a reason"));

    [Theory]
    [InlineData("done")]
    [InlineData("Triaged")]
    [InlineData("")]
    public void CheckTransition_UnknownStatus_ListsTheStatuses(string to)
    {
        var problem = Workflow.CheckTransition("new", to, null);

        Assert.Equal($"'{to}' is not a status. Statuses: new, triaged, investigating, closed, rejected.", problem);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   \t")]
    public void CheckTransition_RejectWithoutReason_IsRefused(string? reason) =>
        Assert.Contains("needs a reason", Workflow.CheckTransition("triaged", "rejected", reason), StringComparison.Ordinal);

    [Fact]
    public void NextStatuses_UnknownStatus_IsEmpty() => Assert.Empty(Workflow.NextStatuses("archived"));

    [Theory]
    [InlineData("Police", "police")]
    [InlineData("ＰＯＬＩＣＥ", "police")]
    [InlineData("  North Gate  ", "north gate")]
    [InlineData("tear-gas_2019", "tear-gas_2019")]
    [InlineData("警察暴力", "警察暴力")]
    [InlineData("ｶﾞｽ", "ガス")]
    [InlineData("①", "1")]
    [InlineData("café", "café")]
    public void NormaliseTag_WellFormedTag_IsNfkcLowerAndTrimmed(string tag, string expected) =>
        Assert.Equal(expected, Workflow.NormaliseTag(tag));

    [Fact]
    public void NormaliseTag_FortyLetters_IsAccepted() => Assert.Equal(new string('a', 40), Workflow.NormaliseTag(new string('A', 40)));

    [Theory]
    [InlineData("<script>")]
    [InlineData("a\u0007b")]
    [InlineData("line\nbreak")]
    [InlineData("bidi\u202Eevil")]
    [InlineData("zero\u200Bwidth")]
    [InlineData("a,b")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\ud800")]
    public void NormaliseTag_MalformedTag_IsRefused(string tag)
    {
        var error = Assert.Throws<CommandFailedException>(() => Workflow.NormaliseTag(tag));

        Assert.Equal(ExitCodes.Failure, error.ExitCode);
        Assert.Contains("tag", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NormaliseTag_FortyOneLetters_IsRefused()
    {
        var error = Assert.Throws<CommandFailedException>(() => Workflow.NormaliseTag(new string('a', 41)));

        Assert.Contains("1 to 40", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NormaliseTag_Null_ThrowsNamingTheParameter() =>
        Assert.Equal("tag", Assert.Throws<ArgumentNullException>(() => Workflow.NormaliseTag(null!)).ParamName);

    [Fact]
    public void TagToken_IsApartFromEveryWordToken()
    {
        var token = Workflow.TagToken("police");

        Assert.DoesNotContain(token, Tokenizer.Tokens(["police", token]));
        Assert.Contains("police", Tokenizer.Tokens(["police", token]));
    }

    [Fact]
    public void SeverityRank_OrdersLowToCriticalAndNotSetLowest()
    {
        Assert.Equal([-1, 0, 1, 2, 3], new[] { null, "low", "medium", "high", "critical" }.Select(Workflow.SeverityRank));
    }
}

namespace SafeIntake.Intake.Web.Tests.Security;

/// <summary>
/// When the server itself fails (here: its upload folder vanished, as on a full or failing disk), the witness gets
/// the uniform <c>server-error</c> with the same privacy headers as any other response, and nothing is stored.
/// </summary>
public sealed class ServerErrorTests
{
    [Fact]
    public async Task CreateUpload_WhenTheDiskFails_Returns500ServerError_WithoutInternals_AndStoresNothing()
    {
        using var factory = new IntakeApplicationFactory();
        using var witness = factory.CreateWitness();
        var pow = await witness.SolvePowAsync();
        var before = factory.Snapshot();
        Directory.Delete(Path.Combine(factory.DataPath, "uploads"), recursive: true);

        using var response = await witness.PostUploadAsync("report", 20_000, pow);

        await ProblemAssert.IsAsync(response, "server-error");
        Assert.Equal(before.Envelopes, factory.Snapshot().Envelopes);
        Assert.Equal(before.Uploads, factory.Snapshot().Uploads);
    }

    [Fact]
    public async Task ServerError_CarriesThePrivacyHeaders_LikeEveryOtherResponse()
    {
        using var factory = new IntakeApplicationFactory();
        using var witness = factory.CreateWitness();
        var pow = await witness.SolvePowAsync();
        Directory.Delete(Path.Combine(factory.DataPath, "uploads"), recursive: true);

        using var response = await witness.PostUploadAsync("report", 20_000, pow);

        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, response.StatusCode);
        PrivacyHeadersTests.AssertPrivacyHeaders(response);
    }
}

namespace SafeIntake.Browser.Tests;

/// <summary>A test that needs Debian's Chromium: reported as skipped, never silently passed, where it is missing.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(ChromiumPath))
        {
            Skip = $"Chromium is not installed at {ChromiumPath} (apt-get install chromium); .ci/run installs it.";
        }
    }
}

/// <summary>The theory form of <see cref="ChromiumFactAttribute"/>.</summary>
public sealed class ChromiumTheoryAttribute : TheoryAttribute
{
    public ChromiumTheoryAttribute()
    {
        if (!File.Exists(ChromiumFactAttribute.ChromiumPath))
        {
            Skip = $"Chromium is not installed at {ChromiumFactAttribute.ChromiumPath}.";
        }
    }
}

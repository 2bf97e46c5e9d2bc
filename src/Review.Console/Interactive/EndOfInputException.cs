namespace SafeIntake.Review.Console.Interactive;

/// <summary>The keyboard ran out (input closed, or a test's keys are all used): <c>review</c> quits as on Quit.</summary>
internal sealed class EndOfInputException : Exception
{
    public EndOfInputException()
    {
    }

    public EndOfInputException(string message) : base(message)
    {
    }

    public EndOfInputException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

namespace SafeIntake.Crypto.Tests;

/// <summary>One vector of docs/spec/envelope-v1.md §10: header lines, an empty line, the body.</summary>
public sealed class VectorFile
{
    private VectorFile(string name, List<(string Key, string Value)> headers, string body)
    {
        Name = name;
        Headers = headers;
        Body = body;
    }

    public string Name { get; }

    public IReadOnlyList<(string Key, string Value)> Headers { get; }

    public string Body { get; }

    public string Expect => One("expect");

    public string One(string key) => Headers.Single(h => h.Key == key).Value;

    public string? Optional(string key) => Headers.SingleOrDefault(h => h.Key == key).Value;

    public IEnumerable<string> All(string key) => Headers.Where(h => h.Key == key).Select(h => h.Value);

    public byte[] BodyBase64() => Convert.FromBase64String(string.Concat(Body.Split('\n', StringSplitOptions.TrimEntries)));

    public override string ToString() => Name;

    public static VectorFile Read(string path)
    {
        var text = File.ReadAllText(path);
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var headers = text[..split].Split('\n').Select(line =>
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            return (line[..colon], line[(colon + 1)..].Trim());
        }).ToList();
        return new VectorFile(Path.GetFileNameWithoutExtension(path), headers, text[(split + 2)..]);
    }

    public static TheoryData<string> Names(string folder)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(TestPaths.TestData(folder), "*.txt").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    public static VectorFile Load(string folder, string name) => Read(TestPaths.TestData(folder, name + ".txt"));
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Home;

namespace SafeIntake.Review.Console.Transfer;

/// <summary>One sequence number of an export (docs/spec/export-bundle-v1.md §2): an included envelope or an omitted one.</summary>
public sealed record ExportItem
{
    public required long Sequence { get; init; }

    public required bool Included { get; init; }

    /// <summary>Omitted items: <c>acknowledged</c> or <c>deleted</c>.</summary>
    public string? OmittedReason { get; init; }

    public string Id { get; init; } = "";

    public string Kind { get; init; } = "";

    public DateOnly Day { get; init; }

    public long Size { get; init; }

    public byte[] Hash { get; init; } = [];

    public byte[] BundleHash { get; init; } = [];

    public Ed25519PublicKey? Mailbox { get; init; }

    /// <summary>The §7.2 signature as sent; checked per item, so a missing or malformed one quarantines only that item.</summary>
    public string? Signature { get; init; }

    public string? ReviewerId { get; init; }
}

/// <summary>The signed manifest at the head of an export bundle, read strictly.</summary>
public sealed partial record ExportManifest
{
    public const string TypeName = "safeintake-export";

    public required Ed25519PublicKey Server { get; init; }

    public required string Reviewer { get; init; }

    public required string Created { get; init; }

    public required long From { get; init; }

    public required long To { get; init; }

    public required IReadOnlyList<ExportItem> Items { get; init; }

    public IEnumerable<ExportItem> Included => Items.Where(i => i.Included);

    [GeneratedRegex("^[0-9a-f]{32}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[0-9a-f]{64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex HashPattern();

    /// <summary>
    /// Parses the manifest's shape. Contiguity of the sequence numbers is checked separately so that the refusal can
    /// name the missing numbers. Members this version does not know are ignored.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out ExportManifest? manifest, out string problem)
    {
        manifest = null;
        problem = "the manifest is not valid JSON";
        if (!System.Text.Unicode.Utf8.IsValid(utf8) || utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray(), StrictJson.DocumentOptions(8));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || StrictJson.GetString(root, "type") != TypeName || StrictJson.GetInteger(root, "v") != 1
                || !Ed25519PublicKey.TryParseBase64(StrictJson.GetString(root, "server"), out var server)
                || StrictJson.GetString(root, "reviewer") is not { } reviewer || !ReviewerPublicFile.IdPattern().IsMatch(reviewer)
                || StrictJson.GetString(root, "created") is not { } created || !TryDay(created, out _)
                || StrictJson.GetInteger(root, "from") is not { } from || StrictJson.GetInteger(root, "to") is not { } to
                || !root.TryGetProperty("items", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                problem = "the manifest lacks or mistypes type, v, server, reviewer, created, from, to or items";
                return false;
            }

            var items = new List<ExportItem>(list.GetArrayLength());
            foreach (var element in list.EnumerateArray())
            {
                if (!TryParseItem(element, out var item))
                {
                    problem = $"item {items.Count + 1} of the manifest breaks the format";
                    return false;
                }

                items.Add(item);
            }

            // Ids are the server's own (it assigns them at upload), so one id listed twice is a broken signed head and
            // refuses the bundle. A hash listed twice is not: a witness who uploads the same bytes twice makes two rows
            // with one hash, and that witness-controlled duplicate is quarantined item by item (VaultImporter).
            var included = items.Where(i => i.Included).ToList();
            if (included.Select(i => i.Id).Distinct(StringComparer.Ordinal).Count() != included.Count)
            {
                problem = "the manifest lists one envelope id twice (a replayed item)";
                return false;
            }

            manifest = new ExportManifest { Server = server, Reviewer = reviewer, Created = created, From = from, To = to, Items = items };
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Every sequence number from <see cref="From"/> to <see cref="To"/> exactly once, in order (§2). Returns the
    /// numbers that are missing, out of place or duplicated; empty when the list is contiguous. An empty export
    /// has <c>to = from − 1</c>.
    /// </summary>
    public IReadOnlyList<long> ContiguityProblems()
    {
        if (From < 0 || To < From - 1)
        {
            return [From, To];
        }

        var problems = new List<long>();
        var listed = new HashSet<long>();
        for (var i = 0; i < Items.Count; i++)
        {
            var expected = From + i;
            if (Items[i].Sequence != expected || !listed.Add(Items[i].Sequence))
            {
                problems.Add(Items[i].Sequence);
            }
        }

        for (var seq = From; seq <= To && problems.Count < 1000; seq++)
        {
            if (!listed.Contains(seq))
            {
                problems.Add(seq);
            }
        }

        return problems.Distinct().Order().ToList();
    }

    private static bool TryParseItem(JsonElement element, [NotNullWhen(true)] out ExportItem? item)
    {
        item = null;
        if (element.ValueKind != JsonValueKind.Object || StrictJson.GetInteger(element, "seq") is not { } seq || seq < 0)
        {
            return false;
        }

        var state = StrictJson.GetString(element, "state");
        if (state == "omitted")
        {
            var reason = StrictJson.GetString(element, "reason");
            item = reason is "acknowledged" or "deleted" ? new ExportItem { Sequence = seq, Included = false, OmittedReason = reason } : null;
            return item is not null;
        }

        if (state != "included"
            || StrictJson.GetString(element, "id") is not { } id || !IdPattern().IsMatch(id)
            || StrictJson.GetString(element, "kind") is not { } kind || !EnvelopeManifest.Kinds.Contains(kind)
            || StrictJson.GetString(element, "day") is not { } dayText || !TryDay(dayText, out var day)
            || StrictJson.GetInteger(element, "size") is not { } size || size < 1
            || StrictJson.GetString(element, "hash") is not { } hash || !HashPattern().IsMatch(hash)
            || StrictJson.GetString(element, "bundle") is not { } bundle || !HashPattern().IsMatch(bundle))
        {
            return false;
        }

        Ed25519PublicKey? mailbox = null;
        if (!StrictJson.IsNullOrMissing(element, "mailbox") && !Ed25519PublicKey.TryParseBase64(StrictJson.GetString(element, "mailbox"), out mailbox))
        {
            return false;
        }

        var signature = StrictJson.GetString(element, "signature");
        var reviewerId = StrictJson.GetString(element, "reviewerId");
        if ((!StrictJson.IsNullOrMissing(element, "signature") && signature is null)
            || (!StrictJson.IsNullOrMissing(element, "reviewerId") && (reviewerId is null || !ReviewerPublicFile.IdPattern().IsMatch(reviewerId))))
        {
            return false;
        }

        item = new ExportItem
        {
            Sequence = seq,
            Included = true,
            Id = id,
            Kind = kind,
            Day = day,
            Size = size,
            Hash = Convert.FromHexString(hash),
            BundleHash = Convert.FromHexString(bundle),
            Mailbox = mailbox,
            Signature = signature,
            ReviewerId = reviewerId,
        };
        return true;
    }

    private static bool TryDay(string text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
}

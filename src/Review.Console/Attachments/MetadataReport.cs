using SafeIntake.Review.Console.Home;
using System.Globalization;
using System.Text;
using MetadataExtractor;
using MetadataExtractor.Formats.Avi;
using MetadataExtractor.Formats.Exif;
using MetadataExtractor.Formats.FileType;
using MetadataExtractor.Formats.Gif;
using MetadataExtractor.Formats.Iptc;
using MetadataExtractor.Formats.Jpeg;
using MetadataExtractor.Formats.Png;
using MetadataExtractor.Formats.QuickTime;
using MetadataExtractor.Formats.Xmp;
using MeDirectory = MetadataExtractor.Directory;

namespace SafeIntake.Review.Console.Attachments;

/// <summary>One piece of metadata that may identify the witness. Name and value are cleaned for a terminal.</summary>
public sealed record MetadataFinding(string Group, string Name, string Value);

/// <summary>
/// What <see cref="MetadataReport.Read"/> found: the detected file type, the findings, and an error when the file
/// could not be read (or was read only in part), in which case it may carry more than is listed.
/// </summary>
public sealed record MetadataFindings(string? FileType, IReadOnlyList<MetadataFinding> Findings, string? Error);

/// <summary>
/// Lists the metadata still present in a decrypted attachment that could identify the witness: where (GPS), with what
/// (device), by whom (author), when (timestamps), and the rest (thumbnails, maker notes, comments). The file is
/// attacker input: nothing it holds can crash the console or reach the terminal as a control sequence.
/// </summary>
public static class MetadataReport
{
    public const string Gps = "GPS";
    public const string Device = "device";
    public const string Author = "author";
    public const string Timestamps = "timestamps";
    public const string Other = "other";


    public const string Unreadable = "not an image or video format the metadata reader knows; it may still carry metadata";
    public const string Damaged = "the metadata is damaged in places and was read only in part; the file may carry more than is listed";

    /// <summary>Longest value shown, in characters: enough for a name or a date, not for a payload.</summary>
    public const int MaxValueLength = 200;

    /// <summary>The groups in the order findings are listed: most identifying first.</summary>
    private static readonly string[] Groups = [Gps, Device, Author, Timestamps, Other];

    private static readonly Dictionary<int, string> ExifTags = new()
    {
        [ExifDirectoryBase.TagMake] = Device,
        [ExifDirectoryBase.TagModel] = Device,
        [ExifDirectoryBase.TagLensMake] = Device,
        [ExifDirectoryBase.TagLensModel] = Device,
        [ExifDirectoryBase.TagLens] = Device,
        [ExifDirectoryBase.TagLensSpecification] = Device,
        [ExifDirectoryBase.TagLensSerialNumber] = Device,
        [ExifDirectoryBase.TagBodySerialNumber] = Device,
        [ExifDirectoryBase.TagSoftware] = Device,
        [ExifDirectoryBase.TagHostComputer] = Device,
        [ExifDirectoryBase.TagImageUniqueId] = Device,
        [ExifDirectoryBase.TagArtist] = Author,
        [ExifDirectoryBase.TagCopyright] = Author,
        [ExifDirectoryBase.TagWinAuthor] = Author,
        [ExifDirectoryBase.TagCameraOwnerName] = Author,
        [ExifDirectoryBase.TagDateTime] = Timestamps,
        [ExifDirectoryBase.TagDateTimeOriginal] = Timestamps,
        [ExifDirectoryBase.TagDateTimeDigitized] = Timestamps,
        [ExifDirectoryBase.TagTimeZone] = Timestamps,
        [ExifDirectoryBase.TagTimeZoneOriginal] = Timestamps,
        [ExifDirectoryBase.TagTimeZoneDigitized] = Timestamps,
        [ExifDirectoryBase.TagTimeZoneOffset] = Timestamps,
        [ExifDirectoryBase.TagImageDescription] = Other,
        [ExifDirectoryBase.TagUserComment] = Other,
        [ExifDirectoryBase.TagWinComment] = Other,
        [ExifDirectoryBase.TagWinTitle] = Other,
        [ExifDirectoryBase.TagWinSubject] = Other,
        [ExifDirectoryBase.TagWinKeywords] = Other,
        [ExifDirectoryBase.TagDocumentName] = Other,
    };

    private static readonly Dictionary<int, string> IptcTags = new()
    {
        [IptcDirectory.TagByLine] = Author,
        [IptcDirectory.TagByLineTitle] = Author,
        [IptcDirectory.TagCredit] = Author,
        [IptcDirectory.TagCopyrightNotice] = Author,
        [IptcDirectory.TagContact] = Author,
        [IptcDirectory.TagCaptionWriter] = Author,
        [IptcDirectory.TagOriginatingProgram] = Device,
        [IptcDirectory.TagCity] = Gps,
        [IptcDirectory.TagSubLocation] = Gps,
        [IptcDirectory.TagProvinceOrState] = Gps,
        [IptcDirectory.TagCountryOrPrimaryLocationName] = Gps,
        [IptcDirectory.TagContentLocationName] = Gps,
        [IptcDirectory.TagDateCreated] = Timestamps,
        [IptcDirectory.TagTimeCreated] = Timestamps,
        [IptcDirectory.TagDigitalDateCreated] = Timestamps,
        [IptcDirectory.TagDigitalTimeCreated] = Timestamps,
        [IptcDirectory.TagDateSent] = Timestamps,
        [IptcDirectory.TagCaption] = Other,
        [IptcDirectory.TagHeadline] = Other,
        [IptcDirectory.TagKeywords] = Other,
        [IptcDirectory.TagSpecialInstructions] = Other,
    };

    private static readonly Dictionary<int, string> QuickTimeMetadataTags = new()
    {
        [QuickTimeMetadataHeaderDirectory.TagGpsLocation] = Gps,
        [QuickTimeMetadataHeaderDirectory.TagLocationName] = Gps,
        [QuickTimeMetadataHeaderDirectory.TagLocationBody] = Gps,
        [QuickTimeMetadataHeaderDirectory.TagLocationNote] = Gps,
        [QuickTimeMetadataHeaderDirectory.TagMake] = Device,
        [QuickTimeMetadataHeaderDirectory.TagModel] = Device,
        [QuickTimeMetadataHeaderDirectory.TagSoftware] = Device,
        [QuickTimeMetadataHeaderDirectory.TagAndroidVersion] = Device,
        [QuickTimeMetadataHeaderDirectory.TagAuthor] = Author,
        [QuickTimeMetadataHeaderDirectory.TagArtist] = Author,
        [QuickTimeMetadataHeaderDirectory.TagCopyright] = Author,
        [QuickTimeMetadataHeaderDirectory.TagProducer] = Author,
        [QuickTimeMetadataHeaderDirectory.TagPublisher] = Author,
        [QuickTimeMetadataHeaderDirectory.TagDisplayName] = Author,
        [QuickTimeMetadataHeaderDirectory.TagCreationDate] = Timestamps,
        [QuickTimeMetadataHeaderDirectory.TagLocationDate] = Timestamps,
        [QuickTimeMetadataHeaderDirectory.TagYear] = Timestamps,
        [QuickTimeMetadataHeaderDirectory.TagComment] = Other,
        [QuickTimeMetadataHeaderDirectory.TagDescription] = Other,
        [QuickTimeMetadataHeaderDirectory.TagTitle] = Other,
        [QuickTimeMetadataHeaderDirectory.TagKeywords] = Other,
        [QuickTimeMetadataHeaderDirectory.TagInformation] = Other,
        [QuickTimeMetadataHeaderDirectory.TagContentIdentifier] = Other,
    };

    /// <summary>XMP property paths by prefix (namespace prefix and property name), first match wins.</summary>
    private static readonly (string Prefix, string Group)[] XmpPaths =
    [
        ("exif:GPSDateStamp", Timestamps), ("exif:GPSTimeStamp", Timestamps), ("exif:GPS", Gps),
        ("Iptc4xmpCore:Location", Gps), ("Iptc4xmpExt:LocationCreated", Gps), ("Iptc4xmpExt:LocationShown", Gps),
        ("photoshop:City", Gps), ("photoshop:State", Gps), ("photoshop:Country", Gps),
        ("tiff:Make", Device), ("tiff:Model", Device), ("tiff:Software", Device), ("xmp:CreatorTool", Device),
        ("aux:SerialNumber", Device), ("aux:Lens", Device), ("exifEX:BodySerialNumber", Device), ("exifEX:Lens", Device),
        ("exifEX:CameraOwnerName", Author),
        ("dc:creator", Author), ("dc:rights", Author), ("dc:contributor", Author), ("dc:publisher", Author),
        ("tiff:Artist", Author), ("tiff:Copyright", Author), ("photoshop:Author", Author), ("photoshop:Credit", Author),
        ("photoshop:CaptionWriter", Author), ("xmpRights:Owner", Author), ("Iptc4xmpCore:CreatorContactInfo", Author),
        ("exif:DateTime", Timestamps), ("xmp:CreateDate", Timestamps), ("xmp:ModifyDate", Timestamps),
        ("xmp:MetadataDate", Timestamps), ("photoshop:DateCreated", Timestamps), ("tiff:DateTime", Timestamps),
        ("dc:description", Other), ("dc:title", Other), ("dc:subject", Other), ("exif:UserComment", Other),
        ("xmpMM:DocumentID", Other), ("xmpMM:OriginalDocumentID", Other), ("xmpMM:History", Other),
    ];

    /// <summary>How long the metadata of one attachment may take to read before the console gives up on it.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How much the metadata reader may allocate for one attachment. A file of endless comment segments makes the parser
    /// keep every one: without a cap, a 2 GiB attachment would take 2 GiB of memory within the time budget.
    /// </summary>
    public const long MemoryBudget = 256L << 20;

    /// <summary>The one-line note when the reader went past <paramref name="memoryBudget"/>.</summary>
    public static string TooLarge(long memoryBudget) =>
        string.Create(CultureInfo.InvariantCulture, $"metadata could not be read within {memoryBudget >> 20} MiB of memory; the file may carry metadata");

    /// <summary>The one-line note when the reader ran out of <paramref name="budget"/>.</summary>
    public static string TimedOut(TimeSpan budget) =>
        string.Create(CultureInfo.InvariantCulture, $"metadata could not be read within {budget.TotalSeconds:0.#} s; the file may carry metadata");

    /// <summary>
    /// <see cref="Read(Stream)"/> within <paramref name="budget"/>: a crafted file that makes the parser loop cannot hang
    /// <c>show</c> or <c>export-attachment</c>; past the budget the findings carry <see cref="TimedOut"/> and the command
    /// goes on. When this returns, the abandoned read can no longer reach <paramref name="stream"/>: the caller may use or
    /// dispose it at once (a vault stream decrypts through the vault's one database connection, which is not thread-safe).
    /// </summary>
    public static MetadataFindings Read(Stream stream, TimeSpan budget) => Read(stream, budget, MemoryBudget);

    internal static MetadataFindings Read(Stream stream, TimeSpan budget, long memoryBudget)
    {
        using var guarded = new DetachableStream(stream, memoryBudget);
        var findings = Within(() => Read(guarded), budget, guarded.Detach);
        return guarded.OverMemoryBudget ? new MetadataFindings(null, [], TooLarge(memoryBudget)) : findings;
    }

    /// <summary>
    /// Runs <paramref name="read"/> on a background thread and waits at most <paramref name="budget"/>. A thread cannot be
    /// killed in .NET: a read past its budget is abandoned after <paramref name="abandon"/> has cut it off from its input,
    /// so it fails at its next read and ends, or (a loop that never reads) dies with the process, as a background thread
    /// does not keep the console alive. What it throws within the budget is rethrown here.
    /// </summary>
    internal static MetadataFindings Within(Func<MetadataFindings> read, TimeSpan budget, Action? abandon = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        MetadataFindings? result = null;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = read();
            }
            catch (Exception e)
            {
                failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "metadata reader",
        };
        thread.Start();
        if (!thread.Join(budget))
        {
            // Even if it finished between the wait and here, its answer is dropped: the budget was spent.
            abandon?.Invoke();
            return new MetadataFindings(null, [], TimedOut(budget));
        }

        failure?.Throw();
        return result!;
    }

    /// <summary>
    /// A view of a stream that one call can cut off: every call goes through one lock, so after <see cref="Detach"/>
    /// returns no call is inside the inner stream and none will enter it again (they throw, which the parser reports as an
    /// unreadable file). <see cref="Detach"/> waits for a call in progress, which for a vault stream is one 64 KiB chunk.
    /// It also cuts itself off once the reading thread has allocated more than <paramref name="memoryBudget"/> since its
    /// first call: a parser that hoards what it reads is stopped at its next read.
    /// </summary>
    private sealed class DetachableStream(Stream inner, long memoryBudget) : Stream
    {
        private readonly Lock gate = new();
        private bool detached;
        private long? allocatedAtStart;

        public bool OverMemoryBudget { get; private set; }

        public void Detach()
        {
            lock (gate)
            {
                detached = true;
            }
        }

        private T Use<T>(Func<Stream, T> call)
        {
            lock (gate)
            {
                // Only the reader thread calls in (the owner only detaches), so this counts the reader's allocations.
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                allocatedAtStart ??= allocated;
                if (!detached && allocated - allocatedAtStart > memoryBudget)
                {
                    OverMemoryBudget = detached = true;
                }

                ObjectDisposedException.ThrowIf(detached, this);
                return call(inner);
            }
        }

        public override bool CanRead => Use(s => s.CanRead);
        public override bool CanSeek => Use(s => s.CanSeek);
        public override bool CanWrite => false;
        public override long Length => Use(s => s.Length);

        public override long Position
        {
            get => Use(s => s.Position);
            set => Use(s => s.Position = value);
        }

        public override int Read(byte[] buffer, int offset, int count) => Use(s => s.Read(buffer, offset, count));
        public override long Seek(long offset, SeekOrigin origin) => Use(s => s.Seek(offset, origin));
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        // Disposing the view leaves the caller's stream open: the caller owns it.
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Detach();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Reads <paramref name="stream"/> (readable and seekable) and lists what may identify the witness.</summary>
    public static MetadataFindings Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        IReadOnlyList<MeDirectory> directories;
        try
        {
            directories = ImageMetadataReader.ReadMetadata(stream);
        }
        catch (CommandFailedException)
        {
            // The vault's own copy is damaged (VaultAttachmentStream): that is the reviewer's problem to see, not the file's.
            throw;
        }
        catch (Exception)
        {
            // A hostile file can make the parser throw anything (even OutOfMemory from a claimed 2 GiB segment): none
            // of it may crash the console, and what the file may still hold is said in the error.
            return new MetadataFindings(null, [], Unreadable);
        }

        var findings = new List<MetadataFinding>();
        string? fileType = null;
        var damaged = false;
        try
        {
            foreach (var directory in directories)
            {
                damaged |= directory.HasError;
                if (directory is FileTypeDirectory type)
                {
                    fileType = type.GetDescription(FileTypeDirectory.TagDetectedFileTypeName) is { } name ? Clean(name) : null;
                    continue;
                }

                Collect(directory, findings);
            }
        }
        catch (Exception)
        {
            // Descriptors format attacker values (rationals, dates, encodings): a throw there is a damaged file.
            damaged = true;
        }

        var ordered = findings.Distinct().OrderBy(f => Array.IndexOf(Groups, f.Group)).ToList();
        return new MetadataFindings(fileType, ordered, damaged ? Damaged : null);
    }

    private static void Collect(MeDirectory directory, List<MetadataFinding> findings)
    {
        switch (directory)
        {
            case GpsDirectory gps:
                if (gps.GetGeoLocation() is { IsZero: false } location)
                {
                    Add(findings, Gps, "Position", location.Latitude.ToString("0.######", CultureInfo.InvariantCulture) + ", "
                        + location.Longitude.ToString("0.######", CultureInfo.InvariantCulture));
                }

                foreach (var tag in gps.Tags)
                {
                    var group = tag.Type is GpsDirectory.TagDateStamp or GpsDirectory.TagTimeStamp ? Timestamps : Gps;
                    Add(findings, group, "GPS " + StripPrefix(tag.Name, "GPS "), tag.Description);
                }

                return;
            case ExifThumbnailDirectory thumbnail:
                if (thumbnail.ContainsTag(ExifThumbnailDirectory.TagThumbnailOffset) || thumbnail.ContainsTag(ExifThumbnailDirectory.TagThumbnailLength))
                {
                    Add(findings, Other, "Thumbnail", "an embedded preview image (it may show the picture before cropping or blurring)");
                }

                ByTable(thumbnail, ExifTags, findings, skip: ExifDirectoryBase.TagMakernote);
                return;
            case ExifDirectoryBase exif:
                if (exif.ContainsTag(ExifDirectoryBase.TagMakernote))
                {
                    Add(findings, Other, "Maker notes", "present (camera-specific data, often with serial numbers)");
                }

                ByTable(exif, ExifTags, findings, skip: ExifDirectoryBase.TagMakernote);
                return;
            case IptcDirectory iptc:
                ByTable(iptc, IptcTags, findings, prefix: "IPTC ");
                return;
            case XmpDirectory xmp:
                foreach (var (path, value) in xmp.GetXmpProperties())
                {
                    if (XmpPaths.FirstOrDefault(p => path.StartsWith(p.Prefix, StringComparison.Ordinal)) is { Group: { } group })
                    {
                        Add(findings, group, "XMP " + path, value);
                    }
                }

                return;
            case QuickTimeMetadataHeaderDirectory meta:
                ByTable(meta, QuickTimeMetadataTags, findings, prefix: "QuickTime ");
                return;
            case QuickTimeMovieHeaderDirectory movie:
                Pick(movie, findings, Timestamps, "QuickTime movie ", QuickTimeMovieHeaderDirectory.TagCreated, QuickTimeMovieHeaderDirectory.TagModified);
                return;
            case QuickTimeTrackHeaderDirectory track:
                Pick(track, findings, Timestamps, "QuickTime track ", QuickTimeTrackHeaderDirectory.TagCreated, QuickTimeTrackHeaderDirectory.TagModified);
                return;
            case AviDirectory avi:
                Pick(avi, findings, Timestamps, "AVI ", AviDirectory.TagDateTimeOriginal);
                return;
            case JpegCommentDirectory comment:
                Pick(comment, findings, Other, "JPEG ", JpegCommentDirectory.TagComment);
                return;
            case GifCommentDirectory comment:
                Pick(comment, findings, Other, "GIF ", GifCommentDirectory.TagComment);
                return;
            case PngDirectory png:
                Png(png, findings);
                return;
            case ErrorDirectory:
                return;
            default:
                if (directory.GetType().Namespace == typeof(MetadataExtractor.Formats.Exif.Makernotes.CanonMakernoteDirectory).Namespace)
                {
                    Add(findings, Other, "Maker notes", directory.Name);
                }

                ByName(directory, findings);
                return;
        }
    }

    private static void ByTable(MeDirectory directory, Dictionary<int, string> table, List<MetadataFinding> findings, string prefix = "", int? skip = null)
    {
        foreach (var tag in directory.Tags)
        {
            if (tag.Type != skip && table.TryGetValue(tag.Type, out var group))
            {
                Add(findings, group, prefix + tag.Name, tag.Description);
            }
        }

        ByName(directory, findings, table.Keys);
    }

    private static void Pick(MeDirectory directory, List<MetadataFinding> findings, string group, string prefix, params int[] tags)
    {
        foreach (var tag in directory.Tags.Where(t => tags.Contains(t.Type)))
        {
            Add(findings, group, prefix + tag.Name, tag.Description);
        }
    }

    /// <summary>Tags no table names (maker notes, formats not listed) whose name says they locate or identify.</summary>
    private static void ByName(MeDirectory directory, List<MetadataFinding> findings, IEnumerable<int>? known = null)
    {
        foreach (var tag in directory.Tags)
        {
            if (known?.Contains(tag.Type) == true)
            {
                continue;
            }

            var name = tag.Name;
            var group = Contains(name, "Serial") || Contains(name, "Owner") ? Device
                : Contains(name, "GPS") || Contains(name, "Latitude") || Contains(name, "Longitude") ? Gps
                : Contains(name, "Author") || Contains(name, "Artist") || Contains(name, "Creator") ? Author
                : null;
            if (group is not null)
            {
                Add(findings, group, $"{directory.Name} {name}", tag.Description);
            }
        }

        static bool Contains(string name, string word) => name.Contains(word, StringComparison.OrdinalIgnoreCase);
    }

    private static void Png(PngDirectory png, List<MetadataFinding> findings)
    {
        if (png.ContainsTag(PngDirectory.TagLastModificationTime))
        {
            Add(findings, Timestamps, "PNG last modification time", png.GetDescription(PngDirectory.TagLastModificationTime));
        }

        if (png.GetObject(PngDirectory.TagTextualData) is not IEnumerable<MetadataExtractor.KeyValuePair> texts)
        {
            return;
        }

        foreach (var text in texts)
        {
            var key = text.Key ?? "";
            var group = key.ToUpperInvariant() switch
            {
                "AUTHOR" or "COPYRIGHT" or "ARTIST" or "CREATOR" => Author,
                "CREATION TIME" or "DATE" => Timestamps,
                "SOFTWARE" or "SOURCE" or "MAKE" or "MODEL" => Device,
                _ => Other,
            };
            Add(findings, group, "PNG text " + key, text.Value.ToString());
        }
    }

    private static void Add(List<MetadataFinding> findings, string group, string name, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        findings.Add(new MetadataFinding(group, Clean(name), Clean(value)));
    }

    private static string StripPrefix(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? name[prefix.Length..] : name;

    /// <summary>
    /// For a terminal and a table cell: no control characters (C0, C1: ESC and CSI start ANSI sequences), no bidi
    /// controls (Trojan Source, CVE-2021-42574), no lone surrogates, one line, at most <see cref="MaxValueLength"/>.
    /// </summary>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(Math.Min(text.Length, MaxValueLength + 1));
        var lastWasSpace = false;
        foreach (var rune in UntrustedText.Runes(text))
        {
            if (Rune.IsControl(rune) || Rune.IsWhiteSpace(rune))
            {
                if (!lastWasSpace && builder.Length > 0)
                {
                    builder.Append(' ');
                    lastWasSpace = true;
                }

                continue;
            }

            if (UntrustedText.IsInvisibleFormat(rune))
            {
                continue;
            }

            if (builder.Length + rune.Utf16SequenceLength > MaxValueLength)
            {
                builder.Append('…');
                return builder.ToString();
            }

            builder.Append(rune.ToString());
            lastWasSpace = false;
        }

        return builder.ToString().TrimEnd();
    }
}

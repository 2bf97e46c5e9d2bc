using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using SafeIntake.Intake.Web.Endpoints;
using SafeIntake.Intake.Web.Security;
using SafeIntake.Intake.Web.Storage;
using SafeIntake.Intake.Web.Trust;
using Serilog;
using Serilog.Events;

namespace SafeIntake.Intake.Web;

/// <summary>Everything the intake server needs, bound in one place (Program.cs stays one screen).</summary>
public static class IntakeExtensions
{
    /// <summary>
    /// Binds options, resolves the data folder, loads and verifies the reviewer bundle (creating the demo one on a
    /// first run), and registers storage, DataProtection, scrubbed logging, rate limiting and the page renderer.
    /// Throws <see cref="IntakeConfigurationException"/> when a production configuration is incomplete.
    /// </summary>
    public static WebApplicationBuilder AddIntake(this WebApplicationBuilder builder, bool forAdmin = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var (mode, modeExplicit) = ResolveMode(builder);
        var options = builder.Configuration.GetSection(IntakeOptions.Section).Get<IntakeOptions>() ?? new IntakeOptions();
        var root = builder.Environment.ContentRootPath;
        BundleProvider bundle;
        if (mode == IntakeMode.Demo)
        {
            options.DemoPath = Path.GetFullPath(options.DemoPath ?? Path.Combine(root, "safeintake-demo"), root);
            options.DataPath = Path.GetFullPath(options.DataPath ?? Path.Combine(options.DemoPath, "server-data"), root);
            if (forAdmin && !File.Exists(Path.Combine(options.DemoPath, DemoSetup.BundleFile)))
            {
                // An admin command never makes a demo: run where no server ever ran, it would answer for a fresh one.
                throw new IntakeConfigurationException($"This is a demo configuration and no demo server has run on {options.DemoPath}; admin commands do not create one.");
            }

            var (orgKey, bundlePath) = DemoSetup.Ensure(options.DemoPath, TimeProvider.System);
            options.BundlePath = bundlePath;
            bundle = BundleProvider.Load(orgKey.ToBase64(), bundlePath, DateTimeOffset.UtcNow);
        }
        else
        {
            var missing = new[] { ("DataPath", options.DataPath), ("OrganisationKey", options.OrganisationKey), ("BundlePath", options.BundlePath) }
                .Where(s => string.IsNullOrWhiteSpace(s.Item2)).Select(s => $"{IntakeOptions.Section}:{s.Item1}").ToList();
            if (missing.Count == 3 && !modeExplicit)
            {
                throw new IntakeConfigurationException(
                    $"No production configuration: the environment is {builder.Environment.EnvironmentName}, so this is production, and it needs Intake:DataPath, Intake:OrganisationKey and Intake:BundlePath (docs/admin/install.md); the demo runs only with ASPNETCORE_ENVIRONMENT=Development or Intake:Mode=Demo.");
            }

            if (missing.Count > 0)
            {
                throw new IntakeConfigurationException(
                    $"Production mode needs {string.Join(", ", missing)} (the data folder; the organisation's Ed25519 public key, base64; the signed reviewer bundle). See docs/admin/install.md.");
            }

            options.DataPath = Path.GetFullPath(options.DataPath!, root);
            bundle = BundleProvider.Load(options.OrganisationKey, options.BundlePath, DateTimeOffset.UtcNow);
        }

        EnsureWritable(options.DataPath);
        if (options.Categories.Count == 0)
        {
            options.Categories = DefaultCategories();
        }

        builder.Configuration[$"{IntakeOptions.Section}:DataPath"] = options.DataPath;
        builder.Configuration[$"{IntakeOptions.Section}:DemoPath"] = options.DemoPath;
        var services = builder.Services;
        services.Configure<IntakeOptions>(o =>
        {
            builder.Configuration.GetSection(IntakeOptions.Section).Bind(o);
            o.DataPath = options.DataPath;
            o.DemoPath = options.DemoPath;
            o.Categories = options.Categories;
            o.BundlePath = options.BundlePath;
            o.Mode = mode;
        });
        services.AddSingleton(bundle);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new BlobStore(options.DataPath));
        services.AddSingleton<PageRenderer>();
        services.AddSingleton<ProofOfWork>();
        services.AddSingleton<Budgets>();
        services.AddScoped<StorageBudget>();
        services.AddSingleton<MailboxChallenges>();
        services.AddMemoryCache();
        services.AddSingleton<IntakeWriter>();
        services.AddScoped<IntakeStore>();
        services.AddScoped<TransferStore>();
        services.AddSingleton(provider => new ServerSigningKey(provider.GetRequiredService<IDataProtectionProvider>(), options.DataPath));
        services.AddHostedService<MaintenanceService>();
        services.AddSingleton<Hosting.IntakeHealth>();
        services.AddHostedService<Hosting.HealthWarningService>();
        services.AddSingleton<DataFolderHolder>();
        // Pooled: the context holds no state of its own, and building options and resolving EF's services for every
        // request was a tenth of the server's CPU under load (bench/load.sh). A pooled context is reset on return.
        var connectionSettings = new SqliteConnectionSettings();
        services.AddDbContextPool<IntakeDbContext>(db => db.UseSqlite(ConnectionString(options.DataPath)).AddInterceptors(connectionSettings));

        services.AddDataProtection()
            .SetApplicationName("SafeIntake")
            .PersistKeysToFileSystem(Directory.CreateDirectory(Path.Combine(options.DataPath, "keys")));

        // The API's request bodies are read as strictly as the spec writes them (issue 10): member names exactly as
        // specified, a number only as a JSON number, no member twice ("website":"bot","website":"" must not pass
        // the honeypot on the last value). ASP.NET's web defaults accept all three.
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNameCaseInsensitive = false;
            json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            json.SerializerOptions.AllowDuplicateProperties = false;
        });
        services.AddExceptionHandler<LoggingExceptionHandler>();
        services.AddProblemDetails(p => p.CustomizeProblemDetails = context =>
        {
            // Every error the framework produces (bad JSON, wrong content type, unknown route, a crash) gets the
            // same shape as ours, and no trace id, exception text or stack trace.
            var details = context.ProblemDetails;
            if (details.Status == StatusCodes.Status405MethodNotAllowed)
            {
                // The spec's table has no 405: a method no route takes is "no such route".
                details.Status = StatusCodes.Status404NotFound;
                context.HttpContext.Response.StatusCode = StatusCodes.Status404NotFound;
            }

            details.Extensions.Remove("traceId");
            details.Extensions.Remove("exception");
            details.Detail = null;
            if (!details.Extensions.ContainsKey("code"))
            {
                var code = details.Status switch
                {
                    404 or 405 => "not-found",
                    413 => "too-large",
                    415 => "unsupported-media-type",
                    429 => "rate-limited",
                    >= 500 => "server-error",
                    _ => "bad-request",
                };
                var uniform = Problems.Details(code);
                details.Type = uniform.Type;
                details.Title = uniform.Title;
                details.Extensions["code"] = code;
            }
        });

        services.AddSerilog((_, log) => log
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .MinimumLevel.Override("System", LogEventLevel.Warning)
            // A failed start is reported by Program.cs in one line (Hosting/StartupGuard.cs), not as the host's trace.
            .Filter.ByExcluding(e => e.MessageTemplate.Text == "Hosting failed to start")
            // Day-level timestamps only: a log line's time next to a network log would date a submission.
            // An admin command's stdout is its answer (--json): its log lines go to stderr.
            .WriteTo.Console(outputTemplate: LogTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture,
                standardErrorFromLevel: forAdmin ? LogEventLevel.Verbose : null)
            .WriteTo.File(Path.Combine(options.DataPath, "logs", "intake-.log"), outputTemplate: LogTemplate,
                rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14, formatProvider: System.Globalization.CultureInfo.InvariantCulture));

        // The address when none is given: --urls, ASPNETCORE_URLS (or HTTP_PORTS) and a Kestrel:Endpoints section win.
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["urls"]) && string.IsNullOrEmpty(configuration["http_ports"])
            && string.IsNullOrEmpty(configuration["https_ports"]) && !configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The largest body any route takes; BodyLimits lowers it per route before a byte is read.
            kestrel.Limits.MaxRequestBodySize = Math.Max(options.ChunkBytes, Math.Max(options.MaxReplyBytes, options.MaxOutboxBytes)) + 4096;
            // A body slower than this (after a 5 s grace) is cut with 408, so a trickle cannot hold a request open.
            kestrel.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(
                Math.Max(1, options.MinRequestBodyBytesPerSecond), TimeSpan.FromSeconds(5));
        });
        return builder;
    }

    /// <summary>
    /// Demo only when asked for: <c>Intake:Mode=Demo</c>, or no mode in the Development environment (what <c>dotnet run</c>
    /// uses). Any other environment is production and must be configured as such (issue 11: a missing
    /// appsettings.Production.json once fell back to a demo holding a reviewer's secret key on the server).
    /// </summary>
    private static (IntakeMode Mode, bool Explicit) ResolveMode(WebApplicationBuilder builder)
    {
        var key = $"{IntakeOptions.Section}:Mode";
        var text = builder.Configuration[key];
        IntakeMode mode;
        if (string.IsNullOrWhiteSpace(text))
        {
            mode = builder.Environment.IsDevelopment() ? IntakeMode.Demo : IntakeMode.Production;
        }
        else if (!Enum.TryParse(text.Trim(), ignoreCase: true, out mode) || !Enum.IsDefined(mode) || char.IsDigit(text.Trim()[0]))
        {
            throw new IntakeConfigurationException($"Intake:Mode is '{text}'; it must be Production or Demo.");
        }

        builder.Configuration[key] = mode.ToString();
        return (mode, !string.IsNullOrWhiteSpace(text));
    }

    /// <summary>The data folder exists and this user can write in it, or the start stops here with one line.</summary>
    private static void EnsureWritable(string dataPath)
    {
        try
        {
            Directory.CreateDirectory(dataPath);
            var probe = Path.Combine(dataPath, $".write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new IntakeConfigurationException(
                $"The data folder {dataPath} cannot be written by this user ({Environment.UserName}): {BundleProvider.Reason(e)}. It must belong to the service user (docs/admin/install.md).",
                Hosting.ExitCodes.DataFolder);
        }
    }

    /// <summary>Which configuration was read: environment, content root, and each settings file (found or not).</summary>
    public static string DescribeConfiguration(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var files = ((IConfigurationBuilder)builder.Configuration).Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>()
            .Where(s => s.Path is not null)
            .Select(s =>
            {
                var path = s.FileProvider is Microsoft.Extensions.FileProviders.PhysicalFileProvider physical ? Path.Combine(physical.Root, s.Path!) : s.Path!;
                return File.Exists(path) ? path : s.Path!.StartsWith("appsettings", StringComparison.Ordinal) ? path + " (not found)" : null;
            })
            .OfType<string>();
        return $"environment {builder.Environment.EnvironmentName}, files {string.Join(", ", files)}, environment variables Intake__*, mode {builder.Configuration[$"{IntakeOptions.Section}:Mode"] ?? "unset"}";
    }

    /// <summary>Loopback only: a proxy or tor sits in front (docs/admin/install.md).</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    private static readonly System.Text.Json.JsonSerializerOptions HealthJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    public const string LogTemplate = "[{Timestamp:yyyy-MM-dd} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>The pipeline: errors first (never the developer page), headers, static files, API, pages.</summary>
    public static WebApplication UseIntake(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<SecurityHeaders>();
        app.UseStaticFiles();
        app.UseMiddleware<BodyLimits>();
        app.MapWitnessApi();
        app.MapMailboxApi();
        app.MapTransferApi();
        app.MapWitnessPages();
        // For a monitor: 200 while serving, with "ok" or "degraded" and reason codes (docs/spec/intake-api.md §Health).
        app.MapGet("/healthz", async (Hosting.IntakeHealth health, CancellationToken cancellationToken) =>
            TypedResults.Json(await health.CheckAsync(cancellationToken), HealthJson));
        app.Services.GetRequiredService<PageRenderer>().OrganisationKey = app.Services.GetRequiredService<BundleProvider>().OrganisationKey.ToBase64();
        return app;
    }

    /// <summary>
    /// Takes the data folder's lock (waiting up to <paramref name="wait"/>), then applies migrations, records the served
    /// bundle and repairs what a crash left, before serving. False, with nothing done, while another process holds it.
    /// The lock is a singleton of the app's services: held until the process ends.
    /// </summary>
    public static async Task<bool> PrepareStorageAsync(this WebApplication app, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<IntakeOptions>>().Value;
        var held = app.Services.GetRequiredService<DataFolderHolder>();
        held.Lock ??= await DataFolderLock.TryAcquireAsync(options.DataPath!, wait);
        if (held.Lock is null)
        {
            return false;
        }

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IntakeDbContext>();
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        var store = scope.ServiceProvider.GetRequiredService<IntakeStore>();
        await app.Services.GetRequiredService<BundleProvider>().RecordServedAsync(db, store.Today);
        await store.RepairAsync(held.Lock, CancellationToken.None);
        ServerSigningKey.Open(app.Services);
        return true;
    }

    private static string ConnectionString(string dataPath) =>
        new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataPath, "intake.db"),
            Pooling = true,
        }.ToString();

    private static List<CategoryOption> DefaultCategories() =>
    [
        new() { Id = "police", Labels = new() { ["en"] = "Police or security forces", ["zh-Hant-HK"] = "警察或保安部隊", ["zh-Hans"] = "警察或安全部队" } },
        new() { Id = "workplace", Labels = new() { ["en"] = "Workplace abuse", ["zh-Hant-HK"] = "職場欺凌或剝削", ["zh-Hans"] = "职场欺凌或剥削" } },
        new() { Id = "data-leak", Labels = new() { ["en"] = "Data leak", ["zh-Hant-HK"] = "資料外洩", ["zh-Hans"] = "数据泄露" } },
        new() { Id = "corruption", Labels = new() { ["en"] = "Corruption", ["zh-Hant-HK"] = "貪污", ["zh-Hans"] = "腐败" } },
    ];
}

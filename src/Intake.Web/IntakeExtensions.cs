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
    public static WebApplicationBuilder AddIntake(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection(IntakeOptions.Section).Get<IntakeOptions>() ?? new IntakeOptions();
        var root = builder.Environment.ContentRootPath;
        BundleProvider bundle;
        if (options.Mode == IntakeMode.Demo)
        {
            options.DemoPath = Path.GetFullPath(options.DemoPath ?? Path.Combine(root, "safeintake-demo"), root);
            options.DataPath = Path.GetFullPath(options.DataPath ?? Path.Combine(options.DemoPath, "server-data"), root);
            var (orgKey, bundlePath) = DemoSetup.Ensure(options.DemoPath, TimeProvider.System);
            options.BundlePath = bundlePath;
            bundle = BundleProvider.Load(orgKey.ToBase64(), bundlePath, DateTimeOffset.UtcNow);
        }
        else
        {
            if (string.IsNullOrWhiteSpace(options.DataPath))
            {
                throw new IntakeConfigurationException("Production mode needs Intake:DataPath (where ciphertext, the database and keys live).");
            }

            options.DataPath = Path.GetFullPath(options.DataPath, root);
            bundle = BundleProvider.Load(options.OrganisationKey, options.BundlePath, DateTimeOffset.UtcNow);
        }

        if (options.Categories.Count == 0)
        {
            options.Categories = DefaultCategories();
        }

        Directory.CreateDirectory(options.DataPath);
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
        services.AddSingleton<DataFolderHolder>();
        services.AddDbContext<IntakeDbContext>(db => db.UseSqlite(ConnectionString(options.DataPath)).AddInterceptors(new SqliteConnectionSettings()));

        services.AddDataProtection()
            .SetApplicationName("SafeIntake")
            .PersistKeysToFileSystem(Directory.CreateDirectory(Path.Combine(options.DataPath, "keys")));

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
            // Day-level timestamps only: a log line's time next to a network log would date a submission.
            .WriteTo.Console(outputTemplate: LogTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            .WriteTo.File(Path.Combine(options.DataPath, "logs", "intake-.log"), outputTemplate: LogTemplate,
                rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14, formatProvider: System.Globalization.CultureInfo.InvariantCulture));

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
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
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

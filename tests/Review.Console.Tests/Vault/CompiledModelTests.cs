using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using SafeIntake.Review.Console.Vault;

namespace SafeIntake.Review.Console.Tests.Vault;

/// <summary>
/// The vault's EF model is compiled (Vault/CompiledModel, from <c>dotnet ef dbcontext optimize</c>) so that a cold
/// command does not build it from OnModelCreating. A model changed without regenerating it would silently run on the
/// stale one: this compares what the running console uses with what OnModelCreating describes, table by table and
/// column by column.
/// </summary>
public sealed class CompiledModelTests
{
    private const string Regenerate =
        "dotnet ef dbcontext optimize --project src/Review.Console --context VaultDbContext --output-dir Vault/CompiledModel --namespace SafeIntake.Review.Console.Vault.CompiledModel";

    [Fact]
    public void CompiledModel_IsTheOneInUse_AndMatchesOnModelCreating()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        using var db = new VaultDbContext(new DbContextOptionsBuilder<VaultDbContext>().UseSqlite(connection).Options);

        var running = db.Model;
        var described = db.GetService<IDesignTimeModel>().Model;

        Assert.True(running is Microsoft.EntityFrameworkCore.Metadata.RuntimeModel && running.GetType().Namespace == "SafeIntake.Review.Console.Vault.CompiledModel",
            $"The console builds its model at run time ({running.GetType().FullName}): the compiled model is not in use. Regenerate it: {Regenerate}");
        Assert.True(Shape(described).SequenceEqual(Shape(running)),
            "Vault/CompiledModel no longer matches VaultDbContext.OnModelCreating. Regenerate it: " + Regenerate
            + "\n  only in OnModelCreating: " + string.Join("; ", Shape(described).Except(Shape(running)))
            + "\n  only in the compiled model: " + string.Join("; ", Shape(running).Except(Shape(described))));
    }

    /// <summary>Every table, column (type, nullability, conversion), key, index and foreign key, as sorted lines.</summary>
    private static List<string> Shape(IModel model)
    {
        var lines = new List<string>();
        foreach (var entity in model.GetEntityTypes())
        {
            var table = entity.GetTableName();
            lines.Add($"{entity.Name} -> {table}");
            foreach (var p in entity.GetProperties())
            {
                lines.Add($"{table}.{p.GetColumnName()}: {p.ClrType.Name} {p.GetColumnType()} null={p.IsNullable} converter={p.GetValueConverter()?.GetType().Name} "
                    + $"default={p.GetDefaultValue()} generated={p.ValueGenerated} concurrency={p.IsConcurrencyToken} max={p.GetMaxLength()}");
            }

            lines.AddRange(entity.GetKeys().Select(k => $"{table} key({string.Join(",", k.Properties.Select(p => p.Name))}) primary={k.IsPrimaryKey()}"));
            lines.AddRange(entity.GetIndexes().Select(i => $"{table} index {i.GetDatabaseName()}({string.Join(",", i.Properties.Select(p => p.Name))}) unique={i.IsUnique} filter={i.GetFilter()}"));
            lines.AddRange(entity.GetForeignKeys().Select(f => $"{table} fk({string.Join(",", f.Properties.Select(p => p.Name))}) -> {f.PrincipalEntityType.GetTableName()} {f.DeleteBehavior}"));
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}

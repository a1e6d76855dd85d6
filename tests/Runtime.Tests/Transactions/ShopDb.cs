using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Dbos.SystemDatabase.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Dbos.Tests.Transactions;

public sealed class Product
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public int Stock { get; set; }
}

public sealed class Counter
{
    public string Name { get; set; } = "";
    public long Value { get; set; }
}

/// <summary>The application database of the transaction tests: PostgreSQL or SQLite, never the system database unless a test says so.</summary>
public sealed class ShopDb(DbContextOptions<ShopDb> options) : DbContext(options)
{
    public DbSet<Product> Products => Set<Product>();

    public DbSet<Counter> Counters => Set<Counter>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Product>().Property(p => p.Id).ValueGeneratedNever();
        modelBuilder.Entity<Counter>().HasKey(c => c.Name);
    }

    /// <summary>Options for a <c>postgresql://</c> URL or a SQLite file path.</summary>
    public static DbContextOptions<ShopDb> OptionsFor(string database, int? sqliteBusyTimeoutSeconds = null)
    {
        var builder = new DbContextOptionsBuilder<ShopDb>();
        if (database.StartsWith("postgres", StringComparison.Ordinal))
        {
            builder.UseNpgsql(PostgresConnectionStrings.Normalize(database));
        }
        else
        {
            builder.UseSqlite($"Data Source={database}" + (sqliteBusyTimeoutSeconds is { } seconds ? $";Default Timeout={seconds}" : string.Empty));
        }

        return builder.Options;
    }

    /// <summary>Creates the tables and the rows the tests start from.</summary>
    public static async Task CreateAsync(string database, params Product[] products)
    {
        await using var db = new ShopDb(OptionsFor(database));
        await db.Database.EnsureCreatedAsync();
        db.Products.AddRange(products);
        await db.SaveChangesAsync();
    }
}

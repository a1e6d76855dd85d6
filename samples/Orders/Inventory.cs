using Microsoft.EntityFrameworkCore;

namespace Dbos.Samples.Orders;

/// <summary>Stock of one item.</summary>
public sealed class StockItem
{
    public string Item { get; set; } = "";
    public int Available { get; set; }
}

/// <summary>Stock set aside for one order.</summary>
public sealed class Reservation
{
    public string Id { get; set; } = "";
    public int OrderId { get; set; }
    public string Item { get; set; } = "";
    public int Quantity { get; set; }
}

/// <summary>The application database: an ordinary EF Core model. [Transaction] methods use it through DBOS.SqlSession.</summary>
public sealed class InventoryDb(DbContextOptions<InventoryDb> options) : DbContext(options)
{
    public DbSet<StockItem> Stock => Set<StockItem>();

    public DbSet<Reservation> Reservations => Set<Reservation>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
        => modelBuilder.Entity<StockItem>().HasKey(s => s.Item);
}

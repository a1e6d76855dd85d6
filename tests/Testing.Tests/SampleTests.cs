using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Dbos.Samples.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Dbos.Testing.Tests;

/// <summary>The samples' workflows, tested with the package: the approval's 10-minute timeout and cooling-off sleep are
/// skipped, and the order survives a crash with its reservation made once.</summary>
public sealed class SampleTests
{
    [Test]
    public async Task An_approval_nobody_decides_expires_after_10_minutes()
    {
        await using var env = await DbosTestEnvironment.StartAsync();
        var approvals = env.GetRequiredService<IApprovalWorkflowsClient>();
        var start = env.Time.UtcNow;
        Assert.That(await approvals.ApproveExpenseAsync(1, 99.5m), Is.EqualTo("expired"));
        Assert.That(env.Time.UtcNow - start, Is.GreaterThanOrEqualTo(TimeSpan.FromMinutes(10)));
    }

    [Test]
    public async Task An_approved_expense_takes_effect_after_the_cooling_off_sleep()
    {
        await using var env = await DbosTestEnvironment.StartAsync();
        var handle = await env.GetRequiredService<IApprovalWorkflowsClient>().StartApproveExpenseAsync(2, 10m);
        using (env.Use())
        {
            Assert.That(await DBOS.GetEventAsync<string>(handle.WorkflowId, "state"), Does.Contain("waiting for a decision"));
            await DBOS.SendAsync(handle.WorkflowId, "approve", "decision");
        }

        Assert.That(await handle.GetResultAsync(), Is.EqualTo("approved"));
        var steps = await env.Runtime.ListWorkflowStepsAsync(handle.WorkflowId);
        Assert.That(steps.Select(s => s.Name), Does.Contain("DBOS.sleep").And.Contain("RecordDecision"));
    }

    [Test]
    public async Task An_order_whose_process_dies_while_charging_is_charged_again_but_reserved_once()
    {
        var inventory = Path.Combine(Path.GetTempPath(), "dbos-testing", $"inventory-{Guid.NewGuid():N}.sqlite");
        Directory.CreateDirectory(Path.GetDirectoryName(inventory)!);
        await using (var setup = new InventoryDb(new DbContextOptionsBuilder<InventoryDb>().UseSqlite($"Data Source={inventory}").Options))
        {
            await setup.Database.EnsureCreatedAsync();
            setup.Stock.Add(new StockItem { Item = "widget", Available = 10 });
            await setup.SaveChangesAsync();
        }

        await using var env = await DbosTestEnvironment.StartAsync(o =>
        {
            o.Services.AddSingleton<IPaymentGateway, FakePaymentGateway>();
            o.Services.AddDbContext<InventoryDb>(db => db.UseSqlite($"Data Source={inventory}"));
            o.ConfigureDbos(d =>
            {
                d.UseApplicationDatabase<InventoryDb>();
                d.AddQueue(OrderWorkflows.Payments);
            });
        });
        var orders = env.GetRequiredService<IOrderWorkflowsClient>();
        var crash = await env.RunUntilCrashAsync(CrashPoint.BeforeCheckpoint("ChargePayment"), () => orders.StartPlaceOrderAsync(new Order(7, "widget", 3, 2.5m)));
        Assert.That(crash.CrashedWorkflowId, Is.EqualTo(crash.WorkflowId + "-1"), "the charge runs in a child workflow on the payments queue");
        var recovered = await crash.RecoverAsync<Receipt>();

        Assert.That(recovered.Result.PaymentId, Is.EqualTo("pay-7-7.50"));
        Assert.That(recovered.StepsRunAgain, Is.EqualTo(new[] { "ChargePayment" }));
        await using var check = new InventoryDb(new DbContextOptionsBuilder<InventoryDb>().UseSqlite($"Data Source={inventory}").Options);
        Assert.That(await check.Reservations.CountAsync(r => r.OrderId == 7), Is.EqualTo(1));
        Assert.That((await check.Stock.SingleAsync()).Available, Is.EqualTo(7));
    }
}

using Microsoft.EntityFrameworkCore;

namespace SafeIntake.Intake.Web.Storage;

/// <summary>
/// Garbage that no reviewer can open is never acknowledged; without this it would stay for ever when retention is
/// off. A report or follow-up no reviewer acknowledged within <c>Intake:UnacknowledgedExpiryDays</c> goes, like
/// retention: the row stays marked deleted so export sequences keep no holes (docs/admin/storage-limits.md).
/// </summary>
public static class UnacknowledgedExpiry
{
    public static async Task<int> ExpireAsync(IntakeDbContext db, BlobStore blobs, int days, DateOnly today, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(blobs);
        if (days <= 0)
        {
            return 0;
        }

        var cutoff = today.AddDays(-days);
        var expired = await db.Envelopes
            .Where(e => e.State == EnvelopeState.Stored && e.Kind != EnvelopeKind.Reply && e.ReceivedDay < cutoff
                && !db.Acknowledgements.Any(a => a.EnvelopeId == e.Id))
            .ToListAsync(cancellationToken);
        foreach (var envelope in expired)
        {
            envelope.State = EnvelopeState.Deleted;
            await db.SaveChangesAsync(cancellationToken);
            blobs.DeleteBlob(envelope.Id);
        }

        return expired.Count;
    }
}

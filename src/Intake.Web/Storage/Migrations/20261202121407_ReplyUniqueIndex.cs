using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SafeIntake.Intake.Web.Storage.Migrations
{
    /// <inheritdoc />
    public partial class ReplyUniqueIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A release before this index could store one reply twice (a POST /replies racing an outbox). The later
            // copy is marked deleted and leaves its mailbox (NULLs never collide in a unique index), so the index can
            // be created, the witness sees the reply once and the row stays: export sequences keep no holes.
            migrationBuilder.Sql(
                "UPDATE \"Envelopes\" SET \"State\" = 3, \"MailboxId\" = NULL WHERE \"Kind\" = 3 AND \"Sequence\" NOT IN " +
                "(SELECT MIN(\"Sequence\") FROM \"Envelopes\" WHERE \"Kind\" = 3 GROUP BY \"MailboxId\", \"EnvelopeHash\");");

            migrationBuilder.CreateIndex(
                name: "IX_Envelopes_Reply_MailboxId_EnvelopeHash",
                table: "Envelopes",
                columns: new[] { "MailboxId", "EnvelopeHash" },
                unique: true,
                filter: "\"Kind\" = 3");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Envelopes_Reply_MailboxId_EnvelopeHash",
                table: "Envelopes");
        }
    }
}

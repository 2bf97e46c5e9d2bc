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

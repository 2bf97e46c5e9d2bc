using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SafeIntake.Review.Console.Vault.Migrations
{
    /// <inheritdoc />
    public partial class Triage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Assignee",
                table: "Envelopes",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EnvelopeHash",
                table: "Envelopes",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Severity",
                table: "Envelopes",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "StatusReason",
                table: "Envelopes",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "Tags",
                table: "Envelopes",
                type: "BLOB",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "AuditLog",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    ReviewerId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CaseId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    SigningKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Entry = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Hash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Signature = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditLog", x => x.Sequence);
                });

            migrationBuilder.CreateTable(
                name: "Links",
                columns: table => new
                {
                    First = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Second = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Links", x => new { x.First, x.Second });
                });

            migrationBuilder.CreateTable(
                name: "Notes",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    EnvelopeId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ReviewerId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Text = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Notes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Notes_Envelopes_EnvelopeId",
                        column: x => x.EnvelopeId,
                        principalTable: "Envelopes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "OutgoingReplies",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CaseId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ReviewerId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Mailbox = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Envelope = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Signature = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Text = table.Column<byte[]>(type: "BLOB", nullable: false),
                    QueuedIn = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OutgoingReplies", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Envelopes_Assignee",
                table: "Envelopes",
                column: "Assignee");

            migrationBuilder.CreateIndex(
                name: "IX_Envelopes_EnvelopeHash",
                table: "Envelopes",
                column: "EnvelopeHash");

            migrationBuilder.CreateIndex(
                name: "IX_Envelopes_ReceivedDay",
                table: "Envelopes",
                column: "ReceivedDay");

            migrationBuilder.CreateIndex(
                name: "IX_Envelopes_Severity",
                table: "Envelopes",
                column: "Severity");

            migrationBuilder.CreateIndex(
                name: "IX_AuditLog_CaseId",
                table: "AuditLog",
                column: "CaseId");

            migrationBuilder.CreateIndex(
                name: "IX_Links_Second",
                table: "Links",
                column: "Second");

            migrationBuilder.CreateIndex(
                name: "IX_Notes_EnvelopeId",
                table: "Notes",
                column: "EnvelopeId");

            migrationBuilder.CreateIndex(
                name: "IX_OutgoingReplies_CaseId",
                table: "OutgoingReplies",
                column: "CaseId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AuditLog");

            migrationBuilder.DropTable(
                name: "Links");

            migrationBuilder.DropTable(
                name: "Notes");

            migrationBuilder.DropTable(
                name: "OutgoingReplies");

            migrationBuilder.DropIndex(
                name: "IX_Envelopes_Assignee",
                table: "Envelopes");

            migrationBuilder.DropIndex(
                name: "IX_Envelopes_EnvelopeHash",
                table: "Envelopes");

            migrationBuilder.DropIndex(
                name: "IX_Envelopes_ReceivedDay",
                table: "Envelopes");

            migrationBuilder.DropIndex(
                name: "IX_Envelopes_Severity",
                table: "Envelopes");

            migrationBuilder.DropColumn(
                name: "Assignee",
                table: "Envelopes");

            migrationBuilder.DropColumn(
                name: "EnvelopeHash",
                table: "Envelopes");

            migrationBuilder.DropColumn(
                name: "Severity",
                table: "Envelopes");

            migrationBuilder.DropColumn(
                name: "StatusReason",
                table: "Envelopes");

            migrationBuilder.DropColumn(
                name: "Tags",
                table: "Envelopes");
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SafeIntake.Review.Console.Vault.Migrations
{
    /// <inheritdoc />
    public partial class InitialVault : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AttachmentChunks",
                columns: table => new
                {
                    AttachmentId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Number = table.Column<int>(type: "INTEGER", nullable: false),
                    Data = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AttachmentChunks", x => new { x.AttachmentId, x.Number });
                });

            migrationBuilder.CreateTable(
                name: "Envelopes",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ReceivedDay = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false, defaultValue: "new"),
                    MailboxId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    CaseId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    ReviewerId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ImportedDay = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    AcknowledgedIn = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    AttachmentCount = table.Column<int>(type: "INTEGER", nullable: false),
                    Manifest = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Language = table.Column<byte[]>(type: "BLOB", nullable: true),
                    What = table.Column<byte[]>(type: "BLOB", nullable: true),
                    When = table.Column<byte[]>(type: "BLOB", nullable: true),
                    Where = table.Column<byte[]>(type: "BLOB", nullable: true),
                    Category = table.Column<byte[]>(type: "BLOB", nullable: true),
                    Text = table.Column<byte[]>(type: "BLOB", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Envelopes", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Quarantine",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ReceivedDay = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    FirstSeenDay = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    LastSeenDay = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Quarantine", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Settings",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Value = table.Column<string>(type: "TEXT", nullable: true),
                    Sealed = table.Column<byte[]>(type: "BLOB", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Settings", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "Attachments",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    EnvelopeId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    ChunkCount = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Type = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Attachments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Attachments_Envelopes_EnvelopeId",
                        column: x => x.EnvelopeId,
                        principalTable: "Envelopes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SearchTokens",
                columns: table => new
                {
                    Token = table.Column<byte[]>(type: "BLOB", nullable: false),
                    EnvelopeId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SearchTokens", x => new { x.Token, x.EnvelopeId });
                    table.ForeignKey(
                        name: "FK_SearchTokens_Envelopes_EnvelopeId",
                        column: x => x.EnvelopeId,
                        principalTable: "Envelopes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Attachments_EnvelopeId",
                table: "Attachments",
                column: "EnvelopeId");

            migrationBuilder.CreateIndex(
                name: "IX_Envelopes_CaseId",
                table: "Envelopes",
                column: "CaseId");

            migrationBuilder.CreateIndex(
                name: "IX_Envelopes_MailboxId",
                table: "Envelopes",
                column: "MailboxId");

            migrationBuilder.CreateIndex(
                name: "IX_Envelopes_Sequence",
                table: "Envelopes",
                column: "Sequence");

            migrationBuilder.CreateIndex(
                name: "IX_Envelopes_Status",
                table: "Envelopes",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_SearchTokens_EnvelopeId",
                table: "SearchTokens",
                column: "EnvelopeId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AttachmentChunks");

            migrationBuilder.DropTable(
                name: "Attachments");

            migrationBuilder.DropTable(
                name: "Quarantine");

            migrationBuilder.DropTable(
                name: "SearchTokens");

            migrationBuilder.DropTable(
                name: "Settings");

            migrationBuilder.DropTable(
                name: "Envelopes");
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SafeIntake.Intake.Web.Storage.Migrations
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Bundles",
                columns: table => new
                {
                    Hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Epoch = table.Column<long>(type: "INTEGER", nullable: false),
                    InstalledDay = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    FileText = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Bundles", x => x.Hash);
                });

            migrationBuilder.CreateTable(
                name: "Envelopes",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    ReceivedDay = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    EnvelopeHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    BundleHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    MailboxId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    MailboxKey = table.Column<string>(type: "TEXT", maxLength: 44, nullable: true),
                    ReviewerId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Signature = table.Column<string>(type: "TEXT", maxLength: 88, nullable: true),
                    State = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Envelopes", x => x.Sequence);
                });

            migrationBuilder.CreateTable(
                name: "Uploads",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    DeclaredSize = table.Column<long>(type: "INTEGER", nullable: false),
                    MailboxKey = table.Column<string>(type: "TEXT", maxLength: 44, nullable: true),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Uploads", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Envelopes_Id",
                table: "Envelopes",
                column: "Id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Envelopes_MailboxId",
                table: "Envelopes",
                column: "MailboxId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Bundles");

            migrationBuilder.DropTable(
                name: "Envelopes");

            migrationBuilder.DropTable(
                name: "Uploads");
        }
    }
}

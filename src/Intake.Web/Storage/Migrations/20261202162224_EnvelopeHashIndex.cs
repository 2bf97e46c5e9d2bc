using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SafeIntake.Intake.Web.Storage.Migrations
{
    /// <inheritdoc />
    public partial class EnvelopeHashIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Envelopes_EnvelopeHash",
                table: "Envelopes",
                column: "EnvelopeHash");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Envelopes_EnvelopeHash",
                table: "Envelopes");
        }
    }
}

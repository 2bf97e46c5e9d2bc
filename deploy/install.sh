#!/usr/bin/env bash
# Installs the SafeIntake intake server as a hardened systemd service (docs/admin/install.md walks through it).
#
#   sudo deploy/install.sh [published folder or ""] [signed bundle.json]
#
# Without an argument it publishes src/Intake.Web for linux-x64 first (needs the .NET 10 SDK; the server then needs
# only the ASP.NET Core 10 runtime). Run it again to upgrade: the data folder, the configuration and the bundle are
# kept; only the program and the unit are replaced. The names below can be changed for a second instance (and are,
# by the test that runs this script: tests/Intake.Web.Tests/Deploy/InstallScriptTests.cs).
set -euo pipefail

SERVICE_USER="${SAFEINTAKE_USER:-safeintake}"
APP_DIR="${SAFEINTAKE_APP:-/opt/safeintake}"             # the program: root's, read-only to the service
ETC_DIR="${SAFEINTAKE_ETC:-/etc/safeintake}"             # bundle/ (the service user's, so admin bundle install can replace it)
DATA_DIR="${SAFEINTAKE_DATA:-/var/lib/safeintake}"       # ciphertext, database, key ring, logs: 0700, the service user's
UNIT_DIR="${SAFEINTAKE_UNIT_DIR:-/etc/systemd/system}"   # empty: do not install the unit

die() { echo "install.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (sudo deploy/install.sh): it creates a user and root-owned folders"
repo="$(cd "$(dirname "$0")/.." && pwd)"

published="${1:-}"
if [ -z "$published" ]; then
  published="$(mktemp -d)"
  dotnet publish "$repo/src/Intake.Web" -c Release -r linux-x64 --self-contained false -o "$published" -v q -nologo \
    || die "dotnet publish failed"
fi
[ -f "$published/SafeIntake.Intake.Web.dll" ] || die "$published holds no SafeIntake.Intake.Web.dll"
[ ! -e "$published/safeintake-demo" ] || die "$published holds a demo folder; publish again from a clean tree"

# 1. The service user: a system account with no shell and no home of its own but the data folder.
if ! id "$SERVICE_USER" >/dev/null 2>&1; then
  useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
fi

# 2. The program, root's: the service can read it, never change it. The configuration is kept on upgrade.
install -d -o root -g root -m 0755 "$APP_DIR"
config="$APP_DIR/appsettings.Production.json"
saved=""
if [ -f "$config" ]; then saved="$(mktemp)"; cp -p "$config" "$saved"; fi
find "$APP_DIR" -mindepth 1 -delete
cp -R "$published/." "$APP_DIR/"
chown -R root:root "$APP_DIR"
chmod -R u=rwX,go=rX "$APP_DIR"
if [ -n "$saved" ]; then
  cp -p "$saved" "$config"; rm -f "$saved"
else
  sed -e "s|/var/lib/safeintake|$DATA_DIR|; s|/etc/safeintake/bundle/bundle.json|$ETC_DIR/bundle/bundle.json|" \
    "$repo/deploy/appsettings.Production.json" > "$config"
fi
# Holds the pinned organisation key and paths, no secret; readable by the service, writable by root only.
chown root:"$SERVICE_USER" "$config"
chmod 0640 "$config"

# 3. The bundle's folder: the service user's, so `admin bundle install`, run as that user, can write its temporary
#    file beside bundle.json and rename it over (the server itself only reads it; /etc is read-only in the unit).
install -d -o root -g "$SERVICE_USER" -m 0750 "$ETC_DIR"
install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0750 "$ETC_DIR/bundle"
# The first bundle is copied (admin bundle install needs one installed to start from); later ones go through admin.
if [ -n "${2:-}" ]; then
  install -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0640 "$2" "$ETC_DIR/bundle/bundle.json"
elif [ -f "$ETC_DIR/bundle/bundle.json" ]; then
  chown "$SERVICE_USER:$SERVICE_USER" "$ETC_DIR/bundle/bundle.json"
  chmod 0640 "$ETC_DIR/bundle/bundle.json"
fi

# 4. The data folder: only the service user may enter it.
install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0700 "$DATA_DIR"
chown -R "$SERVICE_USER:$SERVICE_USER" "$DATA_DIR"

# 5. The unit.
if [ -n "$UNIT_DIR" ]; then
  install -d "$UNIT_DIR"
  sed -e "s|^User=safeintake|User=$SERVICE_USER|; s|^Group=safeintake|Group=$SERVICE_USER|; s|/opt/safeintake|$APP_DIR|g; s|/var/lib/safeintake|$DATA_DIR|g" \
    "$repo/deploy/safeintake.service" > "$UNIT_DIR/$SERVICE_USER.service"
  chmod 0644 "$UNIT_DIR/$SERVICE_USER.service"
fi

cat <<DONE
Installed SafeIntake for user $SERVICE_USER:
  program        $APP_DIR (root, read-only)
  configuration  $config (root:$SERVICE_USER 0640) — set Intake:OrganisationKey
  bundle         $ETC_DIR/bundle/bundle.json — the first one: install -o $SERVICE_USER -g $SERVICE_USER -m 0640 bundle.json $ETC_DIR/bundle/
                 (or the second argument of this script); later ones, verified:
                   sudo -u $SERVICE_USER dotnet $APP_DIR/SafeIntake.Intake.Web.dll admin bundle install /path/to/bundle.json
  data           $DATA_DIR ($SERVICE_USER 0700)
Then: systemctl daemon-reload && systemctl enable --now $SERVICE_USER
      sudo -u $SERVICE_USER dotnet $APP_DIR/SafeIntake.Intake.Web.dll admin bundle show   # the fingerprint to publish
DONE

# Shared set-up steps for scripts/dev and scripts/test (sourced, not run).

# Installs the PostgreSQL server binaries with apt when none are present.
ensure_postgres_binaries() {
  if [ -n "${DYNASTORE_PG_BIN:-}" ] && [ -x "$DYNASTORE_PG_BIN/postgres" ]; then return; fi
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then return; fi
  echo "PostgreSQL server binaries not found; installing them with apt-get" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

# Installs the AWS CLI (v1, from PyPI) when `aws` is missing.
ensure_awscli() {
  if command -v aws >/dev/null 2>&1; then return; fi
  echo "AWS CLI not found; installing it with pip" >&2
  if ! python3 -m pip --version >/dev/null 2>&1; then
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null
  fi
  python3 -m pip install --quiet awscli 2>/dev/null || python3 -m pip install --quiet --break-system-packages awscli
  hash -r
}

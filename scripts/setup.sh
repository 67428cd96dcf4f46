#!/usr/bin/env bash
# One idempotent set-up for a fresh machine; `npm run demo` and `npm test` run it first.
#   1. Node.js >= 20
#   2. npm ci when node_modules is missing or older than package-lock.json
#   3. Debian packages the project needs, when missing
#   4. the Temporal CLI dev server, built with `go install` into a cache outside the repo, when missing
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# 1. Node
command -v node >/dev/null || die "node is not installed; install Node.js 20 or newer"
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || die "Node.js $(node --version) is too old; Firepond needs Node.js 20 or newer"

# 2. npm dependencies
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)"
  if ! npm ci --no-audit --no-fund >&2; then
    # npm ci insists that the lock list every platform's optional binaries (DuckDB's, swc's, ...). A registry that does
    # not serve the other platforms' packages leaves them out of the lock, so npm ci refuses it; npm install resolves
    # the same locked versions for this platform.
    say "npm ci refused the lock file; installing the locked versions with npm install instead"
    npm install --no-audit --no-fund >&2 || die "npm install failed; see the output above"
  fi
fi

# 3. Debian packages (none are needed by the smallpond part; the FUSE mount will add libfuse2)
DEBIAN_PACKAGES=()
missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing Debian packages: ${missing[*]} (and no apt-get to install them)"
  say "installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2 && $sudo_cmd apt-get install -y -qq "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
fi

# 4. Temporal CLI (dev server + Web UI), cached outside the repository
cache="${FIREPOND_CACHE_DIR:-$HOME/.cache/firepond}"
if [ -n "${FIREPOND_TEMPORAL_BIN:-}" ]; then
  [ -x "$FIREPOND_TEMPORAL_BIN" ] || die "FIREPOND_TEMPORAL_BIN=$FIREPOND_TEMPORAL_BIN is not an executable"
elif [ ! -x "$cache/temporal-v1.5.1/temporal" ]; then
  command -v go >/dev/null || die "the Temporal CLI is missing and Go is not installed to build it (go install github.com/temporalio/cli/cmd/temporal@v1.5.1)"
  built=""
  # v1.5.1 is the newest tag go install accepts; older tags are fall-backs if its build fails here.
  for tag in v1.5.1 v1.5.0 v1.4.1; do
    say "building the Temporal CLI $tag with go install (first time only, a few minutes)"
    mkdir -p "$cache/temporal-$tag"
    if GOBIN="$cache/temporal-$tag" CGO_ENABLED=0 go install "github.com/temporalio/cli/cmd/temporal@$tag" >&2; then
      built="$tag"; break
    fi
    say "go install @$tag failed"
  done
  [ -n "$built" ] || die "could not build the Temporal CLI; set FIREPOND_TEMPORAL_BIN to an existing temporal binary"
  if [ "$built" != "v1.5.1" ]; then
    mkdir -p "$cache/temporal-v1.5.1" && ln -sf "$cache/temporal-$built/temporal" "$cache/temporal-v1.5.1/temporal"
  fi
fi
say "ready"

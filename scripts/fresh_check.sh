#!/usr/bin/env bash
# Fresh-machine check: runs the README's two commands on a pristine minbase Debian 12, as a new
# user's machine would be, to catch install steps that a prepared machine (or CI on it) hides.
#
# It builds a `debootstrap --variant=minbase bookworm` root once (from the apt mirror in this
# machine's own apt sources) and caches it as a tarball; each command then runs in its own fresh
# copy of that root, on the committed tree (`git archive`), inside a private mount and PID
# namespace. Prints PASS/FAIL per command with its duration; on failure, the failing step and
# the end of its log. Needs root, debootstrap (installed if missing) and the network to the
# Debian mirror. Too slow for every CI run (about 30 minutes on 2 cores); run it before resolving
# any change to dependencies or set-up.
#
# Usage: scripts/fresh_check.sh [--rev REV] [--only main|tests] [--keep] [--rebuild-root]
#        [-- extra flags for scripts/main_job.sh, e.g. --epochs 1]
# Environment: QFORGE_FRESH_DIR (work folder, default /var/tmp/qforge-fresh).
set -euo pipefail
cd "$(dirname "$0")/.."

rev=HEAD only="" keep=0 rebuild=0 main_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rev) rev="${2:?--rev needs a revision}"; shift 2 ;;
    --only) only="${2:?--only needs main or tests}"; shift 2
            [[ "$only" == main || "$only" == tests ]] || { echo "fresh_check: --only takes main or tests" >&2; exit 2; } ;;
    --keep) keep=1; shift ;;
    --rebuild-root) rebuild=1; shift ;;
    --) shift; main_args=("$@"); break ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fresh_check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "fresh_check: must run as root (chroot, mounts)" >&2; exit 2; }
commit=$(git rev-parse --verify -q "$rev^{commit}") || { echo "fresh_check: '$rev' is not a commit" >&2; exit 2; }
rev=$commit

work="${QFORGE_FRESH_DIR:-/var/tmp/qforge-fresh}"
tarball="$work/bookworm-minbase.tar"
apt_cache="$work/apt-archives"  # downloaded .deb files only: saves bandwidth, installs stay real
mkdir -p "$work" "$apt_cache"

# The Debian mirror this machine uses (deb822 or one-line sources), else deb.debian.org.
debian_mirror() {
  local uri
  uri=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
        grep -oE 'https?://[^ ]*/debian/?' | grep -v security | head -n 1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

seconds_to_text() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

make_root_tarball() {
  command -v debootstrap >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  local mirror tmp
  mirror=$(debian_mirror)
  tmp="$work/bootstrap"
  rm -rf "$tmp"
  echo "fresh_check: debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$tmp" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log"; echo "FAIL bootstrap (log: $work/debootstrap.log)"; exit 1; }
  # The same suites a Debian 12 installation lists: the release, its updates and security.
  local security="${mirror%/debian*}/debian-security"
  [[ "$mirror" == *deb.debian.org* ]] || security="http://deb.debian.org/debian-security"
  cat > "$tmp/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
  tar -C "$tmp" -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
  rm -rf "$tmp"
}

# Prefixes each line with the minutes:seconds since START (epoch seconds).
stamp() {
  local start="$1" line now
  while IFS= read -r line; do
    now=$(date +%s)
    printf '[%d:%02d] %s\n' $(((now - start) / 60)) $(((now - start) % 60)) "$line"
  done
}
MILESTONES='\] (setup: |test accuracy|model +format|model +kernels|[0-9]+% tests passed|consumer_check: [0-9]+ passed)'

# run_fresh NAME COMMAND...: a fresh root from the tarball, the committed tree in /root/qforge,
# COMMAND run there as root with a clean environment; records PASS/FAIL and the duration.
results=()
failed=0
run_fresh() {
  local name="$1"; shift
  local root="$work/root-$name" log="$work/$name.log" start end status
  rm -rf "$root"; mkdir -p "$root"
  tar -C "$root" -xf "$tarball"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # The network's TLS trust, not the project's: where this machine reaches the npm registry
  # through an intercepting proxy, its CA is in the host's bundle, which Node.js is pointed to.
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/fresh-check-network-ca.crt" 2>/dev/null || true
  mkdir -p "$root/root/qforge"
  git archive "$rev" | tar -C "$root/root/qforge" -x
  echo "fresh_check: $name: $* (log: $log)"
  start=$(date +%s)
  set +e
  unshare --mount --pid --fork --propagation private bash -c '
    set -e
    root="$1"; apt_cache="$2"; shift 2
    mount -t proc proc "$root/proc"
    mount -t sysfs sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mount --bind "$apt_cache" "$root/var/cache/apt/archives"
    exec chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      NODE_EXTRA_CA_CERTS=/etc/fresh-check-network-ca.crt \
      /bin/bash -c "cd /root/qforge && \"\$@\"" bash "$@"
  ' fresh "$root" "$apt_cache" "$@" < /dev/null 2>&1 | stamp "$start" > "$log"
  status=${PIPESTATUS[0]}
  set -e
  end=$(date +%s)
  local took
  took=$(seconds_to_text $((end - start)))
  # When each milestone was reached: set-up, build, each test run, training, evaluation.
  local steps
  steps=$(grep -E "$MILESTONES" "$log" | sed -E 's/^\[([0-9:]+)\] (.{0,70}).*/      at \1  \2/' || true)
  if [ "$status" -eq 0 ]; then
    results+=("  PASS $name ($*) in $took" "$steps")
  else
    failed=1
    local step
    step=$(grep -E '\] (setup:|FAILED|CMake Error|E: |The following tests FAILED|\[ +FAILED)' "$log" | tail -n 1 || true)
    results+=("  FAIL $name ($*) after $took, exit $status${step:+, at: $step}" "$steps")
    echo "---- last 30 lines of $log"
    tail -n 30 "$log"
    echo "----"
  fi
  [ "$keep" -eq 1 ] || rm -rf "$root"
}

overall_start=$(date +%s)
if [ "$rebuild" -eq 1 ] || [ ! -f "$tarball" ]; then
  t0=$(date +%s); make_root_tarball
  results+=("  PASS bootstrap (minbase bookworm root) in $(seconds_to_text $(($(date +%s) - t0)))")
else
  results+=("  PASS bootstrap (cached $tarball)")
fi
echo "fresh_check: testing $(git rev-parse --short "$rev") ($(git log -1 --format=%s "$rev" | cut -c1-60))"
[ "$only" = tests ] || run_fresh main scripts/main_job.sh "${main_args[@]}"
[ "$only" = main ] || run_fresh tests scripts/test.sh

echo "fresh_check results ($(seconds_to_text $(($(date +%s) - overall_start))) in all):"
printf '%s\n' "${results[@]}" | grep -v '^$' || true
if [ "$failed" -eq 0 ]; then echo "PASS"; else echo "FAIL"; exit 1; fi

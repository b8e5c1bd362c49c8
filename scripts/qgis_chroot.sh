#!/usr/bin/env bash
# Run the plugin test suite (tests/ minus tests/train) on another Debian's QGIS, in a chroot.
#
#   scripts/qgis_chroot.sh SUITE QGIS_VERSION CACHE_DIR [pytest args...]   (as root)
#
# SUITE is a Debian suite: trixie ships QGIS 3.40 LTR, sid 3.44 (for now). The chroot is
# built once with mmdebstrap into CACHE_DIR/SUITE (Debian's own torch, rasterio, scikit-learn,
# pytest; pytest-qgis from PyPI) and reused; delete that folder to rebuild it. The run stops
# when the chroot's QGIS is not QGIS_VERSION (e.g. 3.44), so a target never tests another
# version than its name says. The checkout is
# bind-mounted at its own path, so build/pkg/metamapper resolves as on the host. Nothing is
# written into the checkout from inside (no bytecode, also from the tests' subprocesses; no
# pytest cache; Hypothesis's database and QGIS profiles in the chroot's /tmp), and whatever
# still appears there (GDAL's .aux.xml next to the sample raster, from a real QGIS window) is
# handed back to the checkout's owner: a root-run chroot leaves no root-owned files in a clone.
# Mounts are always undone, also after Ctrl-C or a failure, and a re-run first clears mounts a
# killed run left behind.
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 SUITE QGIS_VERSION CACHE_DIR [pytest args...]" >&2
  exit 2
fi
suite=$1
qgis_version=$2
cache=$3
shift 3
if [ "$(id -u)" != 0 ]; then
  echo "$0 needs root (mmdebstrap, mount, chroot): run it through sudo" >&2
  exit 2
fi

repo=$(cd "$(dirname "$0")/.." && pwd -P)
mkdir -p "$cache"
cache=$(cd "$cache" && pwd -P)
# METAMAPPER_CHROOT_VARIANT=bare: a QGIS whose Python has Debian's torch but neither rasterio
# nor scikit-learn (what a new user has: the installer's check, `make install-check`), in its
# own folder; METAMAPPER_CHROOT_SCRIPT=FILE: run that Python file in the chroot, not pytest.
variant=${METAMAPPER_CHROOT_VARIANT:-}
dir=$cache/$suite${variant:+-$variant}
ready=$dir/.metamapper-ready
packages=ca-certificates,git,qgis,python3-qgis,qgis-providers,python3-torch
if [ "$variant" != bare ]; then
  packages+=,python3-rasterio,python3-sklearn
fi
packages+=,python3-pytest,python3-hypothesis,python3-psutil
packages+=,python3-matplotlib,xvfb,xauth,python3-pip
if [ "$variant" != bare ]; then
  packages+=,python3-distributed  # apply_classifier's SCHEDULER (Dask), in the tests
  # the optimised BLAS README tells Debian users to install: without it Debian's torch
  # multiplies through the reference BLAS, 25x slower (the run warns: predict.slow_blas_note)
  packages+=,libopenblas0-pthread
fi
pip_packages="pytest-qgis==5.0.2"

# --- mounts -------------------------------------------------------------------------------
mounts_under() {  # deepest first
  findmnt -rn -o TARGET | awk -v d="$1/" 'index($0, d) == 1' | sort -r
}

give_back_files() {  # files the run created in the checkout belong to its owner, not root
  if [ -e "$dir/tmp/.metamapper-run-start" ] && [ "$(stat -c %u "$repo")" != 0 ]; then
    find "$repo" -xdev -newer "$dir/tmp/.metamapper-run-start" -user 0 -not -path "$repo/.git/*" \
      -exec chown --no-dereference "$(stat -c %u:%g "$repo")" {} + || true
  fi
}

cleanup() {
  give_back_files
  unmount_all
}

unmount_all() {  # also what a killed mmdebstrap left mounted in an unfinished build
  local target
  for target in $(mounts_under "$dir") $(mounts_under "$dir.partial"); do
    umount -R "$target" 2>/dev/null || umount -R -l "$target" || true
  done
}

bind() {  # bind SOURCE [ro]
  mkdir -p "$dir$1"
  mount --bind "$1" "$dir$1"
  if [ "${2:-}" = ro ]; then
    mount -o remount,bind,ro "$dir$1"
  fi
}

# --- build (once) -------------------------------------------------------------------------
build() {
  local partial=$dir.partial
  if [ -n "$(mounts_under "$partial")" ]; then
    echo "refusing to delete $partial: something is mounted under it" >&2
    exit 1
  fi
  rm -rf "$partial"
  local aptopt=()
  if [ "$suite" = sid ] || [ "$suite" = unstable ]; then
    aptopt=(--aptopt='Acquire::Check-Valid-Until "false"')
  fi
  if ! command -v mmdebstrap >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq mmdebstrap
  fi
  echo "== building the $suite chroot in $dir (once: a few minutes, about 3 GB)"
  # The host's CA bundle: pip must trust what the host trusts (e.g. a TLS-inspecting proxy).
  mmdebstrap --variant=apt --include="$packages" "${aptopt[@]}" \
    --customize-hook='cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/ca-certificates.crt"' \
    --customize-hook="chroot \"\$1\" python3 -m pip install -q --no-cache-dir --root-user-action=ignore --break-system-packages $pip_packages" \
    "$suite" "$partial"
  echo "$packages" > "$partial/.metamapper-packages"
  touch "$partial/.metamapper-ready"
  mv "$partial" "$dir"
}

unmount_all  # a previous run that was killed may have left mounts behind
if [ ! -e "$ready" ]; then
  if [ -e "$dir" ]; then
    if [ -n "$(mounts_under "$dir")" ]; then
      echo "refusing to delete $dir: something is mounted under it" >&2
      exit 1
    fi
    rm -rf "$dir"  # an incomplete chroot
  fi
  build
fi

# --- run ----------------------------------------------------------------------------------
trap cleanup EXIT
trap 'exit 130' INT TERM
mount -t proc proc "$dir/proc"
mount -t sysfs sysfs "$dir/sys"
mount --rbind /dev "$dir/dev"
mount --make-rslave "$dir/dev"
cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/ca-certificates.crt"
# packages added to the list after this chroot was built: installed into it once
if [ "$(cat "$dir/.metamapper-packages" 2>/dev/null)" != "$packages" ]; then
  chroot "$dir" apt-get update -qq
  chroot "$dir" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages//,/ }
  chroot "$dir" apt-get clean  # the downloaded .deb files: disk a CI machine may not have
  echo "$packages" > "$dir/.metamapper-packages"
fi
bind "$repo"
# A git worktree keeps its repository elsewhere; tests/test_package.py runs `git ls-files`.
common=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
case "$common" in
  "" | "$repo"/*) ;;
  *) bind "$common" ro ;;
esac
# The real data next to the clone (../shared/data), read-only, for the shared_data tests.
if [ -d "$repo/../shared" ]; then
  bind "$(cd "$repo/../shared" && pwd -P)" ro
fi

# The checkout on the path, as `python -m pytest` puts it on the host: tests import `tests.*`
# whatever the clone folder is called (pytest's rootdir logic alone fails for a folder
# named like a Python package, e.g. `main`, because the plugin root has an __init__.py).
run_in_chroot() {
  env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 TERM="${TERM:-dumb}" QT_QPA_PLATFORM=offscreen PYTHONDONTWRITEBYTECODE=1 \
    XDG_RUNTIME_DIR=/tmp/runtime-root \
    PYTHONPATH="$repo:$repo/build/pkg:/usr/share/qgis/python/plugins" \
    GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=safe.directory GIT_CONFIG_VALUE_0='*' \
    chroot "$dir" "$@"
}

mkdir -p "$repo/build/pkg"
[ -e "$repo/build/pkg/metamapper" ] || ln -sfn "$repo" "$repo/build/pkg/metamapper"
mkdir -p -m 700 "$dir/tmp/runtime-root"
touch "$dir/tmp/.metamapper-run-start"
# Every Python in the chroot, also a test's subprocess started with a bare environment or QGIS's
# embedded one, skips writing __pycache__ into the (bind-mounted) checkout.
echo 'import sys; sys.dont_write_bytecode = True' \
  > "$dir/usr/lib/python3/dist-packages/zz_metamapper_no_bytecode.pth"
if [ -n "${METAMAPPER_CHROOT_SCRIPT:-}" ]; then
  run_in_chroot /bin/sh -c 'cd /tmp && exec python3 "$@"' python3 "$repo/$METAMAPPER_CHROOT_SCRIPT" "$@"
  exit $?
fi
run_in_chroot python3 "$repo/scripts/versions.py" "$qgis_version"
# From /tmp (the chroot's): Hypothesis keeps its database in the working directory.
run_in_chroot /bin/sh -c 'cd /tmp && exec python3 -m pytest -p no:cacheprovider "$@"' pytest \
  --rootdir="$repo" -c "$repo/pyproject.toml" --ignore="$repo/tests/train" "$@" "$repo/tests"

#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (root, or sudo available). Idempotent.
#   packaging/setup.sh demo [nocturne args…]  install packages, build Release, start the console on the built-in demo
#   packaging/setup.sh test                    install packages, build Release, run the whole ctest suite
# With CI=true the build uses -Werror.
set -euo pipefail

mode=${1:-demo}
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

sudo_cmd=()
if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi

# 1. Packages: install only what is missing, from the single list.
mapfile -t wanted < <(grep -vE '^[[:space:]]*(#|$)' packaging/debian-packages.txt | awk '{print $1}')
missing=()
for p in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# 2. Build (Release). ccache keeps rebuilds cheap.
werror=OFF
[ "${CI:-}" = true ] && werror=ON
cmake --preset release -DNOCTURNE_WERROR="$werror" >/dev/null
cmake --build --preset release

# 3. Run.
case "$mode" in
demo)
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
        echo "setup: no display; rendering the demo offscreen to nocturne-demo.png instead of opening a window"
        QT_QPA_PLATFORM=offscreen exec build/release/bin/nocturne --scenario shop --screenshot nocturne-demo.png --after 5 "$@"
    fi
    exec build/release/bin/nocturne --scenario shop "$@"
    ;;
test)
    exec ctest --preset release "$@"
    ;;
*)
    echo "usage: packaging/setup.sh demo|test" >&2
    exit 2
    ;;
esac

#!/bin/sh
# Install every Debian package that echofetch needs to build, test and demo,
# but only those that are missing. Idempotent; runs apt-get update only when
# it has something to install.
set -eu

PACKAGES="
build-essential autoconf automake libtool pkg-config
libevent-dev libssl-dev libcurl4-openssl-dev libcmocka-dev
curl netcat-openbsd openssl procps psmisc python3 coreutils groff-base
wrk gnuplot-nox nginx-light slowhttptest valgrind clang libclang-rt-14-dev
zlib1g-dev h2o haproxy python3-httpbin python3-websockets chromium
"

# One dpkg-query for them all: one per package takes seconds on a busy machine.
# shellcheck disable=SC2086
installed=" $(dpkg-query -W -f='${Package} ${Status}\n' $PACKAGES 2>/dev/null |
    awk '/ install ok installed$/ { printf "%s ", $1 }')"
missing=""
for pkg in $PACKAGES; do
	case $installed in
	*" $pkg "*) ;;
	*) missing="$missing $pkg" ;;
	esac
done

if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing

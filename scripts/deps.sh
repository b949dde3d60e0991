#!/usr/bin/env bash
# Install everything bmcd needs to build, test, benchmark and fuzz, from
# Debian's packages only.  Idempotent: when every package is already
# installed it does nothing (no apt-get update either).
set -euo pipefail

PKGS=(
	# build
	meson ninja-build pkg-config gcc libc6-dev
	libsystemd-dev libssl-dev libjson-c-dev libgpiod-dev libi2c-dev
	# real IPMI clients the interop tests drive
	ipmitool freeipmi-tools python3 python3-pyghmi python3-pytest python3-cryptography python3-pexpect nmap fence-agents
	prometheus-ipmi-exporter
	# network namespaces and veth for the NIC tests; unshare/mount for the journal test
	iproute2 util-linux mount
	# bench
	openipmi libfreeipmi-dev
	# fuzz
	clang libclang-rt-14-dev
	# D-Bus
	dbus
)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	SUDO=(sudo)
fi

missing=()
for p in "${PKGS[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	if [ "$status" != "installed" ]; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages installed"
	exit 0
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
echo "deps: done"

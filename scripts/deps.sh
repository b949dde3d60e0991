#!/usr/bin/env bash
# Install everything bmcd needs to build, test, benchmark and fuzz, from
# Debian's packages only.  Idempotent: when every package is already
# installed it does nothing (no apt-get update either).
set -euo pipefail

PKGS=(
	# build
	meson ninja-build pkg-config gcc libc6-dev
	libsystemd-dev libssl-dev libjson-c-dev libgpiod-dev libi2c-dev libsnmp-dev libvirt-dev
	# libvirt backend tests (docs/virtual.md): the daemon with its qemu driver, virsh
	libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
	# Redfish's HTTP/1.1 parser (C sources, built into bmcd)
	node-llhttp
	# real IPMI clients the interop tests drive
	ipmitool freeipmi-tools python3 python3-pyghmi python3-pytest python3-cryptography python3-pexpect nmap fence-agents
	# the Redfish console (WebSocket) test
	python3-websocket
	prometheus-ipmi-exporter
	ipmiutil
	# alert receivers and decoders for the PEF tests
	snmptrapd
	# the soak's plot (tests/soak/soak)
	gnuplot-nox
	# network namespaces and veth for the NIC tests; unshare/mount for the journal test
	iproute2 util-linux mount
	# DHCP server for the IP-source-DHCP test (bmcd runs udhcpc from busybox-static, below)
	dnsmasq-base
	# bench
	openipmi libfreeipmi-dev
	# bench/rfbench: the reference server and the HTTPS client
	nginx-light wrk
	# fuzz
	clang libclang-rt-14-dev
	# uninitialised reads in the unit suites (meson test --setup valgrind)
	valgrind
	# D-Bus: the daemon, and gdbus (test_dbus.py reads D-Bus error names with it)
	dbus libglib2.0-bin
	# systemd-analyze checks the shipped unit (tests/interop/test_service.py)
	systemd
	# qemu suite: cross toolchain, kernel source and build tools, the emulator
	# (the armhf libraries come as .debs through qemu/make-sysroot)
	qemu-system-arm gcc-arm-linux-gnueabihf libc6-dev-armhf-cross linux-source-6.1
	device-tree-compiler make flex bison bc cpio xz-utils
	# KCS suite: an x86 guest (Debian's kernel, busybox initramfs) under QEMU,
	# with FreeIPMI's in-band bmc-watchdog besides freeipmi-tools (above)
	qemu-system-x86 ipxe-qemu seabios linux-image-amd64 busybox-static freeipmi-bmc-watchdog
	# Redfish: curl and the openssl CLI drive test_redfish_http.py
	curl openssl
	# bench/run counts the requests ipmitool and FreeIPMI make with strace
	strace
	# Redfish clients of test_redfish_resources.py (fence_redfish is in fence-agents)
	python3-requests python3-sushy redfishtool
	# Ansible 7.7 ships community.general redfish_info/command/config (test_redfish_ansible.py)
	ansible
)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	SUDO=(sudo)
fi

# qemu/make-sysroot downloads armhf packages: dpkg must know the architecture
new_arch=0
if ! dpkg --print-foreign-architectures | grep -qx armhf; then
	"${SUDO[@]}" dpkg --add-architecture armhf
	new_arch=1
fi

missing=()
for p in "${PKGS[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	if [ "$status" != "installed" ]; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -eq 0 ] && [ "$new_arch" -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages installed"
	exit 0
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A mirror caught mid-sync fails one index now and then ("File has unexpected
# size"): try again, and if an index still fails go on with what was read;
# the install below fails, naming the package, if something is really missing.
for try in 1 2 3; do
	"${SUDO[@]}" apt-get update -qq && break
	echo "deps: apt-get update failed (try $try of 3)"
	[ "$try" -lt 3 ] && sleep 10
done
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
echo "deps: done"

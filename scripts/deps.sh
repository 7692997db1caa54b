#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install everything pptp-alg needs on a fresh Debian 12 machine.
# Idempotent: when every package is already installed this is a fast
# no-op (one dpkg-query call), so `make check` can run it every time.
set -u
set -o pipefail

CACHE=${PPTP_ALG_CACHE:-/var/cache/pptp-alg}
KSRC_VER=6.1

# Everything the build, the static checks, the guest VM and the selftests
# need.  linux-image-amd64 is the kernel the QEMU guest boots; the guest
# sees the host root over 9p, so every userspace tool the selftests use
# (nft, conntrack, pptpd, ...) is installed on the host.  debhelper,
# dh-dkms (dh-sequence-dkms) and lintian build and check the DKMS package.
PACKAGES=(
	build-essential
	linux-headers-amd64 linux-image-amd64 "linux-source-${KSRC_VER}"
	qemu-system-x86 busybox-static
	sparse kmod cpio bc flex bison libelf-dev libssl-dev dwarves
	iproute2 nftables iptables conntrack pptpd pptp-linux ppp tcpdump
	keepalived conntrackd
	python3 rsync xz-utils perl
	debhelper dh-dkms lintian
)

log() { printf 'deps: %s\n' "$*"; }

missing_packages() {
	local pkg status
	for pkg in "${PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null)
		# "ii " = installed; anything else (absent, half-configured) counts
		# as missing so apt gets a chance to repair it.
		[[ $status == ii* ]] || printf '%s\n' "$pkg"
	done
}

install_packages() {
	local missing
	mapfile -t missing < <(missing_packages)
	if ((${#missing[@]} == 0)); then
		log "all ${#PACKAGES[@]} packages present"
		return 0
	fi
	if ((EUID != 0)); then
		log "missing packages (${missing[*]}) and not root; cannot install" >&2
		return 1
	fi
	log "missing: ${missing[*]}"
	log "apt-get update"
	apt-get update -q || return 1
	log "apt-get install (${#PACKAGES[@]} packages)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${PACKAGES[@]}" || return 1
}

# checkpatch.pl (and its spelling/const_structs data) only ship in the
# kernel source tarball, so unpack it once into the cache.
extract_kernel_source() {
	local dst=$CACHE/"linux-source-${KSRC_VER}"
	local tarball=/usr/src/linux-source-${KSRC_VER}.tar.xz
	if [[ -x $dst/scripts/checkpatch.pl ]]; then
		log "kernel source present in $dst"
		return 0
	fi
	[[ -f $tarball ]] || { log "missing $tarball" >&2; return 1; }
	log "extracting $tarball into $CACHE"
	mkdir -p "$CACHE" || return 1
	# Extract to a temp dir first so an interrupted run never leaves a
	# half-populated tree that the check above would accept.
	local tmp
	tmp=$(mktemp -d "$CACHE/.extract.XXXXXX") || return 1
	if ! tar -C "$tmp" -xJf "$tarball"; then
		rm -rf "$tmp"
		return 1
	fi
	rm -rf "$dst"
	mv "$tmp/linux-source-${KSRC_VER}" "$dst" && rmdir "$tmp"
}

main() {
	install_packages || { log "package installation failed" >&2; exit 1; }
	extract_kernel_source || { log "kernel source extraction failed" >&2; exit 1; }
	# The guest needs at least one bootable kernel with its modules.
	if ! ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1; then
		log "no /boot/vmlinuz-*-amd64 after install" >&2
		exit 1
	fi
	log "ok"
}

main "$@"

# SPDX-License-Identifier: GPL-2.0-only
#
# Out-of-tree build of nf_pptp_alg plus the project's check/demo entry
# points.  `make` builds against Debian's installed headers even when the
# running kernel has no /lib/modules entry; KDIR= overrides.

SHELL := /bin/bash
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# Kernel the module is built for.  Newest installed Debian amd64 headers
# unless the running kernel has a build tree.
KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
	  else ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
	  sed 's|.*/linux-headers-||' | sort -V | tail -n1; fi)
KDIR ?= $(if $(wildcard /lib/modules/$(KVER)/build),/lib/modules/$(KVER)/build,/usr/src/linux-headers-$(KVER))

CACHE ?= $(or $(PPTP_ALG_CACHE),/var/cache/pptp-alg)
KSRC_DIR ?= $(CACHE)/linux-source-6.1
CHECKPATCH ?= $(KSRC_DIR)/scripts/checkpatch.pl

SOURCES := $(filter-out %.mod.c,$(wildcard $(TOP)/kmod/*.c $(TOP)/kmod/core/*.c \
	$(TOP)/kmod/*.h $(TOP)/include/pptp_alg/*.h $(TOP)/kunit/*.c $(TOP)/kunit/*.h))

.PHONY: all modules clean deps install sparse checkpatch check demo bench

# KVER=6.12 (trixie), 7.3 (trixie-backports) or 7.2 (sid): that suite's
# newest kernel of the branch, staged (private apt index, dpkg -x, a build
# root with the suite's gcc; cached in $(CACHE)) by scripts/stage-kernel.sh
# and built from a copy of the sources into build/<alias>/ (the 6.1
# objects in kmod/ are left alone).  `make stage KVER=... REFRESH=1`
# moves to the suite's newest kernel.
STAGED_ALIASES := 6.12 7.3 7.2 trixie trixie-backports sid
ifneq ($(filter $(KVER),$(STAGED_ALIASES)),)
STAGED := $(KVER)
endif

all: modules

deps:
	@$(TOP)/scripts/deps.sh

ifdef STAGED
modules:
	@$(TOP)/scripts/build-kernel.sh $(STAGED)
else
modules: | deps-if-missing
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 modules
endif

# Only run the installer when something the build needs is absent.
.PHONY: deps-if-missing
deps-if-missing:
	@[ -d "$(KDIR)" ] || $(TOP)/scripts/deps.sh

ifdef STAGED
# Into the staged kernel's module tree (what its guest boots with).
install:
	@$(TOP)/scripts/build-kernel.sh --install $(STAGED)
else
install: modules
	install -D -m 0644 $(TOP)/kmod/nf_pptp_alg.ko \
		/lib/modules/$(KVER)/updates/nf_pptp_alg.ko
	depmod -a $(KVER)
endif

# Sparse with endianness checks; only findings in our own files count.
sparse: | deps-if-missing
	@command -v sparse >/dev/null || $(TOP)/scripts/deps.sh
	touch $(TOP)/kmod/*.c $(TOP)/kmod/core/*.c
	$(MAKE) -C $(KDIR) M=$(TOP) C=1 CF="-D__CHECK_ENDIAN__" modules \
		2>&1 | tee $(TOP)/.sparse.log
	@! grep -E "^$(TOP)/(kmod|include)/.*(warning|error):" $(TOP)/.sparse.log

# compat.h is the one place allowed to test LINUX_VERSION_CODE.
checkpatch:
	@[ -x "$(CHECKPATCH)" ] || $(TOP)/scripts/deps.sh
	$(CHECKPATCH) --no-tree --strict --terse --show-types -q \
		-f $(filter-out %/compat.h,$(SOURCES))
	$(CHECKPATCH) --no-tree --strict --terse --show-types -q \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f $(TOP)/kmod/compat.h

ifdef STAGED
clean:
	rm -rf $(TOP)/build/$(STAGED)
else
clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean
	rm -f $(TOP)/.sparse.log
endif

# Stage a newer Debian kernel and its build root (cached): KVER=<alias>.
.PHONY: stage check-kernel deb
stage:
	@$(TOP)/scripts/stage-kernel.sh $(if $(REFRESH),--refresh) $(STAGED)

# The guest selftests on a staged kernel (build, boot it, run_all.sh);
# ends with "N passed, N failed, N skipped".  TESTS= filters.
check-kernel:
	@$(TOP)/scripts/check-kernel.sh $(STAGED)

# pptp-alg-dkms_<version>_all.deb in build/: dpkg-buildpackage on a copy
# with packaging/debian/ as debian/ (version: its changelog), then lintian.
# PPTP_ALG_MAINTAINER="Name <address>" sets the Maintainer.
deb:
	@$(TOP)/packaging/mkdeb.sh $(TOP)/build

# Full verification (what CI runs via .ci/run): deps, W=1 build, sparse,
# checkpatch, host unit tests, install, guest selftests, dmesg scan.
check:
	@$(TOP)/scripts/check.sh

# Boot the test guest and show the helper at work in a namespace router.
# demo.sh installs deps and the module itself (KVER may be unknown here on
# a fresh machine, before the headers are installed).
demo:
	@$(TOP)/scripts/demo.sh

# Benchmarks: the translated-ID choice with the ID space full against
# empty, on the host, this tree against BENCH_CALLID_BASE in one run; then
# GRE forwarding rate vs. number of calls,
# call setup/teardown rate and memory per call, for this module and for
# mainline nf_conntrack_pptp, in one guest session.  Not part of `check`.
# Knobs: PPTP_BENCH_NS, PPTP_BENCH_RUNS, PPTP_BENCH_SECS, ... (see
# bench/bench_scale.sh); vm-run forwards PPTP_* into the guest.
BENCH_TIMEOUT ?= 1800
BENCH_CALLID_BASE ?= 96ec6b2^
bench: install
	BASE=$(BENCH_CALLID_BASE) $(TOP)/bench/callid.sh
	$(MAKE) -C $(TOP)/selftests/tools bench-tools
	$(TOP)/scripts/vm-run.sh --timeout $(BENCH_TIMEOUT) --mem 2048 --smp 2 \
		--cwd $(TOP) -- bench/bench_scale.sh

# libFuzzer + ASan/UBSan run of the pure logic over whole control
# connections (fuzz/README.md).  Bounded: FUZZ_SECONDS (180);
# fails on any crash, sanitizer report or invariant/differential failure.
.PHONY: fuzz
FUZZ_SECONDS ?= 180
fuzz:
	$(MAKE) -C $(TOP)/fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)

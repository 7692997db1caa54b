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

CACHE ?= /var/cache/pptp-alg
KSRC_DIR ?= $(CACHE)/linux-source-6.1
CHECKPATCH ?= $(KSRC_DIR)/scripts/checkpatch.pl

SOURCES := $(filter-out %.mod.c,$(wildcard $(TOP)/kmod/*.c $(TOP)/kmod/*.h $(TOP)/include/pptp_alg/*.h))

.PHONY: all modules clean deps install sparse checkpatch check demo

all: modules

deps:
	@$(TOP)/scripts/deps.sh

modules: | deps-if-missing
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 modules

# Only run the installer when something the build needs is absent.
.PHONY: deps-if-missing
deps-if-missing:
	@[ -d "$(KDIR)" ] || $(TOP)/scripts/deps.sh

install: modules
	install -D -m 0644 $(TOP)/kmod/nf_pptp_alg.ko \
		/lib/modules/$(KVER)/updates/nf_pptp_alg.ko
	depmod -a $(KVER)

# Sparse with endianness checks; only findings in our own files count.
sparse: | deps-if-missing
	@command -v sparse >/dev/null || $(TOP)/scripts/deps.sh
	touch $(TOP)/kmod/*.c
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

clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean
	rm -f $(TOP)/.sparse.log

# Full verification (what CI runs via .ci/run): deps, W=1 build, sparse,
# checkpatch, host unit tests, install, guest selftests, dmesg scan.
check:
	@$(TOP)/scripts/check.sh

# Boot the test guest and show the helper at work in a namespace router.
# demo.sh installs deps and the module itself (KVER may be unknown here on
# a fresh machine, before the headers are installed).
demo:
	@$(TOP)/scripts/demo.sh

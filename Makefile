# SPDX-License-Identifier: GPL-2.0
#
# XTCP top-level Makefile. The module's object list is in ./Kbuild.
#
#   make                   build xtcp.ko for the running kernel, in
#                          build/$(uname -r)/ (KDIR=/path/to/headers:
#                          another kernel, in build/custom/)
#   make module-stock[-6.1|-7.3]  for a stock kernel of the cache
#   make install / uninstall  xtcp.ko + depmod, the uapi header, the
#                          tools and their man pages
#   make dkms-install / dkms-uninstall  the same through DKMS, rebuilt for
#                          every kernel installed later
#   make check [KERNELS=...]  setup, build for the test kernels, run the
#                          whole suite in the VM on each: debug (6.12) and
#                          stock 6.12, 6.1, 7.3 by default
#   make check T=NAME[:CASE]  only that test (or case) on the debug kernel
#   make check-interop     stock 6.1 and 7.3 in two VMs over a virtual wire
#   make demo              boot the VM and show XTCP at work
#   make bench [QUICK=1]   benchmarks against Linux TCP, as ratios
#   make style             checkpatch --strict on every source file
#   make check-static      sparse (C=1) and W=1 build
#   make compile_commands.json
#   make preload           libxtcp-preload.so and xtcp-run in build/preload/
#   make install-preload   install them under PREFIX (default /usr/local)
#   make xss               xss, ss for XTCP sockets, in build/xss/
#                          (make install puts it in PREFIX/bin)
#
# Each kernel gets its own build directory, build/<flavour>/, holding
# symlinks to the sources, so the same checkout builds for several kernels
# without object files crossing over (6.12's Kbuild has no MO=).

XTCP_CACHE ?= /var/cache/xtcp
export XTCP_CACHE
REPO := $(abspath .)
# Debian's stock kernels are unpacked in the cache (scripts/kernels), not
# installed: stock (6.12), stock-6.1, stock-7.3. Each is a flavour.
STOCK_FLAVOURS := stock stock-6.1 stock-7.3
# Debug kernels (scripts/build-kernel): debug is 6.12, the one make check
# runs; debug-6.1 and debug-7.3 are built on demand.
DEBUG_FLAVOURS := debug debug-6.1 debug-7.3
debug_ver = $(or $(patsubst debug-%,%,$(filter debug-%,$(1))),6.12)
debug_kdir = $$(XTCP_DEBUG_VER=$(call debug_ver,$(1)) scripts/build-kernel --print-dir)
STOCK_KDIR = $(shell scripts/kernels kdir stock)
# As every out-of-tree module: the running kernel's headers by default.
KVER ?= $(shell uname -r)
KDIR_SET := $(filter $(origin KDIR),command line environment)
KDIR ?= /lib/modules/$(KVER)/build
FLAVOUR ?= $(if $(KDIR_SET),custom,$(KVER))
KSRC = $(shell scripts/ksrc)
KSFT_DIR = $(KSRC)/tools/testing/selftests
J ?= $(shell nproc)

.PHONY: all module xss kernels $(addprefix kernel-,$(DEBUG_FLAVOURS)) \
	$(addprefix module-,$(STOCK_FLAVOURS) $(DEBUG_FLAVOURS)) \
	$(addprefix gate-,$(STOCK_FLAVOURS) $(DEBUG_FLAVOURS)) \
	selftests check check-interop demo bench style check-static clean setup kernel \
	install install-tools uninstall dkms-src dkms-install dkms-uninstall preload install-preload

all: module

setup:
	@scripts/setup

kernel: kernel-debug
$(addprefix kernel-,$(DEBUG_FLAVOURS)): kernel-%:
	@XTCP_DEBUG_VER=$(call debug_ver,$*) scripts/build-kernel >/dev/null

# Download and unpack the stock kernels into the cache.
kernels:
	@scripts/kernels fetch $(STOCK_FLAVOURS)

# $(call mirror,flavour,srcdir-list): refresh build/<flavour>'s symlinks.
define mirror
	@mkdir -p build/$(1)/module build/$(1)/gate
	@ln -sfn ../../include build/$(1)/include
	@ln -sf ../../Kbuild build/$(1)/Kbuild
	@for f in module/*.[ch]; do [ -e "$$f" ] && ln -sf ../../../$$f build/$(1)/$$f; done; true
	@for f in selftests/gate/*.c selftests/gate/Kbuild; do ln -sf ../../../$$f build/$(1)/gate/; done
	@find build/$(1) -xtype l -delete
endef

module:
	@test -f $(KDIR)/Makefile || { \
		echo "xtcp: no kernel headers in $(KDIR)." >&2; \
		$(if $(KDIR_SET),echo "xtcp: KDIR= must be a kernel build or headers tree." >&2;, \
		echo "xtcp: install the running kernel's headers, Debian's package" >&2; \
		echo "xtcp: linux-headers-$(KVER): apt-get install linux-headers-$(KVER)" >&2; \
		echo "xtcp: or build for another kernel: make KDIR=/path/to/headers," >&2; \
		echo "xtcp: make module-stock[-6.1|-7.3] (Documentation/kernels.rst)." >&2;) \
		exit 1; }
	$(call mirror,$(FLAVOUR))
	$(MAKE) -C $(KDIR) M=$(REPO)/build/$(FLAVOUR) -j$(J) modules

$(addprefix module-,$(STOCK_FLAVOURS)): module-%:
	@kdir=$$(scripts/kernels kdir $*) && \
		$(MAKE) --no-print-directory module KDIR=$$kdir FLAVOUR=$*

$(addprefix module-,$(DEBUG_FLAVOURS)): module-%: kernel-%
	@$(MAKE) --no-print-directory module KDIR=$(call debug_kdir,$*) FLAVOUR=$*

# A module that only WARNs on load: proves the VM gate can fail.
$(foreach d,$(DEBUG_FLAVOURS),$(eval gate-$(d): kernel-$(d)))
$(addprefix gate-,$(DEBUG_FLAVOURS) $(STOCK_FLAVOURS)): gate-%:
	$(call mirror,$*)
	@kdir=$(if $(filter debug%,$*),$(call debug_kdir,$*),$$(scripts/kernels kdir $*)) && \
		$(MAKE) -s -C $$kdir M=$(REPO)/build/$*/gate modules

# The shim's tests run programs under build/preload/xtcp-run; xtcp_xss.sh
# runs build/xss/xss.
selftests: preload xss
	@$(MAKE) --no-print-directory -C selftests OUTPUT=$(REPO)/build/selftests KSFT_DIR=$(KSFT_DIR)

# KERNELS="debug stock stock-6.1 stock-7.3" by default; add debug-6.1,
# debug-7.3 to build and run those debug kernels too.
# make install: xtcp.ko for KDIR's kernel into
# $(INSTALL_MOD_PATH)/lib/modules/<kver>/$(INSTALL_MOD_DIR) (Kbuild's
# modules_install, then depmod), the uapi header into
# $(DESTDIR)$(PREFIX)/include/linux/. modprobe xtcp then works, and
# socket(AF_XTCP, ...) autoloads it (MODULE_ALIAS_NETPROTO).
PREFIX ?= /usr/local
INSTALL_MOD_DIR ?= extra
# The kernel the module was built for (Debian's headers override
# KERNELRELEASE, so include/config/kernel.release is not it).
MOD_KVER = $(or $(firstword $(shell modinfo -F vermagic build/$(FLAVOUR)/xtcp.ko 2>/dev/null)),$(KVER))
DEPMOD = depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(MOD_KVER)
# The tools go to $(DESTDIR)$(PREFIX)/bin (xtcp-run with its library in
# lib/xtcp/, xtcp-states, xtcp-timeline, xss), the man pages to $(DESTDIR)$(MANDIR).
# scripts/install-check tries both targets in a private tree.
MANDIR ?= $(PREFIX)/share/man
MANPAGES := $(wildcard Documentation/man/*.[1-8])
install: module install-tools
	$(MAKE) -C $(KDIR) M=$(REPO)/build/$(FLAVOUR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		$(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(INSTALL_MOD_PATH)) modules_install
	$(DEPMOD)
	install -D -m 0644 include/uapi/linux/xtcp.h $(DESTDIR)$(PREFIX)/include/linux/xtcp.h

install-tools: install-preload xss
	install -D -m 0755 scripts/xtcp-states $(DESTDIR)$(PREFIX)/bin/xtcp-states
	install -D -m 0755 scripts/xtcp-timeline $(DESTDIR)$(PREFIX)/bin/xtcp-timeline
	install -D -m 0755 build/xss/xss $(DESTDIR)$(PREFIX)/bin/xss
	@for m in $(MANPAGES); do s=$${m##*.}; \
		echo install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; \
		install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/$${m##*/} || exit 1; done

uninstall:
	rm -f $(INSTALL_MOD_PATH)/lib/modules/$(MOD_KVER)/$(INSTALL_MOD_DIR)/xtcp.ko*
	$(DEPMOD)
	rm -f $(DESTDIR)$(PREFIX)/include/linux/xtcp.h
	rm -f $(DESTDIR)$(PREFIX)/bin/xtcp-run $(DESTDIR)$(PREFIX)/bin/xtcp-states
	rm -f $(DESTDIR)$(PREFIX)/bin/xss $(DESTDIR)$(PREFIX)/bin/xtcp-timeline
	rm -f $(DESTDIR)$(PREFIX)/lib/xtcp/libxtcp-preload.so
	-rmdir $(DESTDIR)$(PREFIX)/lib/xtcp 2>/dev/null
	rm -f $(foreach m,$(MANPAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))

# DKMS (dkms.conf): the module's sources into $(DKMS_SRC)/xtcp-<version>,
# then dkms add and install (which builds) for KVER, the running kernel by
# default; DKMS rebuilds it for each kernel installed later. DKMS_ARGS
# passes dkms options through (--dkmstree, --sourcetree, --installtree,
# --kernelsourcedir: scripts/dkms-check tries it that way, leaving the
# host alone).
DKMS_VERSION ?= 0.1
DKMS_SRC ?= /usr/src
dkms-src:
	rm -rf $(DKMS_SRC)/xtcp-$(DKMS_VERSION)
	mkdir -p $(DKMS_SRC)/xtcp-$(DKMS_VERSION)
	cp -r Kbuild module include $(DKMS_SRC)/xtcp-$(DKMS_VERSION)/
	sed 's/@VERSION@/$(DKMS_VERSION)/' dkms.conf >$(DKMS_SRC)/xtcp-$(DKMS_VERSION)/dkms.conf

dkms-install: dkms-src
	dkms add -m xtcp -v $(DKMS_VERSION) $(DKMS_ARGS)
	dkms install -m xtcp -v $(DKMS_VERSION) -k $(KVER) $(DKMS_ARGS)

dkms-uninstall:
	-dkms remove -m xtcp -v $(DKMS_VERSION) --all $(DKMS_ARGS)
	rm -rf $(DKMS_SRC)/xtcp-$(DKMS_VERSION)

check:
	@$(if $(KERNELS),XTCP_KERNELS="$(KERNELS)") scripts/check

# Two kernels over a wire (scripts/interop): 6.1 listens, 7.3 connects.
check-interop: selftests module-stock-6.1 module-stock-7.3
	@scripts/interop

# The LD_PRELOAD shim (Documentation/preload.rst).
preload:
	@$(MAKE) --no-print-directory -C scripts/preload O=$(REPO)/build/preload

install-preload:
	@$(MAKE) --no-print-directory -C scripts/preload O=$(REPO)/build/preload install

# ss for XTCP (Documentation/observability.rst): build/xss/xss.
xss:
	@$(MAKE) --no-print-directory -C scripts/xss O=$(REPO)/build/xss

demo:
	@scripts/demo

# XTCP against Linux TCP in the same boot (Documentation/bench.rst).
# QUICK=1 for a short development run.
bench:
	@QUICK=$(QUICK) scripts/bench/run

CHECKPATCH = $(KSRC)/scripts/checkpatch.pl --no-tree --strict --quiet --show-types \
	--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES
# Kernel code strictly; userspace tests may use stdint types like other
# kselftests do, and their helpers return positive errnos to compare with
# errno and SO_ERROR, which are positive in userspace.
# TRACE_EVENT() headers are macro arguments, not C: checkpatch's layout
# rules for macros and open lines do not apply to them (as in-tree).
TRACE_IGNORE = COMPLEX_MACRO,MACRO_ARG_UNUSED,TRAILING_SEMICOLON,OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT,LINE_SPACING,MACRO_ARG_REUSE,CAMELCASE

style:
	@$(CHECKPATCH) -f $(filter-out module/xtcp_trace.h,$(wildcard module/*.[ch])) include/uapi/linux/xtcp.h selftests/gate/*.c
	@$(CHECKPATCH) --ignore $(TRACE_IGNORE) -f module/xtcp_trace.h
	@$(CHECKPATCH) --ignore PREFER_KERNEL_TYPES,SPLIT_STRING,USE_NEGATIVE_ERRNO -f $(wildcard selftests/*.[ch] selftests/pkt/*.[ch] scripts/bench/*.[ch] scripts/preload/*.[ch] scripts/xss/*.[ch])

# Against KDIR= if given, else the stock 6.12 headers of the cache.
STATIC_KDIR = $(if $(KDIR_SET),$(KDIR),$(STOCK_KDIR))
check-static:
	$(call mirror,static)
	$(MAKE) -C $(STATIC_KDIR) M=$(REPO)/build/static C=2 W=1 -j$(J) modules

compile_commands.json: module
	$(KSRC)/scripts/clang-tools/gen_compile_commands.py -d $(KDIR) \
		-o $@ $(REPO)/build/$(FLAVOUR)

clean:
	rm -rf build compile_commands.json

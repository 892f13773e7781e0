# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# vtiaccel build.  Outputs go to $(BUILD) (default build/); `make V=1` shows
# the full commands.  Everything is rebuilt when this Makefile changes.
#
#   make              BPF objects, skeletons, the vtiaccel binary
#   make check        lint and every test tier (installs missing packages first)
#   make check-unit | check-bpf | check-net | check-vm | lint
#   make check-fresh  unit, bpf and net tiers in a fresh debootstrap chroot
#   make bench        benchmarks (not part of check)
#   make demo         the seed's gateway in a lab, end to end
#   make deps         install the Debian/Ubuntu packages we need

BUILD		?= build
PREFIX		?= /usr/local
DESTDIR		?=
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
DOCDIR		?= $(PREFIX)/share/doc/vtiaccel
LIBEXECDIR	?= $(PREFIX)/lib/vtiaccel
UNITDIR		?= /lib/systemd/system
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
VTA_VERSION	:= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1-dev)

CC		?= cc
CLANG		?= clang
BPFTOOL		?= bpftool
ARCH_INC	:= /usr/include/$(shell $(CC) -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Capacity overrides (VTA_FIB4_MAX=...) must reach both sides.
CAP_FLAGS	:= $(foreach v,VTA_FIB4_MAX VTA_FIB6_MAX VTA_GROUPS_MAX,$(if $($(v)),-D$(v)=$($(v))))

BPF_CFLAGS	:= -g -O2 --target=bpf -Wall -Wextra -Werror \
		   -Wno-unused-parameter -Wno-missing-field-initializers \
		   -Iinclude -Ibpf -I$(ARCH_INC) $(CAP_FLAGS)

PKGS		:= libbpf libxdp libmnl inih
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lbpf -lxdp -lmnl -linih)

CFLAGS		?= -O2 -g
override CFLAGS	+= -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
		   -Wno-missing-field-initializers -MMD -MP \
		   -Iinclude -Iuser -I$(BUILD)/skel $(PKG_CFLAGS) $(CAP_FLAGS)
LDLIBS		+= $(PKG_LIBS) -lelf -lz

BPF_SRCS	:= $(sort $(wildcard bpf/*.bpf.c))
BPF_OBJS	:= $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS		:= $(patsubst bpf/%.bpf.c,$(BUILD)/skel/%.skel.h,$(BPF_SRCS))
BPF_HDRS	:= $(wildcard bpf/*.h) $(wildcard include/*.h)

USER_SRCS	:= $(sort $(wildcard user/*.c))
USER_OBJS	:= $(patsubst %.c,$(BUILD)/%.o,$(USER_SRCS))
# Everything but main.o, for the unit tests and test tools to link.
LIB_OBJS	:= $(filter-out $(BUILD)/user/main.o,$(USER_OBJS))

UNIT_SRCS	:= $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS	:= $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
UNIT_HELPERS	:= $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))

BPFT_SRCS	:= $(sort $(wildcard tests/bpf/*.c))
BPFT_BIN	:= $(BUILD)/tests/bpf/bpf_test

# Test tools of the net tier (tests/net/*.c), each its own binary.
NETT_SRCS	:= $(sort $(wildcard tests/net/*.c))
NETT_BINS	:= $(patsubst tests/net/%.c,$(BUILD)/tests/net/%,$(NETT_SRCS))
# Their shared pieces (the map spec parser), linked into each.
NETT_HELPERS	:= $(sort $(wildcard tests/net/lib/*.c))

# The sync net tests' C tools (tests/net/sync/*.c): libmnl only.
SYNCT_SRCS	:= $(sort $(wildcard tests/net/sync/*.c))
SYNCT_BINS	:= $(patsubst tests/net/sync/%.c,$(BUILD)/tests/net/sync/%,$(SYNCT_SRCS))

BENCH_SRCS	:= $(sort $(filter-out %.bpf.c,$(wildcard bench/*.c)))
BENCH_BINS	:= $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
# The minimal forwarders bench/forward.sh compares with (bench/anchors.c
# attaches them).
BENCH_BPF	:= $(BUILD)/bench/anchors.bpf.o $(BUILD)/bench/prog_cost.bpf.o

VTIACCEL	:= $(BUILD)/vtiaccel

all: $(VTIACCEL) $(BPF_OBJS)

# Keep intermediates (skeletons, test objects): no rebuild churn.
.SECONDARY:
# A recipe that fails leaves no half-written target behind.
.DELETE_ON_ERROR:

.PHONY: all clean deps check check-unit check-bpf check-net check-vm \
	check-fresh lint bench demo install uninstall tests format fuzz

# --- BPF -------------------------------------------------------------------

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) Makefile
	@mkdir -p $(@D)
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/%.bpf.o: bench/%.bpf.c $(BPF_HDRS) $(wildcard bench/*.h) Makefile
	@mkdir -p $(@D)
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/skel/%.skel.h: $(BUILD)/bpf/%.bpf.o Makefile
	@mkdir -p $(@D)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name vta_$(subst -,_,$*) > $@.tmp && mv $@.tmp $@

# --- user space ------------------------------------------------------------

# Skeletons are order-only: made before the first compile, after which the
# -MMD dependency files tie each object to the skeletons it includes.
$(BUILD)/%.o: %.c Makefile | $(SKELS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/user/version.o: override CFLAGS += -DVTA_VERSION='"$(VTA_VERSION)"'

$(VTIACCEL): $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# --- tests -----------------------------------------------------------------

UNIT_HELPER_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(UNIT_HELPERS))

$(BUILD)/tests/unit/test_%: $(BUILD)/tests/unit/test_%.o $(LIB_OBJS) $(UNIT_HELPER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# The dump tests answer libmnl's send/receive with a fake kernel.
$(BUILD)/tests/unit/test_nl_dump: LDFLAGS += -Wl,--wrap=mnl_socket_sendto \
	-Wl,--wrap=mnl_socket_recvfrom -Wl,--wrap=mnl_socket_close

$(BPFT_BIN): $(patsubst %.c,$(BUILD)/%.o,$(BPFT_SRCS)) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/net/%: $(BUILD)/tests/net/%.o $(LIB_OBJS) \
		$(patsubst %.c,$(BUILD)/%.o,$(NETT_HELPERS))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# (the shorter stem: this rule, not tests/net/%'s)
$(BUILD)/tests/net/sync/%: $(BUILD)/tests/net/sync/%.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lmnl

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lm

tests: all $(UNIT_BINS) $(if $(BPFT_SRCS),$(BPFT_BIN)) $(NETT_BINS) $(SYNCT_BINS) $(BENCH_BINS) $(BENCH_BPF)

deps:
	$(Q)scripts/install-deps.sh

# Each tier prints "N passed, N failed[, N skipped]"; `check` runs them all
# even when one fails, then fails if any did.  `make check TIERS="unit net"`
# runs a subset (check-fresh does).
TIERS ?= lint unit bpf net vm

check: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)scripts/check-all.sh $(BUILD) $(TIERS)

check-unit: tests
	$(Q)BUILD=$(BUILD) tests/unit/run-tier.sh

check-bpf: tests
	$(Q)BUILD=$(BUILD) tests/bpf/run-tier.sh

check-net: tests
	$(Q)BUILD=$(BUILD) tests/net/run-tier.sh

check-vm: tests
	$(Q)BUILD=$(BUILD) tests/vm/run-tier.sh

# shellcheck on every script, clang-format on the C lines changed since
# LINT_BASE (tests/lint/run-tier.sh says why not the whole tree).
lint:
	$(Q)BUILD=$(BUILD) tests/lint/run-tier.sh

check-fresh:
	$(Q)scripts/check-fresh.sh

fuzz: tests
	$(Q)BUILD=$(BUILD) tests/fuzz/run.sh $(or $(FUZZ_SECONDS),300)

bench: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)BUILD=$(BUILD) bench/run-all.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)BUILD=$(BUILD) scripts/demo.sh

install: all
	install -D -m 0755 $(VTIACCEL) $(DESTDIR)$(SBINDIR)/vtiaccel
	install -D -m 0644 docs/vtiaccel.8 $(DESTDIR)$(MANDIR)/man8/vtiaccel.8
	@mkdir -p $(DESTDIR)$(UNITDIR)
	sed 's|/usr/local/sbin/vtiaccel|$(SBINDIR)/vtiaccel|' contrib/systemd/vtiaccel.service > $(DESTDIR)$(UNITDIR)/vtiaccel.service
	install -D -m 0644 contrib/bash-completion/vtiaccel $(DESTDIR)$(BASHCOMPDIR)/vtiaccel
	install -D -m 0755 contrib/strongswan/vtiaccel-updown $(DESTDIR)$(LIBEXECDIR)/vtiaccel-updown
	install -D -m 0644 docs/vtiaccel.conf.example $(DESTDIR)$(DOCDIR)/vtiaccel.conf.example
	install -D -m 0644 docs/guide.md $(DESTDIR)$(DOCDIR)/guide.md

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/vtiaccel $(DESTDIR)$(MANDIR)/man8/vtiaccel.8 \
	      $(DESTDIR)$(UNITDIR)/vtiaccel.service $(DESTDIR)$(BASHCOMPDIR)/vtiaccel \
	      $(DESTDIR)$(LIBEXECDIR)/vtiaccel-updown \
	      $(DESTDIR)$(DOCDIR)/vtiaccel.conf.example $(DESTDIR)$(DOCDIR)/guide.md

format:
	clang-format -i bpf/*.c bpf/*.h include/*.h user/*.c user/*.h

clean:
	rm -rf $(BUILD)

-include $(USER_OBJS:.o=.d) $(wildcard $(BUILD)/tests/*/*.d) $(wildcard $(BUILD)/bench/*.d)

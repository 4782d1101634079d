# vmbal - one Makefile for the program, its tests, benchmarks and install.
#
#   make            build ./vmbal
#   make check      deps, build, then every test through prove
#   make demo       deps, build, then run vmbal on the built-in cluster
#   make deps       install missing Debian packages (as root) or say which
#   make install    PREFIX=/usr/local DESTDIR=

VERSION  = 0.1.0
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
SHAREDIR = $(PREFIX)/share/vmbal
MANDIR   = $(PREFIX)/share/man

CC      ?= cc
PKGS     = libvirt ncursesw yaml-0.1 libip4tc jansson libnetfilter_conntrack libmnl \
	libxml-2.0 librrd
CPPFLAGS += -D_GNU_SOURCE -DVMBAL_VERSION=\"$(VERSION)\" \
	-DVMBAL_SHAREDIR=\"$(SHAREDIR)\"
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -pthread
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS   = $(PKG_LIBS) -lresolv -lm -pthread	# libresolv: the DNS health check (glibc, no .pc)

# The engine: pure, no libvirt, libiptc or ncurses (checked by make check).
ENGINE_SRC = engine/diag.c engine/ynode.c engine/config.c engine/window.c \
	engine/snapshot.c engine/model.c engine/imbalance.c engine/action.c \
	engine/command.c engine/controller.c engine/controller_command.c engine/controller_restore.c engine/controller_cmd.c engine/controller_journal.c engine/controller_moves.c engine/controller_offer.c engine/controller_recover.c engine/controller_services.c engine/controller_forget.c engine/controller_role.c engine/controller_view.c engine/plan.c engine/placement.c engine/repair.c \
	engine/planner.c engine/planner_balance.c engine/plan_order.c engine/planner_greedy.c engine/planner_consolidate.c engine/plan_build.c engine/planner_exact.c engine/movecost.c engine/weights.c
ENGINE_SRC += engine/safefile.c engine/config_ext.c
ENGINE_SRC += engine/plan_check.c	# does an offer still hold
ENGINE_SRC += engine/buckets.c	# source-hash bucket table (docs/dnat.md)
ENGINE_SRC += engine/latency.c	# health-check latency, smoothed
ENGINE_SRC += engine/slowstart.c engine/controller_slowstart.c	# a returning backend's ramp
ENGINE_SRC += engine/controller_reload.c	# a new configuration, without a restart
ENGINE_SRC += engine/controller_why.c	# the state in words: why no suggestion, a host as a target
ENGINE_SRC += engine/ha_place.c engine/controller_ha.c	# a dead host: fence, restart its VMs elsewhere (docs/recovery.md)
ENGINE_SRC += engine/availability.c engine/controller_avail.c	# MTBF, MTTR and availability of hosts and VMs
SIM_SRC    = probes/sim.c probes/sim_probe.c probes/sim_clock.c \
	actions/sim_action.c probes/lv_events.c probes/lv_probe.c \
	probes/real_clock.c probes/health.c \
	actions/lv_migrate.c actions/journal_file.c actions/journal_state.c actions/sim_dnat.c \
	actions/dnat_iptc.c probes/conntrack.c
CLI_SRC    = cli/options.c cli/jsonout.c cli/headless.c cli/demo.c cli/lease.c
SIM_SRC   += actions/dnat_rules.c	# what dnat_iptc.c applies, described
SIM_SRC   += actions/lv_migrate_params.c	# live_migration: to libvirt's flags
SIM_SRC   += probes/lv_connect.c	# every libvirt connection: no prompt, keepalive
SIM_SRC   += probes/lv_jobstats.c	# the figures of the migration that brought a VM
SIM_SRC   += probes/ha_addr.c	# ha: the address that makes a director active
SIM_SRC   += actions/lv_metadata.c	# move records in domain metadata (libxml2)
SIM_SRC   += actions/ct_forget.c	# conntrack entries of backends out of rotation
SIM_SRC   += probes/lv_domxml.c probes/lv_saved.c actions/fence_agent.c actions/lv_recover.c	# host recovery (issue 18)
CLI_SRC   += cli/cluster_tag.c	# the DNAT chains' tag (docs/dnat.md)
CLI_SRC   += cli/flush_rules.c	# --flush-rules
CLI_SRC   += cli/ctl_server.c cli/ctl_request.c cli/ctl_status.c cli/ctl_client.c	# the control socket, vmbal ctl
CLI_SRC   += cli/reload.c	# SIGHUP, ctl reload, R: the configuration read again
SIM_SRC   += actions/history_rrd.c actions/history_marks.c	# the RRD history, its marks
CLI_SRC   += cli/history_dir.c cli/chart.c cli/chart_graph.c	# history_dir, vmbal chart
# The console: one file per pane, dialog and job (see tui/README.md).
TUI_SRC    = $(sort $(wildcard tui/*.c))
# lib/: header-only helpers every layer but the engine includes (no sources).
MAIN_SRC   = cli/main.c
LIB_SRC    = $(ENGINE_SRC) $(SIM_SRC) $(CLI_SRC) $(TUI_SRC)

BUILD     = build
LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ  = $(MAIN_SRC:%.c=$(BUILD)/obj/%.o)

UNIT_TESTS = $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_BIN   = $(UNIT_TESTS:%=$(BUILD)/tests/%)
ASAN_BIN   = $(UNIT_TESTS:%=$(BUILD)/asan/%)
SAN_FLAGS  = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
ASAN_LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/asan-obj/%.o)
ASAN_MAIN_OBJ = $(MAIN_SRC:%.c=$(BUILD)/asan-obj/%.o)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
FUZZ_CC    = clang
FUZZ_SRC   = engine/diag.c engine/ynode.c engine/config.c
FUZZ_SRC  += engine/safefile.c engine/config_ext.c

.PHONY: all check test unit demo deps install uninstall clean fuzz bench

all: vmbal

vmbal: $(LIB_OBJ) $(MAIN_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/asan-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(SAN_FLAGS) -O1 -MMD -MP -c -o $@ $<

$(BUILD)/obj/cli/demo.o $(BUILD)/asan-obj/cli/demo.o: scenarios/demo.yaml
$(BUILD)/obj/tui/theme_builtin.o $(BUILD)/asan-obj/tui/theme_builtin.o: $(wildcard themes/*.theme)

# Unit tests: cmocka, TAP output; built plain and with ASan+UBSan.
# TEST_LDFLAGS: a test's own link flags (e.g. a libvirt call wrapped).
$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ) tests/unit/tap.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(TEST_LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) $(CMOCKA_LIBS)

$(BUILD)/asan/%: tests/unit/%.c $(ASAN_LIB_OBJ) tests/unit/tap.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(SAN_FLAGS) -O1 $(TEST_LDFLAGS) -o $@ $< $(ASAN_LIB_OBJ) $(LDLIBS) $(CMOCKA_LIBS)

# a job's connections that hang on close (tests/unit/test_lv_mig_finish.c)
$(BUILD)/tests/test_lv_mig_finish $(BUILD)/asan/test_lv_mig_finish: \
	TEST_LDFLAGS = -Wl,--wrap=virConnectClose

$(BUILD)/asan/vmbal: $(ASAN_LIB_OBJ) $(ASAN_MAIN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

# The libFuzzer target for the configuration loader, with the loader's
# caps (engine/ynode.h) lowered so that inputs of a few KiB reach them.
FUZZ_CAPS = -DYDOC_MAX_NODES=20000 -DYDOC_MAX_ALIASES=200 \
	-DYDOC_MAX_ANCHORS=50 -DYDOC_MAX_DEPTH=64
$(BUILD)/fuzz/fuzz_config: tests/fuzz/fuzz_config.c $(FUZZ_SRC) engine/ynode.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CAPS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
		-o $@ $(filter %.c,$^) $(shell pkg-config --cflags --libs yaml-0.1) -lm

# The libFuzzer target for the move record's parser (libxml2, libvirt's
# headers; the calls into libvirt are linked, never made).
$(BUILD)/fuzz/fuzz_meta: tests/fuzz/fuzz_meta.c actions/lv_metadata.c actions/lv_metadata.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
		-o $@ $(filter %.c,$^) $(shell pkg-config --cflags --libs libxml-2.0 libvirt) -lm

unit: $(UNIT_BIN) $(ASAN_BIN)

deps:
	@sh mk/deps.sh

# The scripts: labs run one at a time, alone (they share the machine's
# CPUs, and their guests' measured loads must not suffer); latency.t
# (keystrokes within 50 ms) and health.t, health_udp.t (a check's result
# within 1 s, a UDP probe's latency under 100 ms) time what they check,
# so they run alone too (LONE_T). The rest (PAR_T) runs
# two at a time with the unit tests, each with its own lease directory
# (tests/own_lease.sh): the slowest first, so that the long ones overlap.
# The fuzzers run for a fixed time, so they run as a pair, a CPU each.
TESTS_T = $(sort $(wildcard tests/integration/*.t tests/fuzz/*.t tests/lab/*.t tests/tui/*.t))
FUZZ_T  = $(sort $(wildcard tests/fuzz/*.t))
# LANE_T: labs of their own prefix, addresses, sockets and directories
# that load the CPUs little and time nothing tightly; they run one after
# another beside BESIDE_T (a lab that mostly waits), as a second lane.
LANE_T  = tests/lab/connecting_lab.t tests/lab/recover_parts_lab.t tests/lab/recover_lab.t
BESIDE_T = tests/lab/metadata_lab.t
LONE_T  = $(filter-out $(LANE_T) $(BESIDE_T),$(sort $(wildcard tests/lab/*.t))) tests/tui/latency.t \
	tests/integration/health.t tests/integration/health_udp.t
SLOW_T  = ./$(BUILD)/tests/test_planner_props tests/integration/corpus.t \
	./$(BUILD)/asan/test_planner_props
PAR_T   = $(SLOW_T) $(filter-out $(SLOW_T),$(UNIT_BIN:%=./%) $(ASAN_BIN:%=./%) \
	$(filter-out $(FUZZ_T) $(LONE_T) $(LANE_T) $(BESIDE_T),$(TESTS_T)))
# The build inside check uses a job per CPU unless make was given -j.
CHECK_J = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2))

# Everything the tests need, built (in parallel); then prove runs every
# TAP producer: the unit tests and the scripts of PAR_T two at a time,
# the fuzzers as a pair, then the second lane of labs beside one lab,
# then the other labs and latency.t one at a time.
check: deps
	$(MAKE) $(CHECK_J) vmbal unit $(BUILD)/asan/vmbal $(BUILD)/fuzz/fuzz_config \
		$(BUILD)/fuzz/fuzz_meta $(BUILD)/lab/dnat_tool $(BUILD)/lab/recover_tool
	CMOCKA_MESSAGE_OUTPUT=TAP prove -j2 -f --timer --exec 'sh tests/own_lease.sh' $(PAR_T)
	prove -j2 -f --timer $(FUZZ_T)
	prove -f -o --timer $(LANE_T) > $(BUILD)/lane.out 2>&1 & lane=$$!; \
	prove -f -o --timer $(BESIDE_T) > $(BUILD)/beside.out 2>&1; beside=$$?; \
	wait $$lane; lane_rc=$$?; cat $(BUILD)/beside.out; \
	echo "# the second lane:"; cat $(BUILD)/lane.out; \
	prove -f -o --timer $(LONE_T); lone=$$?; \
	sh tests/check_recap.sh $$beside $(BUILD)/beside.out $$lane_rc $(BUILD)/lane.out $$lone

test: check

demo: deps
	$(MAKE) vmbal
	./vmbal --demo $(DEMO_ARGS)

# Benchmarks: C programs in tests/bench/bench_*.c, driven by the scripts
# tests/bench/*.sh; each prints figures beside a baseline from the same run.
BENCH_BIN = $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/bench_*.c))

$(BUILD)/bench/%: tests/bench/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -O2 -o $@ $< $(LIB_OBJ) $(LDLIBS)

bench: vmbal $(BENCH_BIN)
	@for b in tests/bench/*.sh; do [ -e "$$b" ] && sh "$$b"; done; true

install: vmbal
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/scenarios \
		$(DESTDIR)$(SHAREDIR)/themes $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man1
	install -m 755 vmbal $(DESTDIR)$(BINDIR)/vmbal
	install -m 644 scenarios/*.yaml $(DESTDIR)$(SHAREDIR)/scenarios/
	install -m 644 docs/vmbal.yaml.5 $(DESTDIR)$(MANDIR)/man5/vmbal.yaml.5
	install -m 644 docs/vmbal.1 $(DESTDIR)$(MANDIR)/man1/vmbal.1
	for t in themes/*.theme; do [ -e "$$t" ] && install -m 644 "$$t" $(DESTDIR)$(SHAREDIR)/themes/; done; true

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vmbal $(DESTDIR)$(MANDIR)/man5/vmbal.yaml.5 \
		$(DESTDIR)$(MANDIR)/man1/vmbal.1
	rm -rf $(DESTDIR)$(SHAREDIR)

clean:
	rm -rf $(BUILD) vmbal

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# The lab's driver of the libiptc DNAT programmer (tests/lab/dnat_lab.t).
$(BUILD)/lab/dnat_tool: tests/lab/dnat_tool.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

# The lab's driver of the recovery parts (tests/lab/recover_parts_lab.t).
$(BUILD)/lab/recover_tool: tests/lab/recover_tool.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

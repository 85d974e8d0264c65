# fsd — field-service dispatch.
#
#   make demo    install missing Debian packages, build, run the simulated fleet
#   make test    install missing Debian packages, build, run every test
#   make bench   the benchmark table (bench/)
#   make asan    the tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz    libFuzzer on the envelope decoder and the server's message
#                path for FUZZ_SECONDS (default 60), built with clang in build-fuzz/
#   make install PREFIX=/usr/local DESTDIR=...; make uninstall; make deb;
#                make man (scdoc): packaging/install.mk
#   make format  clang-format every C file in place (.clang-format, docs/style.md);
#                make format-check only fails when one is not formatted
#
# Sources are found by folder, so adding a module needs no edit here:
#   proto/*.c         libfsdwire  (envelopes, keys, JSON) + generated fsd.pb-c.c
#   core/*.c          libfsdcore  (pure logic: lifecycle, match, geo, warranty, tzone)
#   server/*.c        fsd-server
#   server/store/*.c  the store (behind server/store/store.h), also linked by fsdctl and tools
#   fsdctl/*.c        fsdctl
#   agent/*.c         fsd-agent
#   tests/unit/test_*.c   one cmocka binary each
# BUILD and BIN may be set to build side by side (make BUILD=build-asan).

CC      ?= cc
BUILD   ?= build
BIN     ?= bin
OPT     ?= -O2 -g
# the one version of every program (--version), passed to the compiler
VERSION ?= 0.2.0
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) -Wall -Wextra -Wshadow -Wno-unused-parameter \
           -Iinclude -I$(BUILD)/proto -Iserver/store -MMD -MP \
           -DFSD_VERSION='"$(VERSION)"'
# one-file programs (tests, tools) are compiled and linked in one step: no .d files
LINKCFLAGS = $(filter-out -MMD -MP,$(CFLAGS))
LDLIBS  += -lzmq -lprotobuf-c -lsqlite3 -ljansson -lcsv -lsodium -lm -lmicrohttpd -lsystemd -lpthread

DEBIAN_PACKAGES := build-essential pkg-config libzmq3-dev libprotobuf-c-dev \
    protobuf-c-compiler libsqlite3-dev sqlite3 libjansson-dev libcsv-dev \
    libcmocka-dev libsodium-dev jq tzdata procps clang libclang-rt-14-dev \
    libmicrohttpd-dev libsystemd-dev systemd scdoc curl dpkg-dev python3 man-db \
    libjs-leaflet libjs-chart.js
# the console's browser tests: Debian's chromium driven by playwright-core (npm)
DEBIAN_PACKAGES += chromium nodejs

PROTO_C   := $(BUILD)/proto/fsd.pb-c.c
PROTO_H   := $(BUILD)/proto/fsd.pb-c.h
WIRE_SRC  := $(wildcard proto/*.c)
CORE_SRC  := $(wildcard core/*.c)
STORE_SRC := $(wildcard server/store/*.c)
SERVER_SRC:= $(wildcard server/*.c) $(STORE_SRC)
CTL_SRC   := $(wildcard fsdctl/*.c)
AGENT_SRC := $(wildcard agent/*.c)
WEB_SRC   := $(wildcard web/*.c)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
TOOL_SRC  := $(wildcard tests/tools/*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
WIRE_OBJ  := $(call obj,$(WIRE_SRC)) $(BUILD)/proto/fsd.pb-c.o
CORE_OBJ  := $(call obj,$(CORE_SRC))
# the store alone (with its row cache), for the tools that write a database
STORE_OBJ := $(call obj,$(STORE_SRC))
# reference rows encoded for the store (server/refrows.c), for the tools that load them
REFROWS_OBJ := $(BUILD)/server/refrows.o
LIBWIRE   := $(BUILD)/libfsdwire.a
LIBCORE   := $(BUILD)/libfsdcore.a
PROGRAMS  := $(BIN)/fsd-server $(BIN)/fsdctl $(BIN)/fsd-agent $(BIN)/fsd-web
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_BINS := $(patsubst tests/tools/%.c,$(BIN)/%,$(TOOL_SRC))

.PHONY: all deps demo console test unit asan bench bench-restart bench-match fuzz fuzz-build format format-check clean
all: $(PROGRAMS) $(UNIT_BINS) $(TOOL_BINS) $(BIN)/fsd-load $(BIN)/fsd-floors $(BIN)/fsd-fill man

# Installs what is missing, only what is missing; quiet when all is there.
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "missing Debian packages:$$missing; run 'make deps' as root"; exit 1; fi; \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi
	@[ -d tests/browser/node_modules/playwright-core ] || (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

$(PROTO_C) $(PROTO_H): proto/fsd.proto
	@mkdir -p $(BUILD)/proto
	protoc-c --c_out=$(BUILD)/proto -Iproto proto/fsd.proto

# Every object needs the generated header first.
$(BUILD)/%.o: %.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/proto/fsd.pb-c.o: $(PROTO_C)
	$(CC) $(CFLAGS) -Wno-unused-parameter -c $< -o $@

$(LIBWIRE): $(WIRE_OBJ)
	$(AR) rcs $@ $^
$(LIBCORE): $(CORE_OBJ)
	@mkdir -p $(BUILD)
	$(AR) rcs $@ $^

$(BIN)/fsd-server: $(call obj,$(SERVER_SRC)) $(LIBCORE) $(LIBWIRE)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)
# fsdctl restore stamps the restored database through the store itself;
# fsdctl web user writes fsd-web's users file (web/webusers.c)
$(BIN)/fsdctl: $(call obj,$(CTL_SRC)) $(STORE_OBJ) $(BUILD)/web/webusers.o $(LIBCORE) $(LIBWIRE)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lsodium
# fsd-web: libmicrohttpd, libsodium for sessions and sealed keys
WEB_LIBS := -lmicrohttpd -lsodium -lpthread
$(BIN)/fsd-web: $(call obj,$(WEB_SRC)) $(LIBCORE) $(LIBWIRE)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS) $(WEB_LIBS)
$(BIN)/fsd-agent: $(call obj,$(AGENT_SRC)) $(LIBCORE) $(LIBWIRE)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBCORE) $(LIBWIRE) | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(LINKCFLAGS) $(LDFLAGS) $< $(LIBCORE) $(LIBWIRE) -o $@ $(LDLIBS) -lcmocka

# The store's row cache is tested alone (no SQLite in it).
$(BUILD)/tests/test_jobrows: tests/unit/test_jobrows.c $(BUILD)/server/store/jobrows.o $(LIBCORE) $(LIBWIRE) | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(LINKCFLAGS) $(LDFLAGS) $< $(BUILD)/server/store/jobrows.o $(LIBCORE) $(LIBWIRE) -o $@ $(LDLIBS) -lcmocka

# The WAL's gathered writes are tested against SQLite itself.
$(BUILD)/tests/test_walvfs: tests/unit/test_walvfs.c $(BUILD)/server/store/walvfs.o $(LIBCORE) | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(LINKCFLAGS) $(LDFLAGS) $< $(BUILD)/server/store/walvfs.o $(LIBCORE) -o $@ $(LDLIBS) -lcmocka

# The store's conformance suite: store.h alone, on a temporary database.
$(BUILD)/tests/test_store: tests/unit/test_store.c $(STORE_OBJ) $(LIBCORE) $(LIBWIRE) | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(LINKCFLAGS) $(LDFLAGS) $< $(STORE_OBJ) $(LIBCORE) $(LIBWIRE) -o $@ $(LDLIBS) -lcmocka

# The server's middle is tested through its message path, without sockets:
# every server object but main.o.
$(BUILD)/tests/test_middle: tests/unit/test_middle.c $(filter-out %/main.o,$(call obj,$(SERVER_SRC))) \
                            $(LIBCORE) $(LIBWIRE) | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(LINKCFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lcmocka

# The verb table is tested with the server's handlers linked (every row's
# function is real).
$(BUILD)/tests/test_verbs: tests/unit/test_verbs.c $(filter-out %/main.o,$(call obj,$(SERVER_SRC))) \
                           $(LIBCORE) $(LIBWIRE) | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(LINKCFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lcmocka

# fsd-web's pure parts: the password seal, sessions, cookies, rate limit.
$(BUILD)/tests/test_webauth: tests/unit/test_webauth.c $(BUILD)/web/webusers.o $(BUILD)/web/websession.o \
                             $(LIBCORE) $(LIBWIRE) | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(LINKCFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lcmocka -lsodium -lpthread

# The KPI tests' fixed history is a header of their own.
$(BUILD)/tests/test_kpi: tests/unit/kpi_history.h

# Test tools (raw frames for hostile-input tests) live beside the programs.
$(BIN)/%: tests/tools/%.c $(LIBCORE) $(LIBWIRE) | $(PROTO_H)
	@mkdir -p $(BIN)
	$(CC) $(LINKCFLAGS) $(LDFLAGS) $< $(LIBCORE) $(LIBWIRE) -o $@ $(LDLIBS)

# fsd-history writes the KPI tests' fixed event history through server/store/
# (an explicit rule: it needs the store, which the pattern rule above does not link).
$(BIN)/fsd-history: tests/tools/fsd-history.c tests/unit/kpi_history.h $(STORE_OBJ) $(REFROWS_OBJ) \
                    $(LIBCORE) $(LIBWIRE) | $(PROTO_H)
	@mkdir -p $(BIN)
	$(CC) $(LINKCFLAGS) $(LDFLAGS) $< $(STORE_OBJ) $(REFROWS_OBJ) $(LIBCORE) $(LIBWIRE) -o $@ $(LDLIBS)

# Restart benchmark: fsd-fill puts N jobs in a database through server/store/.
$(BIN)/fsd-fill: bench/fsd-fill.c $(STORE_OBJ) $(REFROWS_OBJ) $(LIBCORE) $(LIBWIRE) | $(PROTO_H)
	@mkdir -p $(BIN)
	$(CC) $(LINKCFLAGS) $(LDFLAGS) $< $(STORE_OBJ) $(REFROWS_OBJ) $(LIBCORE) $(LIBWIRE) -o $@ $(LDLIBS)

# Matching cost: the server's world in memory, timed per match (bench/match-bench.c).
$(BIN)/fsd-match-bench: bench/match-bench.c $(filter-out %/main.o,$(call obj,$(SERVER_SRC))) \
                        $(LIBCORE) $(LIBWIRE) | $(PROTO_H)
	@mkdir -p $(BIN)
	$(CC) $(LINKCFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

bench-match: $(BIN)/fsd-match-bench
	@$(BIN)/fsd-match-bench

# Benchmark tools: fsd-load (fleet + customers) and fsd-floors (bare ZeroMQ
# and SQLite floors); `make bench` runs bench/run.sh (BENCH_QUICK=1: ~1 min).
BENCH_BINS := $(BIN)/fsd-load $(BIN)/fsd-floors
# bench/proc.c reads a process's CPU and memory from /proc for both.
# The floors use fsd-server's heap for libzmq's CURVE buffers
# (server/sodium_heap.c), so they show what fsd adds to ZeroMQ, not what
# libsodium's guarded pages cost.
$(BIN)/fsd-floors: bench/fsd-floors.c bench/proc.c bench/proc.h server/sodium_heap.c $(STORE_OBJ) $(LIBCORE) $(LIBWIRE) | $(PROTO_H)
	@mkdir -p $(BIN)
	$(CC) $(LINKCFLAGS) $(LDFLAGS) bench/fsd-floors.c bench/proc.c server/sodium_heap.c $(STORE_OBJ) $(LIBCORE) $(LIBWIRE) -o $@ $(LDLIBS) -lpthread

# fsd-load is three files (bench/load.h): the customers and the loop, the
# fleet, the statistics. It takes fsd-server's heap for libzmq's CURVE
# buffers too: 10,000 DEALERs' guarded pages would be the generator's cost,
# taken from the two cores the server is measured on.
LOAD_SRC := bench/fsd-load.c bench/load_fleet.c bench/load_stats.c bench/proc.c server/sodium_heap.c
$(BIN)/fsd-load: $(LOAD_SRC) bench/load.h bench/proc.h $(STORE_OBJ) $(LIBCORE) $(LIBWIRE) | $(PROTO_H)
	@mkdir -p $(BIN)
	$(CC) $(LINKCFLAGS) $(LDFLAGS) $(LOAD_SRC) $(STORE_OBJ) $(LIBCORE) $(LIBWIRE) -o $@ $(LDLIBS) -lpthread

bench: $(PROGRAMS) $(BIN)/fsd-fill $(BENCH_BINS)
	@BIN=$(BIN) bench/run.sh

bench-restart: $(PROGRAMS) $(BIN)/fsd-fill
	@BIN=$(BIN) bench/restart.sh $(BENCH_JOBS)

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@examples/demo.sh

# The console on a simulated day that goes on until Ctrl-C.
console:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@BIN=$(BIN) examples/demo.sh --console

test:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@if command -v clang >/dev/null; then $(MAKE) --no-print-directory fuzz-build; fi
	@BUILD=$(BUILD) BIN=$(BIN) tests/run.sh

unit: all
	@BUILD=$(BUILD) BIN=$(BIN) tests/run.sh unit

asan:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all BUILD=build-asan BIN=build-asan/bin \
	  OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined"
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 TEST_OUT=$(CURDIR)/build-asan/test-out \
	  BUILD=build-asan BIN=build-asan/bin tests/run.sh

# The fuzz target links every server object but main.o (tests/fuzz/fuzz_envelope.c).
FUZZ_SECONDS ?= 60
FUZZ_OPT := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
$(BUILD)/fuzz_envelope: tests/fuzz/fuzz_envelope.c $(filter-out %/main.o,$(call obj,$(SERVER_SRC))) \
                        $(LIBCORE) $(LIBWIRE) | $(PROTO_H)
	$(CC) $(LINKCFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

fuzz-build:
	@$(MAKE) --no-print-directory build-fuzz/fuzz_envelope BUILD=build-fuzz CC=clang OPT="$(FUZZ_OPT)" \
	  LDFLAGS="-fsanitize=fuzzer,address,undefined"

# Seeds: one valid envelope of every kind, from the target itself; new
# inputs it finds go to build-fuzz/corpus, crashes to build-fuzz/crash-*.
fuzz:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory fuzz-build
	@rm -rf build-fuzz/seeds && mkdir -p build-fuzz/corpus
	@FSD_FUZZ_SEEDS=build-fuzz/seeds build-fuzz/fuzz_envelope
	@UBSAN_OPTIONS=print_stacktrace=1 build-fuzz/fuzz_envelope -max_total_time=$(FUZZ_SECONDS) \
	  -artifact_prefix=build-fuzz/ -print_final_stats=1 build-fuzz/corpus build-fuzz/seeds

# One dialect for every C file we write (the generated fsd.pb-c.* live in build/).
CLANG_FORMAT ?= clang-format
FORMAT_SRC = $(shell find core fsdctl server agent proto include tests bench web -name '*.[ch]' | sort)
CHECK_CLANG_FORMAT = command -v $(CLANG_FORMAT) >/dev/null || { echo "$(CLANG_FORMAT) not found (Debian: clang-format)"; exit 1; }
format:
	@$(CHECK_CLANG_FORMAT); $(CLANG_FORMAT) -i $(FORMAT_SRC)
# Names the files that are not formatted and fails (`make format` fixes them);
# fails too when two C files share a base name.
format-check:
	@$(CHECK_CLANG_FORMAT); bad=$$(for f in $(FORMAT_SRC); do \
	  $(CLANG_FORMAT) --dry-run --Werror $$f >/dev/null 2>&1 || echo "  $$f"; done); \
	if [ -n "$$bad" ]; then echo "not formatted (run make format):"; echo "$$bad"; exit 1; fi; \
	dup=$$(for f in $(FORMAT_SRC); do basename $$f; done | sort | uniq -d); \
	if [ -n "$$dup" ]; then echo "base names used twice (docs/style.md):" $$dup; exit 1; fi

clean:
	rm -rf build build-* bin

# make man, install, uninstall, deb
include packaging/install.mk

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)

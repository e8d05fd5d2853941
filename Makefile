# kvscope: one plain Makefile. `make` builds ./kvscope; `make run` opens the UI on the default
# scenario; `make test` runs every test (unit, golden, UI in tmux, and the unit tests again under
# ASan+UBSan). `make run` and `make test` first install missing Debian packages (scripts/deps.sh).

CC      ?= cc
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
WARN     = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
PKGS     = ncursesw libcjson yaml-0.1
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_CFLAGS = $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   = $(shell pkg-config --libs cmocka 2>/dev/null)
VERSION  = 0.1.0
PREFIX  ?= /usr/local
B       ?= build

# The core gets no ncurses/yaml/cjson flags at all: it must not depend on them.
CORE_CPPFLAGS = -Iinclude -D_POSIX_C_SOURCE=200809L
APP_CPPFLAGS  = -Iinclude -Isrc $(PKG_CFLAGS) -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE_EXTENDED \
                -DKVS_VERSION='"$(VERSION)"'

CORE_SRC = $(wildcard src/core/*.c)
IO_SRC   = $(wildcard src/io/*.c)
UI_SRC   = $(wildcard src/ui/*.c)
CORE_OBJ = $(CORE_SRC:%.c=$(B)/%.o)
IO_OBJ   = $(IO_SRC:%.c=$(B)/%.o) $(B)/gen/default_scenario.o
UI_OBJ   = $(UI_SRC:%.c=$(B)/%.o)
MAIN_OBJ = $(B)/src/main.o
LIBCORE  = $(B)/libkvscope.a
LIBAPP   = $(B)/libkvscope-app.a
TEST_SRC = $(wildcard tests/unit/test_*.c)
TEST_BIN = $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
DEFAULT_SCENARIO = scenarios/classroom.yaml

.PHONY: all run test unit-test san-test golden-test ui-test bench screenshots install clean deps deps-test

all: kvscope

deps:
	@sh scripts/deps.sh build
deps-test:
	@sh scripts/deps.sh test

kvscope: $(MAIN_OBJ) $(UI_OBJ) $(LIBAPP) $(LIBCORE)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(LIBCORE): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(LIBAPP): $(IO_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/src/core/%.o: src/core/%.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CORE_CPPFLAGS) -MMD -MP -c -o $@ $<
$(B)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(APP_CPPFLAGS) -MMD -MP -c -o $@ $<
# The default scenario is compiled into the binary, so `kvscope` works from any directory.
$(B)/gen/default_scenario.c: $(DEFAULT_SCENARIO) scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh kvs_default_scenario $< > $@
$(B)/gen/default_scenario.o: $(B)/gen/default_scenario.c
	$(CC) $(WARN) $(CFLAGS) -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(LIBAPP) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(APP_CPPFLAGS) $(CMOCKA_CFLAGS) -Itests -o $@ $^ $(CMOCKA_LIBS) $(PKG_LIBS) -lm

run: deps
	@$(MAKE) --no-print-directory all
	./kvscope

# The whole suite. The sanitizer pass rebuilds everything in build-san/ so the two never mix.
test: deps-test
	@$(MAKE) --no-print-directory all unit-test golden-test ui-test $(EXTRA_TESTS)
	@$(MAKE) --no-print-directory san-test
	@echo "make test: all suites passed"

unit-test: $(TEST_BIN)
	@sh tests/run_unit.sh $(TEST_BIN)

golden-test: kvscope
	@sh tests/golden/run.sh ./kvscope

ui-test: kvscope
	@sh tests/ui/run.sh ./kvscope

san-test:
	@$(MAKE) --no-print-directory B=build-san OPT=-O1 \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" unit-test-san

unit-test-san: $(TEST_BIN)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  sh tests/run_unit.sh $(TEST_BIN)

bench: deps
	@$(MAKE) --no-print-directory all
	@sh bench/run.sh

screenshots: 
	@sh scripts/deps.sh shots
	@$(MAKE) --no-print-directory all
	@sh scripts/screenshots.sh ./kvscope screenshots

install: kvscope
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/kvscope/scenarios/traces
	install -m 755 kvscope $(DESTDIR)$(PREFIX)/bin/kvscope
	install -m 644 scenarios/*.yaml scenarios/README.md $(DESTDIR)$(PREFIX)/share/kvscope/scenarios/
	install -m 644 scenarios/traces/* $(DESTDIR)$(PREFIX)/share/kvscope/scenarios/traces/

clean:
	rm -rf build build-san kvscope

# Feature areas (fuzzing, examples, ...) keep their targets in mk/*.mk; each may append a target
# name to EXTRA_TESTS to have `make test` run it.
EXTRA_TESTS =
-include $(sort $(wildcard mk/*.mk))

-include $(shell find $(B) -name '*.d' 2>/dev/null)

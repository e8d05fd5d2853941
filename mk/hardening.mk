# mk/hardening.mk: fuzzing, the regression corpus replay, the hostile-input catalogue and
# valgrind (issue 5, docs/HARDENING.md).
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="engine scenario"]   libFuzzer, clang, one at a time
#   make fuzz-replay      tests/fuzz/regress/<target>/ through a plain main() (gcc, ASan+UBSan)
#   make bad-test         tests/bad/: every hostile input exits 2 with the expected first line
#   make check-valgrind   `kvscope run` on every shipped scenario under valgrind (not in make test)
#   make limits-test      the 10-million-request scenario is refused up front; -o survives SIGKILL

FUZZ_CC      ?= $(shell command -v clang-14 2>/dev/null || command -v clang 2>/dev/null || echo clang)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= scenario trace_azure trace_burstgpt trace_mooncake trace_kvscope trace_lengths engine
FUZZ_ALL      = scenario trace_azure trace_burstgpt trace_mooncake trace_kvscope trace_lengths engine
FUZZ_B        = build-fuzz
SAN_FLAGS     = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

fuzz_src  = $(if $(filter trace_%,$(1)),tests/fuzz/fuzz_trace.c,tests/fuzz/fuzz_$(1).c)
fuzz_def  = $(if $(filter trace_%,$(1)),-DTRACE_FORMAT=KVS_TRACE_$(shell echo $(patsubst trace_%,%,$(1)) | tr a-z A-Z))
fuzz_dict = $(if $(filter scenario,$(1)),tests/fuzz/dict/scenario.dict,$(if $(filter trace_mooncake trace_kvscope,$(1)),tests/fuzz/dict/json.dict,$(if $(filter trace_%,$(1)),tests/fuzz/dict/csv.dict)))

.PHONY: fuzz fuzz-build fuzz-seeds fuzz-replay fuzz-replay-bins bad-test check-valgrind limits-test

# ---- libFuzzer (clang) ----
fuzz-build:
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=$(FUZZ_CC) \
	  CFLAGS="$(SAN_FLAGS) -fsanitize=fuzzer-no-link" $(FUZZ_B)/libkvscope-app.a $(FUZZ_B)/libkvscope.a
	@$(MAKE) --no-print-directory B=$(FUZZ_B) $(FUZZ_ALL:%=$(FUZZ_B)/fuzz/fuzz-%)

$(FUZZ_B)/fuzz/fuzz-%: tests/fuzz/*.c tests/fuzz/fuzz.h $(FUZZ_B)/libkvscope-app.a $(FUZZ_B)/libkvscope.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(WARN) $(SAN_FLAGS) -fsanitize=fuzzer $(APP_CPPFLAGS) -Itests/fuzz $(call fuzz_def,$*) \
	  -o $@ $(call fuzz_src,$*) $(FUZZ_B)/libkvscope-app.a $(FUZZ_B)/libkvscope.a $(PKG_LIBS) -lm

# Seed corpora: the committed seeds, the shipped and test scenarios, and the first 60 lines of
# each shipped trace slice; the engine's are the scenarios turned into its binary format.
fuzz-seeds: kvscope $(B)/fuzz/mkseed
	@rm -rf $(FUZZ_B)/seeds && mkdir -p $(FUZZ_ALL:%=$(FUZZ_B)/seeds/%)
	@for t in $(FUZZ_ALL); do [ -d tests/fuzz/seeds/$$t ] && cp tests/fuzz/seeds/$$t/* $(FUZZ_B)/seeds/$$t/; done; true
	@for f in scenarios/*.yaml tests/golden/*.yaml tests/golden/cli/*.yaml tests/ui/*.yaml; do \
	  cp $$f $(FUZZ_B)/seeds/scenario/$$(echo $$f | tr / -); done
	@for f in scenarios/traces/azure-*.csv; do head -60 $$f > $(FUZZ_B)/seeds/trace_azure/$$(basename $$f); done
	@for f in scenarios/traces/mooncake-*.jsonl; do head -60 $$f > $(FUZZ_B)/seeds/trace_mooncake/$$(basename $$f); done
	@for f in scenarios/traces/*-lengths-*.csv; do head -60 $$f > $(FUZZ_B)/seeds/trace_lengths/$$(basename $$f); done
	@$(B)/fuzz/mkseed $(FUZZ_B)/seeds/engine scenarios/*.yaml tests/golden/*.yaml tests/ui/tiny.yaml >/dev/null

$(B)/fuzz/mkseed: tests/fuzz/mkseed.c $(LIBAPP) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(APP_CPPFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# One target at a time (the machine is shared), at low priority. New inputs go to
# build-fuzz/corpus/<target>, crashes to build-fuzz/crashes/<target>/: copy them into
# tests/fuzz/regress/<target>/ once fixed.
fuzz: fuzz-build fuzz-seeds
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_B)/corpus/$$t $(FUZZ_B)/crashes/$$t tests/fuzz/regress/$$t; \
	  d=$$(case $$t in scenario) echo tests/fuzz/dict/scenario.dict;; trace_mooncake|trace_kvscope) echo tests/fuzz/dict/json.dict;; trace_*) echo tests/fuzz/dict/csv.dict;; esac); \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  nice -n 10 $(FUZZ_B)/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -timeout=5 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 $${d:+-dict=$$d} -artifact_prefix=$(FUZZ_B)/crashes/$$t/ \
	    $(FUZZ_B)/corpus/$$t $(FUZZ_B)/seeds/$$t tests/fuzz/regress/$$t || exit 1; \
	done

# ---- the regression corpus, in make test: gcc, ASan+UBSan, no libFuzzer ----
fuzz-replay:
	@$(MAKE) --no-print-directory B=build-san OPT=-O1 CFLAGS="$(SAN_FLAGS)" \
	  LDFLAGS="-fsanitize=address,undefined" fuzz-replay-bins
	@for t in $(FUZZ_ALL); do \
	  dirs=$$(for d in tests/fuzz/regress/$$t tests/fuzz/seeds/$$t; do [ -d $$d ] && echo $$d; done); \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    build-san/fuzz/replay-$$t $$dirs || exit 1; \
	done

fuzz-replay-bins: $(FUZZ_ALL:%=$(B)/fuzz/replay-%)

$(B)/fuzz/replay-%: tests/fuzz/*.c tests/fuzz/fuzz.h $(LIBAPP) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) $(APP_CPPFLAGS) -Itests/fuzz $(call fuzz_def,$*) -o $@ \
	  tests/fuzz/replay.c $(call fuzz_src,$*) $(LIBAPP) $(LIBCORE) $(PKG_LIBS) -lm

# ---- the hostile-input catalogue ----
bad-test: kvscope
	@sh tests/bad/run.sh ./kvscope

EXTRA_TESTS += bad-test fuzz-replay

# ---- limits and atomic -o ----
limits-test: kvscope
	@sh tests/limits/run.sh ./kvscope

EXTRA_TESTS += limits-test

# ---- terminal safety beyond tests/ui/run.sh (SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGQUIT, Ctrl-Z) ----
ui-safety-test: kvscope
	@sh tests/ui/safety.sh ./kvscope

EXTRA_TESTS += ui-safety-test
.PHONY: ui-safety-test

# ---- valgrind: every shipped scenario through `run` (all three formats) and `compare` ----
VALGRIND = valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
           --track-origins=yes --error-exitcode=99
check-valgrind: kvscope
	@command -v valgrind >/dev/null || { echo "check-valgrind: install valgrind (apt-get install valgrind)" >&2; exit 1; }
	@n=0; for f in scenarios/*.yaml; do \
	  for fmt in text json csv; do \
	    $(VALGRIND) ./kvscope run $$f --format $$fmt -o /dev/null || { echo "check-valgrind: FAIL run $$f --format $$fmt" >&2; exit 1; }; \
	    n=$$((n + 1)); \
	  done; \
	  $(VALGRIND) ./kvscope compare $$f -o /dev/null || { echo "check-valgrind: FAIL compare $$f" >&2; exit 1; }; \
	  n=$$((n + 1)); \
	done; \
	for f in tests/bad/*.yaml; do $(VALGRIND) ./kvscope run $$f >/dev/null 2>&1; \
	  [ $$? -eq 99 ] && { echo "check-valgrind: FAIL (leak or error) on the refusal of $$f" >&2; exit 1; }; n=$$((n + 1)); done; \
	echo "check-valgrind: $$n runs, 0 errors, 0 leaks"

# ---- line coverage reached by each target's corpus (gcc --coverage, after make fuzz) ----
fuzz-coverage:
	@$(MAKE) --no-print-directory B=build-cov CFLAGS="-O0 -g --coverage" LDFLAGS="--coverage" fuzz-replay-bins
	@sh tests/fuzz/coverage.sh build-cov $(FUZZ_TARGETS)
.PHONY: fuzz-coverage

# Decision log, explain, user policy plugins and race mode (issue 7, parts 1, 2, 5).
# dlopen: in glibc itself since 2.34; -ldl keeps older systems linking.
PKG_LIBS += -ldl

.PHONY: examples plugin-test race-test

examples: examples/svf_plugin.so

examples/%.so: examples/%.c include/kvscope/policy.h
	$(CC) $(WARN) $(CFLAGS) -Iinclude -shared -fPIC -o $@ $<

# The example plugin must reproduce the built-in svf exactly, per request.
plugin-test: kvscope examples
	@sh tests/plugin/run.sh ./kvscope examples/svf_plugin.so

race-test: kvscope
	@sh tests/ui/race.sh ./kvscope

EXTRA_TESTS += plugin-test race-test

# Insight features (bound, opt, render): their shell tests run with `make test`.
.PHONY: insight-test
insight-test: kvscope
	@sh tests/insight/run.sh ./kvscope
EXTRA_TESTS += insight-test

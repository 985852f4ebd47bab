# ecny-sim: `make demo` and `make test` are all a fresh clone needs (Python 3.11+; Node 20 only to recompile).
# pip and npm use whatever index/registry the machine is configured for; nothing here overrides it.

SHELL := /bin/sh
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
VBIN := $(VENV)/bin

hash_of = $(shell { sha256sum $(1) 2>/dev/null || shasum -a 256 $(1); } | cut -c1-16)

# The venv is (re)installed only when pyproject.toml's content changes: the stamp's name carries its hash.
VENV_STAMP := $(VENV)/.ecny-installed-$(call hash_of,pyproject.toml)
# npm's solc is (re)installed only when package-lock.json's content changes (or node_modules/solc is gone).
SOLC_STAMP := node_modules/.ecny-installed-$(call hash_of,package-lock.json)
# slither gets its own venv (it needs web3<8), reinstalled only when its requirements file changes.
AUDIT_VENV := .venv-audit
AUDIT_REQ := tools/audit/requirements.txt
AUDIT_STAMP := $(AUDIT_VENV)/.ecny-installed-$(call hash_of,$(AUDIT_REQ))
AUDIT_OUT := build/audit
# halmos gets its own venv too (it pins rich<14.1 and its own z3-solver), reinstalled only when its
# requirements file changes; forge is npm's native binary, pinned in package-lock.json (`make solc`).
PROVE_VENV := .venv-prove
PROVE_REQ := tools/prove/requirements.txt
PROVE_STAMP := $(PROVE_VENV)/.ecny-installed-$(call hash_of,$(PROVE_REQ))

.PHONY: venv fonts artifacts catalogs demo test test-slow test-deep bench bench-full bench-scale bench-memory compile \
	solc audit prove prove-fast

venv: $(VENV_STAMP)

$(VENV_STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "ecny-sim needs Python 3.11 or newer ($(PYTHON) is older); try: make PYTHON=python3.11 ..."; exit 1; }
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.ecny-installed-*
	@touch $@
	@$(MAKE) --no-print-directory fonts

# Chinese reports draw their charts with a CJK font (Debian: fonts-noto-cjk). Installed only when that needs
# no prompt (root, with apt-get); otherwise one line of advice. Without it a Chinese report still gets written,
# its charts labelled in English. Run by the venv set-up; `make fonts` on its own too.
fonts:
	@if $(VPY) -c 'from ecny_sim.show.report.charts import cjk_font; raise SystemExit(cjk_font() is None)' 2>/dev/null; then :; \
	elif dpkg -s fonts-noto-cjk >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "apt-get install fonts-noto-cjk  (a Chinese font for the report charts)"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null 2>&1 || \
		{ apt-get update -qq >/dev/null 2>&1 && \
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null 2>&1; } || \
		echo "could not install fonts-noto-cjk; Chinese reports will label their charts in English"; \
	else \
		echo "tip: for Chinese report charts install a CJK font, e.g. sudo apt-get install fonts-noto-cjk"; \
	fi

# Recompile contracts/ when they changed since the committed artifacts were built (the run would do it
# anyway); when no solc is found (exit 3) and Node is there, fetch npm's pinned solc first.
# Tests then run with ECNY_SIM_AUTOCOMPILE=0: nothing rewrites the artifacts in the middle of a session.
artifacts: venv
	@$(VPY) -m ecny_sim.chain.compiler --check; status=$$?; \
	if [ $$status -ne 0 ]; then \
		if [ $$status -eq 3 ] && command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory solc; fi; \
		$(VPY) -m ecny_sim.chain.compiler --ensure; \
	fi

# The narration's and the report's words: pybabel extracts the messages from the code, merges them into every
# language's .po (translations kept) and compiles the .mo files, which are committed (a test checks they are
# fresh and that every message is translated). Run after changing a sentence in the code or a .po file.
LOCALE_DIR := simulator/show/locale
BABEL_KEYWORDS := -k _ -k n_:1,2 -k p_:1c,2 -k np_:1c,2,3 -k N_
catalogs: venv
	@mkdir -p build
	@for domain in narration report console; do \
		$(VBIN)/pybabel -q extract -F tools/babel/$$domain.cfg --no-default-keywords $(BABEL_KEYWORDS) \
			--add-comments=TRANSLATORS: --add-location=file -o build/$$domain.pot . && \
		$(VBIN)/pybabel -q update -D $$domain -i build/$$domain.pot -d $(LOCALE_DIR) \
			--no-fuzzy-matching --ignore-pot-creation-date --ignore-obsolete && \
		$(VBIN)/pybabel -q compile -D $$domain -d $(LOCALE_DIR) || exit 1; \
	done

demo: artifacts
	$(VBIN)/ecny-sim run edu_abscond

test: artifacts
	ECNY_SIM_AUTOCOMPILE=0 $(VPY) -m pytest -q -m "not slow"

# The benchmarks' smoke runs (tests marked slow): CI runs them after `make test`.
test-slow: artifacts
	ECNY_SIM_AUTOCOMPILE=0 $(VPY) -m pytest -q -m slow

test-deep: artifacts
	ECNY_SIM_AUTOCOMPILE=0 HYPOTHESIS_PROFILE=deep $(VPY) -m pytest -q

# Each benchmark runs py-evm and the anvil node side by side (--backend both, their default; without anvil: py-evm
# alone and one line saying so, an error under ECNY_REQUIRE_ANVIL=1). About 4.5 CPU-minutes on 2 cores.
bench: artifacts
	$(VPY) -m benchmarks.run
	$(VPY) -m benchmarks.campaign
	$(VPY) -m benchmarks.grants

# The whole Luohu 2020 campaign (50,000 packets, about 118,000 transactions), on both backends: not part of `make test`.
bench-full: artifacts
	$(VPY) -m benchmarks.campaign --scale 1

# The city term's cost curve (edu_city_term at 1,000 / 2,000 / 4,000 pupils on both backends, each run in its own
# process): time and peak memory, benchmarks/RESULTS_SCALE.md and scale.png. About 15 minutes on 2 cores.
bench-scale: artifacts
	$(VPY) -m benchmarks.scale

# Does py-evm's memory grow with transactions or only with the state? 4,000 / 8,000 / 16,000 payments among
# 1,000 wallets, database swept and kept whole, each in its own process (about 12 min): RESULTS_MEMORY.md.
bench-memory: artifacts
	$(VPY) -m benchmarks.memory

# A sweep on Dask against the same runs one after another (benchmarks/sweep.py): the cluster's start, the speed-up
# of 2 workers and the sweep's overhead per run; benchmarks/RESULTS_SWEEP.md. About 4 minutes on 2 cores.
.PHONY: bench-sweep
bench-sweep: artifacts
	$(VPY) -m benchmarks.sweep

# The sweeping process's peak memory at 200 and 2,000 cheap runs, in the process and on one worker
# (benchmarks/sweep_memory.py): flat means the same; benchmarks/RESULTS_SWEEP_MEMORY.md. About 20 minutes.
.PHONY: bench-sweep-memory
bench-sweep-memory: artifacts
	$(VPY) -m benchmarks.sweep_memory

compile: venv
	@if [ -z "$${SOLC:-}" ] && command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory solc; fi
	$(VBIN)/ecny-sim compile

solc:
	@if [ ! -f node_modules/solc/package.json ] || [ ! -f $(SOLC_STAMP) ]; then \
		echo "npm ci --no-audit --no-fund  (solc 0.8.37 and forge 1.7.1 from package-lock.json)"; \
		npm ci --no-audit --no-fund && rm -f node_modules/.ecny-installed-* && touch $(SOLC_STAMP); \
	fi

# Static analysis: slither over contracts/*.sol and what they import, compiled by npm's solc (tools/audit/solc).
# contracts/test/ (deliberately broken) is not a target, and --filter-paths drops anything reported there;
# --show-ignored-findings: inline slither-disable comments do not bypass the triage file. forge goes on PATH:
# crytic-compile sees foundry.toml (make prove) and asks `forge config` before compiling with the npm solc.
# Output in build/audit/; tools/audit/check.py fails on any High/Medium finding not accepted in audit/triage.toml.
audit: $(AUDIT_STAMP) solc
	@mkdir -p $(AUDIT_OUT) && rm -f $(AUDIT_OUT)/slither.json
	@echo "slither contracts/  (log: $(AUDIT_OUT)/slither.txt)"
	@PATH="$(CURDIR)/node_modules/.bin:$$PATH" $(AUDIT_VENV)/bin/slither contracts/ --solc-standard-json --solc $(CURDIR)/tools/audit/solc \
		--filter-paths 'contracts/test/' --show-ignored-findings --fail-none --disable-color \
		--json $(AUDIT_OUT)/slither.json >$(AUDIT_OUT)/slither.txt 2>&1 || \
		{ tail -n 40 $(AUDIT_OUT)/slither.txt; echo "slither failed (log: $(AUDIT_OUT)/slither.txt)"; exit 1; }
	@$(AUDIT_VENV)/bin/python tools/audit/check.py $(AUDIT_OUT)/slither.json audit/triage.toml

$(AUDIT_STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "make audit needs Python 3.11 or newer ($(PYTHON) is older); try: make PYTHON=python3.11 audit"; exit 1; }
	@test -x $(AUDIT_VENV)/bin/python || $(PYTHON) -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/python -m pip install --quiet -r $(AUDIT_REQ)
	@rm -f $(AUDIT_VENV)/.ecny-installed-*
	@touch $@

# Symbolic checks (halmos) and fuzz/invariant tests (forge) of the contracts' money properties, tests/prove/.
# `prove`: forge's deep profile (foundry.toml) and every halmos check, verdicts and times written to
# tests/prove/RESULTS.md (commit it); at most 15 minutes on 2 cores. `prove-fast`: the ci profile and the
# cheapest halmos checks, a few minutes, verdicts in build/prove/RESULTS-ci.md. Both fail when a property fails.
prove: $(PROVE_STAMP) solc
	@$(PYTHON) tools/prove/run.py --profile deep --results tests/prove/RESULTS.md

prove-fast: $(PROVE_STAMP) solc
	@$(PYTHON) tools/prove/run.py --profile ci

$(PROVE_STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "make prove needs Python 3.11 or newer ($(PYTHON) is older); try: make PYTHON=python3.11 prove"; exit 1; }
	@test -x $(PROVE_VENV)/bin/python || $(PYTHON) -m venv $(PROVE_VENV)
	$(PROVE_VENV)/bin/python -m pip install --quiet -r $(PROVE_REQ)
	@rm -f $(PROVE_VENV)/.ecny-installed-*
	@touch $@

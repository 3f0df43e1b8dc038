# makemore-c: the one Makefile. Plain GNU make; `make help` lists every target.
#
# Build output goes under build/ only. Variants: the default build in
# build/bin; SANITIZE=1 (AddressSanitizer + UndefinedBehaviorSanitizer) in
# build/san; NATIVE=1 (-march=native, for speed on your own machine) in
# build/native (with FMA=0: build/native-nofma; with SANITIZE=1 as well:
# build/san-native). Labs are found by convention: solutions/NN_name/ holds the
# complete lab (main.c is its driver), labs/NN_name/ the learner's copy,
# tests/labNN_test.c its Check suite. Nothing here needs editing to add a lab.

SHELL := /bin/bash
CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif

# ---- variants ----------------------------------------------------------------
CFLAGS_WARN := -std=c11 -Wall -Wextra -Werror
# -ffp-contract=off: the generator's fused steps are explicit fmaf calls, and
# the compiler must not fuse anything else on its own (docs/RNG.md §8.5).
CFLAGS_FP   := -ffp-contract=off
OPT         ?= -O2 -g
VARIANT     := bin
EXTRA_FLAGS :=
ifeq ($(SANITIZE),1)
VARIANT     := san
OPT         := -O1 -g -fno-omit-frame-pointer
EXTRA_FLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -DKIT_DEBUG
LDSAN       := -fsanitize=address,undefined
# Sanitized code runs several times slower: stretch every test's timeout.
export CK_TIMEOUT_MULTIPLIER ?= 6
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS ?= print_stacktrace=1
endif
ifeq ($(NATIVE),1)
# With SANITIZE=1 too: build/san-native (the AVX-512 kernels under the sanitizers).
VARIANT     := $(if $(filter san,$(VARIANT)),san-native,native)
EXTRA_FLAGS += -march=native
# FMA=0: no fused multiply-add in matmul (common/tensor.c, KIT_FMA), for the
# default build's results bit for bit at a little less than NATIVE=1's speed.
ifeq ($(FMA),0)
VARIANT     := $(VARIANT)-nofma
EXTRA_FLAGS += -DKIT_FMA=0
endif
endif
ifeq ($(DEBUG),1)
VARIANT     := debug
OPT         := -O0 -g
EXTRA_FLAGS += -DKIT_DEBUG
endif

B        := build/$(VARIANT)
CFLAGS   := $(CFLAGS_WARN) $(CFLAGS_FP) $(OPT) $(EXTRA_FLAGS) -Icommon
# A lab's stub never reads its parameters (KIT_TODO stops first): no (void)x; lines needed.
LAB_CFLAGS := -Wno-unused-parameter
LDLIBS   := -lm
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

# ---- what there is -------------------------------------------------------------
CORE_SRC   := $(wildcard common/*.c)
CORE_OBJ   := $(CORE_SRC:%.c=$(B)/%.o)
LIBKIT     := $(B)/libkit.a
HARNESS    := $(B)/tests/harness.o
CORE_TESTS := $(patsubst tests/%.c,$(B)/tests/%,$(wildcard tests/core_*_test.c))
LAB_DIRS   := $(notdir $(wildcard solutions/[0-9][0-9]_*))
lab_nn      = $(firstword $(subst _, ,$(1)))

.DEFAULT_GOAL := all
# LAB=03 narrows what check, status and next build: a compile error in another lab does not block it.
LAB_NN := $(if $(LAB),$(shell n='$(LAB)'; n=$${n#lab}; n=$${n%%_*}; n=$${n%%.*}; printf %02d $$((10#$$n)) 2>/dev/null))
LAB_DIR := $(if $(LAB_NN),$(firstword $(filter $(LAB_NN)_%,$(LAB_DIRS))))
CHECK_DEPS := $(if $(LAB_DIR),$(LIBKIT) $(CORE_TESTS) $(B)/labs/$(LAB_DIR)/lab$(LAB_NN)_test,build)

.PHONY: all build help test check test-tools bench fuzz memcheck test-robust skeletons plots docs deps clean compile_commands.json status next hint reset solution \
        test-core test-solutions test-skeletons test-sync test-docs

## all: build the core, every lab (yours and the solutions) and every test
all: build
	@echo
	@echo "Built the kit in $(B)/. next: make lab00   (then: make check LAB=00)"

build: $(LIBKIT) $(CORE_TESTS) $(B)/tools/bench

## help: list every target with what it does
help:
	@echo "makemore-c: make TARGET [VAR=value]"
	@echo
	@grep -hE '^## ' $(MAKEFILE_LIST) | sed -e 's/^## //' | awk '{ i = index($$0, ": "); printf "  %-24s %s\n", substr($$0, 1, i - 1), substr($$0, i + 2) }'
	@echo
	@echo "Variables: LAB=03 STEP=2 (narrow check), ARGS=\"--steps 1000\" (flags for a lab run),"
	@echo "           SANITIZE=1 (ASan+UBSan build), NATIVE=1 (-march=native build; FMA=0 for the default build's bits), DEBUG=1 (-O0, NaN-poisoned arenas)"
	@echo "           FROM=auto|labs|solutions (whose data make plots draws), GNUTERM=dumb (plots in the terminal)"

# ---- the core ---------------------------------------------------------------------
$(B)/common/%.o: common/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBKIT): $(CORE_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(HARNESS): tests/harness.c tests/harness.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -Itests -MMD -MP -c $< -o $@

$(B)/tests/core_%_test: tests/core_%_test.c $(HARNESS) $(LIBKIT)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -Itests -MMD -MP $< $(HARNESS) $(LIBKIT) $(LDSAN) $(CHECK_LIBS) $(LDLIBS) -o $@

# ---- the labs: one template, instantiated for solutions/ and labs/ ----------------
# $(1) = tree (solutions or labs), $(2) = lab dir (03_mlp), $(3) = NN (03)
define LAB_RULES
$(1)_$(3)_SRC  := $$(wildcard $(1)/$(2)/*.c)
$(1)_$(3)_OBJ  := $$($(1)_$(3)_SRC:%.c=$(B)/%.o)
$(1)_$(3)_LIB  := $$(filter-out %/main.o,$$($(1)_$(3)_OBJ))
$(1)_$(3)_BIN  := $(B)/$(1)/$(2)/lab$(3)
$(1)_$(3)_TEST := $(B)/$(1)/$(2)/lab$(3)_test

$(B)/$(1)/$(2)/%.o: $(1)/$(2)/%.c
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(LAB_CFLAGS) -I$(1)/$(2) -MMD -MP -c $$< -o $$@

$$($(1)_$(3)_BIN): $$($(1)_$(3)_OBJ) $(LIBKIT)
	$$(CC) $$(CFLAGS) $$^ $$(LDSAN) $$(LDLIBS) -o $$@

$(B)/$(1)/$(2)/lab$(3)_test.o: tests/lab$(3)_test.c
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(CHECK_CFLAGS) -Itests -I$(1)/$(2) -MMD -MP -c $$< -o $$@

$$($(1)_$(3)_TEST): $(B)/$(1)/$(2)/lab$(3)_test.o $$($(1)_$(3)_LIB) $(HARNESS) $(LIBKIT)
	$$(CC) $$(CFLAGS) $$^ $$(LDSAN) $$(CHECK_LIBS) $$(LDLIBS) -o $$@

build: $$($(1)_$(3)_BIN) $$(if $$(wildcard tests/lab$(3)_test.c),$$($(1)_$(3)_TEST))
endef

define LAB_TARGETS
.PHONY: lab$(2) lab$(2)-solution
lab$(2): $$(labs_$(2)_BIN)
	./$$(labs_$(2)_BIN) $$(ARGS)
lab$(2)-solution: $$(solutions_$(2)_BIN)
	./$$(solutions_$(2)_BIN) --out build/out/lab$(2)-solution $$(ARGS)
endef

$(foreach d,$(LAB_DIRS),$(eval $(call LAB_RULES,solutions,$(d),$(call lab_nn,$(d)))))
$(foreach d,$(LAB_DIRS),$(if $(wildcard labs/$(d)/*.c),$(eval $(call LAB_RULES,labs,$(d),$(call lab_nn,$(d))))))
$(foreach d,$(LAB_DIRS),$(eval $(call LAB_TARGETS,$(d),$(call lab_nn,$(d)))))

## labNN: build your version of lab NN (labs/) and run it, e.g. make lab03 ARGS="--steps 1000"
## labNN-solution: build and run the complete solution of lab NN (logs in build/out/labNN-solution)

# ---- checking -------------------------------------------------------------------------
## check: your test run against labs/: a checklist per lab, the score, and what to do next (LAB=03 STEP=2 narrow it)
check: $(CHECK_DEPS)
	@B=$(B) LAB="$(LAB)" STEP="$(STEP)" bash tools/check.sh

## test: the maintainer gate: core tests, solutions pass, skeletons fail cleanly, labs/ in sync, docs without warnings
test: test-core test-solutions test-sync test-skeletons test-tools test-docs
	@echo
	@echo "make test: all gates passed ($(B))."
	@cat $(B)/gate/*.tsv | awk -F '\t' '{ if ($$2 == "OK") p++; else f++ } END { printf "steps: %d passed, %d failed\n", p, f }'

test-core: build
	@rm -rf $(B)/gate; mkdir -p $(B)/gate; set -e; for t in $(CORE_TESTS); do echo "== $$t"; $$t --results $(B)/gate/$$(basename $$t).tsv; done

test-solutions: build
	@mkdir -p $(B)/gate; set -e; for d in $(LAB_DIRS); do n=$${d%%_*}; t=$(B)/solutions/$$d/lab$${n}_test; \
	  if [ -x $$t ]; then echo "== $$t (solution of lab $$n: every step must pass)"; $$t --src solutions/$$d --results $(B)/gate/lab$${n}.tsv; \
	  else echo "make test: lab $$n has no test suite (tests/lab$${n}_test.c)"; exit 1; fi; done

test-sync:
	@bash tools/skeleton.sh --check

test-skeletons: build
	@B=$(B) bash tools/test_skeletons.sh $(LAB_DIRS)

test-tools: build
	@bash tests/tools_test.sh

test-docs:
	@bash tools/docs.sh --strict

## skeletons: regenerate labs/*/ code from solutions/ (overwrites the learner's files: maintainers only)
skeletons:
	@bash tools/skeleton.sh

## status: a table of all labs: steps done / total, and the next step
status: build
	@B=$(B) bash tools/progress.sh status

## next: only the next step: its TODO, file:line, and the handout section to read
next: build
	@B=$(B) bash tools/progress.sh next

## hint: a hint for a step, in tiers (ask again for more): make hint LAB=03 STEP=2
hint:
	@LAB="$(LAB)" STEP="$(STEP)" bash tools/progress.sh hint

## reset: restore your lab files from the skeleton (saved first under build/backup/): make reset LAB=03
reset:
	@LAB="$(LAB)" bash tools/progress.sh reset

## solution: compare your lab file with the solution (spoilers!): make solution LAB=03
solution:
	@LAB="$(LAB)" bash tools/progress.sh solution

## plots: render every lab's figures as PNG and SVG under build/plots (GNUTERM=dumb draws them in the terminal)
plots:
	@B=$(B) bash tools/plots.sh

## docs: the Doxygen site under build/docs/html (README as main page, handouts, the core's API)
docs:
	@bash tools/docs.sh

## deps: install the Debian packages the kit needs (run as root: sudo make deps)
deps:
	apt-get update && apt-get install -y build-essential pkg-config check gnuplot-nox doxygen graphviz libjs-mathjax valgrind clang libclang-rt-14-dev

## bench: train labs 03, 05 and 02 (full batch) in C and, if installed, PyTorch, side by side (results in build/bench/results.json; NATIVE=1 for -march=native)
bench: $(B)/tools/bench
	-@B=$(B) bash tools/bench.sh

$(B)/tools/bench: tools/bench.c $(LIBKIT)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP $< $(LIBKIT) $(LDSAN) $(LDLIBS) -o $@

## fuzz: fuzz the words-file and checkpoint loaders with libFuzzer (clang), FUZZ_SECONDS=60 each
fuzz:
	@bash tools/fuzz.sh

## memcheck: valgrind on one short training (and sample/eval) per lab: zero errors, zero leaks
memcheck: build
	@B=$(B) bash tools/memcheck.sh

## test-robust: bad data files, flags, checkpoints, NaN, Ctrl-C and skeletons, against the lab binaries
test-robust: build
	@B=$(B) bash tests/robust_test.sh

## compile_commands.json: write compile_commands.json so clangd understands the code in your editor
compile_commands.json:
	@bash tools/compile_commands.sh "$(CC)" "$(CFLAGS) $(CHECK_CFLAGS)" > compile_commands.json
	@echo "wrote compile_commands.json"

## clean: remove build/ (your labs/ files are never touched)
clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)

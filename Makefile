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

# ---- where make runs --------------------------------------------------------------
# Every path below is relative to the kit's folder. Run from anywhere else
# (make -f ../../Makefile, or a lab folder's forwarding Makefile), this file
# hands the goals to a make in the kit's folder instead of building there.
KIT_ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

# ---- LAB and STEP: checked before any shell sees them ----------------------------
# A lab is named by digits or a folder name (3, 03, lab03, 03_mlp, labs/03_mlp),
# a step by digits or a step id (2, lab03.2, fig_loss). $(value ...) reads them
# unexpanded, so LAB='$(shell ...)' is refused as text, never run.
kit_chars := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z 0 1 2 3 4 5 6 7 8 9 _ .
kit_strip  = $(if $(2),$(call kit_strip,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
kit_bad    = $(or $(call kit_strip,$(1),$(kit_chars) $(2)),$(filter-out 0 1,$(words $(1))))
ifneq ($(call kit_bad,$(value LAB),/ -),)
$(error make: LAB='$(value LAB)' is not a lab. HINT: use its number, e.g. LAB=03)
endif
ifneq ($(call kit_bad,$(value STEP)),)
$(error make: STEP='$(value STEP)' is not a step. HINT: use its number or id, e.g. STEP=2)
endif
override LAB  := $(strip $(value LAB))
override STEP := $(strip $(value STEP))

ifneq ($(CURDIR),$(KIT_ROOT))
kit_goals := $(or $(MAKECMDGOALS),all)
.PHONY: $(kit_goals)
$(firstword $(kit_goals)):
	@$(MAKE) --no-print-directory -C '$(KIT_ROOT)' $(if $(LAB),LAB=$(LAB)) $(MAKECMDGOALS)
$(wordlist 2,$(words $(kit_goals)),$(kit_goals)):
	@:
else
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
# FMA=0: no fused multiply-add in the kernels (KIT_FMA, common/kernels_math.h),
# for the default build's results bit for bit at a little less than NATIVE=1's
# speed. (The default build itself picks AVX2/AVX-512 kernels at run time with
# those same bits: common/kernels.c; docs/PERFORMANCE.md.)
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

# ---- quiet, and rebuilt when the compiler or the flags change --------------------
# The compiler's command lines are hidden (V=1 shows them); its errors and
# warnings always show. A learner's files in labs/ build without -Werror (a
# warning mid-edit is shown, not fatal); the core, the solutions, the tests and
# the tools keep it, and make test compiles the skeletons with -Werror as well.
Q := $(if $(filter 1,$(V)),,@)
SUBMAKE = $(MAKE) --no-print-directory $(if $(filter 1,$(V)),,-s)
CFLAGS_LEARNER := $(filter-out -Werror,$(CFLAGS))
# $(B)/flags holds the compiler and flags this variant was built with; every
# object depends on it, and it changes only when they do (make CC=clang rebuilds).
KIT_FLAGS := $(CC) | $(CFLAGS) | $(LDSAN) | $(LDLIBS) | $(CHECK_CFLAGS) | $(CHECK_LIBS)
FLAGS    := $(B)/flags

# STRICT=1 (scripts, CI): the learner's commands fail (make exits non-zero)
# when make check has a failing step, make labNN stops at a TODO, or LAB/STEP
# is wrong. Without it the kit's own message is the whole output and make exits
# 0 for those outcomes (no make error line); anything else still fails.
# kit_outcome CODES: the end of a recipe line whose command set rc.
kit_outcome = $(if $(filter 1,$(STRICT)),,for c in $(1); do [ $$rc = $$c ] && exit 0; done;) exit $$rc
# kit_lock: one learner command of the kit at a time builds and runs the suites
# (a second make check waits for the first instead of seeing half-linked binaries).
kit_lock = mkdir -p build && exec 9> build/.lock && { flock -n 9 || { echo "(waiting for another make command of the kit to finish)"; flock 9; }; }
# kit_first: one line before the first build, which is silent otherwise.
kit_first = [ -e $(LIBKIT) ] || echo "(building the kit first: once, about half a minute)"

# ---- what there is -------------------------------------------------------------
CORE_SRC   := $(wildcard common/*.c)
CORE_OBJ   := $(CORE_SRC:%.c=$(B)/%.o)
LIBKIT     := $(B)/libkit.a
HARNESS    := $(B)/tests/harness.o
CORE_TESTS := $(patsubst tests/%.c,$(B)/tests/%,$(wildcard tests/core_*_test.c))
LAB_DIRS   := $(notdir $(wildcard solutions/[0-9][0-9]_*))
lab_nn      = $(firstword $(subst _, ,$(1)))

.DEFAULT_GOAL := all
# LAB=03 narrows check, status, next and hint to one lab. Its number, in make
# (no shell): lab3, 03_mlp, labs/03_mlp/ all give 03.
lab_num = $(firstword $(subst _, ,$(firstword $(subst ., ,$(patsubst lab%,%,$(notdir $(patsubst %/,%,$(1))))))))
LAB_NN  := $(if $(LAB),$(if $(filter 0 1 2 3 4 5 6 7 8 9,$(call lab_num,$(LAB))),0)$(call lab_num,$(LAB)))
LAB_DIR := $(if $(LAB_NN),$(firstword $(filter $(LAB_NN)_%,$(LAB_DIRS))))
# The labs a learner's command builds: LAB's, or every lab with code in labs/.
LEARNER_LABS := $(if $(LAB),$(LAB_DIR),$(foreach d,$(LAB_DIRS),$(if $(wildcard labs/$(d)/*.c),$(d))))
LEARNER_ENV   = B=$(B) LAB="$(LAB)" STEP="$(STEP)"

.PHONY: all build help test check test-tools bench fuzz memcheck test-robust skeletons plots docs deps clean compile_commands.json status next hint reset solution \
        test-core test-solutions test-skeletons test-sync test-docs test-docs-browser reference-figures learner-build core watch lecture-data FORCE

## all: build the core, every lab (yours and the solutions) and every test
all: build
	@echo
	@echo "Built the kit in $(B)/. next: make lab00   (then: make check LAB=00)"

build: $(LIBKIT) $(CORE_TESTS) $(B)/tools/bench

core: $(LIBKIT) $(HARNESS) $(CORE_TESTS)

## help: list every target with what it does
help:
	@echo "makemore-c: make TARGET [VAR=value]"
	@echo
	@grep -hE '^## ' $(MAKEFILE_LIST) | sed -e 's/^## //' | awk '{ i = index($$0, ": "); printf "  %-24s %s\n", substr($$0, 1, i - 1), substr($$0, i + 2) }'
	@echo
	@echo "Variables: LAB=03 STEP=2 (narrow check, next, hint, status), ARGS=\"--steps 1000\" (flags for a lab run),"
	@echo "           SANITIZE=1 (ASan+UBSan build), NATIVE=1 (-march=native build; FMA=0 for the default build's bits), DEBUG=1 (-O0, NaN-poisoned arenas)"
	@echo "           FROM=auto|labs|solutions (whose data make plots draws), GNUTERM=dumb (plots in the terminal)"
	@echo "           V=1 (show the compiler's command lines), STRICT=1 (for scripts: fail when a step fails, at a TODO stop, or on a wrong LAB/STEP)"
	@echo "           MAINTAINER=1 (make deps: the maintainers' tools too)"
	@echo "Every command also works from inside a lab's folder (labs/03_mlp: make check is make check LAB=03)."

# ---- the core ---------------------------------------------------------------------
$(FLAGS): FORCE
	@mkdir -p $(@D); if [ "$$(cat $@ 2>/dev/null)" != '$(KIT_FLAGS)' ]; then printf '%s\n' '$(KIT_FLAGS)' > $@; fi

$(B)/common/%.o: common/%.c $(FLAGS)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBKIT): $(CORE_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(HARNESS): tests/harness.c tests/harness.h $(FLAGS)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(CHECK_CFLAGS) -Itests -MMD -MP -c $< -o $@

$(B)/tests/core_%_test: tests/core_%_test.c $(HARNESS) $(LIBKIT) $(FLAGS)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(CHECK_CFLAGS) -Itests -MMD -MP $< $(HARNESS) $(LIBKIT) $(LDSAN) $(CHECK_LIBS) $(LDLIBS) -o $@

# ---- the labs: one template, instantiated for solutions/ and labs/ ----------------
# $(1) = tree (solutions or labs), $(2) = lab dir (03_mlp), $(3) = NN (03)
CFLAGS_solutions := $(CFLAGS)
CFLAGS_labs      := $(CFLAGS_LEARNER)
define LAB_RULES
$(1)_$(3)_SRC  := $$(wildcard $(1)/$(2)/*.c)
$(1)_$(3)_OBJ  := $$($(1)_$(3)_SRC:%.c=$(B)/%.o)
$(1)_$(3)_LIB  := $$(filter-out %/main.o,$$($(1)_$(3)_OBJ))
$(1)_$(3)_BIN  := $(B)/$(1)/$(2)/lab$(3)
$(1)_$(3)_TEST := $(B)/$(1)/$(2)/lab$(3)_test

$(B)/$(1)/$(2)/%.o: $(1)/$(2)/%.c $(FLAGS)
	@mkdir -p $$(@D)
	$(Q)$$(CC) $$(CFLAGS_$(1)) $$(LAB_CFLAGS) -I$(1)/$(2) -MMD -MP -c $$< -o $$@

$$($(1)_$(3)_BIN): $$($(1)_$(3)_OBJ) $(LIBKIT)
	$(Q)$$(CC) $$(CFLAGS_$(1)) $$^ $$(LDSAN) $$(LDLIBS) -o $$@

$(B)/$(1)/$(2)/lab$(3)_test.o: tests/lab$(3)_test.c $(FLAGS)
	@mkdir -p $$(@D)
	$(Q)$$(CC) $$(CFLAGS_$(1)) $$(CHECK_CFLAGS) -Itests -I$(1)/$(2) -MMD -MP -c $$< -o $$@

$$($(1)_$(3)_TEST): $(B)/$(1)/$(2)/lab$(3)_test.o $$($(1)_$(3)_LIB) $(HARNESS) $(LIBKIT)
	$(Q)$$(CC) $$(CFLAGS_$(1)) $$^ $$(LDSAN) $$(CHECK_LIBS) $$(LDLIBS) -o $$@

build: $$($(1)_$(3)_BIN) $$(if $$(wildcard tests/lab$(3)_test.c),$$($(1)_$(3)_TEST))
endef

# make lab03 (and make lab3): build under the lock, then run without it.
define LAB_TARGETS
.PHONY: lab$(2) lab$(2)-solution
lab$(2): ; @( $$(kit_lock); $$(kit_first); $$(SUBMAKE) $$(labs_$(2)_BIN) ) && { ./$$(labs_$(2)_BIN) $$(ARGS); rc=$$$$?; $$(call kit_outcome,2 3); }
lab$(2)-solution: ; @( $$(kit_lock); $$(kit_first); $$(SUBMAKE) $$(solutions_$(2)_BIN) ) && ./$$(solutions_$(2)_BIN) --out build/out/lab$(2)-solution $$(ARGS)
$(if $(filter 0%,$(2)),.PHONY: lab$(patsubst 0%,%,$(2)) lab$(patsubst 0%,%,$(2))-solution
lab$(patsubst 0%,%,$(2)): lab$(2)
lab$(patsubst 0%,%,$(2))-solution: lab$(2)-solution)
endef

$(foreach d,$(LAB_DIRS),$(eval $(call LAB_RULES,solutions,$(d),$(call lab_nn,$(d)))))
$(foreach d,$(LAB_DIRS),$(if $(wildcard labs/$(d)/*.c),$(eval $(call LAB_RULES,labs,$(d),$(call lab_nn,$(d))))))
$(foreach d,$(LAB_DIRS),$(eval $(call LAB_TARGETS,$(d),$(call lab_nn,$(d)))))

## labNN: build your version of lab NN (labs/) and run it, e.g. make lab03 ARGS="--steps 1000" (make lab3 too)
## labNN-solution: build and run the complete solution of lab NN (logs in build/out/labNN-solution)

# ---- checking -------------------------------------------------------------------------
# learner-build: the core, then each of LEARNER_LABS's binary and test suite in a
# make of its own, so a compile error in one lab does not stop the others. The
# compiler's output goes to build/check/labNN.compile (and labNN.compile.failed
# when it failed): check.sh and progress.sh show it under that lab.
learner-build:
	@$(kit_first); $(SUBMAKE) core
	@mkdir -p build/check; for d in $(LEARNER_LABS); do n=$${d%%_*}; log=build/check/lab$$n.compile; rm -f $$log.failed; \
	  t=$(B)/labs/$$d/lab$$n; [ -f tests/lab$${n}_test.c ] && t="$$t $(B)/labs/$$d/lab$${n}_test"; \
	  $(SUBMAKE) $$t > $$log 2>&1 || touch $$log.failed; done

## check: your test run against labs/: a checklist per lab, the score, and what to do next (LAB=03 STEP=2 narrow it)
check:
	@$(kit_lock); $(SUBMAKE) learner-build || exit; $(LEARNER_ENV) bash tools/check.sh; rc=$$?; $(call kit_outcome,1 2)

## watch: re-run a lab's checklist each time you save one of its files, until Ctrl-C: make watch LAB=03
watch:
	@$(LEARNER_ENV) MAKE="$(MAKE)" bash tools/watch.sh; rc=$$?; $(call kit_outcome,2)

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
	@B=$(B) CC="$(CC)" CFLAGS="$(CFLAGS) $(LAB_CFLAGS)" bash tools/test_skeletons.sh $(LAB_DIRS)

test-tools: build
	@bash tests/tools_test.sh

test-docs:
	@bash tools/docs.sh --strict
	@bash tools/reference_figures.sh --check
	@bash tests/docs_test.sh > build/docs/docs_test.log 2>&1 || { cat build/docs/docs_test.log; exit 1; }
	@tail -n 1 build/docs/docs_test.log | sed 's/^/docs gate: /'

## skeletons: regenerate labs/*/ code from solutions/ (overwrites the learner's files: maintainers only)
skeletons:
	@bash tools/skeleton.sh

## status: a table of the labs: steps done / total, and the next step (LAB=03: that lab only)
status:
	@$(kit_lock); $(SUBMAKE) learner-build || exit; $(LEARNER_ENV) bash tools/progress.sh status; rc=$$?; $(call kit_outcome,2)

## next: only the next step: its TODO, file:line, and the handout section to read (LAB=03: within that lab)
next:
	@$(kit_lock); $(SUBMAKE) learner-build || exit; $(LEARNER_ENV) bash tools/progress.sh next; rc=$$?; $(call kit_outcome,2)

## hint: a hint for a step, in tiers (ask again for more): make hint LAB=03 STEP=2 (no STEP: the next step's)
hint:
	@$(kit_lock); $(if $(STEP),,$(SUBMAKE) learner-build || exit;) $(LEARNER_ENV) bash tools/progress.sh hint; rc=$$?; $(call kit_outcome,2)

## reset: restore your lab files from the skeleton (saved first under build/backup/): make reset LAB=03
reset:
	@$(LEARNER_ENV) bash tools/progress.sh reset; rc=$$?; $(call kit_outcome,2)

## solution: compare your lab file with the solution (spoilers!): make solution LAB=03
solution:
	@$(LEARNER_ENV) bash tools/progress.sh solution; rc=$$?; $(call kit_outcome,2)

## plots: render every lab's figures as PNG and SVG under build/plots (GNUTERM=dumb draws them in the terminal)
plots:
	@B=$(B) bash tools/plots.sh

## test-docs-browser: open the built site's pages in headless Chromium: every image loads, every formula is typeset (maintainers; CI)
test-docs-browser:
	@bash tools/docs.sh > /dev/null && bash tools/docs_browser.sh

## reference-figures: run every figure's solution and commit its PNG in docs/figures/ (maintainers; make test checks they are not stale)
reference-figures: build
	@B=$(B) bash tools/reference_figures.sh

## docs: the Doxygen site under build/docs/html (README as main page, handouts, the core's API)
docs:
	@bash tools/docs.sh

## deps: install the Debian packages a learner needs, saying what each is for (sudo make deps; MAINTAINER=1 adds valgrind, clang, libFuzzer)
deps:
	@MAINTAINER="$(MAINTAINER)" bash tools/deps.sh install

## lecture-data: download makemore's own names.txt (checked by its SHA-256) to data/makemore-names.txt, for --data
lecture-data:
	@bash tools/lecture_data.sh

## bench: train labs 03, 05, 02 (full batch) and 06 (manual backward against autograd) in C and, if installed, PyTorch, side by side (results in build/bench/results.json; NATIVE=1 for -march=native)
bench: $(B)/tools/bench
	-@B=$(B) bash tools/bench.sh

# lab 06's workloads time the solution's own model_train and manual_backward: its objects are linked in
$(B)/tools/bench: tools/bench.c tools/embed_ce.c $(solutions_06_LIB) $(LIBKIT) $(FLAGS)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Isolutions/06_backprop -MMD -MP $(filter %.c,$^) $(solutions_06_LIB) $(LIBKIT) $(LDSAN) $(LDLIBS) -o $@

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

## clean: remove build/ except build/backup/ (make reset's copies of your files; rm -rf build deletes those too)
clean:
	@if [ -d build/backup ]; then find build -mindepth 1 -maxdepth 1 ! -name backup -exec rm -rf {} +; \
	  echo "removed build/, except build/backup/ (the copies make reset saved of your files)"; else rm -rf build; echo "removed build/"; fi

FORCE:

-include $(shell find $(B) -name '*.d' 2>/dev/null)

endif # the kit's folder

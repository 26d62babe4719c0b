# Two commands for a fresh Debian 12 machine (as root or with sudo):
#   make demo   install what is missing, build (Release), run the whole pipeline, print the table
#   make test   install what is missing, build, run the test suite with ctest
#   make test-sanitize   the unit tests built with AddressSanitizer + UndefinedBehaviorSanitizer,
#                        and every fuzz target run briefly (clang, libFuzzer)
BUILD ?= build
OUT ?= runs/demo
JOBS ?= $(shell nproc)

SANITIZE_BUILD ?= build-sanitize
# AddressSanitizer and UBSan only: LeakSanitizer is off because OpenVINO leaks 8 bytes in a
# frontend library it loads to probe a corrupt model and unloads again, so the leak has no stack
# a suppression could name (tests/sanitizers/lsan.supp holds the suppression that works with
# full stacks: `make test-sanitize LEAKS=1`, much slower).
# TBB (inside OpenVINO) dlopens tbbbind with RTLD_DEEPBIND, which ASan refuses, unless told otherwise.
LEAKS ?= 0
SANITIZER_ENV = TBB_ENABLE_SANITIZERS=1 \
  ASAN_OPTIONS=detect_leaks=$(LEAKS):fast_unwind_on_malloc=$(if $(filter 1,$(LEAKS)),0,1):abort_on_error=0:strict_string_checks=1 \
  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

.PHONY: all setup configure build demo test test-sanitize bench package install clean
all: build

setup:
	@bash scripts/setup.sh

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

configure: setup $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The relocatable install tree (PREFIX) and the .tar.gz/.deb packages of its two components
# (torchvino-runtime: inference without LibTorch; torchvino-cli), written to $(BUILD)/.
PREFIX ?= /opt/torchvino
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)
package: build
	cd $(BUILD) && cpack

# Only what the demo runs: the command-line tool, not the test suite (`make test` builds that).
demo: configure
	cmake --build $(BUILD) -j $(JOBS) --target torchvino_cli
	$(BUILD)/torchvino pipeline --out $(OUT)

test: build
	@bash scripts/setup.sh test
	ctest --test-dir $(BUILD) --output-on-failure -j 1

# The unit tests (CLI tests included) built by clang with ASan + UBSan, plus a short libFuzzer run
# of every fuzz target from its kept corpus (tests/fuzz); the integration tests train for minutes
# and run in `make test` only. bench/fuzz.sh runs the fuzzers for longer in the same build.
test-sanitize:
	@bash scripts/setup.sh sanitize
	cmake -S . -B $(SANITIZE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
	  -DTORCHVINO_SANITIZE=ON -DTORCHVINO_FUZZ=ON -DTORCHVINO_UNITY_BUILD=OFF
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	$(SANITIZER_ENV) ctest --test-dir $(SANITIZE_BUILD) -L unit --output-on-failure -j 1

bench: build
	bash bench/run_all.sh

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD)

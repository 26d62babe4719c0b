# Two commands for a fresh Debian 12 machine (as root or with sudo):
#   make demo   install what is missing, build (Release), run the whole pipeline, print the table
#   make test   install what is missing, build, run the test suite with ctest
BUILD ?= build
OUT ?= runs/demo
JOBS ?= $(shell nproc)

.PHONY: all setup configure build demo test bench clean
all: build

setup:
	@bash scripts/setup.sh

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

configure: setup $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/torchvino pipeline --out $(OUT)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j 1

bench: build
	bash bench/run_all.sh

clean:
	rm -rf $(BUILD)

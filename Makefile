# Thin front over CMake. `make demo` and `make test` work on a fresh Debian 12.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# `make fuzz`: its own build folder (clang), and how long each target runs.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all build deps configure protos test bench demo fuzz clean

all: build

# Debian packages heyhi needs (idempotent; installs only what is missing).
deps:
	bash tools/install_deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j$(JOBS)

# Regenerate the schema code after editing proto/*.proto, then rebuild.
protos: configure
	cmake --build $(BUILD) -j$(JOBS) --target protos
	cmake --build $(BUILD) -j$(JOBS)

test: deps
	$(MAKE) build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 900

# The libFuzzer targets (tests/fuzz: clang, ASan + UBSan, a build of their
# own): builds them, then runs each FUZZ_SECONDS on a copy of its corpus.
fuzz:
	bash tests/fuzz/run.sh --build $(FUZZ_BUILD) --seconds $(FUZZ_SECONDS) --jobs $(JOBS)

bench: build
	@for b in $(BUILD)/tests/bench/*_bench; do echo "== $$b"; $$b; done

# The main job: a real training run on Fashion-MNIST, locally.
# Builds only the run binary (and what it links), not the tests.
demo: deps
	$(MAKE) configure
	cmake --build $(BUILD) -j$(JOBS) --target run
	$(BUILD)/run -c conf/c02_sup_train/sl.prototxt --adhoc

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)

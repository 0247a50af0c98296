# A thin wrapper over CMake and ctest. Every target installs what it needs
# first (scripts/install-deps is quick when everything is present).

BUILD       ?= build
BUILD_ASAN  ?= build-asan
BUILD_FUZZ  ?= build-fuzz
JOBS        ?= $(shell nproc)
FUZZ_SECONDS ?= 10
CTEST_FLAGS ?= --output-on-failure

.PHONY: all deps build test test-unit test-integration test-sanitize test-fuzz fuzz demo bench connector-zip clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Everything CI runs: unit and black-box tests, the sanitizer build of the
# unit tests, and every fuzz target for FUZZ_SECONDS.
test: build
	cd $(BUILD) && ctest $(CTEST_FLAGS) -j $(JOBS)
	@$(MAKE) --no-print-directory test-sanitize
	@$(MAKE) --no-print-directory test-fuzz

test-unit: build
	cd $(BUILD) && ctest $(CTEST_FLAGS) -L unit

test-integration: build
	cd $(BUILD) && ctest $(CTEST_FLAGS) -L integration

test-sanitize: deps
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOWLERY_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest $(CTEST_FLAGS) -j $(JOBS)

test-fuzz: deps
	@CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOWLERY_FUZZ=ON \
	  -DOWLERY_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS)
	cd $(BUILD_FUZZ) && ctest $(CTEST_FLAGS) -L fuzz

fuzz:
	@$(MAKE) --no-print-directory test-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

demo: build
	@scripts/demo

bench: build
	@scripts/bench

# The connector function's deployment package: build/owlery-hms-connector.zip.
connector-zip: build
	@scripts/connector-zip $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)

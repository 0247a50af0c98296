# A thin wrapper over CMake and ctest. Every target installs what it needs
# first (scripts/install-deps is quick when everything is present).

BUILD       ?= build
BUILD_ASAN  ?= build-asan
BUILD_FUZZ  ?= build-fuzz
JOBS        ?= $(shell nproc)
FUZZ_SECONDS ?= 10
CTEST_FLAGS ?= --output-on-failure
LOAD_SECONDS ?= 30
LOAD_CLIENTS ?= 64
SUITE_PYTEST = OWLERY_BUILD=$(CURDIR)/$(BUILD) OWLERY_BIN=$(CURDIR)/$(BUILD)/bin \
	/usr/bin/python3 -m pytest -q -s -p no:cacheprovider

.PHONY: all deps build test test-unit test-integration test-load test-faults test-sanitize test-fuzz fuzz demo bench connector-zip clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Everything CI runs: unit and black-box tests, the load and fault suites,
# the sanitizer build of the unit tests, and every fuzz target for FUZZ_SECONDS.
test: build
	cd $(BUILD) && ctest $(CTEST_FLAGS) -j $(JOBS)
	@$(MAKE) --no-print-directory test-load
	@$(MAKE) --no-print-directory test-faults
	@$(MAKE) --no-print-directory test-sanitize
	@$(MAKE) --no-print-directory test-fuzz

test-unit: build
	cd $(BUILD) && ctest $(CTEST_FLAGS) -L unit

test-integration: build
	cd $(BUILD) && ctest $(CTEST_FLAGS) -L integration

# LOAD_CLIENTS threads against one owlery serve for LOAD_SECONDS; prints
# calls, errors and latency percentiles per kind of call, and peak memory.
test-load: build
	cd tests/load && LOAD_SECONDS=$(LOAD_SECONDS) LOAD_CLIENTS=$(LOAD_CLIENTS) $(SUITE_PYTEST) test_load.py

# kill -9 during writes and queries, a dead or hung metastore, failing
# connector functions and a full disk; each case prints what it checked.
test-faults: build
	cd tests/faults && $(SUITE_PYTEST) test_faults.py

# The connector function under test comes from the plain build: Lambda's
# address-space limit on functions cannot hold AddressSanitizer's shadow memory.
test-sanitize: build
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOWLERY_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  OWLERY_CONNECTOR_BUILD=$(CURDIR)/$(BUILD) ctest $(CTEST_FLAGS) -j $(JOBS)

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

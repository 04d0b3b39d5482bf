# The two commands of the README: `make run` and `make test`. Both run the set-up first.
PRESET ?= dev
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)

.PHONY: all setup configure build run test test-asan test-asan-stages fuzz bench-store clean

all: build

setup:
	@scripts/setup

configure: setup
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Starts the server on loopback with generated demo data in ./vigil-data.
run: build
	@$(BUILD)/vigil server --demo --data vigil-data

test: build
	@ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure --timeout 600

test-asan:
	@$(MAKE) --no-print-directory test PRESET=asan

# CI's sanitizer pass: the unit tests of the stages that take untrusted bytes apart and
# keep them. The CLI, the server and the integration tests run in `make test`; building
# them a second time with sanitizers would take CI past its time budget on 2 cores.
ASAN_STAGES ?= core parse normalize ingest detect query store
test-asan-stages: setup
	@cmake --preset asan >/dev/null
	@cmake --build build/asan -j $(JOBS) --target $(addsuffix _tests,$(ASAN_STAGES))
	@printf '%s\n' $(ASAN_STAGES) | xargs -P $(JOBS) -I{} sh -c \
	  'build/asan/tests/{}_tests --gtest_brief=1 > build/asan/{}_tests.log 2>&1 \
	     && echo "asan: {}_tests passed" || { cat build/asan/{}_tests.log; echo "asan: {}_tests FAILED"; exit 1; }'

# libFuzzer targets (clang): build/fuzz/tests/fuzz/*_fuzz
fuzz: setup
	@cmake --preset fuzz >/dev/null && cmake --build build/fuzz -j $(JOBS)

# Store benchmark of issue 3, Vigil and ClickHouse (npm chdb) side by side on the
# replayed corpus: `make bench-store BENCH_ARGS="--events 1000000"`. See bench/RESULTS.md.
bench-store: setup
	@bench/run_store_bench.sh $(BENCH_ARGS)

clean:
	rm -rf build

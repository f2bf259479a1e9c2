# hqd — the README's commands. Everything builds with CMake presets (see CMakePresets.json).
#   make          build build/hqd
#   make run      install what is missing, build, import the example plan, create demo accounts
#                 (passwords printed once) and serve the platform on http://127.0.0.1:8080
#   make test     the whole suite (unit, golden, CLI, fuzz smoke); ends "N passed, N failed"
#   make bench    benchmarks (release build)
#   make lint     banned functions, clang-format check, cppcheck
SHELL := /bin/bash
DB ?= var/hqd.db
PLAN ?= examples/plan-2020-28.txt

.PHONY: all build deps run test asan bench lint clean fuzz

all: build

deps:
	@scripts/deps.sh build

build: deps
	@[ -f build/build.ninja ] || cmake --preset dev >/dev/null
	@cmake --build --preset dev

LISTEN ?= 127.0.0.1:8080

run: build
	@build/hqd plan import $(PLAN) --db $(DB)
	@build/hqd entity list --json --db $(DB) | grep -q uscc || \
	  { build/hqd entity import examples/entities.csv --db $(DB) && \
	    build/hqd entity import examples/facts.csv --db $(DB) && \
	    build/hqd entity import examples/contracts.csv --db $(DB); }
	@build/hqd demo accounts --db $(DB)
	@echo "打开 http://$(LISTEN) 用上面的账号登录；Ctrl-C 停止。"
	@build/hqd serve --db $(DB) --listen $(LISTEN)

fuzz:
	@scripts/deps.sh test
	@[ -f build/fuzz/build.ninja ] || cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz

test:
	@scripts/deps.sh test
	@[ -f build/build.ninja ] || cmake --preset dev >/dev/null
	@cmake --build --preset dev
	@$(MAKE) --no-print-directory fuzz
	@scripts/run-tests.sh build

asan:
	@scripts/deps.sh test
	@[ -f build/asan/build.ninja ] || cmake --preset asan >/dev/null
	@cmake --build --preset asan
	@scripts/run-tests.sh build/asan

bench:
	@scripts/deps.sh bench
	@[ -f build/release/build.ninja ] || cmake --preset release >/dev/null
	@cmake --build --preset release
	@bench/run.sh build/release

lint:
	@scripts/check-banned.sh
	@clang-format --dry-run --Werror $$(git ls-files "src/*.c" "src/*.h" "tests/*.c" "bench/*.c")
	@cppcheck --quiet --enable=warning,portability --error-exitcode=1 --inline-suppr \
	  -I src --suppress=missingIncludeSystem src

clean:
	rm -rf build

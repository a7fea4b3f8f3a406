# The contract with a new user: `make demo` and `make test`, from a fresh clone on a
# new Debian machine. Both install what they need first (Debian packages with
# apt-get, the Python reference tools into .venv).

SWIFT      ?= swift
VENV       ?= .venv
PYTHON     := $(VENV)/bin/python3
APT_PKGS   := libusb-1.0-0-dev libudev-dev libsqlite3-dev zlib1g-dev openssl curl sqlite3 pkg-config umockdev gir1.2-umockdev-1.0 python3-gi util-linux chromium chromium-driver
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PRECIS     := .build/debug/precis

.PHONY: all deps venv build demo test bench fuzz clean

all: build

## Debian packages the C targets link against; installed only when missing.
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

## The reference tools Tests/Conformance compares against, in a virtual environment.
venv: $(VENV)/.installed
$(VENV)/.installed: Tests/Conformance/requirements.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r Tests/Conformance/requirements.txt
	touch $@

build: deps
	$(SWIFT) build --product precis

## A simulated CRP lateral-flow assay, from the reader's wire protocol to a queued
## result in the default store (~/.local/share/precis/precis.sqlite).
demo: build
	$(PRECIS) devices
	$(PRECIS) run --device sim:lfr --assay crp --sample S-0001
	$(PRECIS) queue

test: deps venv
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20 > .build-fuzz.log 2>&1 || { tail -40 .build-fuzz.log; exit 1; }
	@grep -E "^Done [0-9]+ runs" .build-fuzz.log
	$(SWIFT) build --build-tests
	PRECIS_PYTHON=$(abspath $(PYTHON)) $(SWIFT) test --skip-build

clean:
	rm -rf .build $(VENV)

## Benchmarks (package-benchmark), in their own build folder; medians are what we report.
bench: deps
	PRECIS_BENCHMARKS=1 $(SWIFT) package --scratch-path .build-bench benchmark --no-progress

## Fuzz the device decoders with libFuzzer for FUZZ_SECONDS (default 60).
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := .build-fuzz
fuzz: deps
	PRECIS_FUZZ=1 $(SWIFT) build --scratch-path $(FUZZ_BUILD) --product PrecisFuzzTargets \
	    -Xswiftc -sanitize=fuzzer,address
	swiftc -sanitize=fuzzer,address -parse-as-library -I $(FUZZ_BUILD)/debug/Modules \
	    Tests/Fuzz/FrameFuzzer/FrameFuzzer.swift $(FUZZ_BUILD)/debug/libPrecisFuzzTargets.a -o $(FUZZ_BUILD)/frame-fuzzer
	mkdir -p $(FUZZ_BUILD)/corpus
	$(FUZZ_BUILD)/frame-fuzzer -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $(FUZZ_BUILD)/corpus

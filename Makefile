# The contract with a new user: `make demo` and `make test`, from a fresh clone on a
# new Debian machine. Both install what they need first (Debian packages with
# apt-get, the Python reference tools into .venv).

SWIFT      ?= swift
VENV       ?= .venv
PYTHON     := $(VENV)/bin/python3
APT_PKGS   := libusb-1.0-0-dev libudev-dev libsqlite3-dev zlib1g-dev libsodium-dev openssl curl sqlite3 pkg-config umockdev gir1.2-umockdev-1.0 python3-gi util-linux chromium chromium-driver
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PRECIS     := .build/debug/precis

VERSION    := $(shell cat packaging/VERSION)
ARCH       := $(shell dpkg --print-architecture)
RELEASE    := .build-release/release/precis

.PHONY: all deps venv build demo test bench bench-api bench-events fuzz clean deb deb-check

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
## result in the default store (~/.local/share/precis/precis.sqlite); then a blood lead
## on the simulated potentiostat, an HIV-1 viral-load plate on the simulated cycler and a
## sequencing run on the simulated sequencer, each result queued for the centre.
demo: build
	$(PRECIS) devices
	$(PRECIS) run --device sim:lfr --assay crp --sample S-0001
	$(PRECIS) run --device 'sim:methodscript?lead=12' --assay lead --lot PB26D01 --sample S-0002
	$(PRECIS) run --device 'sim:qpcr?cycle-ms=5&wells=Calibration/plates/hiv1-vl-sim-wells.csv' --assay hiv1-vl \
	  --lot HIV26B01 --layout Calibration/plates/hiv1-vl-plate.csv
	$(PRECIS) run --device 'sim:nps?channels=16&reads=4&length=3000&gap=400&fast' --sample S-0003
	$(PRECIS) run --device 'sim:obp?hb=13.5' --assay hb --lot HB26E01 --sample S-0004
	$(PRECIS) queue

test: deps venv
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10 > .build-fuzz.log 2>&1 || { tail -40 .build-fuzz.log; exit 1; }
	@grep -E "^(fuzz:|Done [0-9]+ runs)" .build-fuzz.log
	$(SWIFT) build --build-tests
	PRECIS_PYTHON=$(abspath $(PYTHON)) $(SWIFT) test --skip-build --skip ChaosTests
	@# The kill-and-fail test last and alone: its kills are timed against its own uploaders, and
	@# its expectations' messages then end the log when it fails.
	$(SWIFT) test --skip-build --filter ChaosTests --skip InboxChaosTests
	@# The S3 inbox's chaos (512 MiB, 10 kills) after it, alone too: the two would slow each other's kills.
	PRECIS_PYTHON=$(abspath $(PYTHON)) $(SWIFT) test --skip-build --filter InboxChaosTests

## The Debian package from a release build (Swift's runtime linked in): out/precis_$(VERSION)_$(ARCH).deb.
deb:
	@$(MAKE) --no-print-directory deps APT_PKGS="$(APT_PKGS) dpkg-dev binutils lintian help2man"
	$(SWIFT) build -c release --static-swift-stdlib --product precis --scratch-path .build-release
	packaging/deb/build.sh $(VERSION) $(RELEASE) out

## What CI does with it after `make test`: lintian, install, doctor, a run, upgrade over itself, remove (root).
deb-check: deb
	$(SUDO) packaging/deb/check.sh out/precis_$(VERSION)_$(ARCH).deb

clean:
	rm -rf .build .build-release out $(VENV)

## Benchmarks (package-benchmark), in their own build folder; medians are what we report.
bench: deps venv
	PRECIS_BENCHMARKS=1 $(SWIFT) package --scratch-path .build-bench benchmark --no-progress

## The release kiosk under wrk with 10,000 stored runs: requests/s, p50/p99, peak RSS.
bench-api:
	@$(MAKE) --no-print-directory deps APT_PKGS="$(APT_PKGS) wrk"
	$(SWIFT) build -c release --static-swift-stdlib --product precis --scratch-path .build-release
	Benchmarks/api/bench-api.sh $(RELEASE)

## Offline event detection: `precis events` (release) against the plain C transcription of the
## detector (Benchmarks/EventsBenchmark/detect.c, cc -O3 -march=native, no fused multiply-add so
## that it does the transcription's arithmetic) on the same 300-read
## uncompressed BLOW5 (11.3 M samples, made once by make-reads.py), each process timed whole, in
## turn, BENCH_RUNS times (default 7): the medians, the ratio and the load.
BENCH_EVENTS := .build-bench-events
BENCH_RUNS   ?= 7
bench-events:
	$(SWIFT) build -c release --static-swift-stdlib --product precis --scratch-path .build-release
	@mkdir -p $(BENCH_EVENTS)
	cc -O3 -march=native -ffp-contract=off -o $(BENCH_EVENTS)/detect Benchmarks/EventsBenchmark/detect.c -lm
	@[ -e $(BENCH_EVENTS)/reads300.blow5 ] || python3 Benchmarks/EventsBenchmark/make-reads.py $(BENCH_EVENTS)/reads300.blow5 300 12000 60000 300
	python3 Benchmarks/EventsBenchmark/bench-events.py $(RELEASE) $(BENCH_EVENTS)/detect $(BENCH_EVENTS)/reads300.blow5 $(BENCH_RUNS)

## Fuzz every reader of outside input with libFuzzer, FUZZ_SECONDS (default 60) each: one
## binary, precis-fuzz, the reader chosen by PRECIS_FUZZ_TARGET. Each corpus is seeded from
## the real files in Tests/Conformance/Fixtures, Calibration/ and Tests/Fuzz/Seeds; a crash
## leaves its input as $(FUZZ_BUILD)/<target>-crash-* (or -oom-, -timeout-) and stops make.
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := .build-fuzz
FUZZ_TARGETS := frames rdml slow5 csv profile methodscript json config answer obp s3 c4gh
FUZZ_FLAGS   := -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=20 -detect_leaks=0
FIXTURES     := Tests/Conformance/Fixtures
fuzz-seeds-frames       := $(FIXTURES)/methodscript/example_streams.txt
fuzz-seeds-rdml         := $(FIXTURES)/qpcr/own_mix_a.rdml $(FIXTURES)/qpcr/matrix_gaps.rdml
fuzz-seeds-slow5        := $(FIXTURES)/nanopore/one_fast5_exp_1_default.slow5 $(FIXTURES)/nanopore/one_fast5_exp_1_default.blow5
fuzz-seeds-csv          := Calibration/plates/sim-dilution-series.csv Calibration/plates/hiv1-vl-plate.csv Calibration/plates/sars-cov-2-plate.csv
fuzz-seeds-profile      :=
fuzz-seeds-methodscript := $(FIXTURES)/methodscript/example_streams.txt
fuzz-seeds-json         := Calibration/assays/crp.json Calibration/lots/CRP26A07.json Calibration/qc/QC-CRP-2609.json
fuzz-seeds-config       :=
fuzz-seeds-answer       :=
fuzz-seeds-obp          :=
fuzz-seeds-s3           :=
fuzz-seeds-c4gh         :=
fuzz: deps
	PRECIS_FUZZ=1 $(SWIFT) build --scratch-path $(FUZZ_BUILD) --product PrecisFuzzTargets \
	    -Xswiftc -sanitize=fuzzer,address
	swiftc -sanitize=fuzzer,address -parse-as-library -I $(FUZZ_BUILD)/debug/Modules -I Sources/CZlib -I Sources/CSodium \
	    Tests/Fuzz/ReaderFuzzer/*.swift $(FUZZ_BUILD)/debug/libPrecisFuzzTargets.a -lz -lsodium -o $(FUZZ_BUILD)/precis-fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
	  case $$t in \
	    frames) seeds="$(fuzz-seeds-frames)";; rdml) seeds="$(fuzz-seeds-rdml)";; slow5) seeds="$(fuzz-seeds-slow5)";; \
	    csv) seeds="$(fuzz-seeds-csv)";; profile) seeds="$(fuzz-seeds-profile)";; methodscript) seeds="$(fuzz-seeds-methodscript)";; \
	    json) seeds="$(fuzz-seeds-json)";; config) seeds="$(fuzz-seeds-config)";; answer) seeds="$(fuzz-seeds-answer)";; \
	    obp) seeds="$(fuzz-seeds-obp)";; s3) seeds="$(fuzz-seeds-s3)";; c4gh) seeds="$(fuzz-seeds-c4gh)";; esac; \
	  for f in $$seeds $$(ls Tests/Fuzz/Seeds/$$t/* 2>/dev/null); do cp -f $$f $(FUZZ_BUILD)/corpus/$$t/; done; \
	  if [ $$t = frames ]; then len=4096; else len=65536; fi; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  ASAN_OPTIONS=detect_leaks=0 PRECIS_FUZZ_TARGET=$$t $(FUZZ_BUILD)/precis-fuzz $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) -max_len=$$len \
	      -artifact_prefix=$(FUZZ_BUILD)/$$t- $(FUZZ_BUILD)/corpus/$$t > $(FUZZ_BUILD)/$$t.log 2>&1 \
	    || { tail -40 $(FUZZ_BUILD)/$$t.log; echo "fuzz: $$t failed; the input is $(FUZZ_BUILD)/$$t-*"; exit 1; }; \
	  grep -E "^Done [0-9]+ runs" $(FUZZ_BUILD)/$$t.log; \
	done

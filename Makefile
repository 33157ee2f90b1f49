# partyschool — the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := /usr/local/go/bin:$(PATH)

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin/partyschool

.PHONY: run build test bench fuzz lint fmt db-stop clean

## build: compile the binary into bin/
build:
	go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## run: serve; without DATABASE_URL on a private PostgreSQL in .data/ with demo data
run: build
	@if [ -z "$${DATABASE_URL:-}" ]; then DATABASE_URL=$$(scripts/devdb start dev); DEMO=1; fi; \
	export DATABASE_URL; \
	$(BIN) migrate up; \
	if [ "$${DEMO:-}" = 1 ]; then $(BIN) seed --demo; \
	else echo "DATABASE_URL is set: no demo accounts added (DEMO=1 adds them)"; fi; \
	addr=$${ADDR:-127.0.0.1:8080}; \
	echo; \
	echo "  partyschool is at $${BASE_URL:-http://$$addr}"; \
	echo "  demo logins (password: partyschool): admin, coordinator, lecturer, trainee"; \
	echo "  stop with Ctrl-C; 'make db-stop' stops the private database"; \
	echo; \
	exec $(BIN) serve

## test: go test -race against a throwaway PostgreSQL cluster
test:
	@TEST_DATABASE_URL=$$(scripts/devdb start test); export TEST_DATABASE_URL; \
	go test -race -count=1 ./...

## bench: performance at city scale against bare baselines, written to bench/RESULTS.md
bench:
	@BENCH_DATABASE_URL=$$(scripts/devdb start bench); export BENCH_DATABASE_URL; \
	go run ./bench

## fuzz: run every fuzz target for FUZZTIME (default 20s); crashers land in testdata/fuzz
FUZZTIME ?= 20s
fuzz:
	@pkgs=$$(go list ./...); \
	for pkg in $$pkgs; do \
		targets=$$(go test -list '^Fuzz' $$pkg) || { echo "$$targets"; exit 1; }; \
		for target in $$(echo "$$targets" | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$target"; \
			go test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.data/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...

## fmt: format the code
fmt:
	gofmt -w $$(git ls-files '*.go')

## db-stop: stop the private PostgreSQL clusters
db-stop:
	scripts/devdb stop

clean:
	rm -rf bin

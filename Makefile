# partyschool — the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := /usr/local/go/bin:$(PATH)
# The Go that builds, tests and checks everything: the machine's Go fetches
# this release from the Go module proxy the first time (about 76 MB), as
# it does modules. The machine's 1.26.8 lacks security fixes of the
# standard library (net/http, crypto/tls, crypto/x509, html/template) that
# govulncheck reports; go1.27.3 has them. go.mod keeps 1.26.8 as the least
# Go the code needs.
export GOTOOLCHAIN := go1.27.3

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin/partyschool

.PHONY: run build test bench fuzz lint vulncheck go-version fmt db-stop clean

## build: compile the binary into bin/
build:
	go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## run: serve; without DATABASE_URL on a private PostgreSQL in .data/ with demo data
# The private database is served as an unprivileged role and migrated as its
# owner, as in production, so that the audit log is append-only for the server.
run: build
	@if [ -z "$${DATABASE_URL:-}" ]; then \
		MIGRATION_DATABASE_URL=$$(scripts/devdb start dev); DATABASE_URL=$$(scripts/devdb app-url dev); DEMO=1; \
		export MIGRATION_DATABASE_URL; \
	fi; \
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

## lint: gofmt, go vet, staticcheck and govulncheck
# The linters are pinned Go modules built into bin/tools/NAME-VERSION/, so a
# new version is a one-line change here and a fresh clone builds the same
# tools (through the Go module proxy, checked against go.sum's database).
STATICCHECK_VERSION := v0.8.2
GOVULNCHECK_VERSION := v1.9.0
# The Go vulnerability database as a module (its reports as OSV files),
# for machines that cannot reach vuln.go.dev: the tool of the same module
# indexes it into the database govulncheck reads.
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
# Tools are built by the toolchain above, and rebuilt when it changes.
TOOLS := bin/tools/$(GOTOOLCHAIN)
STATICCHECK := $(TOOLS)/staticcheck-$(STATICCHECK_VERSION)/staticcheck
GOVULNCHECK := $(TOOLS)/govulncheck-$(GOVULNCHECK_VERSION)/govulncheck
VULNDB := bin/tools/vulndb-$(VULNDB_VERSION)

$(STATICCHECK):
	GOBIN=$(CURDIR)/$(@D) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(GOVULNCHECK):
	GOBIN=$(CURDIR)/$(@D) go install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

lint: $(STATICCHECK) $(GOVULNCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.data/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...
	$(STATICCHECK) ./...
	@$(MAKE) --no-print-directory vulncheck

## vulncheck: govulncheck against GOVULNDB (default https://vuln.go.dev)
# Without a way to vuln.go.dev (an offline machine, CI) the check runs
# against the database built from the golang.org/x/vulndb module, pinned
# above, which the module proxy serves. Only when neither can be had is it
# skipped with a message; VULNCHECK_REQUIRED=1 makes that a failure.
# GOVULNDB=file:///path/to/db uses another local copy.
vulncheck: $(GOVULNCHECK)
	@db=$${GOVULNDB:-https://vuln.go.dev}; \
	rc=0; out=$$($(GOVULNCHECK) -db "$$db" ./... 2>&1) || rc=$$?; \
	if [ $$rc -ne 0 ] && grep -q 'fetching vulnerabilities' <<<"$$out"; then \
		echo "govulncheck: $$db cannot be reached; using golang.org/x/vulndb@$(VULNDB_VERSION)"; \
		if $(MAKE) --no-print-directory $(VULNDB)/index/db.json >/dev/null; then \
			db=file://$(CURDIR)/$(VULNDB); rc=0; out=$$($(GOVULNCHECK) -db "$$db" ./... 2>&1) || rc=$$?; \
		else \
			echo "govulncheck: SKIPPED, no vulnerability database could be had"; \
			if [ "$${VULNCHECK_REQUIRED:-}" = 1 ]; then echo "VULNCHECK_REQUIRED=1: failing"; exit 1; fi; \
			exit 0; \
		fi; \
	fi; \
	echo "$(GOVULNCHECK) -db $$db ./..."; echo "$$out"; exit $$rc

$(VULNDB)/index/db.json:
	@osv=$$(go mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p')/data/osv; \
	rm -rf $(VULNDB).tmp && go run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) -vulns "$$osv" -out $(VULNDB).tmp && \
	rm -rf $(VULNDB) && mv $(VULNDB).tmp $(VULNDB)

## go-version: the Go that builds and tests (GOTOOLCHAIN above)
go-version:
	go version

## fmt: format the code
fmt:
	gofmt -w $$(git ls-files '*.go')

## db-stop: stop the private PostgreSQL clusters
db-stop:
	scripts/devdb stop

clean:
	rm -rf bin

// Package e2e holds the end-to-end tests: they build the real partyschool
// binary, give it a database of its own loaded with the demo data, serve it
// on a free port and drive it with headless Chromium (chromedp) at the size
// of a phone, as each demo account would, then stop it with SIGTERM.
//
// They run with the other tests and need the test cluster that `make test`
// starts, and Chromium:
//
//	E2E=1 make test
//
// or alone:
//
//	TEST_DATABASE_URL=$(scripts/devdb start test) E2E=1 go test -count=1 -v ./e2e/
//
// Chromium is CHROMIUM_PATH, or else chromium, chromium-browser or
// google-chrome on PATH. Without it the tests skip, unless E2E=1 (as in CI),
// where they fail. A full-page screenshot of every page visited is written
// to E2E_OUTPUT, or else to e2e/output/ (ignored by git).
package e2e

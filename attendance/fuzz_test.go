package attendance

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzCheckinCode: what a trainee types, read as the check-in form reads
// it, never panics; only six ASCII digits pass the format check; and the
// code check accepts exactly the code of the current step and of the one
// before, for a session with a secret, at any time.
func FuzzCheckinCode(f *testing.F) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	at := time.Date(2026, 11, 29, 9, 0, 10, 0, time.UTC).Unix()
	f.Add("123456", secret, at, int64(0))
	f.Add("１２３ ４５６", secret, at, int64(30))
	f.Add("12-34-56", []byte{}, at, int64(60))
	f.Add("١٢٣٤٥٦", secret, int64(-1), int64(-30)) // Arabic-Indic digits are not ASCII
	f.Add("12345\x00", secret, int64(1<<62), int64(29))
	f.Fuzz(func(t *testing.T, typed string, secret []byte, unix, later int64) {
		now := time.Unix(unix, 0)
		code := normaliseCode(typed)
		if validCodeFormat(code) {
			if len(code) != codeDigits || strings.Trim(code, "0123456789") != "" {
				t.Fatalf("%q read as %q passes the format check", typed, code)
			}
		}
		if !utf8.ValidString(typed) {
			return // the handlers' web.Clean has made it valid UTF-8 by now
		}

		s := step(now)
		want := len(secret) > 0 && (typed == codeOf(secret, s) || typed == codeOf(secret, s-1))
		if got := CodeMatches(secret, typed, now); got != want {
			t.Fatalf("CodeMatches(%x, %q, %d) = %v, want %v", secret, typed, unix, got, want)
		}
		if len(secret) == 0 {
			return
		}
		shown := Code(secret, now)
		if !validCodeFormat(shown) {
			t.Fatalf("the screen shows %q", shown)
		}
		if !CodeMatches(secret, normaliseCode(" "+shown[:3]+"-"+shown[3:]+" "), now) {
			t.Fatalf("the code on show, typed with a space and a dash, is refused")
		}
		// The code stays good during its own step and the next one, and
		// is refused two steps later unless that step happens to show the
		// same six digits.
		then := now.Add(time.Duration(later%600) * time.Second)
		d := step(then) - s
		matches := CodeMatches(secret, shown, then)
		switch {
		case d == 0 || d == 1:
			if !matches {
				t.Fatalf("the code of step %d is refused %d step(s) later", s, d)
			}
		case matches && shown != Code(secret, then) && shown != codeOf(secret, step(then)-1):
			t.Fatalf("the code of step %d is accepted at step %d", s, step(then))
		}
	})
}

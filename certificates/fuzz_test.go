package certificates

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// FuzzVerifyInput: whatever is typed into the public verification form or
// put in its URL, the serial and code are tidied without panicking into
// text PostgreSQL takes, with no spaces and one letter case, tidying twice
// changes nothing, and the redirect to the serial's page stays on this
// site. A genuine serial and code, as a person might type them (full-width,
// spaced, in the other case) or as the QR code carries them, come out as
// they were issued.
func FuzzVerifyInput(f *testing.F) {
	f.Add("ps-2026-000001", "ＡＢＣ　def", "PS", 2026, 1, []byte("0123456789abcdef"))
	f.Add(" //evil.example/x ", "\x00\xff", "CCHY", 1999, 999999, []byte{})
	f.Add("Ｐ Ｓ－２０２６", "?c=../", "lower", -1, -1, []byte{0xff})
	f.Fuzz(func(t *testing.T, serialTyped, codeTyped, prefix string, year, number int, raw []byte) {
		serial, code := normalSerial(serialTyped), normalCode(codeTyped)
		for _, s := range []string{serial, code} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
				t.Fatalf("tidied to %q", s)
			}
		}
		if serial != strings.ToUpper(serial) || code != strings.ToLower(code) {
			t.Fatalf("serial %q, code %q: not in one case", serial, code)
		}
		if normalSerial(serial) != serial || normalCode(code) != code {
			t.Fatalf("tidying %q, %q again changes them", serial, code)
		}
		// VerifyForm's redirect.
		next := "/verify/" + url.PathEscape(serial) + "?c=" + url.QueryEscape(code)
		if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(u.Path, "/verify/") {
			t.Fatalf("redirect %q leaves the site (%v)", next, err)
		}

		if !prefixPattern.MatchString(prefix) || year < 2000 || year > 9999 || number < 1 || number > 999999 {
			return
		}
		issued := fmt.Sprintf("%s-%d-%06d", prefix, year, number) // as Store.Issue numbers them
		var code16 [16]byte                                       // as newCode draws them
		copy(code16[:], raw)
		secret := codeEncoding.EncodeToString(code16[:])
		typed := []struct{ serial, code string }{
			{issued, secret},
			{" " + strings.ToLower(issued) + " ", strings.ToUpper(secret)},
			{width.Widen.String(issued), width.Widen.String(secret)},
			{strings.Join(strings.Split(issued, "-"), "-\u3000"), spaced(secret)},
		}
		for _, ty := range typed {
			if s, c := normalSerial(ty.serial), normalCode(ty.code); s != issued || c != secret {
				t.Fatalf("typed %q, %q: read as %q, %q; want %q, %q", ty.serial, ty.code, s, c, issued, secret)
			}
		}
		base, _ := url.Parse("https://school.example/party")
		u, err := url.Parse(VerifyURL(base, issued, secret))
		if err != nil {
			t.Fatal(err)
		}
		segment := u.EscapedPath()[strings.LastIndexByte(u.EscapedPath(), '/')+1:] // c.Params sees it escaped
		if s, c := normalSerial(segment), normalCode(u.Query().Get("c")); s != issued || c != secret {
			t.Fatalf("QR code %s read as %q, %q", u, s, c)
		}
	})
}

// spaced writes a code in groups of four, as one reads it out.
func spaced(code string) string {
	var b strings.Builder
	for i, r := range code {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

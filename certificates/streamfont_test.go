package certificates

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"testing"

	"github.com/jung-kurt/gofpdf"
)

// subsetFont reads a font as loadFont does, without asking for Chinese.
func subsetFont(tb testing.TB, path string) *Font {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Skipf("no font %s: %v", path, err)
	}
	tables, err := ttfTables(data)
	if err != nil {
		tb.Fatal(err)
	}
	glyphs, err := ttfGlyphs(data, tables)
	if err != nil {
		tb.Fatal(err)
	}
	info, err := readTTFInfo(data, tables)
	if err != nil {
		tb.Fatal(err)
	}
	return &Font{path: path, data: data, glyphs: glyphs, ttf: info, desc: readDescriptor(data, info)}
}

// readBack parses a subset's program as a font of its own.
func readBack(t *testing.T, s *fontSubset) *Font {
	t.Helper()
	tables, err := ttfTables(s.program)
	if err != nil {
		t.Fatal(err)
	}
	glyphs, err := ttfGlyphs(s.program, tables)
	if err != nil {
		t.Fatal(err)
	}
	info, err := readTTFInfo(s.program, tables)
	if err != nil {
		t.Fatal(err)
	}
	if sum := ttfChecksum(s.program); sum != 0xB1B0AFBA {
		t.Errorf("font checksum %#x, want 0xB1B0AFBA", sum)
	}
	return &Font{data: s.program, glyphs: glyphs, ttf: info}
}

// TestSubset cuts the certificate font down and reads the result back:
// each character maps to the glyph the CIDToGIDMap says, with the same
// outline and advance as in the whole font, and gofpdf, parsing the
// subset, measures text as it does with the whole font.
func TestSubset(t *testing.T) {
	f := pdfTestFont(t)
	text := "结业证书欧阳明，。（）：0123456789 Abc"
	s, err := f.subset([]rune(text + text))
	if err != nil {
		t.Fatal(err)
	}
	sub := readBack(t, s)
	t.Logf("%d characters, %d glyphs, %d bytes", len(s.runes), sub.ttf.numGlyphs, len(s.program))
	for i, r := range s.runes {
		if !f.has(r) {
			t.Errorf("the subset has %q, which the font lacks", r)
		}
		if got := sub.glyphs[r]; got != s.glyphs[i] {
			t.Errorf("%q: cmap says glyph %d, the CIDToGIDMap %d", r, got, s.glyphs[i])
		}
		if err := sameGlyph(f, int(f.glyphs[r]), sub, int(s.glyphs[i])); err != nil {
			t.Errorf("%q: %v", r, err)
		}
		if a, b := fAdvance(f, int(f.glyphs[r])), fAdvance(sub, int(s.glyphs[i])); a != b {
			t.Errorf("%q: advance %d, was %d", r, b, a)
		}
	}
	for _, r := range text {
		if f.has(r) != (sub.glyphs[r] != 0) {
			t.Errorf("%q: in the font %v, in the subset %v", r, f.has(r), sub.glyphs[r] != 0)
		}
	}

	measure := func(font []byte) float64 {
		pdf := gofpdf.New("L", "pt", "A4", "")
		pdf.AddUTF8FontFromBytes("x", "", bytes.Clone(font))
		pdf.SetFont("x", "", 1000)
		if err := pdf.Error(); err != nil {
			t.Fatal(err)
		}
		w := 0.0
		for _, r := range s.runes {
			w += pdf.GetStringWidth(string(r))
		}
		return w
	}
	if got, want := measure(s.program), measure(f.data); got != want {
		t.Errorf("gofpdf measures the characters %v wide in the subset, %v in the font", got, want)
	}
}

// sameGlyph compares glyph og of f with glyph ng of sub: the same bytes
// but for the numbers of components, which must be the same glyphs in
// turn. (Droid Sans Fallback builds many characters of components.)
func sameGlyph(f *Font, og int, sub *Font, ng int) error {
	old, err := f.glyph(og)
	if err != nil {
		return err
	}
	now, err := sub.glyph(ng)
	if err != nil {
		return err
	}
	// Each glyph is padded to 4 bytes.
	if len(now) < len(old) || len(now) > len(old)+3 || bytes.Count(now[len(old):], []byte{0}) != len(now)-len(old) {
		return fmt.Errorf("glyph %d is %d bytes, was %d", ng, len(now), len(old))
	}
	now = bytes.Clone(now[:len(old)])
	err = components(old, func(off int) {
		if err == nil {
			err = sameGlyph(f, int(binary.BigEndian.Uint16(old[off:])), sub, int(binary.BigEndian.Uint16(now[off:])))
		}
		copy(now[off:off+2], old[off:off+2])
	})
	if err == nil && !bytes.Equal(old, now) {
		err = fmt.Errorf("glyph %d differs from glyph %d of the font", ng, og)
	}
	return err
}

func fAdvance(f *Font, g int) uint16 {
	a, _ := f.hmetric(g)
	return a
}

// TestSubsetComposite cuts accented letters of DejaVu Sans, which are
// composite glyphs: the glyphs they are built of come along, renumbered.
func TestSubsetComposite(t *testing.T) {
	f := subsetFont(t, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
	s, err := f.subset([]rune("éüñ"))
	if err != nil {
		t.Fatal(err)
	}
	sub := readBack(t, s)
	composites := 0
	for i, r := range s.runes {
		g, _ := sub.glyph(int(s.glyphs[i]))
		err := components(g, func(off int) {
			composites++
			c := int(binary.BigEndian.Uint16(g[off:]))
			if c >= sub.ttf.numGlyphs {
				t.Errorf("%q: component glyph %d of %d", r, c, sub.ttf.numGlyphs)
				return
			}
			if cg, _ := sub.glyph(c); len(cg) == 0 {
				t.Errorf("%q: component glyph %d is empty", r, c)
			}
		})
		if err != nil {
			t.Error(err)
		}
	}
	if composites == 0 {
		t.Skip("DejaVu Sans has no composite glyphs for these letters")
	}
	t.Logf("%d characters, %d components, %d glyphs", len(s.runes), composites, sub.ttf.numGlyphs)
}

func TestWidthArray(t *testing.T) {
	s := &fontSubset{
		runes:   []rune{32, 33, 34, 40, 0x4E00, 0x4E01},
		widths:  []int{250, 300, 1000, 400, 1000, 1000},
		missing: 1000,
	}
	if got, want := s.widthArray(), "[32 [250 300] 40 [400]]"; got != want {
		t.Errorf("widthArray() = %q, want %q", got, want)
	}
}

package certificates

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"
	qrcode "github.com/skip2/go-qrcode"
)

// qrLowercase is n random lowercase letters: go-qrcode encodes them in
// byte mode only, as qrEncode does, so the two symbols can be compared.
func qrLowercase(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.IntN(26))
	}
	return string(b)
}

// qrFormatMask reads the mask from the format information of a bitmap
// with its quiet zone.
func qrFormatMask(t *testing.T, bm [][]bool) int {
	t.Helper()
	word := 0
	at := func(x, y int) int {
		if bm[y+qrQuiet][x+qrQuiet] {
			return 1
		}
		return 0
	}
	for i := 0; i <= 5; i++ {
		word |= at(8, i) << i
	}
	word |= at(8, 7)<<6 | at(8, 8)<<7 | at(7, 8)<<8
	for i := 9; i < 15; i++ {
		word |= at(14-i, 8) << i
	}
	word ^= 0x5412
	if level := word >> 13; level != 0 {
		t.Fatalf("format information says level %02b, want 00 (M)", level)
	}
	return word >> 10 & 7
}

// TestQRMatchesGoQRCode encodes contents of every length this encoder
// handles and compares each symbol, module by module, with go-qrcode's
// for the mask go-qrcode chose: version, codewords, error correction,
// interleaving, placement, format and version information must agree.
func TestQRMatchesGoQRCode(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	maxLen := 0
	for v := 1; v <= qrMaxVersion; v++ {
		maxLen = max(maxLen, qrLevelM[v].data()-3)
	}
	versions := map[int]bool{}
	for n := 1; n <= maxLen+1; n++ {
		s := qrLowercase(r, n)
		want, err := qrcode.New(s, qrcode.Medium)
		if err != nil {
			t.Fatal(err)
		}
		v := qrVersionFor(n)
		if v == 0 {
			if want.VersionNumber <= qrMaxVersion {
				t.Errorf("%d bytes: no version here, go-qrcode uses %d", n, want.VersionNumber)
			}
			continue
		}
		if v != want.VersionNumber {
			t.Errorf("%d bytes: version %d, go-qrcode %d", n, v, want.VersionNumber)
			continue
		}
		versions[v] = true
		bm := want.Bitmap()
		got := qrSymbol([]byte(s), v, qrFormatMask(t, bm)).bitmap()
		if diff := qrDiff(got, bm); diff != "" {
			t.Errorf("%d bytes (version %d): %s", n, v, diff)
		}
	}
	if len(versions) != qrMaxVersion {
		t.Errorf("compared versions %v, want 1 to %d", versions, qrMaxVersion)
	}
}

func qrDiff(got, want [][]bool) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d modules a side, want %d", len(got), len(want))
	}
	var bad []string
	for y := range want {
		for x := range want[y] {
			if got[y][x] != want[y][x] {
				bad = append(bad, fmt.Sprintf("(%d,%d)", x-qrQuiet, y-qrQuiet))
			}
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return fmt.Sprintf("%d modules differ: %s", len(bad), strings.Join(bad[:min(len(bad), 12)], " "))
}

// TestQRDecodes reads back codes of verification links of every length
// class, with the mask the penalty chose, and one too long for this
// encoder, which go-qrcode makes.
func TestQRDecodes(t *testing.T) {
	base := "https://dangxiao.example.cn/verify/CCHY-2026-000123?c="
	for _, extra := range []int{0, 10, 26, 50, 80, 120, 158, 250} {
		s := base + strings.Repeat("k", extra)
		t.Run(fmt.Sprint(len(s)), func(t *testing.T) {
			bm, err := qrEncode(s)
			if err != nil {
				t.Fatal(err)
			}
			if got := qrDecodeBitmap(t, bm); got != s {
				t.Errorf("decoded %q, want %q", got, s)
			}
		})
	}
}

func qrDecodeBitmap(t *testing.T, bm [][]bool) string {
	t.Helper()
	const scale = 4
	n := len(bm)
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for y := range img.Pix {
		img.Pix[y] = 255
	}
	for y, row := range bm {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.SetGray(x*scale+dx, y*scale+dy, color.Gray{})
				}
			}
		}
	}
	src, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(src, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res.GetText()
}

// TestQRPenaltyPicksLowest checks the bit-parallel penalty against a
// plain count of the same four rules on a few symbols and masks.
func TestQRPenaltyPicksLowest(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{10, 60, 150, 210} {
		v := qrVersionFor(n)
		data := []byte(qrLowercase(r, n))
		l := qrLayoutOf(v)
		for mask := 0; mask < 8; mask++ {
			final := qrSymbol(data, v, mask)
			base := newQRMatrix(final.size)
			for y := range base.rows {
				base.rows[y] = final.rows[y] ^ l.masks[mask].rows[y]
				base.cols[y] = final.cols[y] ^ l.masks[mask].cols[y]
			}
			got := qrPenalty(base, &l.masks[mask])
			if want := qrPlainPenalty(final); got != want {
				t.Errorf("version %d mask %d: penalty %d, plain count %d", v, mask, got, want)
			}
		}
	}
}

// qrPlainPenalty counts the penalty rules module by module.
func qrPlainPenalty(m *qrMatrix) int {
	n := m.size
	at := func(x, y int, transpose bool) bool {
		if transpose {
			x, y = y, x
		}
		if x < 0 || y < 0 || x >= n || y >= n {
			return false
		}
		return m.dark(x, y)
	}
	p, dark := 0, 0
	for _, tr := range []bool{false, true} {
		for y := 0; y < n; y++ {
			for x := 0; x < n; {
				end := x
				for end < n && at(end, y, tr) == at(x, y, tr) {
					end++
				}
				if end-x >= 5 {
					p += 3 + end - x - 5
				}
				x = end
			}
			for x := -4; x+10 < n; x++ {
				core := true
				for k, want := range []bool{true, false, true, true, true, false, true} {
					core = core && at(x+4+k, y, tr) == want
				}
				if !core {
					continue
				}
				before, after := true, true
				for k := 0; k < 4; k++ {
					before = before && !at(x+k, y, tr)
					after = after && !at(x+11+k, y, tr)
				}
				if before {
					p += 40
				}
				if after {
					p += 40
				}
			}
		}
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if m.dark(x, y) {
				dark++
			}
			if x+1 < n && y+1 < n && m.dark(x, y) == m.dark(x+1, y) && m.dark(x, y) == m.dark(x, y+1) && m.dark(x, y) == m.dark(x+1, y+1) {
				p += 3
			}
		}
	}
	return p + 10*(absInt(dark*20-n*n*10)/(n*n))
}

func BenchmarkQREncode(b *testing.B) {
	s := "https://dangxiao.example.cn/verify/CCHY-2026-000123?c=abcdefghijklmnopqrstuvwxyz"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := qrEncode(s); err != nil {
			b.Fatal(err)
		}
	}
}

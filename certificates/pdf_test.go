package certificates

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jung-kurt/gofpdf"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

var (
	pdfFontOnce sync.Once
	pdfFont     *Font
	pdfFontErr  error
)

// pdfTestFont finds the font as the application does; with none it skips,
// unless CERT_FONT_REQUIRED=1 (as in CI).
func pdfTestFont(tb testing.TB) *Font {
	tb.Helper()
	pdfFontOnce.Do(func() { pdfFont, pdfFontErr = FindFont(os.Getenv("CERT_FONT")) })
	if errors.Is(pdfFontErr, ErrNoFont) && os.Getenv("CERT_FONT_REQUIRED") != "1" {
		tb.Skipf("no certificate font (set CERT_FONT_REQUIRED=1 to fail instead): %v", pdfFontErr)
	}
	if pdfFontErr != nil {
		tb.Fatal(pdfFontErr)
	}
	return pdfFont
}

// pdfTool finds a poppler-utils program; without it the test skips, unless
// CERT_FONT_REQUIRED=1.
func pdfTool(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CERT_FONT_REQUIRED") == "1" {
			tb.Fatalf("%s (poppler-utils) is required: %v", name, err)
		}
		tb.Skipf("%s (poppler-utils) not installed: %v", name, err)
	}
	return path
}

func pdfRun(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	out, err := exec.Command(pdfTool(tb, name), args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func pdfSample(i int) Printed {
	serial := fmt.Sprintf("CCHY-2026-%06d", i+1)
	p := Printed{
		Kind:        "course",
		Serial:      serial,
		TraineeName: "欧阳明" + string([]rune("甲乙丙丁戊己庚辛壬癸")[i%10]),
		CourseTitle: "习近平新时代中国特色社会主义思想专题学习班",
		StartsOn:    time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
		EndsOn:      time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC),
		CreditHours: 24.5,
		SchoolName:  "中共城关区委党校（城关区社区党校）",
		IssuedOn:    time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC),
		VerifyURL:   "https://dangxiao.example.cn/verify/" + serial + "?c=abcdefghijklmnopqrstuvwxyz",
	}
	p.Wording = p.TraineeName + "同志于2026年3月2日至2026年3月20日参加" + p.CourseTitle +
		"学习，完成规定课程，共计24.5学时，经考核合格，准予结业。特发此证。"
	return p
}

// pdfSealSide is the width and height of pdfSealImage, in pixels: square,
// and small enough not to be shrunk.
const pdfSealSide = 400

// pdfSealImage is a red ring with a star-like centre on a transparent
// background, as a scanned seal would be.
func pdfSealImage(tb testing.TB) []byte {
	tb.Helper()
	const n = pdfSealSide
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			dx, dy := float64(x-n/2), float64(y-n/2)
			d := dx*dx + dy*dy
			if (d > 170*170 && d < 190*190) || d < 40*40 {
				img.SetNRGBA(x, y, color.NRGBA{R: 220, G: 20, B: 30, A: 200})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func pdfWrite(tb testing.TB, f *Font, certs []Printed, l Layout) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "out.pdf")
	out, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	if err := f.Write(out, certs, l); err != nil {
		tb.Fatal(err)
	}
	return path
}

func pdfPages(tb testing.TB, path string) int {
	tb.Helper()
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindStringSubmatch(pdfRun(tb, "pdfinfo", path))
	if m == nil {
		tb.Fatalf("pdfinfo %s: no page count", path)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestFindFont(t *testing.T) {
	f := pdfTestFont(t)
	t.Logf("font %q at %s", f.Name(), f.Path())
	if f.Name() == "" || f.Path() == "" {
		t.Errorf("Name() = %q, Path() = %q, want both set", f.Name(), f.Path())
	}
	if m := f.Missing("结业证书欧阳明，。"); len(m) > 0 {
		t.Errorf("Missing(common text) = %q, want none", string(m))
	}
	if m := f.Missing("张𠮷"); string(m) != "𠮷" {
		t.Errorf("Missing(beyond the BMP) = %q, want 𠮷", string(m))
	}
}

func TestFindFontErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.ttf")
	if err := os.WriteFile(bad, []byte("this is not a font at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := FindFont(bad); err == nil || !strings.Contains(err.Error(), "not a TrueType font") {
		t.Errorf("FindFont(garbage) = %v, want not a TrueType font", err)
	}
	if _, err := FindFont(filepath.Join(dir, "missing.ttf")); err == nil {
		t.Error("FindFont(missing file) succeeded")
	}
	latin := "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	if _, err := os.Stat(latin); err == nil {
		if _, err := FindFont(latin); err == nil || !strings.Contains(err.Error(), "not a Chinese font") {
			t.Errorf("FindFont(DejaVuSans) = %v, want not a Chinese font", err)
		}
	}
	if !strings.Contains(ErrNoFont.Error(), "fonts-droid-fallback") {
		t.Errorf("ErrNoFont = %q, want it to name the package", ErrNoFont)
	}
}

func TestPDFSingle(t *testing.T) {
	f := pdfTestFont(t)
	c := pdfSample(0)
	start := time.Now()
	path := pdfWrite(t, f, []Printed{c}, Layout{})
	elapsed := time.Since(start)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("one certificate: %d bytes in %v", st.Size(), elapsed)
	if st.Size() >= 200<<10 {
		t.Errorf("one certificate is %d bytes, want < 200 KB (font not subset?)", st.Size())
	}
	if n := pdfPages(t, path); n != 1 {
		t.Errorf("pages = %d, want 1", n)
	}

	text := strings.Join(strings.Fields(pdfRun(t, "pdftotext", "-enc", "UTF-8", path, "-")), "")
	for _, want := range []string{c.TraineeName, c.CourseTitle, c.Serial, "证书编号：", "结业证书", "学时：24.5", "2026年3月25日", c.SchoolName, "扫码验证"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, text)
		}
	}
	if got := pdfDecodeQR(t, path, Layout{}); got != c.VerifyURL {
		t.Errorf("QR code = %q, want %q", got, c.VerifyURL)
	}
}

// pdfDecodeQR renders the first page at 150 dpi and reads the QR code in the
// bottom-left corner, where the layout puts it.
func pdfDecodeQR(tb testing.TB, path string, l Layout) string {
	tb.Helper()
	prefix := filepath.Join(tb.TempDir(), "page")
	pdfRun(tb, "pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", path, prefix)
	file, err := os.Open(prefix + ".png")
	if err != nil {
		tb.Fatal(err)
	}
	defer file.Close()
	img, err := png.Decode(file)
	if err != nil {
		tb.Fatal(err)
	}
	px := func(mm float64) int { return int(mm * 150 / 25.4) }
	box := image.Rect(px(qrX+l.OffsetXmm-8), px(qrY+l.OffsetYmm-8), px(qrX+l.OffsetXmm+qrSize+8), px(qrY+l.OffsetYmm+qrSize+8))
	crop := image.NewGray(box)
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			crop.Set(x, y, img.At(x, y))
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(crop)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		tb.Fatalf("decode QR code: %v", err)
	}
	return res.GetText()
}

func TestPDFMentoring(t *testing.T) {
	f := pdfTestFont(t)
	c := pdfSample(1)
	c.Kind = "mentoring"
	c.CourseTitle = "城关街道社区党委书记岗位"
	path := pdfWrite(t, f, []Printed{c}, Layout{})
	text := strings.Join(strings.Fields(pdfRun(t, "pdftotext", "-enc", "UTF-8", path, "-")), "")
	for _, want := range []string{"跟岗练兵结业证书", "跟岗岗位：" + c.CourseTitle} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, text)
		}
	}
}

// TestPDFOffset checks that the calibration offset moves the text and the
// QR code by the given millimetres.
func TestPDFOffset(t *testing.T) {
	f := pdfTestFont(t)
	c := pdfSample(0)
	serialAt := func(path string) (x, y float64) {
		out := pdfRun(t, "pdftotext", "-bbox", path, "-")
		m := regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>[^<]*` + c.Serial).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("serial not found in pdftotext -bbox output:\n%s", out)
		}
		x, _ = strconv.ParseFloat(m[1], 64)
		y, _ = strconv.ParseFloat(m[2], 64)
		return x, y
	}
	l := Layout{OffsetXmm: 10, OffsetYmm: -5}
	x0, y0 := serialAt(pdfWrite(t, f, []Printed{c}, Layout{}))
	shifted := pdfWrite(t, f, []Printed{c}, l)
	x1, y1 := serialAt(shifted)
	const pt = 72 / 25.4
	if dx, dy := x1-x0, y1-y0; pdfAbs(dx-10*pt) > 0.5 || pdfAbs(dy+5*pt) > 0.5 {
		t.Errorf("offset moved the serial by (%.2f, %.2f) pt, want (%.2f, %.2f)", dx, dy, 10*pt, -5*pt)
	}
	if got := pdfDecodeQR(t, shifted, l); got != c.VerifyURL {
		t.Errorf("QR code with offset = %q, want %q", got, c.VerifyURL)
	}
}

func pdfAbs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func TestPDFWordingWraps(t *testing.T) {
	f := pdfTestFont(t)
	c := pdfSample(0)
	c.Wording = strings.Repeat("经考核合格，准予结业。", 36) // 396 characters, near the 400 allowed
	c.TraineeName = "买买提·艾力"
	c.CourseTitle = strings.Repeat("很长的课程名称", 12)
	path := pdfWrite(t, f, []Printed{c}, Layout{})
	out := pdfRun(t, "pdftotext", "-enc", "UTF-8", path, "-")
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		for _, p := range []string{"，", "。"} {
			if strings.HasPrefix(line, p) {
				t.Errorf("line starts with %q: %q", p, line)
			}
		}
	}
	if got := strings.Count(strings.Join(strings.Fields(out), ""), "准予结业"); got != 36 {
		t.Errorf("wording printed %d times in full, want 36:\n%s", got, out)
	}
}

func TestPDFSeal(t *testing.T) {
	f := pdfTestFont(t)
	c := pdfSample(0)
	var buf bytes.Buffer
	if err := f.Write(&buf, []Printed{c}, Layout{Seal: pdfSealImage(t)}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "seal.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("/SMask")) {
		t.Error("the seal has no soft mask: its transparency is lost")
	}
	// The school's name stays readable under the seal.
	text := strings.Join(strings.Fields(pdfRun(t, "pdftotext", "-enc", "UTF-8", path, "-")), "")
	if !strings.Contains(text, c.SchoolName) {
		t.Errorf("pdftotext lacks the school's name under the seal:\n%s", text)
	}
	if got := pdfDecodeQR(t, path, Layout{}); got != c.VerifyURL {
		t.Errorf("QR code = %q, want %q", got, c.VerifyURL)
	}

	// A 16-bit seal, which gofpdf cannot read as it is, is converted.
	img := image.NewNRGBA64(image.Rect(0, 0, 50, 40))
	img.SetNRGBA64(10, 10, color.NRGBA64{R: 0xffff, A: 0x8000})
	var seal16 bytes.Buffer
	if err := png.Encode(&seal16, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Write(io.Discard, []Printed{c}, Layout{Seal: seal16.Bytes()}); err != nil {
		t.Errorf("16-bit seal: %v", err)
	}

	// A large seal is shrunk; a thin one keeps a pixel.
	for _, size := range []image.Point{{2400, 1800}, {1, 4000}} {
		big := image.NewNRGBA(image.Rect(0, 0, size.X, size.Y))
		for i := 3; i < len(big.Pix); i += 4 * 7 {
			big.Pix[i-3], big.Pix[i] = 200, 255
		}
		var b bytes.Buffer
		if err := png.Encode(&b, big); err != nil {
			t.Fatal(err)
		}
		if err := f.Write(io.Discard, []Printed{c}, Layout{Seal: b.Bytes()}); err != nil {
			t.Errorf("%v seal: %v", size, err)
		}
		if img := f.seal.img; img.w > sealPixels || img.h > sealPixels || img.w < 1 || img.h < 1 {
			t.Errorf("%v seal shrunk to %d×%d, want at most %d on a side", size, img.w, img.h, sealPixels)
		}
	}
}

func TestPDFBadInput(t *testing.T) {
	f := pdfTestFont(t)
	good := pdfSample(0)
	seal := pdfSealImage(t)
	nonBMP := good
	nonBMP.TraineeName = "张𠮷"
	noURL := good
	noURL.VerifyURL = ""
	badKind := good
	badKind.Kind = "diploma"
	longURL := good
	longURL.VerifyURL = "https://dangxiao.example.cn/verify/" + strings.Repeat("x", maxVerifyURL)
	tests := []struct {
		name  string
		certs []Printed
		seal  []byte
		want  string
	}{
		{"bad seal", []Printed{good}, []byte("GIF89a not a png"), "seal image"},
		{"truncated seal", []Printed{good}, seal[:len(seal)/2], "seal image"},
		{"no certificates", nil, nil, "none given"},
		{"character beyond the font", []Printed{good, nonBMP}, nil, "𠮷"},
		{"no verification URL", []Printed{noURL}, nil, "verification URL"},
		{"unknown kind", []Printed{badKind}, nil, "unknown kind"},
		{"verification URL too long", []Printed{good, longURL}, nil, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := f.Write(&buf, tt.certs, Layout{Seal: tt.seal})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write() = %v, want an error with %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Write() failed but wrote %d bytes", buf.Len())
			}
		})
	}
	if err := f.Write(io.Discard, []Printed{nonBMP}, Layout{}); !errors.Is(err, ErrMissingGlyph) {
		t.Errorf("Write(name beyond the font) = %v, want ErrMissingGlyph", err)
	}
}

func TestPDFTestPage(t *testing.T) {
	f := pdfTestFont(t)
	path := filepath.Join(t.TempDir(), "test.pdf")
	var buf bytes.Buffer
	if err := f.TestPage(&buf, Layout{OffsetXmm: 1.5, OffsetYmm: -2}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if n := pdfPages(t, path); n != 1 {
		t.Errorf("pages = %d, want 1", n)
	}
	text := strings.Join(strings.Fields(pdfRun(t, "pdftotext", "-enc", "UTF-8", path, "-")), "")
	for _, want := range []string{"打印校准页", "X+1.5毫米", "Y-2.0毫米"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, text)
		}
	}
}

// TestPDFConcurrent renders from one Font in parallel, more PDFs at once
// than it keeps drawers: each PDF takes a drawer of its own (gofpdf
// records the characters drawn in a map its templates share), and the
// font's bytes stay as they were read (gofpdf may write into the bytes it
// is given, so drawers get copies). Run it with -race.
func TestPDFConcurrent(t *testing.T) {
	f := pdfTestFont(t)
	file, err := os.ReadFile(f.Path())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	sizes := make([]int, 4)
	for i := range sizes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			if err := f.Write(&buf, []Printed{pdfSample(0)}, Layout{}); err != nil {
				t.Error(err)
			}
			sizes[i] = buf.Len()
		}()
	}
	wg.Wait()
	for i, n := range sizes {
		if n == 0 || n != sizes[0] {
			t.Errorf("document %d is %d bytes, document 0 is %d", i, n, sizes[0])
		}
	}
	if !bytes.Equal(file, f.data) {
		t.Error("the font's bytes differ from its file: gofpdf wrote into them")
	}
}

// TestPDFBatch renders 500 certificates, and 1,200 unless -short, as one
// PDF each, checks the page count and that the last page is the last
// certificate, and logs the time, size and peak heap. The memory goal
// (5,000 certificates) is measured by make bench, in a process of its
// own, not here.
func TestPDFBatch(t *testing.T) {
	f := pdfTestFont(t)
	sizes := []int{500}
	if !testing.Short() {
		sizes = append(sizes, 1200)
	}
	seal := pdfSealImage(t)
	for _, n := range sizes {
		certs := make([]Printed, n)
		for i := range certs {
			certs[i] = pdfSample(i)
		}
		path := filepath.Join(t.TempDir(), "batch.pdf")
		out, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		stop := pdfWatchHeap()
		start := time.Now()
		err = f.Write(out, certs, Layout{Seal: seal})
		elapsed := time.Since(start)
		live, heap := stop()
		out.Close()
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d certificates: %.1f MB in %v; peak live heap %d MB, peak heap with garbage %d MB",
			n, float64(st.Size())/(1<<20), elapsed.Round(time.Millisecond), live>>20, heap>>20)
		if got := pdfPages(t, path); got != n {
			t.Errorf("pages = %d, want %d", got, n)
		}
		last := strconv.Itoa(n)
		text := pdfRun(t, "pdftotext", "-enc", "UTF-8", "-f", last, "-l", last, path, "-")
		if !strings.Contains(text, certs[n-1].Serial) {
			t.Errorf("page %d lacks the serial %s:\n%s", n, certs[n-1].Serial, text)
		}
	}
}

// pdfWatchHeap samples the heap until the returned function is called,
// which returns the peaks of the live heap (as of each garbage collection)
// and of the heap with garbage not yet collected.
func pdfWatchHeap() func() (live, heap uint64) {
	var peakLive, peakHeap atomic.Uint64
	sample := func() {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		if v := s[0].Value.Uint64(); v > peakLive.Load() {
			peakLive.Store(v)
		}
		if v := s[1].Value.Uint64(); v > peakHeap.Load() {
			peakHeap.Store(v)
		}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			sample()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		<-finished
		runtime.GC()
		sample()
		return peakLive.Load(), peakHeap.Load()
	}
}

func BenchmarkSingleCertificate(b *testing.B) {
	f := pdfTestFont(b)
	certs := []Printed{pdfSample(0)}
	l := Layout{Seal: pdfSealImage(b)}
	b.ReportAllocs()
	for b.Loop() {
		if err := f.Write(io.Discard, certs, l); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBatch100(b *testing.B) {
	f := pdfTestFont(b)
	certs := make([]Printed, 100)
	for i := range certs {
		certs[i] = pdfSample(i)
	}
	l := Layout{Seal: pdfSealImage(b)}
	b.ReportAllocs()
	for b.Loop() {
		if err := f.Write(io.Discard, certs, l); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareGofpdf draws the same text in the same font with plain
// gofpdf calls, without border, QR code or seal, as a baseline.
func BenchmarkBareGofpdf(b *testing.B) {
	f := pdfTestFont(b)
	c := pdfSample(0)
	b.ReportAllocs()
	for b.Loop() {
		pdf := gofpdf.New("L", "mm", "A4", "")
		pdf.AddUTF8FontFromBytes("bare", "", bytes.Clone(f.data))
		pdf.AddPage()
		pdf.SetFont("bare", "", 40)
		pdf.Text(110, 45, titleCourse)
		pdf.SetFont("bare", "", 28)
		pdf.Text(125, 68, c.TraineeName)
		pdf.SetFont("bare", "", 16)
		pdf.SetXY(50, 80)
		pdf.MultiCell(197, 10, c.Wording, "", "L", false)
		pdf.SetFont("bare", "", 13)
		pdf.Text(70, 138, labelCourse+c.CourseTitle)
		pdf.Text(70, 146, labelDates+pdfDate(c.StartsOn)+"至"+pdfDate(c.EndsOn)+"    "+labelHours+"24.5")
		pdf.SetFont("bare", "", 15)
		pdf.Text(180, 166, c.SchoolName)
		pdf.Text(200, 176, pdfDate(c.IssuedOn))
		pdf.SetFont("bare", "", 10)
		pdf.Text(36, 187, labelSerial+c.Serial)
		if err := pdf.Output(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// pdfTheOldWay draws a page as Write and TestPage did before they
// streamed: one gofpdf document with the whole font added, the border
// drawn on the page, the seal registered with gofpdf, and gofpdf's Output.
func pdfTheOldWay(tb testing.TB, f *Font, l Layout, draw func(d *doc)) string {
	tb.Helper()
	pdf := gofpdf.New("L", "mm", "A4", "")
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddUTF8FontFromBytes(fontFamily, "", bytes.Clone(f.data))
	d := &doc{pdf: pdf, f: f, latin: gofpdf.New("L", "mm", "A4", ""), cp1252: pdf.UnicodeTranslatorFromDescriptor("")}
	d.font(colorInk, 12)
	if l.Seal != nil {
		pdf.RegisterImageOptionsReader("seal", gofpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(l.Seal))
	}
	pdf.AddPage()
	draw(d)
	path := filepath.Join(tb.TempDir(), "old.pdf")
	if err := pdf.OutputFileAndClose(path); err != nil {
		tb.Fatal(err)
	}
	return path
}

// pdfOldCertificate is the certificate page as Write drew it before.
func pdfOldCertificate(tb testing.TB, c Printed, l Layout) func(d *doc) {
	return func(d *doc) {
		qr, err := qrEncode(c.VerifyURL)
		if err != nil {
			tb.Fatal(err)
		}
		d.pdf.TransformBegin()
		d.pdf.TransformTranslate(l.OffsetXmm, l.OffsetYmm)
		d.border()
		cx := d.certificate(&c, qr)
		if l.Seal != nil {
			x, y, w, h := sealBox(cx, 1)
			d.pdf.ImageOptions("seal", x, y, w, h, false, gofpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		}
		d.pdf.TransformEnd()
	}
}

// pdfGray renders the first page of a PDF at 100 dpi in grey.
func pdfGray(tb testing.TB, path string) *image.Gray {
	tb.Helper()
	prefix := filepath.Join(tb.TempDir(), "page")
	pdfRun(tb, "pdftoppm", "-r", "100", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile", path, prefix)
	file, err := os.Open(prefix + ".png")
	if err != nil {
		tb.Fatal(err)
	}
	defer file.Close()
	img, err := png.Decode(file)
	if err != nil {
		tb.Fatal(err)
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Rect, img, img.Bounds().Min, draw.Src)
	return g
}

// TestPDFLooksAsBefore renders certificates and the test page as Write
// and TestPage do and as one gofpdf document does, and compares the pages
// pixel by pixel: the streamed PDF (the font cut down by this package,
// the border as a form, the seal as an image of our own) must look the
// same.
func TestPDFLooksAsBefore(t *testing.T) {
	f := pdfTestFont(t)
	mentoring := pdfSample(4)
	mentoring.Kind, mentoring.TraineeName = "mentoring", "买买提·艾力"
	course, sealed := pdfSample(3), Layout{OffsetXmm: 2.5, OffsetYmm: -1.5, Seal: pdfSealImage(t)}
	calibration := Layout{OffsetXmm: -3, OffsetYmm: 1.5}
	testPage := filepath.Join(t.TempDir(), "test.pdf")
	var buf bytes.Buffer
	if err := f.TestPage(&buf, calibration); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(testPage, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		got, was string
	}{
		{"course with seal and offset", pdfWrite(t, f, []Printed{course}, sealed), pdfTheOldWay(t, f, sealed, pdfOldCertificate(t, course, sealed))},
		{"mentoring", pdfWrite(t, f, []Printed{mentoring}, Layout{}), pdfTheOldWay(t, f, Layout{}, pdfOldCertificate(t, mentoring, Layout{}))},
		{"test page", testPage, pdfTheOldWay(t, f, calibration, func(d *doc) { d.testPage(calibration) })},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, want := pdfGray(t, tt.got), pdfGray(t, tt.was)
			if got.Rect != want.Rect {
				t.Fatalf("page is %v pixels, was %v", got.Rect, want.Rect)
			}
			differ, worst := 0, 0
			for i := range got.Pix {
				if d := absInt(int(got.Pix[i]) - int(want.Pix[i])); d > 0 {
					differ++
					worst = max(worst, d)
				}
			}
			// The pages' drawing is the same to the byte, and poppler
			// renders them the same; a few pixels of slack are left for a
			// renderer that shades the edges of a form differently.
			t.Logf("%d of %d pixels differ, by %d at most", differ, len(got.Pix), worst)
			if differ > len(got.Pix)/20000 {
				t.Errorf("%d pixels differ from the page drawn in one gofpdf document (by up to %d levels)", differ, worst)
			}
		})
	}
}

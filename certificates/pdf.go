package certificates

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jung-kurt/gofpdf"
)

// Layout is how a print run sits on the paper and what it is stamped with.
type Layout struct {
	// OffsetXmm and OffsetYmm move everything right and down, in mm, to
	// fit paper with a pre-printed border; negative values move left and up.
	OffsetXmm, OffsetYmm float64
	// Seal is the school's seal, a PNG transparent around the stamp,
	// printed over the school's name; nil prints none.
	Seal []byte
}

// The texts the renderer prints itself.
const (
	titleCourse    = "结业证书"
	titleMentoring = "跟岗练兵结业证书"
	labelCourse    = "培训课程："
	labelPost      = "跟岗岗位："
	labelDates     = "培训时间："
	labelPostDates = "跟岗时间："
	labelHours     = "学时："
	labelSerial    = "证书编号："
	labelQR        = "扫码验证"
	testTitle      = "打印校准页"
	testOffsets    = "当前偏移：X %+.1f 毫米，Y %+.1f 毫米（正值向右、向下移动）"
	testHowTo      = "将本页按实际大小（不缩放）打印在预印证书纸上，对照预印边框（虚线）：标记偏左则增大 X，偏上则增大 Y，反之减小。"
)

// maxVerifyURL is the longest verification link printed as a QR code: a
// link of BASE_URL, serial and code is about 100 bytes; at 500 the code's
// modules would be under 0.3 mm.
const maxVerifyURL = 500

// Bounds of a side of the seal image: what is accepted, and what it is
// shrunk to.
const (
	maxSealPixels = 4000
	sealPixels    = 600
)

// fixedText is every character the renderer prints itself; a font must
// have all of them.
const fixedText = titleCourse + titleMentoring + labelCourse + labelPost + labelDates + labelPostDates +
	labelHours + labelSerial + labelQR + testTitle + testOffsets + testHowTo +
	"年月日至 0123456789.,+-()"

// Page geometry in mm, A4 landscape, before the calibration offset.
const (
	pageW, pageH = 297.0, 210.0
	frameInset   = 10.0 // the outer red frame
	innerInset   = 15.0 // the inner gold frame, where the corner ornaments start

	titleY       = 45.0
	nameY        = 68.0
	wordingX     = 50.0
	wordingW     = 197.0
	wordingTop   = 78.0
	wordingH     = 52.0
	courseY      = 138.0
	datesY       = 146.0
	qrX, qrY     = 36.0, 146.0
	qrSize       = 30.0
	serialY      = 187.0
	schoolRight  = 261.0
	schoolY      = 166.0
	issuedY      = 176.0
	sealSize     = 40.0
	detailsMaxW  = 170.0
	schoolMaxW   = 110.0
	ptToMM       = 25.4 / 72
	wordingLead  = 1.75 // line height as a multiple of the font size
	wordingStart = 17.0 // pt, shrunk until the wording fits its box
	wordingMin   = 9.0
)

type pdfColor struct{ r, g, b int }

var (
	colorRed  = pdfColor{165, 28, 36}
	colorGold = pdfColor{191, 148, 58}
	colorInk  = pdfColor{40, 40, 40}
	colorGrey = pdfColor{110, 110, 110}
)

// Write renders certs as one PDF, one A4 landscape page per certificate.
//
// Memory does not grow with the number of certificates: each page is
// drawn by gofpdf, compressed and written to w before the next one is
// drawn (see run). Pages are small: the border is drawn once per PDF as a
// form that every page shows, the QR code is vector squares, and the seal
// image and the font, cut down to the characters of all the certificates,
// are stored once. About 0.2 ms and 4 KB of output a page.
func (f *Font) Write(w io.Writer, certs []Printed, l Layout) error {
	r, err := f.prepare(certs, l)
	if err != nil {
		return err
	}
	return r.write(w, nil)
}

// prepare checks certs and the layout and cuts the font down to their
// characters, so that what can fail fails before anything is written.
func (f *Font) prepare(certs []Printed, l Layout) (*run, error) {
	if len(certs) == 0 {
		return nil, errors.New("write certificates: none given")
	}
	runes := []rune(fixedText)
	seen := make(map[rune]bool, 512)
	for i := range certs {
		c := &certs[i]
		if err := f.check(c); err != nil {
			return nil, fmt.Errorf("write certificates: %w", err)
		}
		// The characters of a course's certificates are mostly the same:
		// the set stays small however many there are.
		for _, s := range []string{c.TraineeName, c.CourseTitle, c.SchoolName, c.Wording, c.Serial} {
			for _, r := range s {
				if !seen[r] {
					seen[r] = true
					runes = append(runes, r)
				}
			}
		}
	}
	seal, err := f.sealImage(l.Seal)
	if err != nil {
		return nil, fmt.Errorf("write certificates: %w", err)
	}
	font, err := f.subset(runes)
	if err != nil {
		return nil, fmt.Errorf("write certificates: font: %w", err)
	}
	r := &run{f: f, title: titleCourse, pages: len(certs), font: font, seal: seal, border: true}
	r.draw = func(d *doc, i int) error {
		c := &certs[i]
		qr, err := qrEncode(c.VerifyURL)
		if err != nil {
			return fmt.Errorf("write certificate %s: qr code: %w", c.Serial, err)
		}
		d.pdf.TransformBegin()
		d.pdf.TransformTranslate(l.OffsetXmm, l.OffsetYmm)
		d.pdf.RawWriteStr("/" + borderName + " Do")
		cx := d.certificate(c, qr)
		if seal != nil {
			d.seal(cx, seal.aspect)
		}
		d.pdf.TransformEnd()
		return nil
	}
	return r, nil
}

// TestPage renders a print-calibration page: the certificate's outer frame
// dashed, crosshairs with mm rulers at the corners and the center, and the
// current offsets, all moved by the offsets as a certificate would be.
func (f *Font) TestPage(w io.Writer, l Layout) error {
	font, err := f.subset([]rune(fixedText))
	if err != nil {
		return fmt.Errorf("write the test page: font: %w", err)
	}
	r := &run{f: f, title: testTitle, pages: 1, font: font}
	r.draw = func(d *doc, _ int) error {
		d.testPage(l)
		return nil
	}
	return r.write(w, nil)
}

func (d *doc) testPage(l Layout) {
	d.pdf.TransformBegin()
	d.pdf.TransformTranslate(l.OffsetXmm, l.OffsetYmm)

	d.draw(colorRed, 0.3)
	d.pdf.SetDashPattern([]float64{3, 2}, 0)
	d.pdf.Rect(frameInset, frameInset, pageW-2*frameInset, pageH-2*frameInset, "D")
	d.pdf.SetDashPattern(nil, 0)
	marks := [][2]float64{{40, 40}, {pageW - 40, 40}, {40, pageH - 40}, {pageW - 40, pageH - 40}, {pageW / 2, pageH / 2}}
	for _, m := range marks {
		d.crosshair(m[0], m[1])
	}

	d.font(colorInk, 20)
	d.textAt(pageW/2, 32, testTitle, 'C')
	d.font(colorInk, 12)
	d.textAt(pageW/2, 75, fmt.Sprintf(testOffsets, l.OffsetXmm, l.OffsetYmm), 'C')
	d.font(colorGrey, 9.5)
	for i, line := range d.wrapLines(testHowTo, 190, 0) {
		d.textAt(pageW/2, 140+float64(i)*6, line, 'C')
	}
	d.pdf.TransformEnd()
}

// doc is one page being drawn. Text is set in the CJK font, and in
// Helvetica where the CJK font lacks a character: Droid Sans Fallback, for
// one, has no Latin letters or digits. Helvetica is one of the PDF base
// fonts, so it is not embedded and needs no file.
type doc struct {
	pdf    *gofpdf.Fpdf
	f      *Font
	size   float64             // the current font size in points
	latin  *gofpdf.Fpdf        // a document without pages, to measure Helvetica text
	cp1252 func(string) string // UTF-8 to Helvetica's encoding
}

const latinFamily = "Helvetica"

// font sets the colour and size of the text drawn next.
func (d *doc) font(c pdfColor, size float64) {
	d.pdf.SetTextColor(c.r, c.g, c.b)
	d.pdf.SetFont(fontFamily, "", size)
	d.size = size
}

// draw sets the colour and width of the lines drawn next.
func (d *doc) draw(c pdfColor, width float64) {
	d.pdf.SetDrawColor(c.r, c.g, c.b)
	d.pdf.SetLineWidth(width)
}

// textRuns splits s into runs for the CJK font and runs for Helvetica.
func (d *doc) textRuns(s string, run func(part string, latin bool)) {
	start, latin := 0, false
	for i, r := range s {
		l := !d.f.has(r) && !(r == ' ' && latin)
		if l != latin && i > start {
			run(s[start:i], latin)
			start = i
		}
		latin = l
	}
	if start < len(s) {
		run(s[start:], latin)
	}
}

// width is how long s is at the current size, in mm.
func (d *doc) width(s string) float64 {
	w := 0.0
	d.textRuns(s, func(part string, latin bool) {
		if latin {
			d.latin.SetFont(latinFamily, "", d.size)
			w += d.latin.GetStringWidth(d.cp1252(part))
		} else {
			w += d.pdf.GetStringWidth(part)
		}
	})
	return w
}

// text draws s from x on the baseline y.
func (d *doc) text(x, y float64, s string) {
	d.textRuns(s, func(part string, latin bool) {
		if latin {
			d.latin.SetFont(latinFamily, "", d.size)
			d.pdf.SetFont(latinFamily, "", d.size)
			d.pdf.Text(x, y, d.cp1252(part))
			d.pdf.SetFont(fontFamily, "", d.size)
			x += d.latin.GetStringWidth(d.cp1252(part))
		} else {
			d.pdf.Text(x, y, part)
			x += d.pdf.GetStringWidth(part)
		}
	})
}

// textAt draws s with its left end, centre or right end at x, on baseline y.
func (d *doc) textAt(x, y float64, s string, align byte) {
	switch align {
	case 'C':
		x -= d.width(s) / 2
	case 'R':
		x -= d.width(s)
	}
	d.text(x, y, s)
}

// bold runs draw with the glyphs' outlines stroked as well as filled: the
// fonts we find have no bold face.
func (d *doc) bold(c pdfColor, width float64, draw func()) {
	d.draw(c, width)
	d.pdf.SetTextRenderingMode(2)
	draw()
	d.pdf.SetTextRenderingMode(0)
}

// spaced draws s centred on cx with gap em between characters and returns
// its width.
func (d *doc) spaced(cx, y float64, s string, gap float64) float64 {
	em := d.size * ptToMM
	n := utf8.RuneCountInString(s)
	x := cx - (d.width(s)+gap*em*float64(n-1))/2
	start := x
	for _, r := range s {
		ch := string(r)
		d.text(x, y, ch)
		x += d.width(ch) + gap*em
	}
	return x - gap*em - start
}

// fit returns the largest size from size down to least at which s fits in
// width w, and sets it.
func (d *doc) fit(s string, w, size, least float64) float64 {
	d.pdf.SetFontSize(size)
	d.size = size
	if got := d.width(s); got > w {
		size = max(least, size*w/got)
		d.pdf.SetFontSize(size)
		d.size = size
	}
	return size
}

// check refuses a certificate the font cannot print faithfully.
func (f *Font) check(c *Printed) error {
	if c.Kind != "course" && c.Kind != "mentoring" {
		return fmt.Errorf("certificate %s: unknown kind %q", c.Serial, c.Kind)
	}
	if c.VerifyURL == "" {
		return fmt.Errorf("certificate %s: no verification URL for the QR code", c.Serial)
	}
	if len(c.VerifyURL) > maxVerifyURL {
		return fmt.Errorf("certificate %s: verification URL of %d bytes, too long for a legible QR code", c.Serial, len(c.VerifyURL))
	}
	fields := []struct{ name, text string }{
		{"trainee name", c.TraineeName},
		{"course title", c.CourseTitle},
		{"school name", c.SchoolName},
		{"wording", c.Wording},
		{"serial", c.Serial},
	}
	for _, fl := range fields {
		if m := f.Missing(fl.text); len(m) > 0 {
			return fmt.Errorf("certificate %s: %s has %q, which font %s cannot draw: %w",
				c.Serial, fl.name, string(m), f.name, ErrMissingGlyph)
		}
	}
	return nil
}

// sealImage is the seal as the PDF stores it, once per document: its
// colour and its transparency (a soft mask) as zlib-compressed samples.
type sealImage struct {
	w, h       int
	aspect     float64 // width over height
	rgb, alpha []byte
}

// sealImage checks the seal and turns it into the image the PDF stores,
// shrunk to at most sealPixels on a side: 600 pixels over 40 mm is already
// 380 dpi. The last seal is kept, as every print run uses the same one,
// so its pixels are compressed once, not per PDF.
func (f *Font) sealImage(b []byte) (*sealImage, error) {
	if len(b) == 0 {
		return nil, nil
	}
	f.sealMu.Lock()
	defer f.sealMu.Unlock()
	if f.seal.img != nil && bytes.Equal(f.seal.src, b) {
		return f.seal.img, nil
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("seal image: %w", err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxSealPixels || cfg.Height > maxSealPixels {
		return nil, fmt.Errorf("seal image: %d×%d pixels, want at most %d on a side", cfg.Width, cfg.Height, maxSealPixels)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("seal image: %w", err)
	}
	r := img.Bounds()
	rgba := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(rgba, rgba.Bounds(), img, r.Min, draw.Src)
	rgba = shrink(rgba, sealPixels)
	w, h := rgba.Rect.Dx(), rgba.Rect.Dy()
	rgb, alpha := make([]byte, 0, 3*w*h), make([]byte, 0, w*h)
	for i := 0; i < len(rgba.Pix); i += 4 {
		rgb = append(rgb, rgba.Pix[i:i+3]...)
		alpha = append(alpha, rgba.Pix[i+3])
	}
	s := &sealImage{w: w, h: h, aspect: float64(r.Dx()) / float64(r.Dy()), rgb: deflate(rgb), alpha: deflate(alpha)}
	f.seal.src, f.seal.img = bytes.Clone(b), s
	return s, nil
}

// deflate compresses b with zlib at the best level: for the seal, which
// is compressed once and sent with every PDF.
func deflate(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// shrink scales img down by a whole factor, averaging blocks of pixels
// weighted by their alpha, until neither side exceeds limit.
func shrink(img *image.NRGBA, limit int) *image.NRGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	k := max((w+limit-1)/limit, (h+limit-1)/limit)
	if k <= 1 {
		return img
	}
	out := image.NewNRGBA(image.Rect(0, 0, max(1, w/k), max(1, h/k)))
	for y := 0; y < out.Rect.Dy(); y++ {
		for x := 0; x < out.Rect.Dx(); x++ {
			var r, g, b, a, n int
			for sy := y * k; sy < min(h, (y+1)*k); sy++ {
				for sx := x * k; sx < min(w, (x+1)*k); sx++ {
					p := img.Pix[img.PixOffset(sx, sy):]
					pa := int(p[3])
					r, g, b, a, n = r+int(p[0])*pa, g+int(p[1])*pa, b+int(p[2])*pa, a+pa, n+1
				}
			}
			o := out.Pix[out.PixOffset(x, y):]
			if a > 0 {
				o[0], o[1], o[2] = uint8(r/a), uint8(g/a), uint8(b/a)
			}
			o[3] = uint8(a / n)
		}
	}
	return out
}

// certificate draws a certificate's text and QR code, and returns the x
// of the centre of the school's name, where the seal goes.
func (d *doc) certificate(c *Printed, qr [][]bool) float64 {
	title, courseLabel, datesLabel := titleCourse, labelCourse, labelDates
	titleSize, titleGap := 40.0, 0.6
	if c.Kind == "mentoring" {
		title, courseLabel, datesLabel = titleMentoring, labelPost, labelPostDates
		titleSize, titleGap = 36.0, 0.2
	}
	d.font(colorRed, titleSize)
	d.bold(colorRed, 0.25, func() { d.spaced(pageW/2, titleY, title, titleGap) })

	gap := 0.0
	if utf8.RuneCountInString(c.TraineeName) <= 4 {
		gap = 0.3
	}
	d.font(colorInk, 28)
	d.fit(c.TraineeName, 160, 28, 14)
	var w float64
	d.bold(colorInk, 0.12, func() { w = d.spaced(pageW/2, nameY, c.TraineeName, gap) })
	d.draw(colorGold, 0.4)
	d.pdf.Line(pageW/2-w/2-12, nameY+3.5, pageW/2+w/2+12, nameY+3.5)

	lines := d.fitWording(c.Wording)
	lead := d.size * ptToMM * wordingLead
	y := wordingTop + (wordingH-float64(len(lines))*lead)/2 + lead*0.72
	for i, line := range lines {
		x := wordingX
		if i == 0 {
			x += 2 * d.size * ptToMM
		}
		d.text(x, y+float64(i)*lead, line)
	}

	course := courseLabel + c.CourseTitle
	d.fit(course, detailsMaxW, 13, 8)
	d.textAt(pageW/2, courseY, course, 'C')
	var details []string
	if !c.StartsOn.IsZero() && !c.EndsOn.IsZero() {
		details = append(details, datesLabel+pdfDate(c.StartsOn)+"至"+pdfDate(c.EndsOn))
	}
	if c.CreditHours > 0 {
		details = append(details, labelHours+strconv.FormatFloat(c.CreditHours, 'f', -1, 64))
	}
	if len(details) > 0 {
		line := strings.Join(details, "    ")
		d.fit(line, detailsMaxW, 13, 8)
		d.textAt(pageW/2, datesY, line, 'C')
	}

	issued := pdfDate(c.IssuedOn)
	schoolSize := d.fit(c.SchoolName, schoolMaxW, 15, 8)
	sw := d.width(c.SchoolName)
	d.font(colorInk, 14)
	cx := schoolRight - max(sw, d.width(issued))/2
	d.textAt(cx, issuedY, issued, 'C')
	d.font(colorInk, schoolSize)
	d.textAt(cx, schoolY, c.SchoolName, 'C')

	d.qr(qr)
	d.font(colorGrey, 8)
	d.textAt(qrX+qrSize/2, qrY+qrSize+3.2, labelQR, 'C')
	d.font(colorInk, 10)
	d.text(qrX, serialY, labelSerial+c.Serial)
	return cx
}

// qr draws the QR code, bits with its quiet zone, as vector rectangles on
// a white ground: sharp at any printer resolution, and no image to
// encode. Each run of dark modules in a row is one rectangle.
func (d *doc) qr(bits [][]bool) {
	n := len(bits)
	k := d.pdf.GetConversionRatio() // points per mm
	_, h := d.pdf.GetPageSize()
	m := qrSize / float64(n) * k
	// In module units, y down, from the code's top-left corner.
	b := fmt.Appendf(make([]byte, 0, 4096), "q %.4f 0 0 %.4f %.2f %.2f cm 1 g 0 0 %d %d re f 0 g\n", m, -m, qrX*k, (h-qrY)*k, n, n)
	for y, row := range bits {
		for x := 0; x < n; {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < n && row[x] {
				x++
			}
			b = strconv.AppendInt(b, int64(start), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(y), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(x-start), 10)
			b = append(b, " 1 re "...)
		}
	}
	b = append(b, "f Q"...)
	d.pdf.RawWriteStr(string(b))
}

// seal stamps the seal over the school's name and the date, centred on cx.
func (d *doc) seal(cx, aspect float64) {
	x, y, w, h := sealBox(cx, aspect)
	d.image(sealName, x, y, w, h)
}

// sealBox is where the seal goes, in mm: at most sealSize on a side,
// centred on cx, between the school's name and the date.
func sealBox(cx, aspect float64) (x, y, w, h float64) {
	h = sealSize
	w = h * aspect
	if w > sealSize {
		w, h = sealSize, sealSize/aspect
	}
	cy := (schoolY+issuedY)/2 - 3
	return cx - w/2, cy - h/2, w, h
}

// image shows the shared image XObject name at (x, y), w by h mm, as
// gofpdf's ImageOptions would; the image itself is written once per
// document (see run), not registered with gofpdf for each page.
func (d *doc) image(name string, x, y, w, h float64) {
	k := d.pdf.GetConversionRatio()
	_, ph := d.pdf.GetPageSize()
	d.pdf.RawWriteStr(fmt.Sprintf("q %.5f 0 0 %.5f %.5f %.5f cm /%s Do Q", w*k, h*k, x*k, (ph-(y+h))*k, name))
}

// border draws the double frame and the ornaments.
func (d *doc) border() {
	d.draw(colorRed, 1.6)
	d.pdf.Rect(frameInset, frameInset, pageW-2*frameInset, pageH-2*frameInset, "D")
	d.draw(colorGold, 0.6)
	d.pdf.Rect(frameInset+3.2, frameInset+3.2, pageW-2*frameInset-6.4, pageH-2*frameInset-6.4, "D")
	d.draw(colorGold, 0.25)
	d.pdf.Rect(innerInset, innerInset, pageW-2*innerInset, pageH-2*innerInset, "D")

	corners := [][4]float64{
		{innerInset, innerInset, 1, 1},
		{pageW - innerInset, innerInset, -1, 1},
		{innerInset, pageH - innerInset, 1, -1},
		{pageW - innerInset, pageH - innerInset, -1, -1},
	}
	for _, c := range corners {
		x, y, sx, sy := c[0], c[1], c[2], c[3]
		d.draw(colorRed, 0.8)
		d.polyline(x+sx*3, y+sy*17, x+sx*3, y+sy*3, x+sx*17, y+sy*3)
		d.draw(colorGold, 0.4)
		d.polyline(x+sx*6, y+sy*13, x+sx*6, y+sy*6, x+sx*13, y+sy*6)
		d.polyline(x+sx*3, y+sy*20, x+sx*3, y+sy*24)
		d.polyline(x+sx*20, y+sy*3, x+sx*24, y+sy*3)
		d.diamond(x+sx*9.5, y+sy*9.5, 2, colorRed)
		d.diamond(x+sx*3, y+sy*18.5, 0.9, colorGold)
		d.diamond(x+sx*18.5, y+sy*3, 0.9, colorGold)
	}
	for _, y := range []float64{frameInset + 3.2, pageH - frameInset - 3.2} {
		d.diamond(pageW/2, y, 2.2, colorRed)
		d.diamond(pageW/2-6, y, 1, colorGold)
		d.diamond(pageW/2+6, y, 1, colorGold)
	}
	d.draw(colorGold, 0.4)
	d.pdf.Line(pageW/2-45, titleY+6, pageW/2-4, titleY+6)
	d.pdf.Line(pageW/2+4, titleY+6, pageW/2+45, titleY+6)
	d.diamond(pageW/2, titleY+6, 1.4, colorGold)
}

// crosshair draws a crosshair at (x, y) with 20 mm rulers ticked every mm
// and a 1 mm grid 10 mm around it.
func (d *doc) crosshair(x, y float64) {
	for i := -10; i <= 10; i++ {
		v := float64(i)
		width := 0.05
		if i%5 == 0 {
			width = 0.12
		}
		d.draw(pdfColor{190, 190, 190}, width)
		d.pdf.Line(x+v, y-10, x+v, y+10)
		d.pdf.Line(x-10, y+v, x+10, y+v)
	}
	d.draw(colorInk, 0.2)
	d.pdf.Line(x-20, y, x+20, y)
	d.pdf.Line(x, y-20, x, y+20)
	d.font(colorInk, 5)
	for i := -20; i <= 20; i++ {
		if i == 0 {
			continue
		}
		v, t := float64(i), 0.8
		switch {
		case i%10 == 0:
			t = 2.4
			d.textAt(x+v, y+5, strconv.Itoa(absInt(i)), 'C')
			d.textAt(x-3.2, y+v+0.7, strconv.Itoa(absInt(i)), 'R')
		case i%5 == 0:
			t = 1.6
		}
		d.pdf.Line(x+v, y-t, x+v, y+t)
		d.pdf.Line(x-t, y+v, x+t, y+v)
	}
	d.draw(colorRed, 0.15)
	d.pdf.Circle(x, y, 1.5, "D")
	d.font(colorRed, 6)
	d.text(x+2, y-2, fmt.Sprintf("(%g, %g)", x, y))
}

// fitWording sets the largest font size at which the wording fits its box
// and returns its lines.
func (d *doc) fitWording(s string) []string {
	for size := wordingStart; ; size -= 0.5 {
		d.font(colorInk, size)
		lines := d.wrapLines(s, wordingW, 2*size*ptToMM)
		if float64(len(lines))*size*ptToMM*wordingLead <= wordingH || size <= wordingMin {
			return lines
		}
	}
}

// Line-breaking rules for Chinese (禁则): these never start a line, and
// those never end one.
const (
	noLineStart = "，。、；：？！）》」』】〉”’…—·,.;:?!)]%"
	noLineEnd   = "（《「『【〈“‘([#"
)

// wrapLines breaks s into lines no wider than w (the first narrower by
// indent), between characters, keeping runs of Latin letters and digits
// whole and hanging closing punctuation rather than starting a line with it.
func (d *doc) wrapLines(s string, w, indent float64) []string {
	var lines []string
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		var line []string
		width := indent
		if len(lines) > 0 {
			width = 0
		}
		for _, u := range breakUnits(para) {
			uw := d.width(u)
			if width+uw > w && len(line) > 0 && !strings.Contains(noLineStart, u) {
				var carry []string
				if last := line[len(line)-1]; strings.Contains(noLineEnd, last) && len(line) > 1 {
					line, carry = line[:len(line)-1], []string{last}
				}
				lines = append(lines, strings.Join(line, ""))
				line, width = carry, d.width(strings.Join(carry, ""))
			}
			line = append(line, u)
			width += uw
		}
		lines = append(lines, strings.Join(line, ""))
	}
	return lines
}

// breakUnits splits s into what wrapLines may not break: a run of ASCII
// letters, digits and the punctuation inside numbers, or any other single
// character.
func breakUnits(s string) []string {
	var us []string
	for len(s) > 0 {
		n := 0
		for n < len(s) && isUnitByte(s[n]) {
			n++
		}
		if n == 0 {
			_, n = utf8.DecodeRuneInString(s)
		}
		us = append(us, s[:n])
		s = s[n:]
	}
	return us
}

func isUnitByte(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || strings.IndexByte(".-/:%", b) >= 0
}

func (d *doc) polyline(xy ...float64) {
	d.pdf.MoveTo(xy[0], xy[1])
	for i := 2; i+1 < len(xy); i += 2 {
		d.pdf.LineTo(xy[i], xy[i+1])
	}
	d.pdf.DrawPath("D")
}

func (d *doc) diamond(x, y, r float64, c pdfColor) {
	d.pdf.SetFillColor(c.r, c.g, c.b)
	d.pdf.Polygon([]gofpdf.PointType{{X: x, Y: y - r}, {X: x + r, Y: y}, {X: x, Y: y + r}, {X: x - r, Y: y}}, "F")
}

func pdfDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

func absInt(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

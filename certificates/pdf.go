package certificates

import (
	"bytes"
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
	qrcode "github.com/skip2/go-qrcode"
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
// gofpdf builds the whole document in memory before writing it to w: each
// page's content stream stays in memory until the end, then the finished
// file is held once more while it is copied to w. Pages are kept small:
// border and QR code are vector drawings, the seal image and the font
// subset are stored once per document. About 1 ms and 3.8 KB of output a
// page; the peak live heap is 30–60 MB for 500 pages and 50–75 MB for
// 1,000, with garbage up to twice that. TestPDFBatch logs the figures.
func (f *Font) Write(w io.Writer, certs []Printed, l Layout) (err error) {
	if len(certs) == 0 {
		return errors.New("write certificates: none given")
	}
	for i := range certs {
		if err := f.check(&certs[i]); err != nil {
			return fmt.Errorf("write certificates: %w", err)
		}
	}
	seal, sealAspect, err := f.sealPNG(l.Seal)
	if err != nil {
		return fmt.Errorf("write certificates: %w", err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write certificates: gofpdf panicked: %v", r)
		}
	}()
	d := f.newDoc(titleCourse)
	if seal != nil {
		d.pdf.RegisterImageOptionsReader("seal", gofpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(seal))
	}
	for i := range certs {
		c := &certs[i]
		qr, err := qrcode.New(c.VerifyURL, qrcode.Medium)
		if err != nil {
			return fmt.Errorf("write certificate %s: qr code: %w", c.Serial, err)
		}
		d.pdf.AddPage()
		d.pdf.TransformBegin()
		d.pdf.TransformTranslate(l.OffsetXmm, l.OffsetYmm)
		d.border()
		cx := d.certificate(c, qr)
		if seal != nil {
			d.seal(cx, sealAspect)
		}
		d.pdf.TransformEnd()
		if err := d.pdf.Error(); err != nil {
			return fmt.Errorf("write certificate %s: %w", c.Serial, err)
		}
	}
	if err := d.pdf.Output(w); err != nil {
		return fmt.Errorf("write certificates: %w", err)
	}
	return nil
}

// TestPage renders a print-calibration page: the certificate's outer frame
// dashed, crosshairs with mm rulers at the corners and the center, and the
// current offsets, all moved by the offsets as a certificate would be.
func (f *Font) TestPage(w io.Writer, l Layout) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write test page: gofpdf panicked: %v", r)
		}
	}()
	d := f.newDoc(testTitle)
	d.pdf.AddPage()
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
	if err := d.pdf.Output(w); err != nil {
		return fmt.Errorf("write test page: %w", err)
	}
	return nil
}

// doc is one PDF being drawn. Text is set in the CJK font, and in
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

func (f *Font) newDoc(title string) *doc {
	d := &doc{pdf: f.newPDF(), f: f, latin: gofpdf.New("L", "mm", "A4", "")}
	d.pdf.SetTitle(title, true)
	d.pdf.SetCreator("partyschool", false)
	d.cp1252 = d.pdf.UnicodeTranslatorFromDescriptor("")
	d.font(colorInk, 12)
	return d
}

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

// sealPNG checks the seal and re-encodes it as the 8-bit, non-interlaced
// RGBA PNG that gofpdf reads (it refuses 16-bit and interlaced files),
// shrunk to at most sealPixels on a side: gofpdf splits and recompresses
// the alpha channel of every document's copy, and 600 pixels over 40 mm is
// already 380 dpi. It returns the PNG and its width over its height. The
// last seal is kept, as every print run uses the same one.
func (f *Font) sealPNG(b []byte) ([]byte, float64, error) {
	if len(b) == 0 {
		return nil, 0, nil
	}
	f.sealMu.Lock()
	defer f.sealMu.Unlock()
	if f.seal.png != nil && bytes.Equal(f.seal.src, b) {
		return f.seal.png, f.seal.aspect, nil
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, 0, fmt.Errorf("seal image: %w", err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxSealPixels || cfg.Height > maxSealPixels {
		return nil, 0, fmt.Errorf("seal image: %d×%d pixels, want at most %d on a side", cfg.Width, cfg.Height, maxSealPixels)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, 0, fmt.Errorf("seal image: %w", err)
	}
	r := img.Bounds()
	rgba := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(rgba, rgba.Bounds(), img, r.Min, draw.Src)
	rgba = shrink(rgba, sealPixels)
	var buf bytes.Buffer
	if err := png.Encode(&buf, rgba); err != nil {
		return nil, 0, fmt.Errorf("seal image: %w", err)
	}
	f.seal.src, f.seal.png, f.seal.aspect = bytes.Clone(b), buf.Bytes(), float64(r.Dx())/float64(r.Dy())
	return f.seal.png, f.seal.aspect, nil
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
func (d *doc) certificate(c *Printed, qr *qrcode.QRCode) float64 {
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

// qr draws the QR code as vector squares on a white ground (its quiet zone
// included): sharp at any printer resolution, and no image to encode.
func (d *doc) qr(q *qrcode.QRCode) {
	bits := q.Bitmap()
	n := len(bits)
	k := d.pdf.GetConversionRatio() // points per mm
	_, h := d.pdf.GetPageSize()
	m := qrSize / float64(n) * k
	var b strings.Builder
	// In module units, y down, from the code's top-left corner.
	fmt.Fprintf(&b, "q %.4f 0 0 %.4f %.2f %.2f cm 1 g 0 0 %d %d re f 0 g\n", m, -m, qrX*k, (h-qrY)*k, n, n)
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
			fmt.Fprintf(&b, "%d %d %d 1 re ", start, y, x-start)
		}
	}
	b.WriteString("f Q")
	d.pdf.RawWriteStr(b.String())
}

// seal stamps the seal over the school's name and the date, centred on cx.
func (d *doc) seal(cx, aspect float64) {
	h := sealSize
	w := h * aspect
	if w > sealSize {
		w, h = sealSize, sealSize/aspect
	}
	cy := (schoolY+issuedY)/2 - 3
	d.pdf.ImageOptions("seal", cx-w/2, cy-h/2, w, h, false, gofpdf.ImageOptions{ImageType: "PNG"}, 0, "")
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

package certificates

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/jung-kurt/gofpdf"
)

// A PDF of certificates is streamed: gofpdf draws each page, the page's
// content stream is compressed and written out at once, and nothing of it
// is kept, so memory does not grow with the number of pages. gofpdf would
// keep every page, and then the whole file, until Output; here it only
// draws. Each page is drawn as a gofpdf template of a document that holds
// the parsed font (see drawer), and this file writes the PDF around the
// pages' contents: the objects every page shares (the font cut down to
// the characters of all the pages, the seal, the border) once, each page
// as it comes, and the cross-reference table from the offsets noted on
// the way.

// run is one PDF worked out before a byte of it is written: its pages,
// the font cut down to the characters they print, the seal.
type run struct {
	f      *Font
	title  string
	pages  int
	draw   func(d *doc, page int) error
	font   *fontSubset
	seal   *sealImage
	border bool // the pages show the border form
}

// Names of the shared objects in the pages' resources.
const (
	borderName = "Border"
	sealName   = "Seal"
)

// write streams the PDF to w, calling progress, when not nil, with the
// number of pages written after each. The document's objects, in order:
// catalog, information, the font, the seal, the border form, the shared
// resources; then each page and its content as they are drawn; last the
// page tree, which lists the pages.
func (r *run) write(w io.Writer, progress func(pages int)) (err error) {
	dr, err := r.f.drawer()
	if err != nil {
		return fmt.Errorf("write certificates: %w", err)
	}
	defer func() {
		// A drawer whose gofpdf panicked is dropped. One whose page failed,
		// or whose reader went away, is fine: gofpdf keeps a page's error
		// in the page's template, not in the drawer's document.
		if v := recover(); v != nil {
			err = fmt.Errorf("write certificates: gofpdf panicked: %v", v)
			return
		}
		r.f.release(dr)
	}()
	p := newPDFWriter(w)
	p.header()
	catalog, tree, info, resources := p.alloc(1), p.alloc(1), p.alloc(1), p.alloc(1)
	p.object(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", tree))
	p.object(info, pdfInfo(r.title, time.Now()))
	if err := r.writeShared(p, dr, resources); err != nil {
		return fmt.Errorf("write certificates: %w", err)
	}
	first := len(p.offsets) + 1
	if err := r.writePages(p, dr, tree, resources, progress); err != nil {
		return fmt.Errorf("write certificates: %w", err)
	}
	p.pageTree(tree, first, r.pages)
	if err := p.finish(catalog, info); err != nil {
		return fmt.Errorf("write certificates: %w", err)
	}
	return nil
}

// writeShared writes what every page uses, once: the font cut down to the
// run's characters, Helvetica, the seal, the border, and the resources
// dictionary, object number resources, that names them.
func (r *run) writeShared(p *pdfWriter, dr *drawer, resources int) error {
	font := p.alloc(fontObjects)
	p.writeFont(font, r.font, r.f.desc, r.f.name)
	xobjects := ""
	if r.seal != nil {
		seal := p.alloc(2)
		p.writeSeal(seal, r.seal)
		xobjects += fmt.Sprintf(" /%s %d 0 R", sealName, seal)
	}
	if r.border {
		content, err := dr.page(r.f, func(d *doc) { d.border() })
		if err != nil {
			return fmt.Errorf("border: %w", err)
		}
		form := p.alloc(1)
		p.stream(form, fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 %s] /Resources %d 0 R", pageBoxPt, resources), content, true)
		xobjects += fmt.Sprintf(" /%s %d 0 R", borderName, form)
	}
	// The names of the fonts are gofpdf's, as the pages' content uses them.
	p.object(resources, fmt.Sprintf("<< /ProcSet [/PDF /Text /ImageB /ImageC /ImageI] /Font << /F%s %d 0 R /F%s %d 0 R >> /XObject <<%s >> >>",
		dr.cjk, font+fontObjType0, dr.helv, font+fontObjHelvetica, xobjects))
	return p.err
}

// writePages draws each page and writes it with its content, then tells
// progress.
func (r *run) writePages(p *pdfWriter, dr *drawer, tree, resources int, progress func(int)) error {
	group := ""
	if r.seal != nil { // as gofpdf does for a page with a transparent image
		group = " /Group << /Type /Group /S /Transparency /CS /DeviceRGB >>"
	}
	for i := 0; i < r.pages; i++ {
		var drawErr error
		content, err := dr.page(r.f, func(d *doc) { drawErr = r.draw(d, i) })
		if err == nil {
			err = drawErr
		}
		if err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		page := p.alloc(2)
		p.object(page, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /Resources %d 0 R /Contents %d 0 R%s >>", tree, resources, page+1, group))
		p.stream(page+1, "", content, true)
		if p.err != nil {
			return p.err
		}
		if progress != nil {
			progress(i + 1)
		}
	}
	return nil
}

// page draws one page with draw and returns its content stream. The page
// is a gofpdf template of the drawer's document, of its page size: A4
// landscape as gofpdf has it, 841.89 × 595.28 pt, which is 210.0016 mm
// high, not 210 (gofpdf swaps a template's size for landscape, hence
// height first).
func (dr *drawer) page(f *Font, draw func(d *doc)) ([]byte, error) {
	var d doc
	w, h := dr.pdf.GetPageSize()
	tpl := dr.pdf.CreateTemplateCustom(gofpdf.PointType{}, gofpdf.SizeType{Wd: h, Ht: w}, func(t *gofpdf.Tpl) {
		d = doc{pdf: &t.Fpdf, f: f, latin: dr.latin, cp1252: dr.cp1252}
		d.pdf.SetMargins(0, 0, 0)
		d.pdf.SetAutoPageBreak(false, 0)
		d.font(colorInk, 12)
		draw(&d)
	})
	if err := d.pdf.Error(); err != nil {
		return nil, err
	}
	return tpl.Bytes(), nil
}

// pdfWriter writes a PDF object by object as they come, through a buffer,
// keeping only the offset of each object for the cross-reference table at
// the end: a page goes out as soon as it is drawn and nothing of it stays,
// where gofpdf keeps every page, and then the whole file, until Output.
// What it keeps grows by 16 bytes a page (two offsets).
type pdfWriter struct {
	w       *bufio.Writer
	written int64
	offsets []int64 // of object n at n-1
	zw      *zlib.Writer
	zbuf    bytes.Buffer
	err     error
}

// pageBoxPt is the size of an A4 landscape page in points, as gofpdf
// gives it.
const pageBoxPt = "841.89 595.28"

// pdfBuffer is the size of the buffer between the writer and w: a few
// pages, so that a response goes out in large writes.
const pdfBuffer = 64 << 10

// pdfCompression is the zlib level of content streams. BestSpeed makes
// them about 20% larger than the default level in a third of the time; a
// page is still under 5 KB.
const pdfCompression = zlib.BestSpeed

func newPDFWriter(w io.Writer) *pdfWriter {
	p := &pdfWriter{w: bufio.NewWriterSize(w, pdfBuffer)}
	// One zlib writer for every stream of the document, reset for each:
	// a new one allocates about 1 MB.
	p.zw, _ = zlib.NewWriterLevel(&p.zbuf, pdfCompression)
	return p
}

// alloc reserves the next n object numbers and returns the first.
func (p *pdfWriter) alloc(n int) int {
	first := len(p.offsets) + 1
	for i := 0; i < n; i++ {
		p.offsets = append(p.offsets, 0)
	}
	return first
}

func (p *pdfWriter) write(b []byte) {
	if p.err != nil {
		return
	}
	n, err := p.w.Write(b)
	p.written += int64(n)
	p.err = err
}

func (p *pdfWriter) print(s string) { p.write([]byte(s)) }

// header starts the file; the comment's bytes above 127 tell transfer
// programs that the file is binary.
func (p *pdfWriter) header() { p.print("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n") }

// begin starts object n, noting where.
func (p *pdfWriter) begin(n int) {
	p.offsets[n-1] = p.written
	p.print(strconv.Itoa(n) + " 0 obj\n")
}

// object writes object n, a dictionary or another direct object.
func (p *pdfWriter) object(n int, body string) {
	p.begin(n)
	p.print(body)
	p.print("\nendobj\n")
}

// stream writes object n as a stream of data, zlib-compressed when
// compress is set, with the dictionary entries dict besides its length
// and filter.
func (p *pdfWriter) stream(n int, dict string, data []byte, compress bool) {
	if compress {
		p.zbuf.Reset()
		p.zw.Reset(&p.zbuf)
		if _, err := p.zw.Write(data); err != nil && p.err == nil {
			p.err = err
		}
		if err := p.zw.Close(); err != nil && p.err == nil {
			p.err = err
		}
		data = p.zbuf.Bytes()
		dict = "/Filter /FlateDecode " + dict
	}
	p.begin(n)
	p.print("<< " + dict + " /Length " + strconv.Itoa(len(data)) + " >>\nstream\n")
	p.write(data)
	p.print("\nendstream\nendobj\n")
}

// pageTree writes the root of the page tree, n, whose count kids are the
// objects from first on, every other number (each page is followed by
// its content).
func (p *pdfWriter) pageTree(n, first, count int) {
	p.begin(n)
	p.print("<< /Type /Pages /Count " + strconv.Itoa(count) + " /MediaBox [0 0 " + pageBoxPt + "] /Kids [")
	var b []byte
	for i := 0; i < count; i++ {
		b = strconv.AppendInt(b[:0], int64(first+2*i), 10)
		p.write(append(b, " 0 R "...))
	}
	p.print("] >>\nendobj\n")
}

// finish writes the cross-reference table and the trailer, and flushes.
func (p *pdfWriter) finish(root, info int) error {
	at := p.written
	p.print("xref\n0 " + strconv.Itoa(len(p.offsets)+1) + "\n0000000000 65535 f \n")
	var b []byte
	for n, off := range p.offsets {
		if off == 0 {
			return fmt.Errorf("pdf object %d never written", n+1)
		}
		b = fmt.Appendf(b[:0], "%010d 00000 n \n", off)
		p.write(b)
	}
	p.print(fmt.Sprintf("trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n",
		len(p.offsets)+1, root, info, at))
	if p.err != nil {
		return p.err
	}
	return p.w.Flush()
}

// info is the document information dictionary.
func pdfInfo(title string, now time.Time) string {
	return fmt.Sprintf("<< /Title %s /Creator (partyschool) /Producer (partyschool, gofpdf) /CreationDate (D:%s) >>",
		pdfText(title), now.Format("20060102150405"))
}

// pdfText is s as a PDF text string: UTF-16BE with a byte order mark, in
// hexadecimal.
func pdfText(s string) string {
	b := []byte("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		b = fmt.Appendf(b, "%04X", u)
	}
	return string(append(b, '>'))
}

// writeSeal writes the seal image as object n and its transparency as n+1.
func (p *pdfWriter) writeSeal(n int, s *sealImage) {
	size := fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /BitsPerComponent 8 /Filter /FlateDecode", s.w, s.h)
	p.stream(n, size+fmt.Sprintf(" /ColorSpace /DeviceRGB /SMask %d 0 R", n+1), s.rgb, false)
	p.stream(n+1, size+" /ColorSpace /DeviceGray", s.alpha, false)
}

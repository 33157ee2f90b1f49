package certificates

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/jung-kurt/gofpdf"
)

// ErrNoFont means no CJK TrueType font was found on the system.
var ErrNoFont = errors.New("no Chinese TrueType font found: 请安装 fonts-droid-fallback 或设置 CERT_FONT")

// ErrMissingGlyph means a text to print has a character the font cannot draw.
var ErrMissingGlyph = errors.New("character not in the certificate font")

// fontPaths are the fonts tried, best first, when CERT_FONT is not set.
// gofpdf reads only single TrueType (glyf) fonts: no .ttc collections and
// no CFF-based .otf, which rules out Noto CJK and WenQuanYi.
var fontPaths = []string{
	"/usr/share/fonts/truetype/lxgw/LXGWWenKai-Regular.ttf",              // Debian fonts-lxgw-wenkai
	"/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",             // Debian fonts-arphic-gbsn00lp
	"/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf",             // Debian fonts-arphic-gkai00mp
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",          // Debian fonts-droid-fallback
	"/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf", // Fedora
	"/usr/share/fonts/google-droid/DroidSansFallbackFull.ttf",            // older Fedora
	"/usr/share/fonts/droid/DroidSansFallbackFull.ttf",                   // Arch, Alpine
	"/usr/share/fonts/TTF/LXGWWenKai-Regular.ttf",                        // Arch
	"/usr/local/share/fonts/LXGWWenKai-Regular.ttf",                      // installed by hand
	"/Library/Fonts/Arial Unicode.ttf",                                   // macOS
	"/System/Library/Fonts/Supplemental/Arial Unicode.ttf",               // macOS
	`C:\Windows\Fonts\simkai.ttf`,                                        // Windows 楷体
	`C:\Windows\Fonts\simhei.ttf`,                                        // Windows 黑体
}

// fontGlobs are searched after fontPaths for any other usable font.
var fontGlobs = []string{
	"/usr/share/fonts/truetype/*/*.ttf",
	"/usr/share/fonts/*/*.ttf",
	"/usr/local/share/fonts/*.ttf",
}

// Font is the Chinese TrueType font the certificates are drawn in, read
// once at start-up and shared by every PDF. Characters it lacks are drawn
// in Helvetica (see doc).
type Font struct {
	path   string
	name   string
	data   []byte           // the file, never written to: gofpdf gets copies
	glyphs *[1 << 16]uint16 // the glyph of each BMP rune, 0 when the font has none
	ttf    ttfInfo          // what cutting the font down to a PDF's characters needs
	desc   fontDescriptor   // the font's metrics, as a PDF describes them
	sizes  []byte           // the font without its outlines, for gofpdf (see drawer)
	pool   chan *drawer     // drawers not in use: each holds the font parsed by gofpdf

	sealMu sync.Mutex
	seal   struct {
		src []byte // the last seal given
		img *sealImage
	}
}

// drawersKept is how many idle drawers a Font keeps: one per render
// allowed at once (see renders), and one for the occasional test page or
// single certificate alongside.
const drawersKept = 3

// FindFont reads the font at path, or, when path is empty, the first usable
// CJK TrueType font found on the system. path is usually CERT_FONT.
func FindFont(path string) (*Font, error) {
	if path != "" {
		f, err := loadFont(path)
		if err != nil {
			return nil, fmt.Errorf("certificate font CERT_FONT=%s: %w", path, err)
		}
		return f, nil
	}
	var unusable []string
	for _, p := range fontPaths {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		f, err := loadFont(p)
		if err == nil {
			return f, nil
		}
		unusable = append(unusable, fmt.Sprintf("%s: %v", p, err))
	}
	for _, g := range fontGlobs {
		matches, _ := filepath.Glob(g)
		for _, p := range matches {
			if f, err := loadFont(p); err == nil {
				return f, nil
			}
		}
	}
	if len(unusable) > 0 {
		return nil, fmt.Errorf("%w (unusable: %s)", ErrNoFont, strings.Join(unusable, "; "))
	}
	return nil, ErrNoFont
}

// Name returns the font's full name, for the start-up log.
func (f *Font) Name() string { return f.name }

// Path returns the font file's path, for the start-up log.
func (f *Font) Path() string { return f.path }

// Missing returns the characters of s that can be drawn neither in the font
// nor in Helvetica (for Latin letters and digits), each once. gofpdf draws
// only the Basic Multilingual Plane, so rare characters beyond it (CJK
// Extension B and later) are always missing.
func (f *Font) Missing(s string) []rune {
	var missing []rune
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' {
			continue
		}
		if f.has(r) || inCP1252(r) || containsRune(missing, r) {
			continue
		}
		missing = append(missing, r)
	}
	return missing
}

func (f *Font) has(r rune) bool {
	return r >= 0 && r < 1<<16 && f.glyphs[r] != 0
}

// inCP1252 reports whether Helvetica, a PDF base font in the Windows-1252
// encoding, has r.
func inCP1252(r rune) bool {
	return r >= 0x20 && r < 0x7F || r >= 0xA0 && r <= 0xFF || strings.ContainsRune("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ", r)
}

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// loadFont reads and checks one font file: a TrueType font, with the
// glyphs the certificates need, that gofpdf can draw with and that can be
// cut down for embedding.
func loadFont(path string) (*Font, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	tables, err := ttfTables(data)
	if err != nil {
		return nil, err
	}
	glyphs, err := ttfGlyphs(data, tables)
	if err != nil {
		return nil, err
	}
	info, err := readTTFInfo(data, tables)
	if err != nil {
		return nil, err
	}
	f := &Font{path: path, name: ttfName(data, tables), data: data, glyphs: glyphs, ttf: info,
		desc: readDescriptor(data, info), pool: make(chan *drawer, drawersKept)}
	f.sizes = f.withoutOutlines()
	if f.name == "" {
		f.name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if m := f.Missing(fixedText); len(m) > 0 {
		if len(m) > 8 {
			m = append(m[:8], '…')
		}
		return nil, fmt.Errorf("font has no glyph for %q: not a Chinese font", string(m))
	}
	if err := f.tryout(); err != nil {
		return nil, fmt.Errorf("gofpdf cannot use the font: %w", err)
	}
	return f, nil
}

// tryout prints the test page, as an admin would, so that a font gofpdf
// cannot parse or this package cannot cut down is refused at start. The
// drawer it parses the font into stays for the first request.
func (f *Font) tryout() error {
	return f.TestPage(io.Discard, Layout{})
}

const fontFamily = "cert"

// drawer draws pages with gofpdf without keeping them. Its document,
// which never gets a page, holds the font as gofpdf parsed it (about 8 ms
// for Droid Sans Fallback); each page is drawn as a gofpdf template of
// it, which shares its fonts, and only the page's content stream is
// taken. So the font is parsed once per drawer, not per PDF, and no page
// stays in memory once it is written. gofpdf gets the font without its
// outlines (Font.sizes): it only measures and encodes text here, and the
// PDF embeds a subset made by this package (Font.subset), so a drawer
// holds about 1 MB rather than a 4 MB copy of the font.
type drawer struct {
	pdf    *gofpdf.Fpdf
	latin  *gofpdf.Fpdf        // a document without pages, to measure Helvetica text
	cp1252 func(string) string // UTF-8 to Helvetica's encoding
	// cjk and helv are the names gofpdf gives the two fonts in content
	// streams (/F…): the PDF's resources must use the same.
	cjk, helv string
}

// drawer takes an idle drawer, or makes one. A drawer is used by one PDF
// at a time: gofpdf records the characters drawn in a map of the font
// that its templates share.
func (f *Font) drawer() (*drawer, error) {
	select {
	case d := <-f.pool:
		return d, nil
	default:
		return f.newDrawer()
	}
}

// release gives back a drawer whose PDF is done; beyond drawersKept it is
// dropped.
func (f *Font) release(d *drawer) {
	select {
	case f.pool <- d:
	default:
	}
}

// fontName matches a font selection in a gofpdf content stream.
var fontName = regexp.MustCompile(`/F([0-9a-f]+) [0-9.]+ Tf`)

func (f *Font) newDrawer() (d *drawer, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gofpdf panicked: %v", r)
		}
	}()
	pdf := gofpdf.New("L", "mm", "A4", "")
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	// gofpdf may write into the bytes it is given (utf8fontfile.go
	// getMetrics appends into a slice of them when subsetting), so each
	// drawer gets its own copy.
	pdf.AddUTF8FontFromBytes(fontFamily, "", bytes.Clone(f.sizes))
	// Both fonts are added to the document now: a template adding one
	// would write into the map the templates share.
	pdf.SetFont(latinFamily, "", 12)
	pdf.SetFont(fontFamily, "", 12)
	d = &drawer{pdf: pdf, latin: gofpdf.New("L", "mm", "A4", "")}
	d.latin.SetFont(latinFamily, "", 12)
	d.cp1252 = pdf.UnicodeTranslatorFromDescriptor("")
	if err := pdf.Error(); err != nil {
		return nil, err
	}
	content, err := d.page(f, func(dc *doc) {
		dc.pdf.SetFont(fontFamily, "", 12)
		dc.pdf.SetFont(latinFamily, "", 12)
	})
	if err != nil {
		return nil, err
	}
	names := fontName.FindAllSubmatch(content, -1)
	if len(names) < 2 {
		return nil, fmt.Errorf("no font names in %q", content)
	}
	d.cjk, d.helv = string(names[len(names)-2][1]), string(names[len(names)-1][1])
	return d, nil
}

// withoutOutlines is the font with only the tables gofpdf reads to
// measure and encode text (AddUTF8FontFromBytes): the character map, the
// advance widths and the general metrics, without the outlines (glyf and
// loca), which are 95% of Droid Sans Fallback.
func (f *Font) withoutOutlines() []byte {
	tables := map[string][]byte{}
	for _, name := range []string{"cmap", "head", "hhea", "hmtx", "maxp", "name", "OS/2", "post"} {
		tables[name] = f.table(name)
	}
	binary.BigEndian.PutUint32(tables["head"][8:], 0) // checkSumAdjustment, set when assembled
	return ttfAssemble(tables)
}

type ttfTable struct{ off, len int }

// ttfTables reads the table directory of a TrueType font.
func ttfTables(b []byte) (map[string]ttfTable, error) {
	if len(b) < 12 {
		return nil, errors.New("not a TrueType font: file too short")
	}
	switch string(b[:4]) {
	case "\x00\x01\x00\x00", "true":
	case "OTTO":
		return nil, errors.New("OpenType font with CFF outlines: gofpdf needs TrueType (glyf) outlines")
	case "ttcf":
		return nil, errors.New("TrueType collection (.ttc): gofpdf needs a single .ttf")
	default:
		return nil, errors.New("not a TrueType font")
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if len(b) < 12+16*n {
		return nil, errors.New("not a TrueType font: truncated table directory")
	}
	tables := make(map[string]ttfTable, n)
	for i := 0; i < n; i++ {
		rec := b[12+16*i:]
		t := ttfTable{int(binary.BigEndian.Uint32(rec[8:])), int(binary.BigEndian.Uint32(rec[12:]))}
		if t.off < 0 || t.len < 0 || t.off+t.len > len(b) {
			return nil, fmt.Errorf("not a TrueType font: table %q out of bounds", rec[:4])
		}
		tables[string(rec[:4])] = t
	}
	for _, name := range []string{"cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "name", "post", "OS/2"} {
		if _, ok := tables[name]; !ok {
			return nil, fmt.Errorf("not a usable TrueType font: no %q table", name)
		}
	}
	return tables, nil
}

// ttfGlyphs reads the glyph of each BMP rune, from the same cmap subtable
// gofpdf uses: the first Unicode one in format 4.
func ttfGlyphs(b []byte, tables map[string]ttfTable) (*[1 << 16]uint16, error) {
	maxp := tables["maxp"]
	if maxp.len < 6 {
		return nil, errors.New("not a TrueType font: short maxp table")
	}
	numGlyphs := int(binary.BigEndian.Uint16(b[maxp.off+4:]))
	cmap := b[tables["cmap"].off:][:tables["cmap"].len]
	if len(cmap) < 4 {
		return nil, errors.New("not a TrueType font: short cmap table")
	}
	var sub []byte
	for i, n := 0, int(binary.BigEndian.Uint16(cmap[2:])); i < n && 4+8*i+8 <= len(cmap); i++ {
		rec := cmap[4+8*i:]
		platform, encoding := binary.BigEndian.Uint16(rec), binary.BigEndian.Uint16(rec[2:])
		off := int(binary.BigEndian.Uint32(rec[4:]))
		if !(platform == 3 && encoding == 1 || platform == 0) || off+14 > len(cmap) {
			continue
		}
		if binary.BigEndian.Uint16(cmap[off:]) == 4 {
			sub = cmap[off:]
			break
		}
	}
	if sub == nil {
		return nil, errors.New("font has no Unicode cmap in format 4, which gofpdf needs")
	}
	u16 := func(i int) int {
		if i < 0 || i+2 > len(sub) {
			return 0
		}
		return int(binary.BigEndian.Uint16(sub[i:]))
	}
	segs := u16(6) / 2
	ends, starts, deltas, ranges := 14, 16+2*segs, 16+4*segs, 16+6*segs
	glyphs := new([1 << 16]uint16)
	for s := 0; s < segs; s++ {
		start, end := u16(starts+2*s), u16(ends+2*s)
		delta, rangeOff := u16(deltas+2*s), u16(ranges+2*s)
		for c := start; c <= end && c < 0xFFFF; c++ {
			g := 0
			if rangeOff == 0 {
				g = (c + delta) & 0xFFFF
			} else if g = u16(ranges + 2*s + rangeOff + 2*(c-start)); g != 0 {
				g = (g + delta) & 0xFFFF
			}
			if g != 0 && g < numGlyphs {
				glyphs[c] = uint16(g)
			}
		}
	}
	return glyphs, nil
}

// ttfName reads the font's full name (name ID 4), preferring the Windows
// English record; it returns "" when there is none.
func ttfName(b []byte, tables map[string]ttfTable) string {
	t := b[tables["name"].off:][:tables["name"].len]
	if len(t) < 6 {
		return ""
	}
	count, strOff := int(binary.BigEndian.Uint16(t[2:])), int(binary.BigEndian.Uint16(t[4:]))
	best, bestRank := "", 0
	for i := 0; i < count && 6+12*i+12 <= len(t); i++ {
		rec := t[6+12*i:]
		platform, lang, id := binary.BigEndian.Uint16(rec), binary.BigEndian.Uint16(rec[4:]), binary.BigEndian.Uint16(rec[6:])
		n, off := int(binary.BigEndian.Uint16(rec[8:])), strOff+int(binary.BigEndian.Uint16(rec[10:]))
		if id != 4 || off+n > len(t) {
			continue
		}
		raw, rank, s := t[off:off+n], 0, ""
		switch {
		case platform == 3 && lang == 0x0409:
			rank, s = 3, utf16BE(raw)
		case platform == 3 || platform == 0:
			rank, s = 2, utf16BE(raw)
		case platform == 1:
			rank, s = 1, string(raw)
		}
		if rank > bestRank && s != "" {
			best, bestRank = s, rank
		}
	}
	return best
}

func utf16BE(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.BigEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

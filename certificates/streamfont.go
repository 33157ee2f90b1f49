package certificates

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// A PDF embeds the font cut down to the characters it prints. gofpdf's
// own subsetting (GenerateCutFont, UTF8CutFont) walks the whole 4 MB font
// into Go maps each time, about 7 ms; this one reads the glyphs it needs
// through the rune-to-glyph table made at start-up, in well under a
// millisecond, and is done once per PDF for all its pages.
//
// It fits what gofpdf writes into page content: text in a Type 0 font
// with Identity-H encoding whose CIDs are the Unicode code points, so a
// page drawn by gofpdf is correct against any subset that has its
// characters, with a CIDToGIDMap from code point to the subset's glyph.

// ttfInfo is what cutting a TrueType font down needs from its tables.
type ttfInfo struct {
	tables      map[string]ttfTable
	numGlyphs   int
	numHMetrics int
	unitsPerEm  int
	longLoca    bool
}

// fontDescriptor is the font's metrics in thousandths of an em, as a PDF
// font descriptor gives them.
type fontDescriptor struct {
	ascent, descent, capHeight int
	italicAngle, stemV, flags  int
	bbox                       [4]int
}

func readTTFInfo(b []byte, tables map[string]ttfTable) (ttfInfo, error) {
	head, hhea, maxp := tables["head"], tables["hhea"], tables["maxp"]
	if head.len < 54 || hhea.len < 36 || maxp.len < 6 {
		return ttfInfo{}, errors.New("not a TrueType font: short head, hhea or maxp table")
	}
	info := ttfInfo{
		tables:      tables,
		unitsPerEm:  int(binary.BigEndian.Uint16(b[head.off+18:])),
		longLoca:    binary.BigEndian.Uint16(b[head.off+50:]) == 1,
		numHMetrics: int(binary.BigEndian.Uint16(b[hhea.off+34:])),
		numGlyphs:   int(binary.BigEndian.Uint16(b[maxp.off+4:])),
	}
	locaLen := 2 * (info.numGlyphs + 1)
	if info.longLoca {
		locaLen *= 2
	}
	switch {
	case info.unitsPerEm < 16:
		return ttfInfo{}, errors.New("not a TrueType font: bad unitsPerEm")
	case info.numHMetrics < 1 || info.numHMetrics > info.numGlyphs:
		return ttfInfo{}, errors.New("not a TrueType font: bad numberOfHMetrics")
	case tables["hmtx"].len < 4*info.numHMetrics+2*(info.numGlyphs-info.numHMetrics):
		return ttfInfo{}, errors.New("not a TrueType font: short hmtx table")
	case tables["loca"].len < locaLen:
		return ttfInfo{}, errors.New("not a TrueType font: short loca table")
	}
	return info, nil
}

// readDescriptor works out the font descriptor the way gofpdf does: the
// ascent and descent of hhea (else OS/2), the cap height of OS/2 version
// 2 and later (else the ascent), the stem width guessed from the weight.
func readDescriptor(b []byte, info ttfInfo) fontDescriptor {
	scale := func(v int16) int { return int(float64(v) * 1000 / float64(info.unitsPerEm)) }
	i16 := func(t string, off int) int16 {
		tb := info.tables[t]
		if off+2 > tb.len {
			return 0
		}
		return int16(binary.BigEndian.Uint16(b[tb.off+off:]))
	}
	d := fontDescriptor{
		bbox:    [4]int{scale(i16("head", 36)), scale(i16("head", 38)), scale(i16("head", 40)), scale(i16("head", 42))},
		ascent:  scale(i16("hhea", 4)),
		descent: scale(i16("hhea", 6)),
		flags:   4, // symbolic: the glyphs are chosen by the CIDToGIDMap, not by names
	}
	weight := 500
	if os2 := info.tables["OS/2"]; os2.len >= 72 {
		weight = int(uint16(i16("OS/2", 4)))
		if d.ascent == 0 {
			d.ascent = scale(i16("OS/2", 68))
		}
		if d.descent == 0 {
			d.descent = scale(i16("OS/2", 70))
		}
	}
	d.capHeight = d.ascent
	if os2 := info.tables["OS/2"]; os2.len >= 90 && i16("OS/2", 0) > 1 {
		d.capHeight = scale(i16("OS/2", 88))
	}
	d.stemV = 50 + int(math.Pow(float64(weight)/65, 2))
	d.italicAngle = int(i16("post", 4))
	if d.italicAngle != 0 {
		d.flags |= 64
	}
	if weight >= 600 {
		d.flags |= 1 << 18
	}
	if pt := info.tables["post"]; pt.len >= 16 && binary.BigEndian.Uint32(b[pt.off+12:]) != 0 {
		d.flags |= 1 // fixed pitch
	}
	return d
}

// fontSubset is the font cut down to the characters of one PDF.
type fontSubset struct {
	program []byte   // the TrueType font to embed
	runes   []rune   // ascending
	glyphs  []uint16 // the subset's glyph for each of runes
	widths  []int    // the advance of each of runes, in thousandths of an em
	missing int      // the advance of glyph 0 (.notdef)
	tag     string   // six capital letters naming this subset (PDF 9.6.4)
}

// glyph returns the outline data of glyph g.
func (f *Font) glyph(g int) ([]byte, error) {
	loca, glyf := f.ttf.tables["loca"], f.ttf.tables["glyf"]
	var from, to int
	if f.ttf.longLoca {
		from = int(binary.BigEndian.Uint32(f.data[loca.off+4*g:]))
		to = int(binary.BigEndian.Uint32(f.data[loca.off+4*g+4:]))
	} else {
		from = 2 * int(binary.BigEndian.Uint16(f.data[loca.off+2*g:]))
		to = 2 * int(binary.BigEndian.Uint16(f.data[loca.off+2*g+2:]))
	}
	if from > to || to > glyf.len {
		return nil, fmt.Errorf("glyph %d out of the glyf table", g)
	}
	return f.data[glyf.off+from : glyf.off+to], nil
}

// hmetric returns the advance width and left side bearing of glyph g:
// glyphs past the last long metric share its advance.
func (f *Font) hmetric(g int) (advance, lsb uint16) {
	hmtx, n := f.ttf.tables["hmtx"].off, f.ttf.numHMetrics
	if g < n {
		return binary.BigEndian.Uint16(f.data[hmtx+4*g:]), binary.BigEndian.Uint16(f.data[hmtx+4*g+2:])
	}
	return binary.BigEndian.Uint16(f.data[hmtx+4*(n-1):]), binary.BigEndian.Uint16(f.data[hmtx+4*n+2*(g-n):])
}

// Flags of a component of a composite glyph (the TrueType glyf table).
const (
	glyfArgsAreWords = 0x0001
	glyfHaveScale    = 0x0008
	glyfMore         = 0x0020
	glyfXYScale      = 0x0040
	glyfTwoByTwo     = 0x0080
)

// components calls at with the offset, in the glyph data g, of the glyph
// index of each of its components when it is a composite glyph.
func components(g []byte, at func(off int)) error {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil
	}
	for p := 10; ; {
		if p+4 > len(g) {
			return errors.New("composite glyph cut short")
		}
		flags := binary.BigEndian.Uint16(g[p:])
		at(p + 2)
		p += 4 + 2
		if flags&glyfArgsAreWords != 0 {
			p += 2
		}
		switch {
		case flags&glyfHaveScale != 0:
			p += 2
		case flags&glyfXYScale != 0:
			p += 4
		case flags&glyfTwoByTwo != 0:
			p += 8
		}
		if flags&glyfMore == 0 {
			return nil
		}
	}
}

// subset cuts the font down to runes (those it has; others are drawn in
// Helvetica) and the glyphs their composite glyphs are built of. The
// glyphs keep their order, and glyph 0 stays 0.
func (f *Font) subset(runes []rune) (*fontSubset, error) {
	s := &fontSubset{}
	for _, r := range runes {
		if f.has(r) {
			s.runes = append(s.runes, r)
		}
	}
	slices.Sort(s.runes)
	s.runes = slices.Compact(s.runes)

	olds := []int{0}
	seen := map[int]bool{0: true}
	add := func(g int) {
		if !seen[g] && g < f.ttf.numGlyphs {
			seen[g] = true
			olds = append(olds, g)
		}
	}
	for _, r := range s.runes {
		add(int(f.glyphs[r]))
	}
	for i := 0; i < len(olds); i++ { // olds grows with the components found
		g, err := f.glyph(olds[i])
		if err != nil {
			return nil, err
		}
		err = components(g, func(off int) { add(int(binary.BigEndian.Uint16(g[off:]))) })
		if err != nil {
			return nil, fmt.Errorf("glyph %d: %w", olds[i], err)
		}
	}
	sort.Ints(olds)
	renumber := make(map[int]uint16, len(olds))
	for i, g := range olds {
		renumber[g] = uint16(i)
	}

	glyf, loca, hmtx := []byte{}, make([]byte, 0, 4*(len(olds)+1)), make([]byte, 0, 4*len(olds))
	for _, old := range olds {
		g, _ := f.glyph(old)
		start := len(glyf)
		glyf = append(glyf, g...)
		_ = components(g, func(off int) {
			binary.BigEndian.PutUint16(glyf[start+off:], renumber[int(binary.BigEndian.Uint16(g[off:]))])
		})
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		loca = binary.BigEndian.AppendUint32(loca, uint32(start))
		adv, lsb := f.hmetric(old)
		hmtx = binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(hmtx, adv), lsb)
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))

	s.glyphs = make([]uint16, len(s.runes))
	s.widths = make([]int, len(s.runes))
	em := float64(f.ttf.unitsPerEm)
	for i, r := range s.runes {
		s.glyphs[i] = renumber[int(f.glyphs[r])]
		adv, _ := f.hmetric(int(f.glyphs[r]))
		s.widths[i] = int(math.Round(float64(adv) * 1000 / em))
	}
	adv, _ := f.hmetric(0)
	s.missing = int(math.Round(float64(adv) * 1000 / em))

	n := len(olds)
	tables := map[string][]byte{
		"glyf": glyf, "loca": loca, "hmtx": hmtx,
		"cmap": cmapFormat4(s.runes, s.glyphs),
		"head": f.table("head"), "hhea": f.table("hhea"), "maxp": f.table("maxp"),
		"post": make([]byte, 32),
	}
	binary.BigEndian.PutUint32(tables["head"][8:], 0)  // checkSumAdjustment, set when assembled
	binary.BigEndian.PutUint16(tables["head"][50:], 1) // long loca
	binary.BigEndian.PutUint16(tables["hhea"][34:], uint16(n))
	binary.BigEndian.PutUint16(tables["maxp"][4:], uint16(n))
	// post version 3: the header alone, without glyph names.
	copy(tables["post"], f.table("post"))
	binary.BigEndian.PutUint32(tables["post"], 0x00030000)
	for _, name := range []string{"OS/2", "name", "cvt ", "fpgm", "prep", "gasp"} {
		if _, ok := f.ttf.tables[name]; ok {
			tables[name] = f.table(name)
		}
	}
	s.program = ttfAssemble(tables)
	s.tag = subsetTag(s.runes)
	return s, nil
}

// table returns a copy of a table of the font.
func (f *Font) table(name string) []byte {
	t := f.ttf.tables[name]
	return bytes.Clone(f.data[t.off : t.off+t.len])
}

// cmapFormat4 is a cmap table with one Unicode subtable in format 4
// mapping runes to glyphs, a segment per run of consecutive runes with
// consecutive glyphs. PDF readers take the glyphs from the CIDToGIDMap;
// the cmap is there for tools that look at the font itself.
func cmapFormat4(runes []rune, glyphs []uint16) []byte {
	type segment struct{ start, end, delta uint16 }
	var segs []segment
	for i, r := range runes {
		if k := len(segs) - 1; k >= 0 && uint16(r) == segs[k].end+1 && glyphs[i] == glyphs[i-1]+1 {
			segs[k].end++
			continue
		}
		segs = append(segs, segment{uint16(r), uint16(r), glyphs[i] - uint16(r)})
	}
	segs = append(segs, segment{0xFFFF, 0xFFFF, 1})
	n := len(segs)
	search := 1
	for search*2 <= n {
		search *= 2
	}
	b := binary.BigEndian.AppendUint16(nil, 0) // version
	b = binary.BigEndian.AppendUint16(b, 1)    // one subtable
	b = binary.BigEndian.AppendUint16(b, 3)    // Windows
	b = binary.BigEndian.AppendUint16(b, 1)    // Unicode BMP
	b = binary.BigEndian.AppendUint32(b, 12)   // its offset
	b = binary.BigEndian.AppendUint16(b, 4)    // format
	b = binary.BigEndian.AppendUint16(b, uint16(16+8*n))
	b = binary.BigEndian.AppendUint16(b, 0) // language
	b = binary.BigEndian.AppendUint16(b, uint16(2*n))
	b = binary.BigEndian.AppendUint16(b, uint16(2*search))
	b = binary.BigEndian.AppendUint16(b, uint16(math.Log2(float64(search))))
	b = binary.BigEndian.AppendUint16(b, uint16(2*n-2*search))
	for _, s := range segs {
		b = binary.BigEndian.AppendUint16(b, s.end)
	}
	b = binary.BigEndian.AppendUint16(b, 0) // reservedPad
	for _, s := range segs {
		b = binary.BigEndian.AppendUint16(b, s.start)
	}
	for _, s := range segs {
		b = binary.BigEndian.AppendUint16(b, s.delta)
	}
	for range segs {
		b = binary.BigEndian.AppendUint16(b, 0) // idRangeOffset
	}
	return b
}

// ttfAssemble writes a TrueType font of tables: the directory sorted by
// tag, each table 4-byte aligned with its checksum, and head's
// checkSumAdjustment.
func ttfAssemble(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	size := 12 + 16*len(tables)
	for tag, t := range tables {
		tags = append(tags, tag)
		size += (len(t) + 3) &^ 3
	}
	sort.Strings(tags)
	n := len(tags)
	search := 1
	for search*2 <= n {
		search *= 2
	}
	b := make([]byte, 0, size)
	b = binary.BigEndian.AppendUint32(b, 0x00010000)
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	b = binary.BigEndian.AppendUint16(b, uint16(16*search))
	b = binary.BigEndian.AppendUint16(b, uint16(math.Log2(float64(search))))
	b = binary.BigEndian.AppendUint16(b, uint16(16*n-16*search))
	off, headAt := 12+16*n, 0
	for _, tag := range tags {
		t := tables[tag]
		if tag == "head" {
			headAt = off
		}
		b = append(b, tag...)
		b = binary.BigEndian.AppendUint32(b, ttfChecksum(t))
		b = binary.BigEndian.AppendUint32(b, uint32(off))
		b = binary.BigEndian.AppendUint32(b, uint32(len(t)))
		off += (len(t) + 3) &^ 3
	}
	for _, tag := range tags {
		b = append(b, tables[tag]...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	binary.BigEndian.PutUint32(b[headAt+8:], 0xB1B0AFBA-ttfChecksum(b))
	return b
}

func ttfChecksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var word [4]byte
		copy(word[:], b[i:])
		sum += binary.BigEndian.Uint32(word[:])
	}
	return sum
}

// subsetTag names a subset after its characters, so that two PDFs with
// different subsets of the font do not claim the same font name.
func subsetTag(runes []rune) string {
	h := fnv.New32a()
	for _, r := range runes {
		_, _ = h.Write([]byte(string(r)))
	}
	v := h.Sum32()
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = byte('A' + v%26)
		v /= 26
	}
	return string(tag)
}

// Objects of the embedded font, numbered from the Type 0 font's number.
const (
	fontObjType0 = iota
	fontObjCID
	fontObjToUnicode
	fontObjDescriptor
	fontObjCIDToGID
	fontObjProgram
	fontObjHelvetica
	fontObjects
)

// writeFont writes the font objects from object n on, and Helvetica.
func (p *pdfWriter) writeFont(n int, s *fontSubset, d fontDescriptor, fontName string) {
	name := s.tag + "+" + pdfName(fontName)
	p.object(n+fontObjType0, fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>",
		name, n+fontObjCID, n+fontObjToUnicode))
	p.object(n+fontObjCID, fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW %d /W %s /CIDToGIDMap %d 0 R >>",
		name, n+fontObjDescriptor, s.missing, s.widthArray(), n+fontObjCIDToGID))
	p.stream(n+fontObjToUnicode, "", toUnicode(s.runes), true)
	p.object(n+fontObjDescriptor, fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%d %d %d %d] /ItalicAngle %d /Ascent %d /Descent %d /CapHeight %d /StemV %d /MissingWidth %d /FontFile2 %d 0 R >>",
		name, d.flags, d.bbox[0], d.bbox[1], d.bbox[2], d.bbox[3], d.italicAngle, d.ascent, d.descent, d.capHeight, d.stemV, s.missing, n+fontObjProgram))
	var gids []byte
	if len(s.runes) > 0 {
		gids = make([]byte, 2*(int(s.runes[len(s.runes)-1])+1))
		for i, r := range s.runes {
			binary.BigEndian.PutUint16(gids[2*r:], s.glyphs[i])
		}
	}
	p.stream(n+fontObjCIDToGID, "", gids, true)
	p.stream(n+fontObjProgram, fmt.Sprintf("/Length1 %d", len(s.program)), s.program, true)
	p.object(n+fontObjHelvetica, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
}

// widthArray is the /W array: the widths other than the default (/DW,
// which most CJK characters have), each run of consecutive CIDs together.
func (s *fontSubset) widthArray() string {
	var b strings.Builder
	b.WriteString("[")
	open := false
	for i, r := range s.runes {
		if s.widths[i] == s.missing {
			continue
		}
		switch {
		case open && r == s.runes[i-1]+1 && s.widths[i-1] != s.missing:
			b.WriteString(" ")
		case open:
			b.WriteString("] ")
			fallthrough
		default:
			fmt.Fprintf(&b, "%d [", r)
			open = true
		}
		b.WriteString(strconv.Itoa(s.widths[i]))
	}
	if open {
		b.WriteString("]")
	}
	b.WriteString("]")
	return b.String()
}

// toUnicode is the CMap that gives text extraction (pdftotext, copying)
// the characters of the CIDs: each CID is its own code point, so one
// range per 256 code points used maps them onto themselves.
func toUnicode(runes []rune) []byte {
	var ranges []string
	for i, r := range runes {
		if i == 0 || r>>8 != runes[i-1]>>8 {
			hi := r >> 8 << 8
			ranges = append(ranges, fmt.Sprintf("<%04X> <%04X> <%04X>", hi, hi+0xFF, hi))
		}
	}
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for len(ranges) > 0 {
		n := min(len(ranges), 100) // at most 100 entries per block
		fmt.Fprintf(&b, "%d beginbfrange\n%s\nendbfrange\n", n, strings.Join(ranges[:n], "\n"))
		ranges = ranges[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend")
	return []byte(b.String())
}

// pdfName keeps the letters and digits of s, for a PDF name.
func pdfName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "Font"
	}
	return b.String()
}

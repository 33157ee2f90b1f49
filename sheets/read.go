package sheets

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Limits on a workbook, against zip bombs that a file of a few kilobytes
// can be: its unzipped size; the size of the shared strings (some 0.2 s of
// CPU per MiB) and of the other XML parts, which excelize parses whole into
// memory (1 MiB of styles costs some 80 MB); the size of sheets and shared
// strings above which excelize streams them from a temporary file; and the
// cells read from the sheet (excelize pads a row with blanks up to its last
// cell: one cell in column XFD costs 16384).
const (
	unzipLimit    = 50 << 20
	sstLimit      = 16 << 20
	partLimit     = 2 << 20
	unzipXMLLimit = 4 << 20
	scanLimit     = 4 * MaxRows * MaxCols
)

var (
	magicZip = []byte("PK\x03\x04")
	magicOLE = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") // .xls, or an encrypted .xlsx
	magicPDF = []byte("%PDF-")
	utf8BOM  = []byte("\xEF\xBB\xBF")
)

// ReadUpload reads an uploaded multipart file, refusing one over MaxBytes.
func ReadUpload(fh *multipart.FileHeader) (*Table, error) {
	if fh.Size > MaxBytes {
		return nil, fmt.Errorf("read upload %q: %w", fh.Filename, ErrTooLarge)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open upload %q: %w", fh.Filename, err)
	}
	defer f.Close()
	uploads <- struct{}{}
	defer func() { <-uploads }()
	return Read(fh.Filename, io.LimitReader(f, MaxBytes+1))
}

// uploads bounds how many uploads are parsed at once: a crafted workbook
// can cost seconds of CPU, and a few at a time must not starve the pages.
var uploads = make(chan struct{}, 2)

// Read reads a table from an uploaded file of at most MaxBytes: the first
// sheet of an .xlsx workbook, or a CSV file in UTF-8 (with or without BOM) or
// GB18030, separated by commas, semicolons or tabs. The content decides the
// format; name only labels errors.
//
// Every cell is valid UTF-8 of at most MaxCell bytes, has control characters
// replaced (line breaks and tabs by a space) and is trimmed of white space,
// including U+3000 and the BOM. The header is the first non-blank row, cut
// after its last non-empty cell; blank rows are dropped.
func Read(name string, r io.Reader) (*Table, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", name, err)
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("read %q: %w", name, ErrTooLarge)
	}
	var t *Table
	switch {
	case bytes.HasPrefix(data, magicZip):
		t, err = readXLSX(data)
	case bytes.HasPrefix(data, magicOLE), bytes.HasPrefix(data, magicPDF):
		err = ErrFormat
	default:
		t, err = readCSV(data)
	}
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", name, err)
	}
	return t, nil
}

// readXLSX reads the first sheet of a workbook.
func readXLSX(data []byte) (t *Table, err error) {
	defer func() {
		// A parser of hostile input must not take the server down with it.
		if p := recover(); p != nil {
			t, err = nil, fmt.Errorf("%w: workbook parser panicked: %v", ErrFormat, p)
		}
	}()
	if err := checkZip(data); err != nil {
		return nil, err
	}
	// excelize unzips large parts to temporary files and does not remove them
	// on every error path: give it a directory of its own.
	tmp, err := os.MkdirTemp("", "sheets-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    unzipLimit,
		UnzipXMLSizeLimit: unzipXMLLimit,
		TmpDir:            tmp,
		CultureInfo:       excelize.CultureNameZhCN,
		ShortDatePattern:  "yyyy/m/d",
	})
	if f != nil {
		defer f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	list := f.GetSheetList()
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: workbook has no sheet", ErrFormat)
	}
	rows, err := f.Rows(list[0])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	defer rows.Close()
	var b builder
	scanned := 0
	for line := 1; rows.Next(); line++ {
		if line > excelize.TotalRows {
			return nil, fmt.Errorf("%w: over %d rows", ErrFormat, excelize.TotalRows)
		}
		cells, err := rows.Columns()
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrFormat, line, err)
		}
		if scanned += len(cells); scanned > scanLimit {
			return nil, fmt.Errorf("line %d: %w: over %d cells", line, ErrTooLarge, scanLimit)
		}
		if err := b.add(line, cells); err != nil {
			return nil, err
		}
	}
	if err := rows.Error(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return b.table()
}

// checkZip refuses a zip bomb before excelize opens it.
func checkZip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFormat, err)
	}
	var size uint64
	for _, f := range zr.File {
		if size += f.UncompressedSize64; size > unzipLimit {
			return fmt.Errorf("%w: workbook unzips to over %d bytes", ErrTooLarge, unzipLimit)
		}
		if limit := partSizeLimit(f.Name); f.UncompressedSize64 > limit {
			return fmt.Errorf("%w: part %q unzips to over %d bytes", ErrTooLarge, f.Name, limit)
		}
	}
	for _, f := range zr.File { // after the loop above, which bounds their size
		if strings.ReplaceAll(f.Name, `\`, "/") == "_rels/.rels" {
			if err := checkRels(f); err != nil {
				return fmt.Errorf("%w: %v", ErrFormat, err)
			}
		}
	}
	return nil
}

// partSizeLimit returns the largest unzipped size allowed for the zip entry
// name: sheets (streamed) and media (not parsed) have only the total limit.
func partSizeLimit(name string) uint64 {
	name = strings.ToLower(strings.ReplaceAll(name, `\`, "/"))
	switch {
	case name == "xl/sharedstrings.xml":
		return sstLimit
	case strings.HasPrefix(name, "xl/worksheets/"),
		!strings.HasSuffix(name, ".xml") && !strings.HasSuffix(name, ".rels"):
		return unzipLimit
	}
	return partLimit
}

// checkRels refuses package relationships that would have excelize parse as
// the workbook a part exempt from partLimit.
func checkRels(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	var rels struct {
		Rel []struct {
			Type, Target string `xml:",attr"`
		} `xml:"Relationship"`
	}
	if err := xml.NewDecoder(rc).Decode(&rels); err != nil {
		return err
	}
	for _, r := range rels.Rel {
		if target := strings.TrimPrefix(r.Target, "/"); strings.HasSuffix(r.Type, "/officeDocument") &&
			partSizeLimit(target) != partLimit {
			return fmt.Errorf("workbook at %q", target)
		}
	}
	return nil
}

// readCSV decodes data to UTF-8 and reads it as CSV.
func readCSV(data []byte) (*Table, error) {
	var text []byte
	switch {
	case bytes.HasPrefix(data, utf8BOM):
		text = data[len(utf8BOM):]
		if !utf8.Valid(text) {
			return nil, fmt.Errorf("%w: invalid UTF-8 after BOM", ErrFormat)
		}
	case utf8.Valid(data):
		text = data
	default:
		// Excel on Chinese Windows saves CSV in the ANSI code page (GBK).
		var err error
		if text, err = simplifiedchinese.GB18030.NewDecoder().Bytes(data); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		if bytes.ContainsRune(text, utf8.RuneError) {
			return nil, fmt.Errorf("%w: neither UTF-8 nor GB18030", ErrFormat)
		}
	}
	for _, c := range text {
		if c < ' ' && c != '\t' && c != '\n' && c != '\r' {
			return nil, fmt.Errorf("%w: control byte %#x in text", ErrFormat, c)
		}
	}
	if t := bytes.TrimLeftFunc(text, unicode.IsSpace); len(t) > 0 && t[0] == '<' {
		return nil, fmt.Errorf("%w: markup, not CSV", ErrFormat) // HTML saved as .xls
	}

	cr := csv.NewReader(bytes.NewReader(text))
	cr.Comma = delimiter(text)
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var b builder
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		line, _ := cr.FieldPos(0)
		if err := b.add(line, rec); err != nil {
			return nil, err
		}
	}
	return b.table()
}

// delimiter returns ',' unless the first non-blank line has no comma but has
// tabs or semicolons.
func delimiter(text []byte) rune {
	var line []byte
	for len(line) == 0 && len(text) > 0 {
		line, text, _ = bytes.Cut(text, []byte("\n"))
		line = bytes.TrimSpace(line)
	}
	tabs, semis := bytes.Count(line, []byte("\t")), bytes.Count(line, []byte(";"))
	switch {
	case bytes.IndexByte(line, ',') >= 0 || tabs+semis == 0:
		return ','
	case tabs >= semis:
		return '\t'
	}
	return ';'
}

// builder collects rows into a Table, enforcing the limits.
type builder struct {
	t Table
}

// add cleans one row of the file and keeps it unless it is blank; the first
// row kept is the header, cut after its last non-empty cell.
func (b *builder) add(line int, cells []string) error {
	if b.t.Header != nil {
		cells = cells[:min(len(cells), len(b.t.Header))]
	}
	var row []string // allocated at the first non-blank cell
	for i, c := range cells {
		if c = clean(c); c == "" {
			continue
		}
		if len(c) > MaxCell {
			return fmt.Errorf("line %d, column %d: %w", line, i+1, ErrCellTooLong)
		}
		if i >= MaxCols {
			return fmt.Errorf("line %d: %w", line, ErrTooManyCols)
		}
		if row == nil {
			row = make([]string, len(b.t.Header))
		}
		for len(row) <= i {
			row = append(row, "")
		}
		row[i] = c
	}
	switch {
	case row == nil:
	case b.t.Header == nil:
		b.t.Header = row
	case len(b.t.Rows) == MaxRows:
		return fmt.Errorf("line %d: %w", line, ErrTooManyRows)
	default:
		b.t.Rows = append(b.t.Rows, Row{Line: line, Cells: row})
	}
	return nil
}

// table returns the table built, or ErrEmpty if no row had any content.
func (b *builder) table() (*Table, error) {
	if b.t.Header == nil {
		return nil, ErrEmpty
	}
	return &b.t, nil
}

// clean makes a cell valid UTF-8 without control characters, line breaks and
// tabs becoming spaces, and trims it.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t', r == '\n', r == '\r', r == '\v', r == '\f',
			r == '\u0085', r == '\u2028', r == '\u2029':
			return ' '
		case unicode.IsControl(r), r == '\uFEFF', r == utf8.RuneError,
			'\u202A' <= r && r <= '\u202E', '\u2066' <= r && r <= '\u2069': // bidi overrides
			return -1
		}
		return r
	}, s)
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u200B'
	})
}

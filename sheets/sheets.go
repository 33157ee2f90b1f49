// Package sheets reads and writes the spreadsheets coordinators exchange with
// the school (.xlsx and CSV), as tables of strings; it knows nothing of what
// the columns mean.
package sheets

import (
	"errors"
	"strings"
	"unicode"
)

// Limits on an uploaded file.
const (
	MaxBytes = 5 << 20 // larger uploads are refused before parsing
	MaxRows  = 5000    // data rows, header excluded
	MaxCols  = 50
	MaxCell  = 2000 // bytes per cell after decoding; longer cells are an error
)

// Sentinel errors; Read wraps them with the place they occurred, so compare
// with errors.Is.
var (
	ErrTooLarge    = errors.New("file too large") // over MaxBytes, or a workbook that unzips to too much
	ErrTooManyRows = errors.New("more than 5000 data rows")
	ErrTooManyCols = errors.New("more than 50 columns")
	ErrFormat      = errors.New("not a readable .xlsx or CSV file")
	ErrEmpty       = errors.New("no header row")
	ErrCellTooLong = errors.New("cell longer than 2000 bytes")
)

// Table is a sheet read from a file: the header row and the non-blank data
// rows, every cell cleaned (see Read).
type Table struct {
	Header []string
	Rows   []Row
}

// Row is one data row and its line in the file (1-based, as a spreadsheet
// numbers its rows).
type Row struct {
	Line  int
	Cells []string // exactly len(Header) cells: short rows padded with "", long rows cut
}

// Column returns the index of the first header cell matching one of names, or
// -1. Names compare case-insensitively, ignoring spaces and required-field
// markers ("*", "（必填）", "(必填)").
func (t *Table) Column(names ...string) int {
	for i, h := range t.Header {
		h = columnKey(h)
		for _, n := range names {
			if k := columnKey(n); k != "" && k == h {
				return i
			}
		}
	}
	return -1
}

// columnKey folds a header cell to the form Column compares.
func columnKey(s string) string {
	s = strings.ToLower(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\uFEFF' || r == '\u200B' {
			return -1
		}
		return r
	}, s))
	for {
		t := strings.Trim(s, "*＊")
		for _, m := range []string{"（必填）", "(必填)", "(必填）", "（必填)"} {
			t = strings.TrimSuffix(t, m)
		}
		if t == s {
			return s
		}
		s = t
	}
}

// Column is a column an importer reads: what it holds (a key the importer
// names it by) and the header names it accepts, the template's first.
type Column struct {
	Key   string
	Names []string
}

// Header returns the template's header row for cols.
func Header(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Names[0]
	}
	return out
}

// MissingColumnError says which required column a file's header lacks.
type MissingColumnError struct{ Column string }

func (e MissingColumnError) Error() string { return "missing column " + e.Column }

// Pick returns the data rows with their cells in the order of cols,
// wherever the file has them; a column the file lacks reads "". A file
// without one of the required columns (indexes into cols) is a
// MissingColumnError naming the first.
func (t *Table) Pick(cols []Column, required ...int) ([]Row, error) {
	index := make([]int, len(cols))
	for i, c := range cols {
		index[i] = t.Column(c.Names...)
	}
	for _, must := range required {
		if index[must] < 0 {
			return nil, MissingColumnError{cols[must].Key}
		}
	}
	out := make([]Row, len(t.Rows))
	for n, r := range t.Rows {
		cells := make([]string, len(cols))
		for i, at := range index {
			if at >= 0 {
				cells[i] = r.Cells[at]
			}
		}
		out[n] = Row{Line: r.Line, Cells: cells}
	}
	return out, nil
}

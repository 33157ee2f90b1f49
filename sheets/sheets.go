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

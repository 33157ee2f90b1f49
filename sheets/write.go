package sheets

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"
)

// Column widths in characters, a CJK character counting as two.
const (
	minWidth = 8
	maxWidth = 60
)

// WriteXLSX writes a workbook of one sheet: a bold, frozen header row, column
// widths fitted to the content, and every cell a text cell, so phone numbers
// keep their digits and leading zeros. A text cell is never evaluated, so
// "=1+1" stays those four characters and needs no defusing (unlike CSV,
// where it would become a formula); values round-trip exactly. A name Excel does not allow (over 31 characters, or
// with one of []:*?/\) leaves the sheet named Sheet1.
func WriteXLSX(w io.Writer, sheet string, header []string, rows [][]string) error {
	f := excelize.NewFile()
	defer f.Close()
	name := "Sheet1"
	if f.SetSheetName(name, sheet) == nil { // an invalid name keeps Sheet1
		name = sheet
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("write sheet %q: %w", name, err)
	}
	const text = 49 // built-in number format "@"
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: text})
	if err != nil {
		return err
	}
	plain, err := f.NewStyle(&excelize.Style{NumFmt: text})
	if err != nil {
		return err
	}

	ncol := len(header)
	for _, r := range rows {
		ncol = max(ncol, len(r))
	}
	for i, wd := range widths(ncol, header, rows) {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	if ncol > 0 {
		// Cells typed in later by the coordinator are text too.
		if err := sw.SetColStyle(1, ncol, plain); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
	}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", cells(header, bold)); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	for i, r := range rows {
		if err := sw.SetRow(fmt.Sprintf("A%d", i+2), cells(r, plain)); err != nil {
			return fmt.Errorf("write row %d: %w", i+2, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("write sheet %q: %w", name, err)
	}
	return f.Write(w)
}

// WriteCSV writes UTF-8 CSV with a BOM (so Excel on Windows opens Chinese
// correctly) and CRLF line ends. Cells that would start a formula are defused
// (see defuse).
func WriteCSV(w io.Writer, header []string, rows [][]string) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	for _, r := range append([][]string{header}, rows...) {
		rec := make([]string, len(r))
		for i, c := range r {
			rec[i] = defuse(c)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// defuse prefixes a cell that a spreadsheet would take for a formula with a
// quote (CSV injection).
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// cells turns a row into stream-writer cells of the given style.
func cells(r []string, style int) []any {
	out := make([]any, len(r))
	for i, c := range r {
		out[i] = excelize.Cell{StyleID: style, Value: c}
	}
	return out
}

// widths fits each column to its longest cell.
func widths(ncol int, header []string, rows [][]string) []float64 {
	ws := make([]float64, ncol)
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			n := 2
			for _, ch := range c {
				n++
				if k := width.LookupRune(ch).Kind(); k == width.EastAsianWide || k == width.EastAsianFullwidth {
					n++
				}
			}
			ws[i] = max(ws[i], float64(n))
		}
	}
	for i := range ws {
		ws[i] = min(max(ws[i], minWidth), maxWidth)
	}
	return ws
}

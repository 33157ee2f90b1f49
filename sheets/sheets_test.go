package sheets

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"mime/multipart"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var (
	rosterHeader = []string{"姓名", "手机号", "单位", "备注"}
	rosterRows   = [][]string{
		{"张三", "13800001234", "组织部", "=1+1"},
		{"李四", "013912345678", "宣传部", "-5"},
		{"Wang Wu", "0755-12345678", "", "@SUM(A1)"},
	}
)

func writeXLSX(t testing.TB, header []string, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, "讲师名单", header, rows); err != nil {
		t.Fatalf("WriteXLSX: %v", err)
	}
	return buf.Bytes()
}

func readString(s string) (*Table, error) {
	return Read("test.csv", strings.NewReader(s))
}

func TestXLSXRoundTrip(t *testing.T) {
	data := writeXLSX(t, rosterHeader, rosterRows)
	got, err := Read("roster.xlsx", bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	want := &Table{
		Header: rosterHeader,
		Rows: []Row{
			{Line: 2, Cells: []string{"张三", "13800001234", "组织部", "=1+1"}},
			{Line: 3, Cells: []string{"李四", "013912345678", "宣传部", "-5"}},
			{Line: 4, Cells: []string{"Wang Wu", "0755-12345678", "", "@SUM(A1)"}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if name := f.GetSheetName(0); name != "讲师名单" {
		t.Errorf("sheet name %q, want 讲师名单", name)
	}
	typ, err := f.GetCellType("讲师名单", "B2")
	if err != nil || typ != excelize.CellTypeInlineString {
		t.Errorf("phone cell type %v (%v), want inline string", typ, err)
	}
	if v, _ := f.GetCellValue("讲师名单", "B2", excelize.Options{RawCellValue: true}); v != "13800001234" {
		t.Errorf("raw phone cell %q", v)
	}
	// A cell that looks like a formula is text, never a formula Excel runs.
	if formula, _ := f.GetCellFormula("讲师名单", "D2"); formula != "" {
		t.Errorf("D2 holds the formula %q", formula)
	}
	if typ, _ := f.GetCellType("讲师名单", "D2"); typ != excelize.CellTypeInlineString {
		t.Errorf("D2 has type %v, want inline string", typ)
	}
	panes, err := f.GetPanes("讲师名单")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v (%v), want header frozen", panes, err)
	}
	id, _ := f.GetCellStyle("讲师名单", "A1")
	if st, err := f.GetStyle(id); err != nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("header style %+v (%v), want bold", st, err)
	}
}

func TestWidths(t *testing.T) {
	got := widths(3, []string{"中华人民共和国", "abcdefghijklmn", "x"}, [][]string{{"", "", ""}})
	if want := []float64{16, 16, minWidth}; !reflect.DeepEqual(got, want) {
		t.Errorf("widths = %v, want %v (a CJK character counts as two)", got, want)
	}
	if got := widths(1, []string{strings.Repeat("长", 100)}, nil); got[0] != maxWidth {
		t.Errorf("width of a long column = %v, want %v", got[0], maxWidth)
	}
}

func TestSheetName(t *testing.T) {
	for in, want := range map[string]string{
		"讲师名单":                  "讲师名单",
		"a/b":                   "Sheet1",
		"'quoted'":              "Sheet1",
		"":                      "Sheet1",
		strings.Repeat("名", 32): "Sheet1",
	} {
		var buf bytes.Buffer
		if err := WriteXLSX(&buf, in, []string{"a"}, nil); err != nil {
			t.Errorf("WriteXLSX with sheet %q: %v", in, err)
			continue
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.GetSheetList(); len(got) != 1 || got[0] != want {
			t.Errorf("WriteXLSX with sheet %q made sheets %q, want %q", in, got, want)
		}
		f.Close()
	}
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rosterHeader, rosterRows); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\uFEFF姓名,手机号,单位,备注\r\n张三,13800001234,组织部,'=1+1\r\n") {
		t.Errorf("CSV starts %q", out[:min(len(out), 80)])
	}
	for _, bad := range []string{",=", ",-", ",@", "\n\n"} {
		if strings.Contains(out, bad) {
			t.Errorf("CSV contains %q:\n%s", bad, out)
		}
	}
	got, err := Read("out.csv", &buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows[2].Cells[3] != "'@SUM(A1)" {
		t.Errorf("read back %q", got.Rows[2].Cells)
	}
}

func TestDefuse(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+86 138": "'+86 138", "-1": "'-1", "@x": "'@x",
		"\tx": "'\tx", "\rx": "'\rx", "": "", "张三": "张三", "1=1": "1=1",
	} {
		if got := defuse(in); got != want {
			t.Errorf("defuse(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadCSVEncodings(t *testing.T) {
	const text = "姓名,手机号,部门\r\n张三,13800001234,组织部\r\n李四,13900005678,宣传部（二）\r\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	if utf8.ValidString(gb) {
		t.Fatal("GB18030 test input is valid UTF-8; the test would not test decoding")
	}
	want := &Table{
		Header: []string{"姓名", "手机号", "部门"},
		Rows: []Row{
			{Line: 2, Cells: []string{"张三", "13800001234", "组织部"}},
			{Line: 3, Cells: []string{"李四", "13900005678", "宣传部（二）"}},
		},
	}
	for name, in := range map[string]string{
		"UTF-8 with BOM":  "\uFEFF" + text,
		"UTF-8":           text,
		"GB18030":         gb,
		"semicolons":      strings.ReplaceAll(text, ",", ";"),
		"tabs":            strings.ReplaceAll(text, ",", "\t"),
		"LF line ends":    strings.ReplaceAll(text, "\r\n", "\n"),
		"xlsx":            string(writeXLSX(t, want.Header, [][]string{want.Rows[0].Cells, want.Rows[1].Cells})),
		"no final EOL":    strings.TrimSuffix(text, "\r\n"),
		"BOM and GB-free": "\uFEFF" + strings.ReplaceAll(text, ",", "\t"),
	} {
		got, err := readString(in)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\ngot  %+v\nwant %+v", name, got, want)
		}
	}
}

func TestReadCleaning(t *testing.T) {
	in := "\uFEFF 姓名* ,手机号,备注,\r\n" + // header cut after its last non-empty cell
		"　张三　,138\r\n" + // full-width spaces trimmed, short row padded
		"\r\n" + // blank line 3 dropped
		"李四,139,x,extra,more\r\n" + // long row cut
		",\u3000, \t\r\n" + // blank cells: row dropped
		"\uFEFF王五\t,\"a\nb\",\"say \"\"hi\"\"\"\r\n" + // quoted line break becomes a space
		"赵六,\x7Fbad\u202Ebidi\u00A0,ok\r\n" +
		"孙七,\"lazy \"quote\r\n"
	got, err := readString(in)
	if err != nil {
		t.Fatal(err)
	}
	want := &Table{
		Header: []string{"姓名*", "手机号", "备注"},
		Rows: []Row{
			{Line: 2, Cells: []string{"张三", "138", ""}},
			{Line: 4, Cells: []string{"李四", "139", "x"}},
			{Line: 6, Cells: []string{"王五", "a b", `say "hi"`}},
			{Line: 8, Cells: []string{"赵六", "badbidi", "ok"}},
			{Line: 9, Cells: []string{"孙七", `lazy "quote`, ""}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestReadHeaderAfterBlankLines(t *testing.T) {
	got, err := readString("\n,,\n姓名,,手机号\n张三,x,1\n")
	if err != nil {
		t.Fatal(err)
	}
	want := &Table{
		Header: []string{"姓名", "", "手机号"},
		Rows:   []Row{{Line: 4, Cells: []string{"张三", "x", "1"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestReadXLSXFromExcel(t *testing.T) {
	// A workbook as Excel saves it: shared strings, numbers, dates, gaps.
	f := excelize.NewFile()
	defer f.Close()
	for cell, v := range map[string]any{
		"A1": "姓名", "B1": "手机号", "C1": "日期",
		"A2": " 张三\n", "B2": 13800001234, "C2": time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC),
		"A5": "李四", "D5": "beyond the header",
	} {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.NewSheet("Second"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Read("book.xlsx", &buf)
	if err != nil {
		t.Fatal(err)
	}
	want := &Table{
		Header: []string{"姓名", "手机号", "日期"},
		Rows: []Row{
			{Line: 2, Cells: []string{"张三", "13800001234", "2024/3/5"}},
			{Line: 5, Cells: []string{"李四", "", ""}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// countingReader is an endless stream of "a," that counts what is read.
type countingReader struct{ n int }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "a,"[i%2]
	}
	r.n += len(p)
	return len(p), nil
}

func TestReadTooLarge(t *testing.T) {
	r := &countingReader{}
	_, err := Read("huge.csv", r)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("endless stream: err = %v, want ErrTooLarge", err)
	}
	if r.n > MaxBytes+1 {
		t.Errorf("read %d bytes of an endless stream, want at most %d", r.n, MaxBytes+1)
	}

	// Exactly MaxBytes is allowed: a header and a line of spaces.
	in := "a\n" + strings.Repeat(" ", MaxBytes-2)
	if got, err := readString(in); err != nil || len(got.Rows) != 0 {
		t.Errorf("file of MaxBytes: %v, %v", got, err)
	}
}

func TestReadUpload(t *testing.T) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "名单.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(writeXLSX(t, rosterHeader, rosterRows))
	mw.Close()
	form, err := multipart.NewReader(&body, mw.Boundary()).ReadForm(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer form.RemoveAll()
	got, err := ReadUpload(form.File["file"][0])
	if err != nil || len(got.Rows) != 3 {
		t.Errorf("ReadUpload: %v, %v", got, err)
	}

	big := &multipart.FileHeader{Filename: "big.xlsx", Size: MaxBytes + 1}
	if _, err := ReadUpload(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("upload of MaxBytes+1: err = %v, want ErrTooLarge", err)
	}
}

func notWorkbookZip(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "姓名,手机号\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadErrors(t *testing.T) {
	var manyRows strings.Builder
	manyRows.WriteString("姓名\n")
	for range MaxRows + 1 {
		manyRows.WriteString("张三\n")
	}
	xlsx := writeXLSX(t, rosterHeader, rosterRows)
	gbBad := []byte{0xD5, 0xC5, 0xC8, 0xFD, 0x2C, 0xFF, 0xFF, 0x0A} // 张三,<invalid>

	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrEmpty},
		{"blank lines", "\r\n \r\n,,\r\n\uFEFF\u3000\r\n", ErrEmpty},
		{"BOM only", "\uFEFF", ErrEmpty},
		{"too many rows", manyRows.String(), ErrTooManyRows},
		{"too many rows in xlsx", string(writeXLSX(t, []string{"a"}, repeat([]string{"x"}, MaxRows+1))), ErrTooManyRows},
		{"too many columns", strings.Repeat("a,", MaxCols) + "a\n", ErrTooManyCols},
		{"cell too long", "a,b\nx," + strings.Repeat("长", MaxCell/3+1) + "\n", ErrCellTooLong},
		{"header too long", strings.Repeat("a", MaxCell+1) + "\n", ErrCellTooLong},
		{"zip, not a workbook", string(notWorkbookZip(t)), ErrFormat},
		{"truncated workbook", string(xlsx[:len(xlsx)/2]), ErrFormat},
		{"xls or encrypted", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + strings.Repeat("\x00", 500), ErrFormat},
		{"PDF", "%PDF-1.7\n%âãÏÓ\n1 0 obj\n", ErrFormat},
		{"HTML saved as .xls", "\uFEFF <html><table><tr><td>姓名</td></tr></table></html>", ErrFormat},
		{"neither UTF-8 nor GB18030", string(gbBad), ErrFormat},
		{"NUL bytes", "a\x00,b\x00\n", ErrFormat},
		{"invalid UTF-8 after BOM", "\uFEFFa,\xFF\n", ErrFormat},
	}
	for _, tt := range tests {
		got, err := readString(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v (table %v)", tt.name, err, tt.want, got)
		}
	}

	exact := strings.Repeat("a,", MaxCols-1) + "a\n" + strings.Repeat("长", MaxCell/3) + "xx\n" + strings.Repeat("x\n", MaxRows-1)
	if got, err := readString(exact); err != nil || len(got.Rows) != MaxRows || len(got.Header) != MaxCols {
		t.Errorf("table at every limit: err = %v", err)
	}
}

// withPart returns the workbook data with the part name replaced or added.
func withPart(t *testing.T, data []byte, name, content string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, b []byte) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	for _, zf := range zr.File {
		if zf.Name == name {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		add(zf.Name, b)
	}
	add(name, []byte(content))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// xmlOf returns an XML document of root element root holding n copies of elem.
func xmlOf(root, elem string, n int) string {
	return `<?xml version="1.0" encoding="UTF-8"?><` + root +
		` xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		strings.Repeat(elem, n) + `</` + root + `>`
}

// movedWorkbook returns data with its workbook moved to xl/worksheets/.
func movedWorkbook(t *testing.T, data []byte) []byte {
	const rels = `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="%s" Target="%s"/></Relationships>`
	data = withPart(t, data, "xl/worksheets/book.xml", `<?xml version="1.0"?>`+
		`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`+
		`<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	data = withPart(t, data, "xl/worksheets/_rels/book.xml.rels", fmt.Sprintf(rels,
		"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet", "/xl/worksheets/sheet1.xml"))
	return withPart(t, data, "_rels/.rels", fmt.Sprintf(rels,
		"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument", "/xl/worksheets/book.xml"))
}

func TestReadZipBombs(t *testing.T) {
	book := writeXLSX(t, []string{"a"}, [][]string{{"b"}})
	const sheet = "xl/worksheets/sheet1.xml"
	tests := []struct {
		name string
		data []byte
		want error
	}{
		// 1 MiB of styles costs excelize some 80 MB of memory.
		{"styles", withPart(t, book, "xl/styles.xml", xmlOf("styleSheet", "<cellXfs>"+strings.Repeat("<xf/>", partLimit/5)+"</cellXfs>", 1)), ErrTooLarge},
		{"theme", withPart(t, book, "xl/theme/theme1.xml", xmlOf("theme", "<a/>", partLimit/4)), ErrTooLarge},
		{"shared strings", withPart(t, book, "xl/sharedStrings.xml", xmlOf("sst", "<si><t>a</t></si>", sstLimit/17)), ErrTooLarge},
		{"unzipped size", withPart(t, book, sheet, xmlOf("worksheet", "<sheetData/>", unzipLimit/12)), ErrTooLarge},
		// Each row is padded with 16383 blanks before its cell in column XFD.
		{"cells far right", withPart(t, book, sheet, xmlOf("worksheet", "<sheetData>"+
			`<row><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>`+strings.Repeat(`<row><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>`, 100000)+"</sheetData>", 1)), ErrTooLarge},
		// excelize parses the workbook whole, so it must not be where a
		// large part may be; this one is small, so that only the check
		// refuses it.
		{"workbook among the sheets", movedWorkbook(t, book), ErrFormat},
	}
	for _, tt := range tests {
		start := time.Now()
		_, err := Read("bomb.xlsx", bytes.NewReader(tt.data))
		if !errors.Is(err, tt.want) {
			t.Errorf("%s (%d bytes): err = %v, want %v", tt.name, len(tt.data), err, tt.want)
		}
		if len(tt.data) > 500<<10 {
			t.Errorf("%s: %d bytes, not a bomb", tt.name, len(tt.data))
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", tt.name, d)
		}
	}

	// Below the limits a workbook reads.
	ok := withPart(t, book, sheet, xmlOf("worksheet", "<sheetData>"+
		`<row><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>`+
		strings.Repeat(`<row><c r="B1" t="inlineStr"><is><t>x</t></is></c></row>`, 1000)+
		`<row><c r="A1" t="inlineStr"><is><t>b</t></is></c></row>`+
		strings.Repeat("<row/>", 100000)+"</sheetData>", 1))
	got, err := Read("ok.xlsx", bytes.NewReader(ok))
	if err != nil || len(got.Rows) != 1 || got.Rows[0].Line != 1002 {
		t.Errorf("workbook within limits: %+v, %v", got, err)
	}
}

func TestReadJunk(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := range 200 {
		junk := make([]byte, 1+rng.Intn(4096))
		rng.Read(junk)
		if i%2 == 0 {
			copy(junk, "PK\x03\x04")
		}
		if _, err := Read("junk", bytes.NewReader(junk)); !errors.Is(err, ErrFormat) {
			t.Errorf("junk %d (%x...): err = %v, want ErrFormat", i, junk[:min(8, len(junk))], err)
		}
	}
}

func TestColumn(t *testing.T) {
	tb := &Table{Header: []string{"序号", "", "姓名*", " 手机号 ", "Phone", "单位（必填）", "* 邮箱 (必填)", "姓名"}}
	for _, tt := range []struct {
		names []string
		want  int
	}{
		{[]string{"姓名"}, 2},
		{[]string{"手机号"}, 3},
		{[]string{"电话", "phone"}, 4},
		{[]string{"PHONE"}, 4},
		{[]string{"单位"}, 5},
		{[]string{"邮箱"}, 6},
		{[]string{"手 机 号*"}, 3},
		{[]string{"地址"}, -1},
		{[]string{""}, -1},
		{nil, -1},
	} {
		if got := tb.Column(tt.names...); got != tt.want {
			t.Errorf("Column(%q) = %d, want %d", tt.names, got, tt.want)
		}
	}
}

func repeat(row []string, n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = row
	}
	return rows
}

// checkRead is the property both fuzz targets hold Read to.
func checkRead(t *testing.T, data []byte) {
	tb, err := Read("fuzz", bytes.NewReader(data))
	if err != nil {
		for _, e := range []error{ErrTooLarge, ErrTooManyRows, ErrTooManyCols, ErrFormat, ErrEmpty, ErrCellTooLong} {
			if errors.Is(err, e) {
				return
			}
		}
		t.Fatalf("error %v is none of the sentinels", err)
	}
	if len(tb.Header) == 0 || len(tb.Header) > MaxCols || len(tb.Rows) > MaxRows {
		t.Fatalf("%d columns, %d rows", len(tb.Header), len(tb.Rows))
	}
	check := func(where string, cells []string) {
		for _, c := range cells {
			if !utf8.ValidString(c) || len(c) > MaxCell || strings.TrimSpace(c) != c ||
				strings.IndexFunc(c, unicode.IsControl) >= 0 {
				t.Fatalf("%s: bad cell %q", where, c)
			}
		}
	}
	check("header", tb.Header)
	last := 0
	for _, r := range tb.Rows {
		if r.Line <= last || len(r.Cells) != len(tb.Header) {
			t.Fatalf("row at line %d after line %d with %d cells", r.Line, last, len(r.Cells))
		}
		last = r.Line
		check("row", r.Cells)
	}
}

func FuzzReadCSV(f *testing.F) {
	const text = "姓名*,手机号,备注\r\n张三,13800001234,\"a,\"\"b\"\"\"\r\n\r\n　李四　,139\n"
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String(text)
	var written bytes.Buffer
	WriteCSV(&written, rosterHeader, rosterRows)
	for _, s := range []string{text, "\uFEFF" + text, gb, strings.ReplaceAll(text, ",", "\t"),
		strings.ReplaceAll(text, ",", ";"), written.String(), "", "\"", "a\n\"b"} {
		f.Add([]byte(s))
	}
	f.Fuzz(checkRead)
}

// storedZip repacks a zip uncompressed and without CRCs (which the zip reader
// then does not check), so that the fuzzer's byte mutations reach the XML.
func storedZip(t testing.TB, data []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: zf.Name, Method: zip.Store,
			CompressedSize64: uint64(len(b)), UncompressedSize64: uint64(len(b))})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func FuzzReadXLSX(f *testing.F) {
	written := writeXLSX(f, rosterHeader, rosterRows)

	// Shared strings, numbers and dates, as Excel saves them.
	book := excelize.NewFile()
	for cell, v := range map[string]any{"A1": "姓名", "B1": "手机号", "C1": "日期",
		"A2": "张三", "B2": 13800001234, "C2": time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), "A4": "李四"} {
		book.SetCellValue("Sheet1", cell, v)
	}
	excel, err := book.WriteToBuffer()
	if err != nil {
		f.Fatal(err)
	}
	book.Close()

	f.Add(written)
	f.Add(excel.Bytes())
	f.Add(storedZip(f, written))
	f.Add(storedZip(f, excel.Bytes()))
	f.Fuzz(checkRead)
}

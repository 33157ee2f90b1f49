package certificates

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"testing"
)

// TestPDFCrossReference reads the cross-reference table of a streamed PDF
// back: every object is where the table says, and the trailer points at
// the table. (Poppler rebuilds a broken table silently, so pdfinfo alone
// would not notice.)
func TestPDFCrossReference(t *testing.T) {
	f := pdfTestFont(t)
	var buf bytes.Buffer
	if err := f.Write(&buf, []Printed{pdfSample(0), pdfSample(1), pdfSample(2)}, Layout{Seal: pdfSealImage(t)}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no startxref at the end: %q", b[max(0, len(b)-60):])
	}
	at, _ := strconv.Atoi(string(m[1]))
	table := regexp.MustCompile(`^xref\n0 (\d+)\n0000000000 65535 f \n((?:\d{10} 00000 n \n)+)trailer\n`).FindSubmatch(b[at:])
	if table == nil {
		t.Fatalf("no cross-reference table at %d: %.80q", at, b[at:])
	}
	size, _ := strconv.Atoi(string(table[1]))
	entries := regexp.MustCompile(`(\d{10}) 00000 n \n`).FindAllSubmatch(table[2], -1)
	if len(entries) != size-1 {
		t.Fatalf("%d entries, the table says %d", len(entries), size-1)
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := strconv.Itoa(i+1) + " 0 obj\n"; !bytes.HasPrefix(b[off:], []byte(want)) {
			t.Errorf("object %d: at %d is %.20q", i+1, off, b[off:])
		}
	}
	// 7 font objects, 2 for the seal, the border, catalog, page tree,
	// information, resources, and 2 per page.
	if want := 7 + 2 + 1 + 4 + 2*3; len(entries) != want {
		t.Errorf("%d objects, want %d", len(entries), want)
	}
}

// TestPDFProgress: Write reports each page as it is sent.
func TestPDFProgress(t *testing.T) {
	f := pdfTestFont(t)
	r, err := f.prepare([]Printed{pdfSample(0), pdfSample(1), pdfSample(2)}, Layout{})
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	var buf bytes.Buffer
	if err := r.write(&buf, func(n int) { got = append(got, n) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Errorf("progress reported %v, want [1 2 3]", got)
	}
}

// failAfter takes n bytes, then fails as a closed connection does.
type failAfter struct{ n int }

var errGone = errors.New("connection closed")

func (w *failAfter) Write(b []byte) (int, error) {
	if len(b) > w.n {
		n := w.n
		w.n = 0
		return n, errGone
	}
	w.n -= len(b)
	return len(b), nil
}

// TestPDFStopsWhenTheReaderGoes: when the browser goes away, Write stops
// drawing at once and says why.
func TestPDFStopsWhenTheReaderGoes(t *testing.T) {
	f := pdfTestFont(t)
	certs := make([]Printed, 300)
	for i := range certs {
		certs[i] = pdfSample(i)
	}
	r, err := f.prepare(certs, Layout{})
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	err = r.write(&failAfter{n: 200 << 10}, func(n int) { sent = n })
	if !errors.Is(err, errGone) {
		t.Errorf("write = %v, want the writer's error", err)
	}
	if sent >= len(certs)/2 {
		t.Errorf("%d of %d pages drawn after the writer failed", sent, len(certs))
	}
}

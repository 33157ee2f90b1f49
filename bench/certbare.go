package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"

	"partyschool/certificates"
)

// bareCertificates is the bare baseline of the certificate renderer: one
// gofpdf document, A4 landscape in mm, the same font's bytes added (a
// copy, which gofpdf parses whole, as the renderer did for each PDF before
// it parsed the font once per drawer), and for each certificate a page
// with the same lines of text in plain gofpdf calls — the title, the
// name, the wording wrapped by MultiCell, the course, the dates and
// hours, the school, the date of issue and the serial — without the
// border, the QR code, the seal, the Helvetica runs for Latin text, the
// fitting and the line-breaking rules, and written by gofpdf's Output,
// which keeps the whole document in memory. It is BenchmarkBareGofpdf of
// the certificates package, for a page of each certificate.
func bareCertificates(w io.Writer, font []byte, certs []certificates.Printed) error {
	pdf := gofpdf.New("L", "mm", "A4", "")
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddUTF8FontFromBytes("bare", "", bytes.Clone(font))
	for _, c := range certs {
		pdf.AddPage()
		pdf.SetFont("bare", "", 40)
		pdf.Text(110, 45, "结业证书")
		pdf.SetFont("bare", "", 28)
		pdf.Text(125, 68, c.TraineeName)
		pdf.SetFont("bare", "", 16)
		pdf.SetXY(50, 80)
		pdf.MultiCell(197, 10, c.Wording, "", "L", false)
		pdf.SetFont("bare", "", 13)
		pdf.Text(70, 138, "培训课程："+c.CourseTitle)
		pdf.Text(70, 146, "培训时间："+certificates.ChineseDate(c.StartsOn)+"至"+certificates.ChineseDate(c.EndsOn)+
			"    学时："+strconv.FormatFloat(c.CreditHours, 'f', -1, 64))
		pdf.SetFont("bare", "", 15)
		pdf.Text(180, 166, c.SchoolName)
		pdf.Text(200, 176, certificates.ChineseDate(c.IssuedOn))
		pdf.SetFont("bare", "", 10)
		pdf.Text(36, 187, "证书编号："+c.Serial)
	}
	return pdf.Output(w)
}

// certBatch returns n certificates like the template t, each with its own
// serial, trainee, verification code and wording, as a print run of a
// course would be: the name of the i-th is 学员 and a number, as in the
// city's registry.
func certBatch(t certificates.Printed, wording string, n int) []certificates.Printed {
	out := make([]certificates.Printed, n)
	prefix, _, _ := strings.Cut(t.Serial, "-")
	for i := range out {
		c := t
		c.Serial = fmt.Sprintf("%s-%d-%06d", prefix, t.IssuedOn.Year(), 100000+i)
		c.TraineeName = "学员" + strconv.Itoa(30000+i)
		c.VerifyURL = strings.SplitN(t.VerifyURL, "/verify/", 2)[0] + "/verify/" + c.Serial + "?c=" +
			fmt.Sprintf("%026d", i)[:26]
		c.Wording = certificates.Fill(wording, c)
		out[i] = c
	}
	return out
}

// sealImage is a seal as a school would upload it: 400 × 400 pixels, a red
// ring and centre on a transparent ground (as the certificates tests use).
func sealImage() []byte {
	const n = 400
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			dx, dy := float64(x-n/2), float64(y-n/2)
			d := dx*dx + dy*dy
			if (d > 170*170 && d < 190*190) || d < 40*40 {
				img.SetNRGBA(x, y, color.NRGBA{R: 220, G: 20, B: 30, A: 200})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// countWriter counts what is written to it and keeps none of it.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// certChildJob is what the parent sends a child on its standard input: the
// certificate to print many of, with the wording it was filled from.
type certChildJob struct {
	Template certificates.Printed
	Wording  string
}

// CertMemory is what a child reports: its resident memory idle (the font
// read, the certificates worked out, the heap collected and returned to
// the system) and at its peak while rendering, in KiB.
type CertMemory struct {
	Renderer string // "real" or "bare"
	N        int
	IdleKB   int64
	PeakKB   int64
	Reset    bool // the peak was reset after idle (clear_refs); else it is the process's whole life
	Took     time.Duration
	Bytes    int64
	HeapKB   int64 // the Go heap's peak (live and garbage), sampled every millisecond
}

// Above is the peak above idle, in MiB.
func (m CertMemory) Above() float64 { return float64(m.PeakKB-m.IdleKB) / 1024 }

// certChild is the bench binary re-executed with -cert-child real:N or
// bare:N: a process that renders N certificates as one PDF to nowhere
// and prints its CertMemory as JSON. A process of its own, so that its
// peak resident memory is that of the rendering alone.
func certChild(spec string) error {
	renderer, count, _ := strings.Cut(spec, ":")
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 || renderer != "real" && renderer != "bare" {
		return fmt.Errorf("-cert-child %q: want real:N or bare:N", spec)
	}
	var job certChildJob
	if err := json.NewDecoder(os.Stdin).Decode(&job); err != nil {
		return fmt.Errorf("-cert-child: read the job: %w", err)
	}
	font, err := certificates.FindFont(os.Getenv("CERT_FONT"))
	if err != nil {
		return err
	}
	data, err := os.ReadFile(font.Path())
	if err != nil {
		return err
	}
	certs := certBatch(job.Template, job.Wording, n)
	layout := certificates.Layout{Seal: sealImage()}
	runtime.GC()
	debug.FreeOSMemory()
	m := CertMemory{Renderer: renderer, N: n, IdleKB: procStatus("VmRSS")}
	// Writing 5 to clear_refs resets the peak (VmHWM) to the current
	// resident size (Linux 4.0 and later).
	m.Reset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	stopHeap := watchHeap()
	var out countWriter
	start := time.Now()
	if renderer == "real" {
		err = font.Write(&out, certs, layout)
	} else {
		err = bareCertificates(&out, data, certs)
	}
	m.Took = time.Since(start)
	m.HeapKB = int64(stopHeap() >> 10)
	if err != nil {
		return err
	}
	m.PeakKB, m.Bytes = procStatus("VmHWM"), out.n
	runtime.KeepAlive(certs)
	return json.NewEncoder(os.Stdout).Encode(m)
}

// procStatus reads a figure in kB from /proc/self/status, or -1.
func procStatus(key string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb
			}
		}
	}
	return -1
}

// watchHeap samples the Go heap (objects, live and garbage) every
// millisecond until the returned function is called, which returns the
// peak in bytes.
func watchHeap() func() uint64 {
	var peak uint64
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	neturl "net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/certificates"
)

// Sizes of the certificate measurements (the issue's item 4).
const (
	certRenders    = 30   // single certificates timed, real and bare each
	certBatchSize  = 1000 // certificates in one PDF, for pages per second
	certMemorySize = 5000 // certificates in one PDF, for the peak memory
	certRequests   = 30   // sequential GET /certificates/:id.pdf
)

// Goals of the issue for certificates.
const (
	goalCertP50      = 15 * time.Millisecond
	goalCertRatio    = 0.50
	goalCertMemoryMB = 300
)

// CertBench is what the certificate measurements found.
type CertBench struct {
	Skipped   string // why nothing was measured (no font), or ""
	Font      string
	FontPath  string
	FontBytes int
	SealBytes int

	Course     string // the course whose certificates were issued
	CourseID   int64
	Issued     int
	IssueTook  time.Duration
	Serial     string // the certificate timed alone
	CertID     int64
	Wording    string
	SchoolName string

	// One certificate in this process: the real Write, the bare loop.
	SingleP50, SingleP90, BareP50, BareP90 time.Duration
	SingleBytes, BareBytes                 int64

	// Batches of certBatchSize in this process, the median of the runs.
	BatchReal, BatchBare           time.Duration
	BatchRealBytes, BatchBareBytes int64
	BatchRuns                      int

	// The peak resident memory of a child process per renderer and size.
	Memory     []CertMemory
	MemoryNote string // why a child failed, if one did

	// Through HTTP, as the coordinator.
	HTTPP50, HTTPP90, HTTPMax time.Duration
	HTTPBytes                 int
	CoursePages               int
	CourseTook                []time.Duration
	CourseBytes               int
	CourseSkipped             string

	Chromium *ChromiumPrint
}

// measureCertificates issues the certificates of the report's course
// (BENCH-REPORT) as its coordinator would, with a seal uploaded, and times
// the renderer in this process against the bare gofpdf loop, the peak
// memory of a batch in a child process, the two PDF routes through HTTP,
// and, where Chromium is installed, the same certificate printed by it.
func measureCertificates(ctx context.Context, db *sqlx.DB, appURL string, base *neturl.URL, school string, course int64, repeats int) (*CertBench, error) {
	out := &CertBench{CourseID: course, SchoolName: school}
	font, err := certificates.FindFont(os.Getenv("CERT_FONT"))
	if errors.Is(err, certificates.ErrNoFont) {
		out.Skipped = err.Error()
		say("certificates: %v: skipped", err)
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(font.Path())
	if err != nil {
		return nil, err
	}
	out.Font, out.FontPath, out.FontBytes = font.Name(), font.Path(), len(data)

	store := certificates.NewStore(db)
	seal := sealImage()
	out.SealBytes = len(seal)
	if err := store.SetSeal(ctx, seal, 0, "127.0.0.1"); err != nil {
		return nil, err
	}
	var coordinator int64
	if err := db.GetContext(ctx, &coordinator, `SELECT id FROM users WHERE username = 'coordinator'`); err != nil {
		return nil, err
	}
	if err := db.GetContext(ctx, &out.Course, `SELECT code FROM courses WHERE id = $1`, course); err != nil {
		return nil, err
	}
	t0 := time.Now()
	issued, err := store.Issue(ctx, course, coordinator, "127.0.0.1")
	out.IssueTook = time.Since(t0)
	if err != nil {
		return nil, err
	}
	out.Issued = len(issued.Serials)
	if out.Issued == 0 {
		return nil, fmt.Errorf("issuing the certificates of %s made none", out.Course)
	}
	say("certificates: issued %d for %s in %v", out.Issued, out.Course, out.IssueTook.Round(time.Millisecond))

	// The first certificate, printed as the handler prints it (its
	// printed and printing, which are unexported, written out here).
	all, err := store.OfCourse(ctx, course)
	if err != nil {
		return nil, err
	}
	ct := all[0]
	st, err := store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	out.Serial, out.CertID, out.Wording = ct.Serial, ct.ID, st.Wording
	p := certificates.Printed{
		Kind: ct.Kind, Serial: ct.Serial, TraineeName: ct.TraineeName, CourseTitle: ct.CourseTitle,
		StartsOn: ct.StartsOn, EndsOn: ct.EndsOn, CreditHours: ct.CreditHours, SchoolName: out.SchoolName,
		IssuedOn: ct.IssuedOn, VerifyURL: certificates.VerifyURL(base, ct.Serial, ct.Code),
	}
	p.Wording = certificates.Fill(st.Wording, p)
	layout := certificates.Layout{OffsetXmm: st.OffsetX, OffsetYmm: st.OffsetY, Seal: st.Seal}

	if err := out.single(font, data, p, layout); err != nil {
		return nil, err
	}
	if err := out.batch(font, data, p, layout, repeats); err != nil {
		return nil, err
	}
	out.memory(ctx, p)
	if err := out.http(ctx, appURL, repeats); err != nil {
		return nil, err
	}
	out.Chromium = printChromium(ctx, data, p, seal)
	return out, nil
}

// single times one certificate, real and bare interleaved, after five of
// each unrecorded.
func (cb *CertBench) single(font *certificates.Font, data []byte, p certificates.Printed, l certificates.Layout) error {
	one := []certificates.Printed{p}
	var real, bare []time.Duration
	for i := -5; i < certRenders; i++ {
		var w countWriter
		t0 := time.Now()
		if err := font.Write(&w, one, l); err != nil {
			return err
		}
		took := time.Since(t0)
		cb.SingleBytes = w.n
		var bw countWriter
		t1 := time.Now()
		if err := bareCertificates(&bw, data, one); err != nil {
			return err
		}
		bareTook := time.Since(t1)
		cb.BareBytes = bw.n
		if i >= 0 {
			real, bare = append(real, took), append(bare, bareTook)
		}
	}
	slices.Sort(real)
	slices.Sort(bare)
	cb.SingleP50, cb.SingleP90 = percentile(real, 0.5), percentile(real, 0.9)
	cb.BareP50, cb.BareP90 = percentile(bare, 0.5), percentile(bare, 0.9)
	say("certificates: one certificate p50 %v (bare %v)", cb.SingleP50, cb.BareP50)
	return nil
}

// batch times certBatchSize certificates as one PDF, real and bare
// interleaved, repeats times each after one unrecorded of each.
func (cb *CertBench) batch(font *certificates.Font, data []byte, p certificates.Printed, l certificates.Layout, repeats int) error {
	certs := certBatch(p, cb.Wording, certBatchSize)
	var real, bare []time.Duration
	for i := -1; i < repeats; i++ {
		var w countWriter
		t0 := time.Now()
		if err := font.Write(&w, certs, l); err != nil {
			return err
		}
		took := time.Since(t0)
		cb.BatchRealBytes = w.n
		var bw countWriter
		t1 := time.Now()
		if err := bareCertificates(&bw, data, certs); err != nil {
			return err
		}
		bareTook := time.Since(t1)
		cb.BatchBareBytes = bw.n
		if i >= 0 {
			real, bare = append(real, took), append(bare, bareTook)
		}
	}
	cb.BatchReal, cb.BatchBare, cb.BatchRuns = median(real), median(bare), len(real)
	say("certificates: %d as one PDF in %v (bare %v)", certBatchSize, cb.BatchReal.Round(time.Millisecond), cb.BatchBare.Round(time.Millisecond))
	return nil
}

// memory runs this binary again as a child per renderer and size (see
// certChild). A child that fails is noted, not fatal.
func (cb *CertBench) memory(ctx context.Context, p certificates.Printed) {
	exe, err := os.Executable()
	if err != nil {
		cb.MemoryNote = err.Error()
		return
	}
	job, _ := json.Marshal(certChildJob{Template: p, Wording: cb.Wording})
	for _, spec := range []string{"real:" + strconv.Itoa(certBatchSize), "real:" + strconv.Itoa(certMemorySize), "bare:" + strconv.Itoa(certMemorySize)} {
		cmd := exec.CommandContext(ctx, exe, "-cert-child", spec)
		cmd.Stdin = bytes.NewReader(job)
		cmd.Stderr = os.Stderr
		got, err := cmd.Output()
		var m CertMemory
		if err == nil {
			err = json.Unmarshal(got, &m)
		}
		if err != nil {
			cb.MemoryNote = fmt.Sprintf("the child %s failed: %v", spec, err)
			say("certificates: %s", cb.MemoryNote)
			return
		}
		say("certificates: %s %d: idle %d MiB, peak %d MiB (%.0f MiB above idle) in %v",
			m.Renderer, m.N, m.IdleKB>>10, m.PeakKB>>10, m.Above(), m.Took.Round(time.Millisecond))
		cb.Memory = append(cb.Memory, m)
	}
}

// http times GET /certificates/:id.pdf as the coordinator, certRequests
// one after another after five unrecorded, and the course's print-all
// GET /courses/:id/certificates.pdf repeats times after one unrecorded.
func (cb *CertBench) http(ctx context.Context, appURL string, repeats int) error {
	cookies, err := signIn(ctx, appURL, "coordinator", BenchPassword)
	if err != nil {
		return err
	}
	u, err := neturl.Parse(appURL)
	if err != nil {
		return err
	}
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, cookies)
	client := &http.Client{Jar: jar, Timeout: 5 * time.Minute, CheckRedirect: noRedirects}
	get := func(url string) (time.Duration, []byte, error) {
		t0 := time.Now()
		res, err := client.Get(url)
		if err != nil {
			return 0, nil, fmt.Errorf("GET %s: %w", url, err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		took := time.Since(t0)
		if err != nil {
			return 0, nil, fmt.Errorf("GET %s: %w", url, err)
		}
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" {
			return 0, nil, fmt.Errorf("GET %s: status %d, %s", url, res.StatusCode, res.Header.Get("Content-Type"))
		}
		return took, body, nil
	}
	one := appURL + "/certificates/" + strconv.FormatInt(cb.CertID, 10) + ".pdf"
	var times []time.Duration
	for i := -5; i < certRequests; i++ {
		took, body, err := get(one)
		if err != nil {
			return err
		}
		if i >= 0 {
			times = append(times, took)
			cb.HTTPBytes = len(body)
		}
	}
	slices.Sort(times)
	cb.HTTPP50, cb.HTTPP90, cb.HTTPMax = percentile(times, 0.5), percentile(times, 0.9), times[len(times)-1]
	say("certificates: GET %s p50 %v", one[len(appURL):], cb.HTTPP50)

	all := appURL + "/courses/" + strconv.FormatInt(cb.CourseID, 10) + "/certificates.pdf"
	for i := -1; i < repeats; i++ {
		took, body, err := get(all)
		if err != nil {
			return err
		}
		if i >= 0 {
			cb.CourseTook = append(cb.CourseTook, took)
			cb.CourseBytes, cb.CoursePages = len(body), pdfPageCount(body)
		}
	}
	say("certificates: GET %s: %d pages in %v", all[len(appURL):], cb.CoursePages, median(cb.CourseTook).Round(time.Millisecond))
	return nil
}

// pdfPageObject matches a page object of a PDF, not the page tree.
var pdfPageObject = regexp.MustCompile(`/Type\s*/Page\b`)

// pdfPageCount counts the pages of a PDF whose objects are not
// compressed, as gofpdf and the certificates package write them.
func pdfPageCount(b []byte) int { return len(pdfPageObject.FindAll(b, -1)) }

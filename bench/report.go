package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Report is everything one run measured.
type Report struct {
	Started       time.Time
	Total         time.Duration
	Duration      time.Duration
	Repeats       int
	Machine       []string
	LoadTime      time.Duration
	Rows          map[string]int
	Pages         []PageRow
	SessionsShown int
	Subjects      Subjects
	Schedule      Shown
	Contention    *Contention
	Saves         *SheetSaves
	CourseReport  *CourseReportTiming
	Plans         []Plan
	Certificates  *CertBench
	GoBench       []GoBench
	Startup       time.Duration
	BinaryBytes   int64
}

// Shown is what my schedule shows its trainee: their courses, of them
// those with a seat, and the sessions of its four weeks.
type Shown struct{ Courses, Seats, Sessions int }

// PageRow is one page at one concurrency, beside its bare baseline.
type PageRow struct {
	Page, Path string
	Conns      int
	Real, Bare Load
}

// Plan is what PostgreSQL did for one store call.
type Plan struct {
	Name       string
	Statements int
	Plans      []string
}

// Goals of the issue for the pages: throughput against the bare handler,
// and the tail latency under a crowd.
const (
	goalRatio  = 0.70
	goalP99    = 20 * time.Millisecond
	goalP99For = 64
)

// describe records the machine and the size of the dataset.
func (r *Report) describe(ctx context.Context, db *sqlx.DB) error {
	r.Machine = append(r.Machine,
		fmt.Sprintf("CPU: %s, %d logical cores (GOMAXPROCS %d)", cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0)),
		"Memory: "+memTotal(),
		"OS: "+strings.TrimSpace(commandOutput("uname", "-srm")),
		"Go: "+runtime.Version(),
	)
	var version string
	if err := db.GetContext(ctx, &version, `SELECT version()`); err != nil {
		return err
	}
	r.Machine = append(r.Machine, "PostgreSQL: "+strings.SplitN(version, ",", 2)[0]+
		" (private cluster of scripts/devdb: shared_buffers 128MB, fsync on, same machine)")
	r.Rows = map[string]int{}
	for _, table := range []string{"communities", "venues", "lecturers", "users", "courses", "course_sessions",
		"trainees", "enrolments", "attendance"} {
		var n int
		if err := db.GetContext(ctx, &n, `SELECT count(*) FROM `+table); err != nil {
			return err
		}
		r.Rows[table] = n
	}
	var seats struct {
		Enrolled   int `db:"enrolled"`
		Waitlisted int `db:"waitlisted"`
		Full       int `db:"full"`
	}
	err := db.GetContext(ctx, &seats, `
		SELECT count(*) FILTER (WHERE status = 'enrolled') AS enrolled,
		       count(*) FILTER (WHERE status = 'waitlisted') AS waitlisted,
		       (SELECT count(*) FROM courses WHERE enrolled = capacity) AS full
		FROM enrolments`)
	if err != nil {
		return err
	}
	r.Rows["enrolled"], r.Rows["waitlisted"], r.Rows["full courses"] = seats.Enrolled, seats.Waitlisted, seats.Full
	return nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb int
			fmt.Sscan(strings.TrimSpace(v), &kb)
			return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown"
}

func commandOutput(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "unknown"
	}
	return string(out)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

func verdict(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// attendanceMarkdown renders the sheet's save and the course report.
func (r *Report) attendanceMarkdown(w func(string, ...any)) {
	w("## Attendance")
	w("")
	if sv := r.Saves; sv != nil {
		w("### Saving an attendance sheet of %d trainees", sv.Trainees)
		w("")
		w("The real request is the sheet's form as its script posts it (`Accept: application/json`, the JSON answer) by the session's lecturer, signed in once through the login form, every connection with that browser's cookies: the CSRF token, a fresh idempotency key, `status_<id>` and `note_<id>` for each of the %d trainees. It leaves out the sheet's `was_<id>` and `wasnote_<id>` (the marks the sheet showed), as a form from before they existed: with them, saves racing on one sheet are refused as conflicts, by design; without them the handler skips that comparison, which is made in Go, and the SQL is the same. Save n marks everyone present (n even) or late (n odd) with the note 第n次, so that every save changes every mark and writes a history row for each, whatever order concurrent saves reach the session's lock in. The bare handler is a Fiber POST without middleware whose body is the save's number; it calls `attendance.Store.Apply` with the same marks and a fresh key (the same SQL) and answers a small JSON. All connections save the same sheet, so saves queue on the session's row (`SELECT … FOR UPDATE`), in the real app and the bare one alike.", sv.Trainees)
		w("")
		w("| request | conns | req/s | bare req/s | ratio | p50 ms | p99 ms | bare p50 ms | bare p99 ms | errors |")
		w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
		for _, p := range sv.Rows {
			w("| %s `%s` | %d | %.0f | %.0f | %.2f | %s | %s | %s | %s | %d |", p.Page, p.Path, p.Conns, p.Real.RPS, p.Bare.RPS, p.Real.RPS/p.Bare.RPS,
				ms(p.Real.P50), ms(p.Real.P99), ms(p.Bare.P50), ms(p.Bare.P99), p.Real.Errors+p.Bare.Errors)
		}
		w("")
		w("Every save of the run, real and bare, warm-ups included: %d saves recorded in `attendance_saves`, each changing %s marks; %d history rows for the session. Every save changed all %d marks: %s.",
			sv.Saves, span(sv.MinChanged, sv.MaxChanged), sv.History, sv.Trainees, verdict(sv.MinChanged == sv.Trainees && sv.MaxChanged == sv.Trainees))
		if sv.Statements > 0 {
			w("")
			w("One save (`Apply`, %d marks) runs %d SQL statements (auto_explain; BEGIN and COMMIT not counted):", sv.Trainees, sv.Statements)
			w("")
			w("| statement | times |")
			w("| --- | ---: |")
			for _, k := range sv.Kinds {
				w("| `%s` | %d |", strings.ReplaceAll(k.Query, "|", "\\|"), k.N)
			}
		}
		w("")
	}
	if cr := r.CourseReport; cr != nil {
		w("### The attendance report of a course: %d trainees × %d sessions", cr.Trainees, cr.Sessions)
		w("")
		w("`GET /courses/%d/attendance` as the coordinator (signed in once), %d requests one after another after 5 unrecorded; the store call `attendance.Store.CourseReport` alone the same way. The matrix holds %d marks of %d cells; %d trainees are below the course's rule.",
			cr.Course, reportRequests, cr.Marks, cr.Trainees*cr.Sessions, cr.Below)
		w("")
		w("| measure | p50 ms | p90 ms | max ms |")
		w("| --- | ---: | ---: | ---: |")
		w("| the page (%.0f KiB of HTML) | %s | %s | %s |", float64(cr.Bytes)/1024, ms(cr.PageP50), ms(cr.PageP90), ms(cr.PageMax))
		w("| the store call alone | %s | %s | %s |", ms(cr.StoreP50), ms(cr.StoreP90), ms(cr.StoreMx))
		w("")
		w("The store call runs %d SQL statements for the %d × %d matrix (auto_explain; BEGIN and ROLLBACK not counted): no statement per trainee or per session. Their plans are below.", cr.Statements, cr.Trainees, cr.Sessions)
		w("")
	}
}

// span is a number, or a range when lo and hi differ.
func span(lo, hi int) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

// contentionMarkdown renders the enrolment race.
func (r *Report) contentionMarkdown(w func(string, ...any), c *Contention) {
	w("## Enrolment under contention")
	w("")
	w("%d trainees enrol at the same instant (%d goroutines behind a start barrier) in a fresh published course of %d seats whose enrolment window is open; every run on a new course, the median of %d runs after an unrecorded warm-up, real and bare interleaved. The pool has %d connections (database.Open: MaxOpenConns), shared by all the goroutines.",
		raceTrainees, raceTrainees, raceSeats, len(c.Real), c.Pool)
	w("")
	w("- real: `trainees.Store.Enrol(ctx, course, trainee, trainee, false)`, which reads the trainee and their enrolment first, then enrols in one statement that locks the course row, places the trainee by the counts on it and inserts (the general path, a transaction, only when the window is shut or seats wait for the waitlist);")
	w("- bare: each enrolment one statement on the pool, which locks the course row too and lets the seat trigger count the seat:")
	w("")
	w("```sql")
	w("%s", bareEnrol)
	w("```")
	w("")
	w("| enrolments | drain ms | enrolments/s | ratio | courses.enrolled | rows enrolled | rows waitlisted | errors | no over-enrolment, every run |")
	w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	realRate := float64(raceTrainees) / medianDrain(c.Real).Seconds()
	bareRate := float64(raceTrainees) / medianDrain(c.Bare).Seconds()
	for _, row := range []struct {
		name  string
		runs  []Race
		ratio string
	}{
		{"real `Enrol`", c.Real, fmt.Sprintf("%.2f", realRate/bareRate)},
		{"bare statement", c.Bare, ""},
	} {
		sound := true
		errs := 0
		for _, run := range row.runs {
			sound = sound && run.Sound()
			errs += run.Errors
		}
		w("| %s | %s | %.0f | %s | %s | %s | %s | %d | %s |", row.name, ms(medianDrain(row.runs)), float64(raceTrainees)/medianDrain(row.runs).Seconds(), row.ratio,
			eachRun(row.runs, func(r Race) int { return r.Counter }), eachRun(row.runs, func(r Race) int { return r.Enrolled }),
			eachRun(row.runs, func(r Race) int { return r.Waitlisted }), errs, verdict(sound))
	}
	queue := true
	for _, run := range c.Real {
		queue = queue && run.Queue
	}
	w("")
	w("The ratio is the real enrolments per second over the bare ones. The waitlist places Enrol returned were 1 to %d, each once, in every run: %s.", raceTrainees-raceSeats, verdict(queue))
	for _, run := range append(slices.Clone(c.Real), c.Bare...) {
		if run.FirstError != "" {
			w("First error of a run: `%s`.", run.FirstError)
			break
		}
	}
	w("")
}

// eachRun is a figure of the runs: one number when all agree, else each.
func eachRun(runs []Race, f func(Race) int) string {
	var all []string
	same := true
	for _, r := range runs {
		all = append(all, fmt.Sprint(f(r)))
		same = same && all[len(all)-1] == all[0]
	}
	if same && len(all) > 0 {
		return all[0]
	}
	return strings.Join(all, ", ")
}

// Markdown renders the report as bench/RESULTS.md.
func (r *Report) Markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# make bench — results")
	w("")
	w("Run %s, %s in all. Every figure is the median of %d runs of %s each; the bare", r.Started.UTC().Format("2006-01-02 15:04 MST"), r.Total.Round(time.Second), r.Repeats, r.Duration)
	w("baseline is measured in the same run, interleaved with the real page. The load")
	w("generator, the app and PostgreSQL share the machine.")
	w("")
	w("## Machine")
	w("")
	for _, m := range r.Machine {
		w("- %s", m)
	}
	w("")
	w("## Dataset")
	w("")
	w("Loaded in %s: %d communities, %d venues, %d lecturers, %d users (trainees, lecturers, a coordinator), %d courses, %d sessions.",
		r.LoadTime.Round(100*time.Millisecond), r.Rows["communities"], r.Rows["venues"], r.Rows["lecturers"], r.Rows["users"], r.Rows["courses"], r.Rows["course_sessions"])
	w("%d trainee profiles, %d enrolments (%d with a seat, %d on a waitlist; %d courses full) and %d attendance marks.",
		r.Rows["trainees"], r.Rows["enrolments"], r.Rows["enrolled"], r.Rows["waitlisted"], r.Rows["full courses"], r.Rows["attendance"])
	w("The public week timetable of the current week shows %d sessions. My schedule is %s's (user %d): %d courses, %d of them with a seat, %d sessions in its four weeks.",
		r.SessionsShown, r.Subjects.Username, r.Subjects.Trainee, r.Schedule.Courses, r.Schedule.Seats, r.Schedule.Sessions)
	w("For attendance two courses are added to the city: BENCH-SHEET, 40 seats taken, six daily sessions up to yesterday, the first five marked, the last (session %d, taught by %s) the sheet saved under load; and BENCH-REPORT, 200 seats taken, 40 daily sessions up to the day before yesterday, about 90%% of its 8,000 cells marked.",
		r.Subjects.SheetSession, r.Subjects.SheetUsername)
	if c := r.Certificates; c != nil && c.Skipped == "" {
		w("For certificates, the coordinator issues those of BENCH-REPORT (`certificates.Store.Issue`: %d of its trainees qualify) after a %.1f KiB seal is uploaded; see Certificates.", c.Issued, float64(c.SealBytes)/1024)
	}
	w("")
	w("## Pages against the bare handler")
	w("")
	w("The bare handler is a Fiber app without middleware that runs the same store call (the same SQL) and writes the rows through a one-line template. Goal: at least %.0f%% of its throughput, and p99 ≤ %v at %d connections.", goalRatio*100, goalP99, goalP99For)
	w("")
	w("| page | conns | req/s | bare req/s | ratio | p50 ms | p99 ms | bare p50 ms | bare p99 ms | errors | goal met |")
	w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	for _, p := range r.Pages {
		ratio := p.Real.RPS / p.Bare.RPS
		ok := ratio >= goalRatio
		if p.Conns == goalP99For {
			ok = ok && p.Real.P99 <= goalP99
		}
		w("| %s `%s` | %d | %.0f | %.0f | %.2f | %s | %s | %s | %s | %d | %s |", p.Page, p.Path, p.Conns, p.Real.RPS, p.Bare.RPS, ratio,
			ms(p.Real.P50), ms(p.Real.P99), ms(p.Bare.P50), ms(p.Bare.P99), p.Real.Errors+p.Bare.Errors, verdict(ok))
	}
	w("")
	w("Each connection waits for its answer before it asks again, so at %d connections a request's latency is mostly its wait in line: about %d ÷ throughput. A p99 of %v there needs some %.0f req/s from cores that the load generator, the app and PostgreSQL share; what changed between runs is in bench/NOTES.md.",
		goalP99For, goalP99For, goalP99, float64(goalP99For)/goalP99.Seconds())
	w("")
	w("The app keeps the public timetable and catalogue rendered for visitors who are not signed in, and each course's sessions for my schedule (courses/pages.go): every request reads the counts of committed changes to the tables behind them (one query shared by the requests that arrive together; the counts are kept by triggers, migrations/00012_public_changes.sql, and an enrolment moves only the catalogue's) and renders afresh when they have moved, so nothing shown is older than the request. The bare handlers run their SQL on every request, as the page did before. The load generator reads each answer in 256 KiB pieces and does not ask for compression.")
	w("")
	w("My schedule is measured signed in: the trainee signs in once through the login form, and every connection sends that browser's cookies, so each request also looks up the session; a redirect to the login page would count as an error. Its bare handler runs the page's store calls (MyCourses, FeedToken, Timetable of the courses with a seat over four weeks, and the post days of those weeks from mentoring.Store.Appointments) for the same trainee, without a session.")
	w("")
	if r.Saves != nil || r.CourseReport != nil {
		r.attendanceMarkdown(w)
	}
	if c := r.Contention; c != nil {
		r.contentionMarkdown(w, c)
	}
	if c := r.Certificates; c != nil {
		r.certificatesMarkdown(w, c)
	}
	w("## Go benchmarks")
	w("")
	w("`go test -bench` of the hot code paths, median of %d runs; a `…Template` benchmark is the html/template baseline of the writer above it, and BenchmarkBareGofpdf (the same text in the same font, in plain gofpdf calls) that of BenchmarkSingleCertificate.", r.Repeats)
	w("")
	w("| benchmark | µs/op | KiB/op | allocs/op | against the baseline |")
	w("| --- | ---: | ---: | ---: | ---: |")
	for i, g := range r.GoBench {
		vs := ""
		if i+1 < len(r.GoBench) && strings.HasSuffix(r.GoBench[i+1].Name, "Template") {
			vs = fmt.Sprintf("%.1f× faster", r.GoBench[i+1].NsPerOp/g.NsPerOp)
		}
		if base, ok := goBaselines[g.Name]; ok {
			for _, b := range r.GoBench {
				if b.Name == base {
					vs = fmt.Sprintf("%.2f× the time of %s", g.NsPerOp/b.NsPerOp, strings.TrimPrefix(base, "Benchmark"))
				}
			}
		}
		w("| %s | %.1f | %.0f | %.0f | %s |", g.Name, g.NsPerOp/1000, g.BytesPerOp/1024, g.AllocsPerOp, vs)
	}
	w("")
	w("## Start-up")
	w("")
	w("| measure | value |")
	w("| --- | ---: |")
	w("| exec to the first `/readyz` 200, migrated city database (median of %d) | %s ms |", r.Repeats, ms(r.Startup))
	w("| binary size (`-trimpath -ldflags '-s -w'`, as `make build`) | %.1f MiB |", float64(r.BinaryBytes)/(1<<20))
	w("")
	w("## Query plans at this size")
	w("")
	w("Captured with auto_explain (ANALYZE, BUFFERS) on the store's own statements.")
	for _, p := range r.Plans {
		w("")
		w("### %s — %d SQL statements", p.Name, p.Statements)
		for _, plan := range p.Plans {
			w("")
			w("```")
			w("%s", planSummary(plan, 30))
			w("```")
		}
	}
	return b.String()
}

// mb is kibibytes in megabytes (10^6 bytes), as the issue's goal is put.
func mb(kb int64) float64 { return float64(kb) * 1024 / 1e6 }

// certificatesMarkdown renders the certificate measurements.
func (r *Report) certificatesMarkdown(w func(string, ...any), c *CertBench) {
	w("## Certificates")
	w("")
	if c.Skipped != "" {
		w("Not measured: %s.", c.Skipped)
		w("")
		return
	}
	w("The font is the one the app finds (CERT_FONT, else the system's): %s, `%s`, %.1f MB, read once at start-up: gofpdf parses it (without its outlines) once into each of a few pooled drawers, and each PDF embeds the font cut down to its characters by the certificates package. The seal is a %.1f KiB PNG of 400 × 400 pixels uploaded through `certificates.Store.SetSeal`; the wording is the default one. The certificate timed alone is %s of %s, printed as the handler prints it (`Fill`, `VerifyURL`, the stored layout); a batch is %s copies of it, each with its own serial, name (学员 and a number), verification link and wording.",
		c.Font, c.FontPath, float64(c.FontBytes)/1e6, float64(c.SealBytes)/1024, c.Serial, c.Course, fmt.Sprint(certBatchSize))
	w("")
	w("The bare baseline is a loop of plain gofpdf calls in bench/certbare.go: one document, the same font's bytes added the same way, and per certificate an A4 landscape page with the same lines of text (title, name, wording through MultiCell, course, dates and hours, school, date, serial), without the border, QR code, seal, Helvetica runs, fitting or line-breaking rules. Both are timed in this process to a writer that counts the bytes, interleaved: one certificate %d times each after 5 unrecorded, a batch %d times each after one unrecorded (the median).",
		certRenders, c.BatchRuns)
	w("")
	realRate := float64(certBatchSize) / c.BatchReal.Seconds()
	bareRate := float64(certBatchSize) / c.BatchBare.Seconds()
	w("| measure | real | bare gofpdf | real ÷ bare | goal | goal met |")
	w("| --- | ---: | ---: | ---: | --- | --- |")
	w("| one certificate, p50 ms (p90) | %s (%s) | %s (%s) | %.2f× the time | p50 ≤ %v | %s |", ms(c.SingleP50), ms(c.SingleP90), ms(c.BareP50), ms(c.BareP90),
		float64(c.SingleP50)/float64(c.BareP50), goalCertP50, verdict(c.SingleP50 <= goalCertP50))
	w("| one certificate, KiB | %.1f | %.1f | | | |", float64(c.SingleBytes)/1024, float64(c.BareBytes)/1024)
	w("| %d certificates as one PDF, s | %.2f | %.2f | | | |", certBatchSize, c.BatchReal.Seconds(), c.BatchBare.Seconds())
	w("| %d certificates as one PDF, pages/s | %.0f | %.0f | %.2f | ≥ %.2f of the bare loop's | %s |", certBatchSize, realRate, bareRate, realRate/bareRate, goalCertRatio, verdict(realRate/bareRate >= goalCertRatio))
	w("| %d certificates as one PDF, MB (KiB a page) | %.1f (%.1f) | %.1f (%.1f) | | | |", certBatchSize,
		float64(c.BatchRealBytes)/1e6, float64(c.BatchRealBytes)/1024/certBatchSize, float64(c.BatchBareBytes)/1e6, float64(c.BatchBareBytes)/1024/certBatchSize)
	w("")
	w("### Peak memory of a batch")
	w("")
	w("Each row is a process of its own: this binary run again with `-cert-child real:N` or `bare:N`. It finds the font, works out the N certificates, collects its heap and returns it to the system, and reads its resident size (VmRSS): idle. It then resets its peak (`/proc/self/clear_refs`), renders the N certificates as one PDF to a writer that keeps nothing, and reads its peak resident size (VmHWM). Goal: %d certificates with a peak under %d MB above idle. MB are 10^6 bytes. The Go heap's peak (objects live and not yet collected, sampled every millisecond) can exceed the resident peak: pages of a large allocation that nothing writes to (fresh from the system, so not zeroed) never become resident, as in zlib writers' buffers for short streams.", certMemorySize, goalCertMemoryMB)
	w("")
	if c.MemoryNote != "" {
		w("%s.", c.MemoryNote)
		w("")
	}
	if len(c.Memory) > 0 {
		w("| renderer | certificates | idle RSS MB | peak RSS MB | peak above idle MB | Go heap peak MB | s | PDF MB | goal met |")
		w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
		for _, m := range c.Memory {
			goal := ""
			if m.Renderer == "real" && m.N == certMemorySize {
				goal = verdict(mb(m.PeakKB-m.IdleKB) < goalCertMemoryMB)
			}
			name := "real `Write`"
			if m.Renderer == "bare" {
				name = "bare gofpdf"
			}
			peak := fmt.Sprintf("%.0f", mb(m.PeakKB))
			if !m.Reset {
				peak += " (not reset: the process's whole life)"
			}
			w("| %s | %d | %.0f | %s | %.0f | %.0f | %.2f | %.1f | %s |", name, m.N, mb(m.IdleKB), peak, mb(m.PeakKB-m.IdleKB),
				mb(m.HeapKB), m.Took.Seconds(), float64(m.Bytes)/1e6, goal)
		}
		w("")
	}
	w("### Through HTTP")
	w("")
	w("As the coordinator, signed in once: `GET /certificates/%d.pdf` (%s) %d times one after another after 5 unrecorded, which also reads the settings and writes the download to the audit log; and `GET /courses/%d/certificates.pdf`, every valid certificate of %s as one PDF, %d times after one unrecorded. The app serves on loopback in this process.",
		c.CertID, c.Serial, certRequests, c.CourseID, c.Course, len(c.CourseTook))
	w("")
	w("| request | p50 ms | p90 ms | max ms | KiB | pages/s | goal met |")
	w("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
	w("| one certificate `/certificates/%d.pdf` | %s | %s | %s | %.1f | | %s |", c.CertID, ms(c.HTTPP50), ms(c.HTTPP90), ms(c.HTTPMax), float64(c.HTTPBytes)/1024,
		verdict(c.HTTPP50 <= goalCertP50))
	if len(c.CourseTook) > 0 {
		s := slices.Clone(c.CourseTook)
		slices.Sort(s)
		w("| a course's %d certificates `/courses/%d/certificates.pdf` | %s | | %s | %.0f | %.0f | |", c.CoursePages, c.CourseID, ms(median(s)), ms(s[len(s)-1]),
			float64(c.CourseBytes)/1024, float64(c.CoursePages)/median(s).Seconds())
	}
	w("")
	w("Issuing the %d certificates of %s (`Issue`, one transaction) took %s ms.", c.Issued, c.Course, ms(c.IssueTook))
	w("")
	w("### Headless Chromium, for comparison")
	w("")
	ch := c.Chromium
	switch {
	case ch == nil:
		w("Not measured.")
	case ch.Skipped != "":
		w("Not measured: %s.", ch.Skipped)
	default:
		w("The same certificate as an HTML page (bench/chromium.go: the same texts at the same places in the same font from its file by `@font-face`, the frames as CSS borders, the QR code and the seal as PNG images), served from this process and printed by %s (`%s`), started once (%s ms from exec to its first tab). Each print loads the page afresh (the font and images from the browser's cache), waits for `document.fonts.ready`, and calls `page.printToPDF`; %d prints after 2 unrecorded.",
			ch.Version, ch.Path, ms(ch.Start), chromiumPrints)
		w("")
		w("| renderer | p50 ms | p90 ms | KiB | pages |")
		w("| --- | ---: | ---: | ---: | ---: |")
		w("| headless Chromium | %s | %s | %.1f | %d |", ms(ch.P50), ms(ch.P90), float64(ch.Bytes)/1024, ch.Pages)
		w("| gofpdf, real `Write` (above) | %s | %s | %.1f | 1 |", ms(c.SingleP50), ms(c.SingleP90), float64(c.SingleBytes)/1024)
	}
	w("")
}

// Command bench measures partyschool at city scale against bare baselines
// measured in the same run, and writes the table to bench/RESULTS.md.
// `make bench` runs it on a private PostgreSQL cluster:
//
//	BENCH_DATABASE_URL=$(scripts/devdb start bench) go run ./bench
//
// It creates a fresh database beside the one in the URL, loads the city
// dataset, serves the real app and a bare Fiber app in this process, and
// loads both with the same number of connections, each figure the median
// of several repeats.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"partyschool/app"
	"partyschool/attendance"
	"partyschool/courses"
	"partyschool/database"
	"partyschool/lecturers"
	"partyschool/settings"
	"partyschool/trainees"
	"partyschool/web"
)

func main() {
	duration := flag.Duration("duration", 3*time.Second, "length of each load run")
	repeats := flag.Int("repeats", 3, "runs of each measurement; the median is reported")
	connList := flag.String("conns", "1,8,64", "concurrent connections to measure at")
	out := flag.String("out", "bench/RESULTS.md", "where to write the results")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the load runs to this file")
	only := flag.String("only", "", "run only these parts, comma-separated ("+strings.Join(parts, ",")+"), and print the table without writing -out unless it is given")
	certChildSpec := flag.String("cert-child", "", "internal: render real:N or bare:N certificates as one PDF in this process and print its memory as JSON (the bench runs itself so)")
	flag.Parse()
	if *certChildSpec != "" {
		if err := certChild(*certChildSpec); err != nil {
			fmt.Fprintln(os.Stderr, "bench -cert-child:", err)
			os.Exit(1)
		}
		return
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	chosen, err := chooseParts(*only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	outGiven := false
	flag.Visit(func(f *flag.Flag) { outGiven = outGiven || f.Name == "out" })
	if *only != "" && !outGiven {
		*out = ""
	}
	if err := run(context.Background(), *duration, *repeats, *connList, *out, chosen); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// parts are what a run measures, in order; -only picks some.
var parts = []string{"timetable", "catalogue", "schedule", "saves", "report", "explain", "contention", "certificates", "gobench", "startup"}

// chooseParts reads -only: every part when it is empty.
func chooseParts(only string) (map[string]bool, error) {
	chosen := map[string]bool{}
	for _, p := range parts {
		chosen[p] = only == ""
	}
	if only == "" {
		return chosen, nil
	}
	for _, p := range strings.Split(only, ",") {
		p = strings.TrimSpace(p)
		if _, ok := chosen[p]; !ok {
			return nil, fmt.Errorf("-only: unknown part %q (parts: %s)", p, strings.Join(parts, ", "))
		}
		chosen[p] = true
	}
	return chosen, nil
}

func run(ctx context.Context, duration time.Duration, repeats int, connList, out string, want map[string]bool) error {
	began := time.Now()
	clusterURL := os.Getenv("BENCH_DATABASE_URL")
	if clusterURL == "" {
		return fmt.Errorf("BENCH_DATABASE_URL is not set: run `make bench`, which starts a private PostgreSQL cluster")
	}
	var conns []int
	for _, s := range strings.Split(connList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-conns: %q is not a number of connections", s)
		}
		conns = append(conns, n)
	}

	say("creating a fresh database")
	dbURL, err := freshDatabase(ctx, clusterURL, "partyschool_bench")
	if err != nil {
		return err
	}
	db, err := database.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if err := database.MigrateUp(ctx, db, quiet); err != nil {
		return err
	}
	say("loading the city: %d communities, %d lecturers, %d trainees, %d courses, %d sessions",
		City.Communities, City.Lecturers, City.Trainees, City.Courses, City.Courses*City.SessionsPerCourse)
	t0 := time.Now()
	if err := loadCity(ctx, db); err != nil {
		return err
	}
	r := &Report{Started: began, LoadTime: time.Since(t0), Duration: duration, Repeats: repeats}
	if err := r.describe(ctx, db); err != nil {
		return err
	}
	if r.Subjects, err = pickSubjects(ctx, db, web.WeekStart(time.Now())); err != nil {
		return err
	}

	// The real app logs every request as in production, to nowhere.
	cfg, err := app.LoadConfig(func(key string) string {
		if key == "LOG_LEVEL" {
			return "info"
		}
		return ""
	})
	if err != nil {
		return err
	}
	srv, err := app.New(cfg, db, quiet)
	if err != nil {
		return err
	}
	appURL, stopApp, err := serve(srv.Fiber)
	if err != nil {
		return err
	}
	defer stopApp()
	school, err := settings.NewStore(db, 0).Get(ctx)
	if err != nil {
		return err
	}
	bareURL, stopBare, err := serve(newBare(db, r.Subjects, school))
	if err != nil {
		return err
	}
	defer stopBare()

	// My schedule is the trainee's: signed in once, and every connection
	// sends that browser's cookies. The bare handler reads the same
	// trainee's rows without a session.
	trainee, err := signIn(ctx, appURL, r.Subjects.Username, BenchPassword)
	if err != nil {
		return err
	}
	pages := []struct {
		part, name, path string
		cookies          []*http.Cookie
	}{
		{"timetable", "Week timetable (public)", "/timetable", nil},
		{"catalogue", "Catalogue (public)", "/courses", nil},
		{"schedule", "My schedule (a logged-in trainee)", "/my/schedule", trainee},
	}
	for _, p := range pages {
		if !want[p.part] {
			continue
		}
		// Warm both: the template cache, the pool, PostgreSQL's buffers.
		runLoad(ctx, appURL+p.path, 4, time.Second, p.cookies)
		runLoad(ctx, bareURL+p.path, 4, time.Second, nil)
		for _, n := range conns {
			var real, bare []Load
			for i := 0; i < repeats; i++ {
				// Interleaved, so drift in the machine hits both alike.
				l, err := runLoad(ctx, appURL+p.path, n, duration, p.cookies)
				if err != nil {
					return err
				}
				real = append(real, l)
				if l, err = runLoad(ctx, bareURL+p.path, n, duration, nil); err != nil {
					return err
				}
				bare = append(bare, l)
			}
			row := PageRow{Page: p.name, Path: p.path, Conns: n, Real: medianLoad(real), Bare: medianLoad(bare)}
			say("%-26s %3d conns: %7.0f req/s (bare %7.0f), p50 %v, p99 %v", p.name, n, row.Real.RPS, row.Bare.RPS, row.Real.P50, row.Real.P99)
			r.Pages = append(r.Pages, row)
		}
	}
	if want["saves"] {
		say("saving a sheet of %d trainees", len(r.Subjects.SheetTrainees))
		if r.Saves, err = measureSaves(ctx, db, appURL, bareURL, conns, duration, repeats, r.Subjects); err != nil {
			return err
		}
	}
	if want["report"] {
		say("timing the attendance report of a course")
		if r.CourseReport, err = measureCourseReport(ctx, db, appURL, r.Subjects.ReportCourse); err != nil {
			return err
		}
	}
	if r.SessionsShown, err = countWeek(ctx, db); err != nil {
		return err
	}
	if err := r.countSchedule(ctx, db); err != nil {
		return err
	}

	if want["explain"] {
		say("explaining the hot queries")
		if err := r.explain(ctx, dbURL, school); err != nil {
			return err
		}
	}
	if want["contention"] {
		say("racing %d enrolments for %d seats", raceTrainees, raceSeats)
		if r.Contention, err = contention(ctx, db, repeats); err != nil {
			return err
		}
	}
	if want["certificates"] {
		say("printing certificates")
		if r.Certificates, err = measureCertificates(ctx, db, appURL, cfg.BaseURL, school.Name, r.Subjects.ReportCourse, repeats); err != nil {
			return err
		}
	}
	if want["gobench"] {
		say("running the Go benchmarks")
		if r.GoBench, err = runGoBenchmarks(ctx, repeats); err != nil {
			return err
		}
	}
	if want["startup"] {
		say("measuring start-up")
		if err := r.startup(ctx, dbURL, repeats); err != nil {
			return err
		}
	}
	r.Total = time.Since(began)
	text := r.Markdown()
	fmt.Println()
	fmt.Println(text)
	if out == "" {
		return nil
	}
	return os.WriteFile(out, []byte(text), 0o644)
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// freshDatabase drops and creates name on the cluster and returns its URL.
func freshDatabase(ctx context.Context, clusterURL, name string) (string, error) {
	admin, err := database.Open(ctx, clusterURL)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	for _, q := range []string{`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`, `CREATE DATABASE ` + name} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			return "", fmt.Errorf("%s: %w", q, err)
		}
	}
	u, err := url.Parse(clusterURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// serve starts a Fiber app on a free loopback port.
func serve(f *fiber.App) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go f.Listener(ln)
	return "http://" + ln.Addr().String(), func() { f.ShutdownWithTimeout(5 * time.Second) }, nil
}

// countWeek counts the sessions the public week timetable shows.
func countWeek(ctx context.Context, db *sqlx.DB) (int, error) {
	start := web.WeekStart(time.Now())
	rows, err := courses.NewStore(db).Timetable(ctx, courses.TimetableFilter{
		From: start, To: start.AddDate(0, 0, 7), Statuses: []string{courses.StatusPublished},
	})
	return len(rows), err
}

// countSchedule records what my schedule shows its trainee: their
// courses, and the sessions of the four weeks from this Monday.
func (r *Report) countSchedule(ctx context.Context, db *sqlx.DB) error {
	mine, err := trainees.NewStore(db).MyCourses(ctx, r.Subjects.Trainee)
	if err != nil {
		return err
	}
	ids := seated(mine)
	rows, err := courses.NewStore(db).Timetable(ctx, scheduleFilter(ids))
	r.Schedule = Shown{Courses: len(mine), Seats: len(ids), Sessions: len(rows)}
	return err
}

// explain records the plans of the store calls behind the pages.
func (r *Report) explain(ctx context.Context, dbURL string, school settings.School) error {
	e, err := newExplainer(ctx, dbURL)
	if err != nil {
		return err
	}
	defer e.db.Close()
	start := web.WeekStart(time.Now())
	var reportStatements int
	calls := []struct {
		name  string
		f     func(db *sqlx.DB) error
		count *int // where to keep the number of statements, if anywhere
	}{
		{"Week timetable", func(db *sqlx.DB) error {
			_, err := courses.NewStore(db).Timetable(ctx, courses.TimetableFilter{
				From: start, To: start.AddDate(0, 0, 7), Statuses: []string{courses.StatusPublished},
			})
			return err
		}, nil},
		{"Catalogue, first page", func(db *sqlx.DB) error {
			_, _, err := courses.NewStore(db).List(ctx, courses.CatalogueFilter{Statuses: []string{courses.StatusPublished}, Limit: 20})
			return err
		}, nil},
		{"A lecturer's four weeks (my teaching)", func(db *sqlx.DB) error {
			_, err := courses.NewStore(db).Timetable(ctx, courses.TimetableFilter{
				From: start, To: start.AddDate(0, 0, 28), LecturerID: 7,
				Statuses: []string{courses.StatusDraft, courses.StatusPublished, courses.StatusClosed},
			})
			return err
		}, nil},
		{"A venue's week", func(db *sqlx.DB) error {
			_, err := courses.NewStore(db).Timetable(ctx, courses.TimetableFilter{
				From: start, To: start.AddDate(0, 0, 7), VenueID: 7, Statuses: []string{courses.StatusPublished},
			})
			return err
		}, nil},
		{"A lecturer's page: upcoming sessions and hours taught", func(db *sqlx.DB) error {
			store := courses.NewStore(db)
			if _, err := store.Upcoming(ctx, 7, true, 20); err != nil {
				return err
			}
			_, err := store.HoursTaught(ctx, 7, time.Now().Year())
			return err
		}, nil},
		{"The roster, first page", func(db *sqlx.DB) error {
			_, _, err := lecturers.NewStore(db).List(ctx, lecturers.Filter{Limit: 30})
			return err
		}, nil},
		{"A trainee's courses (my schedule)", func(db *sqlx.DB) error {
			_, err := trainees.NewStore(db).MyCourses(ctx, r.Subjects.Trainee)
			return err
		}, nil},
		{"A trainee's four weeks (my schedule, their calendar feed)", func(db *sqlx.DB) error {
			ids, err := trainees.NewStore(db).EnrolledCourseIDs(ctx, r.Subjects.Trainee)
			if err != nil {
				return err
			}
			_, err = courses.NewStore(db).Timetable(ctx, scheduleFilter(ids))
			return err
		}, nil},
		{"A course page for a waiting trainee: place, waitlist, clashes", func(db *sqlx.DB) error {
			_, err := trainees.NewStore(db).Standing(ctx, r.Subjects.WaitCourse, r.Subjects.Trainee)
			return err
		}, nil},
		{"The roll of a full course", func(db *sqlx.DB) error {
			_, err := trainees.NewStore(db).Roll(ctx, r.Subjects.FullCourse)
			return err
		}, nil},
		{"A trainee's credit hours this year (ledger)", func(db *sqlx.DB) error {
			_, err := trainees.NewStore(db).Ledger(ctx, r.Subjects.Attender, time.Now().In(web.Shanghai).Year())
			return err
		}, nil},
		{"The registry, searching 学员1", func(db *sqlx.DB) error {
			_, _, err := trainees.NewStore(db).List(ctx, trainees.Filter{Query: "学员1"})
			return err
		}, nil},
		{"A session's attendance sheet (40 trainees)", func(db *sqlx.DB) error {
			_, err := attendance.NewStore(db).Sheet(ctx, courses.NewStore(db), r.Subjects.SheetSession)
			return err
		}, nil},
		{"What a save of that sheet reads first (Posting: the session, its lecturer, the sheet without names)", func(db *sqlx.DB) error {
			_, err := attendance.NewStore(db).Posting(ctx, r.Subjects.SheetSession)
			return err
		}, nil},
		{"A course's attendance report (200 trainees × 40 sessions)", func(db *sqlx.DB) error {
			course, err := courses.NewStore(db).Get(ctx, r.Subjects.ReportCourse)
			if err != nil {
				return err
			}
			e.reset() // the course's lookup is the handler's, not the report's
			_, err = attendance.NewStore(db).CourseReport(ctx, course)
			return err
		}, &reportStatements},
		{"The attendance to-do list, every lecturer's (staff), first page and count", func(db *sqlx.DB) error {
			_, _, err := attendance.NewStore(db).Todo(ctx, 0, 30, 0)
			return err
		}, nil},
		{"The attendance to-do list of a lecturer (lecturer008, whose courses are published)", func(db *sqlx.DB) error {
			var lecturer int64
			if err := db.GetContext(ctx, &lecturer, `SELECT id FROM users WHERE username = 'lecturer008'`); err != nil {
				return err
			}
			e.reset() // the lookup is the bench's, not the list's
			_, _, err := attendance.NewStore(db).Todo(ctx, lecturer, 30, 0)
			return err
		}, nil},
		{"A trainee's attendance (the keenest attender)", func(db *sqlx.DB) error {
			_, err := attendance.NewStore(db).TraineeReport(ctx, r.Subjects.Attender)
			return err
		}, nil},
	}
	for _, c := range calls {
		plans, err := e.capture(c.f)
		if err != nil {
			return fmt.Errorf("explain %s: %w", c.name, err)
		}
		if c.count != nil {
			*c.count = len(plans)
		}
		r.Plans = append(r.Plans, Plan{Name: c.name, Statements: len(plans), Plans: plans})
	}
	if r.CourseReport != nil {
		r.CourseReport.Statements = reportStatements
	}
	// One save of the sheet: its statements are counted, not listed.
	if r.Saves != nil {
		plans, err := e.capture(func(db *sqlx.DB) error {
			_, err := attendance.NewStore(db).Apply(ctx, attendance.Save{
				SessionID: r.Subjects.SheetSession, Key: attendance.NewKey(),
				Marks: sheetMarks(sheetSeq.Add(1), r.Subjects.SheetTrainees),
				By:    r.Subjects.SheetLecturer, Source: attendance.SourceSheet, LockDays: school.AttendanceLockDays,
				Opens: time.Duration(school.CheckinOpensMinutes) * time.Minute,
			})
			return err
		})
		if err != nil {
			return fmt.Errorf("explain a save of the sheet: %w", err)
		}
		r.Saves.Statements, r.Saves.Kinds = len(plans), kinds(plans)
	}
	return nil
}

// startup builds the binary as `make build` does and times it from exec to
// the first 200 from /readyz, on the migrated city database.
func (r *Report) startup(ctx context.Context, dbURL string, repeats int) error {
	dir, err := os.MkdirTemp("", "partyschool-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "partyschool")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	info, err := os.Stat(bin)
	if err != nil {
		return err
	}
	r.BinaryBytes = info.Size()
	var times []time.Duration
	for i := 0; i < repeats; i++ {
		d, err := timeStartup(ctx, bin, dbURL)
		if err != nil {
			return err
		}
		times = append(times, d)
	}
	r.Startup = median(times)
	return nil
}

func timeStartup(ctx context.Context, bin, dbURL string) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "ADDR="+addr, "LOG_LEVEL=error")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	client := &http.Client{Timeout: time.Second}
	for time.Since(start) < 30*time.Second {
		res, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return time.Since(start), nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return 0, fmt.Errorf("the binary was not ready within 30 s")
}

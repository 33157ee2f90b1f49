package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	neturl "net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/attendance"
	"partyschool/courses"
)

// sheetSeq numbers the saves of the sheet over the whole run, real and
// bare alike.
var sheetSeq atomic.Int64

// sheetMarks are the marks of save n for trainees: everyone present (n
// even) or late (n odd), each with the note 第n次. The note is new in
// every save, so every save changes all the marks and writes a history
// row for each, whatever order concurrent saves take the session's lock
// in; alternating alone would leave some saves at 8 and 64 connections
// nothing to change.
func sheetMarks(n int64, trainees []int64) []attendance.Mark {
	status, note := sheetMark(n)
	marks := make([]attendance.Mark, len(trainees))
	for i, id := range trainees {
		marks[i] = attendance.Mark{TraineeID: id, Status: status, Note: note}
	}
	return marks
}

func sheetMark(n int64) (status, note string) {
	status = attendance.StatusPresent
	if n%2 == 1 {
		status = attendance.StatusLate
	}
	return status, "第" + strconv.FormatInt(n, 10) + "次"
}

// sheetForm returns the bodies of the sheet's form as its script posts
// it (views/attendance/sheet.html, read by SaveSheet): the CSRF token, a
// fresh idempotency key, and a status and a note for every trainee. The
// marks the sheet showed (was_<id>, wasnote_<id>) are left out, as in a
// form from before the sheet sent them: every connection saves the same
// sheet, and with them a save that another overtook would be refused as
// a conflict. The comparison they ask for is made in Go on marks that
// Apply reads anyway, so the SQL is the same.
func sheetForm(csrf string, trainees []int64) func() []byte {
	return func() []byte {
		status, note := sheetMark(sheetSeq.Add(1))
		v := neturl.Values{"_csrf": {csrf}, "key": {attendance.NewKey()}}
		for _, id := range trainees {
			s := strconv.FormatInt(id, 10)
			v.Set("status_"+s, status)
			v.Set("note_"+s, note)
		}
		return []byte(v.Encode())
	}
}

// bareSheetBody is the bare save's body: the save's number.
func bareSheetBody() []byte { return strconv.AppendInt(nil, sheetSeq.Add(1), 10) }

// SheetSaves is the save of a 40-trainee sheet under load, and what the
// saves of the whole run wrote.
type SheetSaves struct {
	Session    int64
	Trainees   int
	Rows       []PageRow
	Saves      int // attendance_saves of the session after every run, warm-ups included
	MinChanged int // the fewest marks one of them changed
	MaxChanged int
	History    int // attendance_changes of the session
	Statements int // the statements of one save (Apply), counted by auto_explain
	Kinds      []Kind
}

// Kind is one kind of statement a call ran and how many times.
type Kind struct {
	Query string
	N     int
}

// measureSaves saves the sheet from conns connections against the bare
// save, as the pages are measured: the real request is the sheet's form
// posted by its script (Accept: application/json) with the lecturer's
// cookies; every save is numbered and its marks are those of sheetMarks.
func measureSaves(ctx context.Context, db *sqlx.DB, appURL, bareURL string, conns []int, d time.Duration, repeats int,
	s Subjects) (*SheetSaves, error) {
	lecturer, err := signIn(ctx, appURL, s.SheetUsername, BenchPassword)
	if err != nil {
		return nil, err
	}
	path := "/sessions/" + strconv.FormatInt(s.SheetSession, 10) + "/attendance"
	real := Post{ContentType: "application/x-www-form-urlencoded", Accept: "application/json",
		Body: sheetForm(cookieValue(lecturer, "ps_csrf"), s.SheetTrainees)}
	bare := Post{ContentType: "text/plain", Accept: "application/json", Body: bareSheetBody}
	out := &SheetSaves{Session: s.SheetSession, Trainees: len(s.SheetTrainees)}
	if _, err := runLoadPost(ctx, appURL+path, 4, time.Second, lecturer, real); err != nil {
		return nil, err
	}
	if _, err := runLoadPost(ctx, bareURL+path, 4, time.Second, nil, bare); err != nil {
		return nil, err
	}
	for _, n := range conns {
		var rl, bl []Load
		for i := 0; i < repeats; i++ {
			l, err := runLoadPost(ctx, appURL+path, n, d, lecturer, real)
			if err != nil {
				return nil, err
			}
			rl = append(rl, l)
			if l, err = runLoadPost(ctx, bareURL+path, n, d, nil, bare); err != nil {
				return nil, err
			}
			bl = append(bl, l)
		}
		row := PageRow{Page: "Saving a sheet of 40", Path: "POST " + path, Conns: n, Real: medianLoad(rl), Bare: medianLoad(bl)}
		say("%-26s %3d conns: %7.0f req/s (bare %7.0f), p50 %v, p99 %v", row.Page, n, row.Real.RPS, row.Bare.RPS, row.Real.P50, row.Real.P99)
		out.Rows = append(out.Rows, row)
	}
	var got struct {
		Saves   int `db:"saves"`
		Min     int `db:"min"`
		Max     int `db:"max"`
		History int `db:"history"`
	}
	err = db.GetContext(ctx, &got, `
		SELECT count(*) AS saves, coalesce(min(changed), 0) AS min, coalesce(max(changed), 0) AS max,
		       (SELECT count(*) FROM attendance_changes WHERE session_id = $1) AS history
		FROM attendance_saves WHERE session_id = $1`, s.SheetSession)
	if err != nil {
		return nil, fmt.Errorf("count the saves of session %d: %w", s.SheetSession, err)
	}
	out.Saves, out.MinChanged, out.MaxChanged, out.History = got.Saves, got.Min, got.Max, got.History
	return out, nil
}

// reportRequests is how many sequential requests time the course report.
const reportRequests = 50

// CourseReportTiming is the attendance report of BENCH-REPORT.
type CourseReportTiming struct {
	Course                      int64
	Trainees, Sessions, Marks   int
	Below                       int
	PageP50, PageP90, PageMax   time.Duration
	StoreP50, StoreP90, StoreMx time.Duration
	Bytes                       int
	Statements                  int // of the store call, counted by auto_explain
}

// measureCourseReport times GET /courses/:id/attendance as a coordinator,
// reportRequests times one after another after five unrecorded, and the
// store call alone (attendance.Store.CourseReport) the same way.
func measureCourseReport(ctx context.Context, db *sqlx.DB, appURL string, courseID int64) (*CourseReportTiming, error) {
	coordinator, err := signIn(ctx, appURL, "coordinator", BenchPassword)
	if err != nil {
		return nil, err
	}
	u, err := neturl.Parse(appURL)
	if err != nil {
		return nil, err
	}
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, coordinator)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: noRedirects}
	url := appURL + "/courses/" + strconv.FormatInt(courseID, 10) + "/attendance"
	out := &CourseReportTiming{Course: courseID}
	var page []time.Duration
	for i := -5; i < reportRequests; i++ {
		t0 := time.Now()
		res, err := client.Get(url)
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", url, err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		took := time.Since(t0)
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: status %d", url, res.StatusCode)
		}
		if i >= 0 {
			page = append(page, took)
			out.Bytes = int(n)
		}
	}
	course, err := courses.NewStore(db).Get(ctx, courseID)
	if err != nil {
		return nil, err
	}
	store := attendance.NewStore(db)
	var calls []time.Duration
	for i := -5; i < reportRequests; i++ {
		t0 := time.Now()
		r, err := store.CourseReport(ctx, course)
		took := time.Since(t0)
		if err != nil {
			return nil, err
		}
		if i >= 0 {
			calls = append(calls, took)
		}
		out.Trainees, out.Sessions, out.Below, out.Marks = len(r.Rows), len(r.Sessions), r.Below, 0
		for _, row := range r.Rows {
			for _, c := range row.Cells {
				if c.Status != "" {
					out.Marks++
				}
			}
		}
	}
	slices.Sort(page)
	slices.Sort(calls)
	out.PageP50, out.PageP90, out.PageMax = percentile(page, 0.5), percentile(page, 0.9), page[len(page)-1]
	out.StoreP50, out.StoreP90, out.StoreMx = percentile(calls, 0.5), percentile(calls, 0.9), calls[len(calls)-1]
	say("course report (%d × %d): page p50 %v, store call p50 %v", out.Trainees, out.Sessions, out.PageP50, out.StoreP50)
	return out, nil
}

// kinds groups plans by the start of their query text, in order of first
// appearance.
func kinds(plans []string) []Kind {
	var out []Kind
	at := map[string]int{}
	for _, p := range plans {
		q := queryText(p)
		if i, ok := at[q]; ok {
			out[i].N++
			continue
		}
		at[q] = len(out)
		out = append(out, Kind{Query: q, N: 1})
	}
	return out
}

// queryText is the query of an auto_explain plan, its whitespace folded,
// cut to 90 characters.
func queryText(plan string) string {
	var q []string
	in := false
	for _, line := range strings.Split(plan, "\n") {
		switch {
		case strings.HasPrefix(line, "Query Text:"):
			in = true
			q = append(q, strings.TrimPrefix(line, "Query Text:"))
		case in && (line == "" || line[0] == ' ' || line[0] == '\t'):
			q = append(q, line)
		default:
			in = false
		}
	}
	s := strings.Join(strings.Fields(strings.Join(q, " ")), " ")
	if r := []rune(s); len(r) > 90 {
		s = string(r[:90]) + "…"
	}
	return s
}

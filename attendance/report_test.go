package attendance_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partyschool/app/apptest"
	"partyschool/attendance"
	"partyschool/courses"
	"partyschool/dbtest"
	"partyschool/sheets"
)

// reportSchool is the hand-computed fixture of the report tests.
//
// Course RPT-1 (certificate rule 60%, 6 credit hours), taught by 李老师,
// has five sessions: S1, S2, S3 held; S4 held but cancelled; S5 in two
// days. Its trainees with a seat, in pinyin order, and their marks:
//
//	        S1       S2       S3       S4 (cancelled)  S5 (future)   rate          hours
//	李四    excused  —        present                                1/3 = 33.3%   6×1/4 = 1.5  below 60%
//	王五    present  present  present  present                       3/3 = 100%    6×3/4 = 4.5
//	张三    present  late     absent                   excused       2/3 = 66.7%   6×2/4 = 3
//
// 赵六 was marked present at S1 and has withdrawn since: listed on S1's
// report, counted nowhere. Column totals: S1 2/3, S2 2/3 (one not
// marked), S3 2/3; overall 6/9 = 66.7%.
//
// For the to-do list: RPT-2 (李老师) has a session that ended with no
// mark; RPT-3 (周老师) too; RPT-4 is a draft with such a session; and S2
// of RPT-1 is still to do, with 李四 unmarked.
type reportSchool struct {
	db                *sqlx.DB
	course            int64
	sessions          []int64 // S1…S5
	li, wang, zhang   int64   // 李四, 王五, 张三
	zhao              int64   // withdrawn
	outsider          int64   // on no course
	lecturer, other   int64   // the accounts of 李老师 and 周老师
	todoMine, todoHis int64   // the unmarked sessions of RPT-2 and RPT-3
	todoDraft         int64
}

// newReportSchool builds the fixture; user makes an account and returns its id.
func newReportSchool(t *testing.T, db *sqlx.DB, user func(role, username, name string) int64) *reportSchool {
	t.Helper()
	s := &reportSchool{db: db}
	id := func(query string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.Get(&n, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	s.lecturer = user("lecturer", "rpt-li", "李老师")
	s.other = user("lecturer", "rpt-zhou", "周老师")
	mine := id(`INSERT INTO lecturers (name, team, user_id) VALUES ('李老师', 'expert', $1) RETURNING id`, s.lecturer)
	his := id(`INSERT INTO lecturers (name, team, user_id) VALUES ('周老师', 'grassroots', $1) RETURNING id`, s.other)
	venue := id(`INSERT INTO venues (name) VALUES ('社区党校教室') RETURNING id`)
	today := time.Now().Format("2006-01-02")
	course := func(code, status string) int64 {
		return id(`
			INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes,
			                     credit_hours, min_attendance, status)
			VALUES ($1, '课程' || $1, 'policy', 50, $2::date - 20, $2::date + 20, now() - interval '30 days',
			        now() - interval '21 days', 6, 60, $3) RETURNING id`, code, today, status)
	}
	session := func(course, lecturer int64, from, to string) int64 {
		return id(`
			INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, topic)
			VALUES ($1, $2, $3, now() + $4::interval, now() + $5::interval, '专题') RETURNING id`,
			course, lecturer, venue, from, to)
	}
	s.course = course("RPT-1", "published")
	for _, at := range [][2]string{
		{"-72 hours", "-70 hours"}, {"-48 hours", "-46 hours"}, {"-30 hours", "-28 hours"},
		{"-24 hours", "-22 hours"}, {"48 hours", "50 hours"},
	} {
		s.sessions = append(s.sessions, session(s.course, mine, at[0], at[1]))
	}
	enrol := func(course, trainee int64) {
		db.MustExec(`INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at) VALUES ($1, $2, 'enrolled', now())`, course, trainee)
	}
	s.zhang = user("trainee", "rpt-zhang", "张三")
	s.li = user("trainee", "rpt-li4", "李四")
	s.wang = user("trainee", "rpt-wang", "王五")
	s.zhao = user("trainee", "rpt-zhao", "赵六")
	s.outsider = user("trainee", "rpt-out", "钱七")
	for _, tr := range []int64{s.zhang, s.li, s.wang, s.zhao} {
		enrol(s.course, tr)
	}
	mark := func(session, trainee int64, status string) {
		db.MustExec(`INSERT INTO attendance (session_id, trainee_id, status, recorded_by) VALUES ($1, $2, $3, $4)`,
			session, trainee, status, s.lecturer)
	}
	S := s.sessions
	mark(S[0], s.li, "excused")
	mark(S[2], s.li, "present")
	for _, x := range S[:4] {
		mark(x, s.wang, "present")
	}
	mark(S[0], s.zhang, "present")
	mark(S[1], s.zhang, "late")
	mark(S[2], s.zhang, "absent")
	mark(S[4], s.zhang, "excused")
	mark(S[0], s.zhao, "present")
	db.MustExec(`UPDATE enrolments SET status = 'withdrawn', withdrawn_at = now() WHERE course_id = $1 AND trainee_id = $2`, s.course, s.zhao)
	db.MustExec(`UPDATE course_sessions SET cancelled_at = now(), cancel_reason = '讲师生病' WHERE id = $1`, S[3])

	other := course("RPT-2", "published")
	s.todoMine = session(other, mine, "-26 hours", "-25 hours")
	enrol(other, s.zhang)
	third := course("RPT-3", "published")
	s.todoHis = session(third, his, "-20 hours", "-19 hours")
	enrol(third, s.li)
	draft := course("RPT-4", "draft")
	s.todoDraft = session(draft, mine, "-18 hours", "-17 hours")
	enrol(draft, s.wang)
	return s
}

// sqlUser makes an account straight in SQL (no one signs in with it).
func sqlUser(t *testing.T, db *sqlx.DB) func(role, username, name string) int64 {
	return func(role, username, name string) int64 {
		t.Helper()
		var id int64
		err := db.Get(&id, `INSERT INTO users (username, name, role, password_hash) VALUES ($1, $2, $3, '$argon2id$x') RETURNING id`,
			username, name, role)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
}

func (s *reportSchool) courseOf(t *testing.T) *courses.Course {
	t.Helper()
	c, err := courses.NewStore(s.db).Get(context.Background(), s.course)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// matrixOf writes a report's rows as name, cells, rate and below.
func matrixOf(r *attendance.CourseReport) []string {
	var out []string
	for _, row := range r.Rows {
		var cells []string
		for _, c := range row.Cells {
			cells = append(cells, c.Status)
		}
		out = append(out, fmt.Sprintf("%s %v %s below=%t", row.Name, cells, row.Rate, row.Below))
	}
	return out
}

func TestRateRule(t *testing.T) {
	for _, c := range []struct {
		rate  attendance.Rate
		min   int
		text  string
		below bool
	}{
		{attendance.Rate{Attended: 2, Of: 3}, 60, "66.7%", false},
		{attendance.Rate{Attended: 2, Of: 3}, 67, "66.7%", true},
		{attendance.Rate{Attended: 4, Of: 5}, 80, "80%", false},
		{attendance.Rate{Attended: 79, Of: 100}, 80, "79%", true},
		{attendance.Rate{Attended: 0, Of: 0}, 80, "—", false},
		{attendance.Rate{Attended: 0, Of: 4}, 0, "0%", false},
	} {
		if got := c.rate.String(); got != c.text {
			t.Errorf("%+v: %q, want %q", c.rate, got, c.text)
		}
		if got := c.rate.Below(c.min); got != c.below {
			t.Errorf("%+v below %d: %t, want %t", c.rate, c.min, got, c.below)
		}
	}
}

func TestCourseReportFigures(t *testing.T) {
	db := dbtest.New(t)
	s := newReportSchool(t, db, sqlUser(t, db))
	r, err := attendance.NewStore(db).CourseReport(context.Background(), s.courseOf(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"李四 [excused  present] 33.3% below=true",
		"王五 [present present present] 100% below=false",
		"张三 [present late absent] 66.7% below=false",
	}
	if diff := cmp.Diff(want, matrixOf(r)); diff != "" {
		t.Errorf("matrix (-want +got):\n%s", diff)
	}
	var columns []int64
	var totals []string
	for _, rs := range r.Sessions {
		columns = append(columns, rs.ID)
		totals = append(totals, fmt.Sprintf("%+v %s", rs.Tally, rs.Tally.Rate()))
	}
	if diff := cmp.Diff(s.sessions[:3], columns); diff != "" {
		t.Errorf("columns are the held sessions in date order (-want +got):\n%s", diff)
	}
	wantTotals := []string{
		"{Present:2 Late:0 Excused:1 Absent:0 Unmarked:0} 66.7%",
		"{Present:1 Late:1 Excused:0 Absent:0 Unmarked:1} 66.7%",
		"{Present:2 Late:0 Excused:0 Absent:1 Unmarked:0} 66.7%",
	}
	if diff := cmp.Diff(wantTotals, totals); diff != "" {
		t.Errorf("column totals (-want +got):\n%s", diff)
	}
	if r.Upcoming != 1 || r.Cancelled != 1 || r.Below != 1 || r.Overall != (attendance.Rate{Attended: 6, Of: 9}) {
		t.Errorf("upcoming %d, cancelled %d, below %d, overall %+v; want 1, 1, 1, 6/9", r.Upcoming, r.Cancelled, r.Below, r.Overall)
	}
}

func TestSessionReportFigures(t *testing.T) {
	db := dbtest.New(t)
	s := newReportSchool(t, db, sqlUser(t, db))
	ctx := context.Background()
	session, err := courses.NewStore(db).Session(ctx, s.sessions[0])
	if err != nil {
		t.Fatal(err)
	}
	r, err := attendance.NewStore(db).SessionReport(ctx, session)
	if err != nil {
		t.Fatal(err)
	}
	if want := (attendance.Tally{Present: 2, Excused: 1}); r.Tally != want || !r.Ended || r.Rate() != (attendance.Rate{Attended: 2, Of: 3}) {
		t.Errorf("S1: %+v, ended %t, rate %v; want %+v, 2/3", r.Tally, r.Ended, r.Rate(), want)
	}
	var lines []string
	for _, l := range r.Lines {
		lines = append(lines, fmt.Sprintf("%s %s %t %s", l.Name, l.Status, l.Seated, l.RecordedBy))
	}
	want := []string{"李四 excused true 李老师", "王五 present true 李老师", "张三 present true 李老师", "赵六 present false 李老师"}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("S1 lines (-want +got):\n%s", diff)
	}

	future, _ := courses.NewStore(db).Session(ctx, s.sessions[4])
	r, err = attendance.NewStore(db).SessionReport(ctx, future)
	if err != nil {
		t.Fatal(err)
	}
	if r.Ended || r.Rate().Known() || r.Tally != (attendance.Tally{Excused: 1, Unmarked: 2}) {
		t.Errorf("S5 (future): ended %t, rate %v, %+v", r.Ended, r.Rate(), r.Tally)
	}
}

func TestTraineeReportFigures(t *testing.T) {
	db := dbtest.New(t)
	s := newReportSchool(t, db, sqlUser(t, db))
	store := attendance.NewStore(db)
	for _, c := range []struct {
		trainee  int64
		courses  int
		rate     attendance.Rate
		below    bool
		earned   float64
		statuses string
	}{
		{s.zhang, 2, attendance.Rate{Attended: 2, Of: 3}, false, 3, "present late absent cancelled"},
		{s.wang, 2, attendance.Rate{Attended: 3, Of: 3}, false, 4.5, "present present present cancelled"},
		{s.li, 2, attendance.Rate{Attended: 1, Of: 3}, true, 1.5, "excused none present cancelled"},
		{s.zhao, 1, attendance.Rate{Attended: 1, Of: 3}, true, 1.5, "present none none cancelled"},
	} {
		r, err := store.TraineeReport(context.Background(), c.trainee)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Courses) != c.courses {
			t.Fatalf("trainee %d: %d courses, want %d", c.trainee, len(r.Courses), c.courses)
		}
		var rpt *attendance.TraineeCourse
		for i := range r.Courses {
			if r.Courses[i].Code == "RPT-1" {
				rpt = &r.Courses[i]
			}
		}
		if rpt == nil {
			t.Fatalf("trainee %d: no RPT-1", c.trainee)
		}
		var statuses []string
		for _, ts := range rpt.Sessions {
			switch {
			case ts.Cancelled:
				statuses = append(statuses, "cancelled")
			case ts.Status == "":
				statuses = append(statuses, "none")
			default:
				statuses = append(statuses, ts.Status)
			}
		}
		if rpt.Rate != c.rate || rpt.Below != c.below || rpt.Earned != c.earned || rpt.Upcoming != 1 || strings.Join(statuses, " ") != c.statuses {
			t.Errorf("trainee %d on RPT-1: rate %v below %t earned %v upcoming %d %v; want %v %t %v 1 %s",
				c.trainee, rpt.Rate, rpt.Below, rpt.Earned, rpt.Upcoming, statuses, c.rate, c.below, c.earned, c.statuses)
		}
	}
	r, err := store.TraineeReport(context.Background(), s.outsider)
	if err != nil || len(r.Courses) != 0 {
		t.Errorf("a trainee on no course: %+v, %v", r, err)
	}
}

func TestTodo(t *testing.T) {
	db := dbtest.New(t)
	s := newReportSchool(t, db, sqlUser(t, db))
	store := attendance.NewStore(db)
	ids := func(user int64) []int64 {
		items, total, err := store.Todo(context.Background(), user, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, it := range items {
			out = append(out, it.SessionID)
		}
		if total != len(out) {
			t.Errorf("total %d, listed %d", total, len(out))
		}
		return out
	}
	if got, want := ids(s.lecturer), []int64{s.todoMine, s.sessions[1]}; !cmp.Equal(got, want) {
		t.Errorf("李老师's to-do %v, want %v (not the marked, cancelled, future or draft sessions)", got, want)
	}
	if got, want := ids(s.other), []int64{s.todoHis}; !cmp.Equal(got, want) {
		t.Errorf("周老师's to-do %v, want %v", got, want)
	}
	if got, want := ids(0), []int64{s.todoHis, s.todoMine, s.sessions[1]}; !cmp.Equal(got, want) {
		t.Errorf("everyone's to-do %v, want %v, the latest first", got, want)
	}
}

// TestTodoUntilEveryoneIsMarked: a session stays on the to-do list while
// a trainee with a seat has no mark. A 请假 entered in advance, or one
// trainee's self check-in, does not take it off; a withdrawn trainee does
// not keep it on; a mark for everyone does take it off.
func TestTodoUntilEveryoneIsMarked(t *testing.T) {
	db := dbtest.New(t)
	s := newReportSchool(t, db, sqlUser(t, db))
	store := attendance.NewStore(db)
	var course int64
	if err := db.Get(&course, `SELECT course_id FROM course_sessions WHERE id = $1`, s.todoMine); err != nil {
		t.Fatal(err)
	}
	// RPT-2's seats: 张三 (already), 李四 and 王五; 赵六 withdrew unmarked.
	for _, tr := range []int64{s.li, s.wang, s.zhao} {
		db.MustExec(`INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at) VALUES ($1, $2, 'enrolled', now())`, course, tr)
	}
	db.MustExec(`UPDATE enrolments SET status = 'withdrawn', withdrawn_at = now() WHERE course_id = $1 AND trainee_id = $2`, course, s.zhao)
	unmarked := func() (listed bool, n int) {
		t.Helper()
		items, total, err := store.Todo(context.Background(), s.lecturer, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(items) {
			t.Errorf("total %d, listed %d", total, len(items))
		}
		for _, it := range items {
			if it.SessionID == s.todoMine {
				return true, it.Unmarked
			}
		}
		return false, 0
	}
	mark := func(trainee int64, status, source string) {
		db.MustExec(`INSERT INTO attendance (session_id, trainee_id, status, source, recorded_by) VALUES ($1, $2, $3, $4, $5)`,
			s.todoMine, trainee, status, source, s.lecturer)
	}
	if listed, n := unmarked(); !listed || n != 3 {
		t.Fatalf("before any mark: listed %t with %d unmarked, want listed with 3", listed, n)
	}
	mark(s.zhang, "excused", "sheet") // 请假, entered in advance
	if listed, n := unmarked(); !listed || n != 2 {
		t.Errorf("after one 请假: listed %t with %d unmarked, want listed with 2", listed, n)
	}
	mark(s.li, "present", "self") // checked in by themselves
	if listed, n := unmarked(); !listed || n != 1 {
		t.Errorf("after a self check-in: listed %t with %d unmarked, want listed with 1", listed, n)
	}
	mark(s.wang, "absent", "sheet")
	if listed, _ := unmarked(); listed {
		t.Error("a session with every trainee with a seat marked stays on the to-do")
	}
	if got, want := func() []int64 {
		items, _, _ := store.Todo(context.Background(), 0, 10, 0)
		var out []int64
		for _, it := range items {
			out = append(out, it.SessionID)
		}
		return out
	}(), []int64{s.todoHis, s.sessions[1]}; !cmp.Equal(got, want) {
		t.Errorf("everyone's to-do %v, want %v", got, want)
	}
}

// countingConnector counts the statements that reach PostgreSQL through it.
type countingConnector struct {
	driver.Connector
	n *atomic.Int64
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return countingConn{conn, c.n}, nil
}

type countingConn struct {
	driver.Conn
	n *atomic.Int64
}

func (c countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.n.Add(1)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.n.Add(1)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

// TestCourseReportStatementsDoNotGrow: the matrix takes the same three
// statements for 3 trainees × 3 sessions as for 60 × 23.
func TestCourseReportStatementsDoNotGrow(t *testing.T) {
	db, url := dbtest.NewWithURL(t)
	s := newReportSchool(t, db, sqlUser(t, db))
	connector, err := pq.NewConnector(url)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	counted := sqlx.NewDb(sql.OpenDB(countingConnector{connector, &n}), "postgres")
	t.Cleanup(func() { counted.Close() })
	store := attendance.NewStore(counted)
	count := func() (int64, *attendance.CourseReport) {
		t.Helper()
		n.Store(0)
		r, err := store.CourseReport(context.Background(), s.courseOf(t))
		if err != nil {
			t.Fatal(err)
		}
		return n.Load(), r
	}
	small, _ := count()
	var lecturer, venue int64
	db.Get(&lecturer, `SELECT id FROM lecturers WHERE user_id = $1`, s.lecturer)
	db.Get(&venue, `SELECT id FROM venues LIMIT 1`)
	db.MustExec(`
		INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at)
		SELECT $1, $2, $3, now() - interval '20 days' + g * interval '3 hours', now() - interval '20 days' + g * interval '3 hours' + interval '1 hour'
		FROM generate_series(1, 20) g`, s.course, lecturer, venue)
	db.MustExec(`UPDATE courses SET capacity = 100 WHERE id = $1`, s.course)
	db.MustExec(`
		INSERT INTO users (username, name, role, password_hash)
		SELECT 'bulk' || g, '学员' || g, 'trainee', '$argon2id$x' FROM generate_series(1, 57) g`)
	db.MustExec(`
		INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at)
		SELECT $1, id, 'enrolled', now() FROM users WHERE username LIKE 'bulk%'`, s.course)
	db.MustExec(`
		INSERT INTO attendance (session_id, trainee_id, status)
		SELECT s.id, e.trainee_id, (ARRAY['present', 'late', 'excused', 'absent'])[1 + (s.id + e.trainee_id) % 4]
		FROM course_sessions s JOIN enrolments e ON e.course_id = s.course_id AND e.status = 'enrolled'
		WHERE s.course_id = $1 AND s.ends_at < now() - interval '4 days'`, s.course)
	large, r := count()
	if len(r.Rows) != 60 || len(r.Sessions) != 23 {
		t.Fatalf("the large course has %d trainees × %d sessions, want 60 × 23", len(r.Rows), len(r.Sessions))
	}
	if small != 3 || large != small {
		t.Errorf("the course report ran %d statements for 3 × 3 and %d for 60 × 23; want 3 both times", small, large)
	}
}

// reportPages signs in the fixture's people for the page tests.
type reportPages struct {
	*reportSchool
	env                                           *apptest.Env
	asLecturer, asOther, asCoordinator, asTrainee *apptest.Client
}

func newReportPages(t *testing.T) *reportPages {
	t.Helper()
	env := apptest.New(t)
	s := newReportSchool(t, env.DB, func(role, username, name string) int64 {
		return env.CreateUser(role, username, name).ID
	})
	p := &reportPages{reportSchool: s, env: env}
	login := func(username string) *apptest.Client {
		c := env.Client()
		c.Login(username, apptest.Password)
		return c
	}
	p.asLecturer, p.asOther, p.asTrainee = login("rpt-li"), login("rpt-zhou"), login("rpt-zhang")
	p.asCoordinator, _ = env.LoginAs("coordinator", "rpt-coord")
	return p
}

func TestReportAccess(t *testing.T) {
	p := newReportPages(t)
	course, session := fmt.Sprint(p.course), fmt.Sprint(p.sessions[0])
	paths := []string{
		"/courses/" + course + "/attendance", "/courses/" + course + "/attendance.xlsx", "/courses/" + course + "/attendance/chart.svg",
		"/sessions/" + session + "/attendance/report", "/sessions/" + session + "/attendance.xlsx",
	}
	for _, path := range paths {
		for _, c := range []struct {
			who    string
			client *apptest.Client
			status int
		}{
			{"the course's lecturer", p.asLecturer, http.StatusOK},
			{"another lecturer", p.asOther, http.StatusNotFound},
			{"a trainee", p.asTrainee, http.StatusForbidden},
			{"a coordinator", p.asCoordinator, http.StatusOK},
			{"a visitor", p.env.Client(), http.StatusSeeOther},
		} {
			res := c.client.Get(path)
			if res.Status != c.status {
				t.Errorf("%s GET %s: %d, want %d", c.who, path, res.Status, c.status)
			}
			if res.Status == http.StatusOK && res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s GET %s: Cache-Control %q", c.who, path, res.Header.Get("Cache-Control"))
			}
		}
	}
	// Unknown and malformed ids answer like someone else's.
	for _, path := range []string{"/courses/999999/attendance", "/sessions/999999/attendance/report", "/courses/x/attendance/chart.svg", "/trainees/999999/attendance"} {
		if res := p.asCoordinator.Get(path); res.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.Status)
		}
	}
	trainee := fmt.Sprint(p.zhang)
	for _, path := range []string{"/trainees/" + trainee + "/attendance", "/trainees/" + trainee + "/attendance.xlsx"} {
		for who, c := range map[string]*apptest.Client{"lecturer": p.asLecturer, "trainee": p.asTrainee} {
			if res := c.Get(path); res.Status != http.StatusForbidden {
				t.Errorf("a %s GET %s: %d, want 403", who, path, res.Status)
			}
		}
		if res := p.asCoordinator.Get(path); res.Status != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("a coordinator GET %s: %d, %q", path, res.Status, res.Header.Get("Cache-Control"))
		}
	}
	if res := p.asCoordinator.Get("/trainees/" + fmt.Sprint(p.lecturer) + "/attendance"); res.Status != http.StatusNotFound {
		t.Errorf("a lecturer's account as a trainee: %d, want 404", res.Status)
	}
}

func TestCourseReportPage(t *testing.T) {
	p := newReportPages(t)
	res := p.asLecturer.Get(fmt.Sprintf("/courses/%d/attendance", p.course))
	body := res.Body
	for _, want := range []string{
		"课程考勤：课程RPT-1", `<div class="table-scroll matrix-scroll"`, `src="/courses/` + fmt.Sprint(p.course) + `/attendance/chart.svg"`,
		"33.3%", "100%", "66.7%", "未达要求", "到课率不低于 60%", "另有 1 次尚未举行、1 次已停课，均不计入",
		"已结束且未停课的课次", `<td class="cell cell-none"><span aria-hidden="true">—</span>`, "6/9",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the course report lacks %q", want)
		}
	}
	li, wang, zhang := strings.Index(body, "李四"), strings.Index(body, "王五"), strings.Index(body, "张三")
	if li < 0 || !(li < wang && wang < zhang) {
		t.Errorf("rows not in pinyin order: 李四 %d, 王五 %d, 张三 %d", li, wang, zhang)
	}
	if strings.Contains(body, "赵六") {
		t.Error("the course report lists a trainee who withdrew")
	}
	if below := body[strings.Index(body, `<tr class="is-below">`):]; !strings.HasPrefix(below[strings.Index(below, "<th"):], `<th scope="row">李四`) {
		t.Error("李四's row is not the one marked below the rule")
	}
	if strings.Contains(body, "/trainees/") {
		t.Error("a lecturer's report links to the trainees' pages, which are for coordinators")
	}
	if body := p.asCoordinator.Get(fmt.Sprintf("/courses/%d/attendance", p.course)).Body; !strings.Contains(body, fmt.Sprintf(`href="/trainees/%d/attendance"`, p.li)) {
		t.Error("a coordinator's report does not link to the trainee's attendance")
	}
	if body := p.asCoordinator.Get(fmt.Sprintf("/courses/%d/attendance", p.course)).Body; strings.Contains(body, apptest.PhoneOf("rpt-zhang")) {
		t.Error("the course report shows a phone number")
	}
}

func TestCourseExport(t *testing.T) {
	p := newReportPages(t)
	res := p.asCoordinator.Get(fmt.Sprintf("/courses/%d/attendance.xlsx", p.course))
	if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %q", res.Status, res.Header.Get("Content-Disposition"))
	}
	table, err := sheets.Read("course.xlsx", strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for _, r := range table.Rows {
		rows = append(rows, r.Cells)
	}
	if len(table.Header) != 9 || table.Header[0] != "姓名" || !strings.HasPrefix(table.Header[2], "第1次 ") || table.Header[8] != "结业要求（60%）" {
		t.Errorf("header %q", table.Header)
	}
	want := [][]string{
		{"李四", "", "请假", "未记录", "出勤", "1", "3", "33.3%", "未达要求"},
		{"王五", "", "出勤", "出勤", "出勤", "3", "3", "100%", "达到要求"},
		{"张三", "", "出勤", "迟到", "缺勤", "2", "3", "66.7%", "达到要求"},
		{"到课人数", "", "2/3", "2/3", "2/3", "6", "9", "", ""},
		{"到课率", "", "66.7%", "66.7%", "66.7%", "", "", "66.7%", ""},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("export rows (-want +got):\n%s", diff)
	}
}

func TestSessionReportPageAndExport(t *testing.T) {
	p := newReportPages(t)
	res := p.asLecturer.Get(fmt.Sprintf("/sessions/%d/attendance/report", p.sessions[1]))
	for _, want := range []string{"本课次到课率", "66.7%", "（2 / 3）", "未记录", "李四", fmt.Sprintf(`href="/sessions/%d/attendance"`, p.sessions[1])} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the session report lacks %q", want)
		}
	}
	if strings.Contains(res.Body, apptest.PhoneOf("rpt-li4")) {
		t.Error("the session report shows a phone number")
	}

	res = p.asLecturer.Get(fmt.Sprintf("/sessions/%d/attendance.xlsx", p.sessions[0]))
	table, err := sheets.Read("session.xlsx", strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"姓名", "社区", "状态", "备注", "记录人", "时间"}; !cmp.Equal(table.Header, want) {
		t.Errorf("header %q", table.Header)
	}
	var rows []string
	for _, r := range table.Rows {
		if r.Cells[5] == "" {
			t.Errorf("row %v has no time", r.Cells)
		}
		rows = append(rows, strings.Join(r.Cells[:5], " "))
	}
	want := []string{"李四  请假  李老师", "王五  出勤  李老师", "张三  出勤  李老师", "赵六  出勤（已退课）  李老师"}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("export rows (-want +got):\n%s", diff)
	}
	if strings.Contains(res.Body, apptest.PhoneOf("rpt-li4")) {
		t.Error("the export holds a phone number")
	}
}

func TestCourseChart(t *testing.T) {
	p := newReportPages(t)
	p.db.MustExec(`UPDATE courses SET title = '<script>alert(1)</script> & "党课"' WHERE id = $1`, p.course)
	res := p.asLecturer.Get(fmt.Sprintf("/courses/%d/attendance/chart.svg", p.course))
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "image/svg+xml") {
		t.Fatalf("chart: %d %q", res.Status, res.Header.Get("Content-Type"))
	}
	var svg struct {
		XMLName xml.Name `xml:"svg"`
		Role    string   `xml:"role,attr"`
		Title   string   `xml:"title"`
		Desc    string   `xml:"desc"`
		Rects   []struct {
			Title string `xml:"title"`
		} `xml:"rect"`
	}
	dec := xml.NewDecoder(strings.NewReader(res.Body))
	dec.Strict = true
	if err := dec.Decode(&svg); err != nil {
		t.Fatalf("the chart is not well-formed XML: %v\n%s", err, res.Body)
	}
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("after the chart: %v", err)
		}
	}
	if svg.Role != "img" || !strings.Contains(svg.Title, `<script>alert(1)</script> & "党课"`) {
		t.Errorf("role %q, title %q", svg.Role, svg.Title)
	}
	if strings.Contains(res.Body, "<script>") {
		t.Error("the course's title reached the SVG unescaped")
	}
	for _, want := range []string{"60%", "第 1 次课", "到课 2 / 3 人，到课率 66.7%", "第 3 次课"} {
		if !strings.Contains(svg.Desc, want) {
			t.Errorf("the description %q lacks %q", svg.Desc, want)
		}
	}
	bars := 0
	for _, r := range svg.Rects {
		if strings.Contains(r.Title, "66.7%") {
			bars++
		}
	}
	if bars != 3 {
		t.Errorf("%d bars of 66.7%%, want 3", bars)
	}
	if !strings.Contains(res.Body, "结业要求 60%") || !strings.Contains(res.Body, "到课率（%）") {
		t.Error("the chart lacks the rule line's label or the axis title")
	}
}

func TestTraineeAttendancePages(t *testing.T) {
	p := newReportPages(t)
	res := p.asTrainee.Get("/my/attendance")
	if res.Status != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("/my/attendance: %d %q", res.Status, res.Header.Get("Cache-Control"))
	}
	for _, want := range []string{"我的考勤", "课程RPT-1", "课程RPT-2", "66.7%", "（2 / 3）", "3 学时（课程共 6 学时）", "已停课（不计入）", "还有 1 次课尚未举行", "迟到", "缺勤"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("/my/attendance lacks %q", want)
		}
	}
	for _, other := range []string{"李四", "王五", "赵六", "课程RPT-3", "4.5 学时", "33.3%"} {
		if strings.Contains(res.Body, other) {
			t.Errorf("/my/attendance shows %q, which is not the trainee's", other)
		}
	}
	// No query string makes it anyone else's.
	if res := p.asTrainee.Get(fmt.Sprintf("/my/attendance?id=%d&trainee=%d", p.li, p.li)); strings.Contains(res.Body, "33.3%") {
		t.Error("/my/attendance followed the query string to another trainee")
	}
	if res := p.asCoordinator.Get("/my/attendance"); res.Status != http.StatusForbidden {
		t.Errorf("a coordinator's /my/attendance: %d, want 403", res.Status)
	}

	res = p.asCoordinator.Get(fmt.Sprintf("/trainees/%d/attendance", p.li))
	for _, want := range []string{"学员考勤：李四", "33.3%", "低于结业要求 60%", "未记录（按未到课计算）", "1.5 学时（课程共 6 学时）"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("李四's attendance lacks %q", want)
		}
	}
	res = p.asCoordinator.Get(fmt.Sprintf("/trainees/%d/attendance.xlsx", p.li))
	table, err := sheets.Read("trainee.xlsx", strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, r := range table.Rows {
		if r.Cells[0] == "RPT-1" {
			rows = append(rows, strings.Join(append([]string{r.Cells[4]}, r.Cells[6:]...), " "))
		}
	}
	want := []string{"请假 33.3% 60% 1.5", "未记录 33.3% 60% 1.5", "出勤 33.3% 60% 1.5", "已停课 33.3% 60% 1.5"}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("export rows of RPT-1 (-want +got):\n%s", diff)
	}
}

func TestTodoPage(t *testing.T) {
	p := newReportPages(t)
	mine, his := fmt.Sprintf(`href="/sessions/%d/attendance"`, p.todoMine), fmt.Sprintf(`href="/sessions/%d/attendance"`, p.todoHis)
	res := p.asLecturer.Get("/attendance/todo")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, mine) || strings.Contains(res.Body, his) {
		t.Errorf("李老师's to-do: %d, lists own %t, lists 周老师's %t", res.Status, strings.Contains(res.Body, mine), strings.Contains(res.Body, his))
	}
	for i, s := range p.sessions {
		listed := strings.Contains(res.Body, fmt.Sprintf(`href="/sessions/%d/attendance"`, s))
		if i == 1 && !listed {
			t.Error("the to-do does not list S2 of RPT-1, where 李四 has no mark")
		}
		if i != 1 && listed {
			t.Errorf("the to-do lists S%d of RPT-1, marked for everyone, cancelled or not yet held", i+1)
		}
	}
	if strings.Contains(res.Body, fmt.Sprintf(`href="/sessions/%d/attendance"`, p.todoDraft)) {
		t.Error("the to-do lists a draft course's session")
	}
	res = p.asCoordinator.Get("/attendance/todo")
	if !strings.Contains(res.Body, mine) || !strings.Contains(res.Body, his) || !strings.Contains(res.Body, "讲师：周老师") {
		t.Error("the coordinator's to-do does not list every lecturer's sessions")
	}
	if res := p.asTrainee.Get("/attendance/todo"); res.Status != http.StatusForbidden {
		t.Errorf("a trainee's to-do: %d, want 403", res.Status)
	}
	// RPT-2 has one trainee with a seat: once marked, nothing is left to do.
	p.db.MustExec(`INSERT INTO attendance (session_id, trainee_id, status) VALUES ($1, $2, 'present')`, p.todoMine, p.zhang)
	if res := p.asLecturer.Get("/attendance/todo"); strings.Contains(res.Body, mine) {
		t.Error("a session with everyone marked stays on the to-do")
	}
	p.db.MustExec(`INSERT INTO attendance (session_id, trainee_id, status) VALUES ($1, $2, 'absent')`, p.sessions[1], p.li)
	if res := p.asLecturer.Get("/attendance/todo"); !strings.Contains(res.Body, "没有待登记考勤的课次") {
		t.Error("with every session marked for everyone, the to-do does not say it is empty")
	}
}

// TestReportPagesInEnglish: every report page reads in English, with no
// catalogue key left untranslated, and the chart is in English too.
func TestReportPagesInEnglish(t *testing.T) {
	p := newReportPages(t)
	rawKey := regexp.MustCompile(`\b(?:attendance|nav)\.[a-z][a-z0-9_.]*[a-z0-9]\b`)
	for who, c := range map[string]*apptest.Client{"lecturer": p.asLecturer, "coordinator": p.asCoordinator, "trainee": p.asTrainee} {
		c.Cookies["ps_lang"] = "en"
		for _, path := range []string{
			fmt.Sprintf("/courses/%d/attendance", p.course), fmt.Sprintf("/courses/%d/attendance/chart.svg", p.course),
			fmt.Sprintf("/sessions/%d/attendance/report", p.sessions[0]), fmt.Sprintf("/sessions/%d/attendance/report", p.sessions[3]),
			fmt.Sprintf("/sessions/%d/attendance/report", p.sessions[4]), fmt.Sprintf("/trainees/%d/attendance", p.li),
			"/my/attendance", "/attendance/todo",
		} {
			res := c.Get(path)
			if res.Status != http.StatusOK {
				continue // who may see what is TestReportAccess's
			}
			for _, k := range rawKey.FindAllString(res.Body, -1) {
				if !strings.HasSuffix(k, ".xlsx") { // the export's address
					t.Errorf("%s GET %s in English shows the raw key %s", who, path, k)
				}
			}
		}
	}
	if svg := p.asLecturer.Get(fmt.Sprintf("/courses/%d/attendance/chart.svg", p.course)).Body; !strings.Contains(svg, "Attendance by session") {
		t.Error("the chart is not in English for an English reader")
	}
}

package courses_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/courses"
	"partyschool/database"
	"partyschool/dbtest"
	"partyschool/web"
)

// world is a small school: a community, two lecturers, two venues and a
// published course running through December 2026.
type world struct {
	db                  *sqlx.DB
	store               *courses.Store
	community           int64
	lecturer, lecturer2 int64
	venue, venue2       int64
	course              int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db := dbtest.New(t)
	w := &world{db: db, store: courses.NewStore(db)}
	w.community = insertID(t, db, `INSERT INTO communities (name) VALUES ('长城花园社区') RETURNING id`)
	w.lecturer = insertID(t, db, `INSERT INTO lecturers (name, team) VALUES ('李建国', 'expert') RETURNING id`)
	w.lecturer2 = insertID(t, db, `INSERT INTO lecturers (name, team) VALUES ('赵红梅', 'grassroots') RETURNING id`)
	w.venue = insertID(t, db, `INSERT INTO venues (name, community_id) VALUES ('红色议事厅', $1) RETURNING id`, w.community)
	w.venue2 = insertID(t, db, `INSERT INTO venues (name) VALUES ('邻里驿站') RETURNING id`)
	w.course = w.createCourse(t, "DX-01", courses.StatusPublished)
	return w
}

func (w *world) createCourse(t *testing.T, code, status string) int64 {
	t.Helper()
	f := courses.Fields{
		Code: code, Title: "民法典进社区", Category: courses.CategoryPolicy, Capacity: 30,
		StartsOn: day(2026, 12, 1), EndsOn: day(2026, 12, 31),
		EnrolOpens: day(2026, 11, 1), EnrolCloses: day(2026, 11, 30), CreditHours: 8, MinAttendance: 80,
		CommunityID: &w.community,
	}
	id, err := w.store.Create(context.Background(), f, 0)
	if err != nil {
		t.Fatalf("create course %s: %v", code, err)
	}
	if status != courses.StatusDraft {
		if _, err := w.db.Exec(`UPDATE courses SET status = $2 WHERE id = $1`, id, status); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func insertID(t *testing.T, db *sqlx.DB, query string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := db.Get(&id, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, web.Shanghai) }

// at is a Beijing wall-clock time in December 2026.
func at(d, h, min int) time.Time { return time.Date(2026, 12, d, h, min, 0, 0, web.Shanghai) }

func slot(lecturer, venue int64, d, fromH, toH int) courses.Slot {
	return courses.Slot{LecturerID: lecturer, VenueID: venue, StartsAt: at(d, fromH, 0), EndsAt: at(d, toH, 0), Topic: "第一讲"}
}

func TestCourseCodeIsUnique(t *testing.T) {
	w := newWorld(t)
	f := courses.Fields{Code: "DX-01", Title: "另一门课", Category: courses.CategoryPractice, Capacity: 10,
		StartsOn: day(2026, 12, 1), EndsOn: day(2026, 12, 2), EnrolOpens: day(2026, 11, 1), EnrolCloses: day(2026, 11, 2), CreditHours: 2}
	if _, err := w.store.Create(context.Background(), f, 0); !errors.Is(err, courses.ErrCodeTaken) {
		t.Fatalf("duplicate code: %v, want ErrCodeTaken", err)
	}
}

func TestCourseConstraints(t *testing.T) {
	w := newWorld(t)
	bad := map[string]string{
		"negative capacity":   `UPDATE courses SET capacity = -1 WHERE id = $1`,
		"ends before starts":  `UPDATE courses SET ends_on = starts_on - 1 WHERE id = $1`,
		"enrolment backwards": `UPDATE courses SET enrol_closes = enrol_opens - interval '1 day' WHERE id = $1`,
		"unknown category":    `UPDATE courses SET category = 'party' WHERE id = $1`,
		"unknown status":      `UPDATE courses SET status = 'deleted' WHERE id = $1`,
		"lower-case code":     `UPDATE courses SET code = 'dx-01' WHERE id = $1`,
		"attendance over 100": `UPDATE courses SET min_attendance = 101 WHERE id = $1`,
	}
	for name, q := range bad {
		if _, err := w.db.Exec(q, w.course); !database.IsViolation(err, database.CheckViolation) {
			t.Errorf("%s: %v, want a check violation", name, err)
		}
	}
}

func TestSessionConstraintsInTheDatabase(t *testing.T) {
	w := newWorld(t)
	insert := `INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5)`
	if _, err := w.db.Exec(insert, w.course, w.lecturer, w.venue, at(1, 19, 0), at(1, 21, 0)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		lecturer   int64
		venue      int64
		start, end time.Time
		constraint string
	}{
		{"lecturer twice", w.lecturer, w.venue2, at(1, 20, 0), at(1, 22, 0), "course_sessions_lecturer_overlap"},
		{"venue twice", w.lecturer2, w.venue, at(1, 18, 0), at(1, 19, 30), "course_sessions_venue_overlap"},
	}
	for _, c := range cases {
		_, err := w.db.Exec(insert, w.course, c.lecturer, c.venue, c.start, c.end)
		if !database.IsViolation(err, database.ExclusionViolation, c.constraint) {
			t.Errorf("%s: %v, want %s", c.name, err, c.constraint)
		}
	}
	if _, err := w.db.Exec(insert, w.course, w.lecturer2, w.venue2, at(2, 21, 0), at(2, 19, 0)); !database.IsViolation(err, database.CheckViolation, "course_sessions_time_check") {
		t.Errorf("end before start: %v", err)
	}
	// Back to back is fine: ranges are half-open.
	if _, err := w.db.Exec(insert, w.course, w.lecturer, w.venue, at(1, 21, 0), at(1, 22, 0)); err != nil {
		t.Errorf("a session starting when the last one ends: %v", err)
	}
	// A cancelled session frees its lecturer and venue.
	w.db.MustExec(`UPDATE course_sessions SET cancelled_at = now() WHERE starts_at = $1`, at(1, 19, 0))
	if _, err := w.db.Exec(insert, w.course, w.lecturer, w.venue, at(1, 19, 30), at(1, 20, 30)); err != nil {
		t.Errorf("booking over a cancelled session: %v", err)
	}
	// A lecturer with sessions cannot be deleted.
	if _, err := w.db.Exec(`DELETE FROM lecturers WHERE id = $1`, w.lecturer); !database.IsViolation(err, database.ForeignKeyViolation) {
		t.Errorf("deleting a lecturer with sessions: %v", err)
	}
}

func TestAddSessionsNamesTheConflict(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.store.AddSessions(ctx, w.course, []courses.Slot{slot(w.lecturer, w.venue, 1, 19, 21)}); err != nil {
		t.Fatal(err)
	}
	// The same lecturer elsewhere, overlapping.
	conflicts, err := w.store.AddSessions(ctx, w.course, []courses.Slot{slot(w.lecturer, w.venue2, 1, 20, 22)})
	if !errors.Is(err, courses.ErrConflict) || len(conflicts) != 1 {
		t.Fatalf("got %v %v, want one conflict", conflicts, err)
	}
	c := conflicts[0]
	if c.Reason != "courses.conflict.lecturer" || c.Blocker == nil || !c.Blocker.StartsAt.Equal(at(1, 19, 0)) || c.Blocker.CourseTitle != "民法典进社区" {
		t.Errorf("conflict = %+v", c)
	}
	// Outside the course's dates.
	conflicts, err = w.store.AddSessions(ctx, w.course, []courses.Slot{{LecturerID: w.lecturer, VenueID: w.venue, StartsAt: time.Date(2027, 1, 1, 9, 0, 0, 0, web.Shanghai), EndsAt: time.Date(2027, 1, 1, 11, 0, 0, 0, web.Shanghai)}})
	if !errors.Is(err, courses.ErrConflict) || len(conflicts) != 1 || conflicts[0].Reason != "courses.conflict.outside" {
		t.Errorf("outside the dates: %v %v", conflicts, err)
	}
	// An unknown lecturer or venue.
	if _, err := w.store.AddSessions(ctx, w.course, []courses.Slot{slot(999999, w.venue, 3, 9, 10)}); !errors.Is(err, courses.ErrUnknownLecturer) {
		t.Errorf("unknown lecturer: %v", err)
	}
	if _, err := w.store.AddSessions(ctx, w.course, []courses.Slot{slot(w.lecturer, 999999, 3, 9, 10)}); !errors.Is(err, courses.ErrUnknownVenue) {
		t.Errorf("unknown venue: %v", err)
	}
	w.db.MustExec(`UPDATE lecturers SET active = false WHERE id = $1`, w.lecturer2)
	if _, err := w.store.AddSessions(ctx, w.course, []courses.Slot{slot(w.lecturer2, w.venue, 3, 9, 10)}); !errors.Is(err, courses.ErrUnknownLecturer) {
		t.Errorf("inactive lecturer: %v", err)
	}
}

func TestRepeatingSessionsAreAllOrNothing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	// The venue is taken on the third Tuesday.
	if _, err := w.store.AddSessions(ctx, w.course, []courses.Slot{slot(w.lecturer2, w.venue, 15, 18, 20)}); err != nil {
		t.Fatal(err)
	}
	form := courses.SessionForm{Lecturer: itoa(w.lecturer), Venue: itoa(w.venue), Date: "2026-12-01", Start: "19:00", End: "21:00", Weeks: "5"}
	slots, errs := form.Parse()
	if errs.Any() || len(slots) != 5 {
		t.Fatalf("parse: %v %d", errs, len(slots))
	}
	conflicts, err := w.store.AddSessions(ctx, w.course, slots)
	// Dec 15 clashes with the venue; Dec 29 is inside the course; no more.
	if !errors.Is(err, courses.ErrConflict) || len(conflicts) != 1 || !conflicts[0].Slot.StartsAt.Equal(at(15, 19, 0)) {
		t.Fatalf("conflicts = %+v, %v", conflicts, err)
	}
	var n int
	w.db.Get(&n, `SELECT count(*) FROM course_sessions WHERE lecturer_id = $1`, w.lecturer)
	if n != 0 {
		t.Fatalf("%d sessions written despite the conflict", n)
	}
	// Four weeks from the 22nd would leave the course: nothing written either.
	form.Date, form.Weeks = "2026-12-22", "4"
	slots, _ = form.Parse()
	if conflicts, err := w.store.AddSessions(ctx, w.course, slots); !errors.Is(err, courses.ErrConflict) || len(conflicts) != 2 {
		t.Errorf("leaving the course: %v %v", conflicts, err)
	}
	// Without the clash, all five land.
	form.Date, form.Weeks, form.Start, form.End = "2026-12-01", "5", "09:00", "11:00"
	slots, _ = form.Parse()
	if _, err := w.store.AddSessions(ctx, w.course, slots); err != nil {
		t.Fatal(err)
	}
	w.db.Get(&n, `SELECT count(*) FROM course_sessions WHERE lecturer_id = $1`, w.lecturer)
	if n != 5 {
		t.Errorf("%d sessions, want 5", n)
	}
}

// TestConcurrentBookingNeverOverlaps: coordinators saving at the same time
// for the same lecturer — only one booking may win.
func TestConcurrentBookingNeverOverlaps(t *testing.T) {
	w := newWorld(t)
	venues := []int64{w.venue, w.venue2}
	for i := 0; i < 6; i++ {
		venues = append(venues, insertID(t, w.db, `INSERT INTO venues (name) VALUES ($1) RETURNING id`, "教室"+itoa(int64(i))))
	}
	errs := dbtest.Concurrently(len(venues), func(i int) error {
		s := slot(w.lecturer, venues[i], 8, 19, 21)
		s.StartsAt = s.StartsAt.Add(time.Duration(i) * time.Minute) // all overlap, none identical
		_, err := w.store.AddSessions(context.Background(), w.course, []courses.Slot{s})
		return err
	})
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, courses.ErrConflict):
			t.Errorf("unexpected error: %v", err)
		}
	}
	var n int
	w.db.Get(&n, `SELECT count(*) FROM course_sessions WHERE lecturer_id = $1`, w.lecturer)
	if won != 1 || n != 1 {
		t.Errorf("%d bookings won, %d rows; want exactly one", won, n)
	}
}

func TestCourseDatesMustHoldTheSessions(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.store.AddSessions(ctx, w.course, []courses.Slot{slot(w.lecturer, w.venue, 20, 19, 21)}); err != nil {
		t.Fatal(err)
	}
	c, _ := w.store.Get(ctx, w.course)
	f, errs := courses.FormOf(c).Parse()
	if errs.Any() {
		t.Fatalf("the stored course does not parse back: %v", errs)
	}
	f.EndsOn = day(2026, 12, 19)
	if err := w.store.Update(ctx, w.course, f); !errors.Is(err, courses.ErrSessionsOutside) {
		t.Errorf("shrinking past a session: %v", err)
	}
	f.EndsOn = day(2026, 12, 20)
	if err := w.store.Update(ctx, w.course, f); err != nil {
		t.Errorf("shrinking to the last session's day: %v", err)
	}
}

func TestStatusTransitions(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	id := w.createCourse(t, "SX-01", courses.StatusDraft)
	steps := []struct {
		to string
		ok bool
	}{
		{courses.StatusClosed, false}, // a draft cannot close
		{courses.StatusPublished, true},
		{courses.StatusArchived, false}, // close first
		{courses.StatusClosed, true},
		{courses.StatusPublished, true}, // reopen
		{courses.StatusClosed, true},
		{courses.StatusArchived, true},
		{courses.StatusPublished, false}, // archived is final
		{courses.StatusDraft, false},
	}
	for _, s := range steps {
		err := w.store.SetStatus(ctx, id, s.to)
		if s.ok && err != nil || !s.ok && !errors.Is(err, courses.ErrBadTransition) {
			t.Errorf("to %s: %v (want ok=%t)", s.to, err, s.ok)
		}
	}
	if err := w.store.SetStatus(ctx, 999999, courses.StatusPublished); !errors.Is(err, courses.ErrNotFound) {
		t.Errorf("missing course: %v", err)
	}
	if _, err := w.store.AddSessions(ctx, id, []courses.Slot{slot(w.lecturer, w.venue, 2, 9, 10)}); !errors.Is(err, courses.ErrArchived) {
		t.Errorf("a session for an archived course: %v", err)
	}
}

func TestTimetableShowsOnlyTheChosenStatuses(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	draft := w.createCourse(t, "CG-01", courses.StatusDraft)
	w.store.AddSessions(ctx, w.course, []courses.Slot{slot(w.lecturer, w.venue, 2, 19, 21)})
	w.store.AddSessions(ctx, draft, []courses.Slot{slot(w.lecturer2, w.venue2, 2, 19, 21)})
	week := courses.TimetableFilter{From: day(2026, 11, 30), To: day(2026, 12, 7)}

	week.Statuses = []string{courses.StatusPublished}
	public, err := w.store.Timetable(ctx, week)
	if err != nil || len(public) != 1 || public[0].CourseID != w.course {
		t.Fatalf("public timetable: %v %+v", err, public)
	}
	week.Statuses = courses.Statuses
	all, _ := w.store.Timetable(ctx, week)
	if len(all) != 2 {
		t.Errorf("staff timetable has %d sessions, want 2", len(all))
	}
	week.Team = "grassroots"
	if team, _ := w.store.Timetable(ctx, week); len(team) != 1 || team[0].LecturerName != "赵红梅" {
		t.Errorf("team filter: %+v", team)
	}
}

func TestHoursTaught(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	// Two past sessions this year (1.5 h and 2 h) and one in the future.
	now := time.Now().In(web.Shanghai)
	past := w.createCourse(t, "PAST-01", courses.StatusClosed)
	w.db.MustExec(`UPDATE courses SET starts_on = $2, ends_on = $3 WHERE id = $1`, past,
		time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC), time.Date(now.Year(), 12, 31, 0, 0, 0, 0, time.UTC))
	earlier := web.Day(now).AddDate(0, 0, -1)
	if now.YearDay() == 1 {
		t.Skip("no past day this year to teach on")
	}
	insert := `INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5)`
	w.db.MustExec(insert, past, w.lecturer, w.venue, web.At(earlier, 9*60), web.At(earlier, 10*60+30))
	w.db.MustExec(insert, past, w.lecturer, w.venue, web.At(earlier, 14*60), web.At(earlier, 16*60))
	w.db.MustExec(insert, past, w.lecturer, w.venue, now.Add(48*time.Hour), now.Add(50*time.Hour))
	hours, err := w.store.HoursTaught(ctx, w.lecturer, now.Year())
	if err != nil || hours != 3.5 {
		t.Errorf("hours = %v, %v; want 3.5", hours, err)
	}
	up, err := w.store.Upcoming(ctx, w.lecturer, false, 10)
	if err != nil || len(up) != 1 {
		t.Errorf("upcoming = %v, %v", up, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestEditingACancelledSessionClashesWithNothing: a cancelled session holds
// no time, so moving it onto a busy slot is allowed; restoring it there is not.
func TestEditingACancelledSessionClashesWithNothing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.store.AddSessions(ctx, w.course, []courses.Slot{slot(w.lecturer, w.venue, 3, 19, 21), slot(w.lecturer, w.venue, 4, 19, 21)}); err != nil {
		t.Fatal(err)
	}
	var second int64
	w.db.Get(&second, `SELECT id FROM course_sessions WHERE starts_at = $1`, at(4, 19, 0))
	if err := w.store.CancelSession(ctx, second, "下雨"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.UpdateSession(ctx, second, slot(w.lecturer, w.venue, 3, 19, 21)); err != nil {
		t.Errorf("moving a cancelled session onto a busy time: %v", err)
	}
	conflicts, err := w.store.RestoreSession(ctx, second)
	if !errors.Is(err, courses.ErrConflict) || len(conflicts) == 0 {
		t.Errorf("restoring onto a busy time: %v %v", conflicts, err)
	}
}

package attendance_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/attendance"
	"partyschool/courses"
	"partyschool/dbtest"
)

// class is a course with one session that ended an hour ago and three
// trainees with a seat, plus one without.
type class struct {
	db       *sqlx.DB
	store    *attendance.Store
	courses  *courses.Store
	session  int64
	course   int64
	trainees []int64
	outsider int64
	lecturer int64 // the lecturer's account
}

func newClass(t *testing.T) *class {
	t.Helper()
	db := dbtest.New(t)
	c := &class{db: db, store: attendance.NewStore(db), courses: courses.NewStore(db)}
	id := func(query string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.Get(&n, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	c.lecturer = id(`INSERT INTO users (username, name, role, password_hash) VALUES ('lect', '李建国', 'lecturer', '$argon2id$x') RETURNING id`)
	lecturer := id(`INSERT INTO lecturers (name, team, user_id) VALUES ('李建国', 'expert', $1) RETURNING id`, c.lecturer)
	venue := id(`INSERT INTO venues (name) VALUES ('邻里驿站') RETURNING id`)
	now := time.Now()
	c.course = id(`
		INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes, credit_hours, status)
		VALUES ('ATT-1', '考勤测试', 'policy', 10, $1::date - 20, $1::date + 20, $2, $3, 4, 'published') RETURNING id`,
		now.Format("2006-01-02"), now.AddDate(0, 0, -30), now.AddDate(0, 0, -21))
	c.session = id(`
		INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at)
		VALUES ($1, $2, $3, now() - interval '3 hours', now() - interval '1 hour') RETURNING id`, c.course, lecturer, venue)
	for i := range 4 {
		u := id(`INSERT INTO users (username, name, role, password_hash) VALUES ($1, $2, 'trainee', '$argon2id$x') RETURNING id`,
			fmt.Sprintf("tr%d", i), fmt.Sprintf("学员%d", i))
		if i == 3 {
			c.outsider = u
			continue
		}
		db.MustExec(`INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at) VALUES ($1, $2, 'enrolled', now())`, c.course, u)
		c.trainees = append(c.trainees, u)
	}
	return c
}

func (c *class) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := c.db.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (c *class) save(key string, marks ...attendance.Mark) attendance.Save {
	return attendance.Save{SessionID: c.session, Key: key, Marks: marks, By: c.lecturer, Source: attendance.SourceSheet, LockDays: 7}
}

func TestSaveIsAppliedOnceAndAudited(t *testing.T) {
	c := newClass(t)
	ctx := context.Background()
	sv := c.save("key-aaaaaaaaaaaaaaaa",
		attendance.Mark{TraineeID: c.trainees[0], Status: attendance.StatusPresent},
		attendance.Mark{TraineeID: c.trainees[1], Status: attendance.StatusLate, Note: "堵车"})
	got, err := c.store.Apply(ctx, sv)
	if err != nil || got.Changed != 2 || got.Replay {
		t.Fatalf("first save: %+v, %v", got, err)
	}
	// The same submission again (the answer was lost): nothing new.
	got, err = c.store.Apply(ctx, sv)
	if err != nil || !got.Replay || got.Changed != 2 {
		t.Fatalf("replayed save: %+v, %v", got, err)
	}
	if n := c.count(t, `SELECT count(*) FROM attendance_changes`); n != 2 {
		t.Errorf("%d history rows after a replay, want 2", n)
	}
	// A change is a new history row with the old and the new status;
	// an unchanged mark is not.
	got, err = c.store.Apply(ctx, c.save("key-bbbbbbbbbbbbbbbb",
		attendance.Mark{TraineeID: c.trainees[0], Status: attendance.StatusAbsent},
		attendance.Mark{TraineeID: c.trainees[1], Status: attendance.StatusLate, Note: "堵车"}))
	if err != nil || got.Changed != 1 {
		t.Fatalf("second save: %+v, %v", got, err)
	}
	history, err := c.store.History(ctx, c.session, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(history) != 3 || history[0].OldStatus == nil || *history[0].OldStatus != "present" || history[0].NewStatus != "absent" || history[0].ChangedBy != "李建国" {
		t.Errorf("history %+v", history)
	}
	if _, err := c.store.Apply(ctx, attendance.Save{SessionID: c.session + 1, Key: "key-aaaaaaaaaaaaaaaa", By: c.lecturer}); err == nil {
		t.Error("a key of another session's save was accepted")
	}
}

func TestMarksOnlyForTraineesWithASeat(t *testing.T) {
	c := newClass(t)
	_, err := c.store.Apply(context.Background(), c.save("key-cccccccccccccccc",
		attendance.Mark{TraineeID: c.trainees[0], Status: attendance.StatusPresent},
		attendance.Mark{TraineeID: c.outsider, Status: attendance.StatusPresent}))
	if !errors.Is(err, attendance.ErrNotOnSession) {
		t.Fatalf("a mark for a trainee without a seat: %v", err)
	}
	if n := c.count(t, `SELECT count(*) FROM attendance`); n != 0 {
		t.Errorf("%d marks written by a refused save", n)
	}
	if _, err := c.db.Exec(`INSERT INTO attendance (session_id, trainee_id, status) VALUES ($1, $2, 'present')`, c.session, c.outsider); err == nil {
		t.Error("the database took a mark for a trainee without a seat")
	}
	if _, err := c.db.Exec(`INSERT INTO attendance (session_id, trainee_id, status) VALUES ($1, $2, 'asleep')`, c.session, c.trainees[0]); err == nil {
		t.Error("the database took an unknown status")
	}
	if _, err := c.store.Apply(context.Background(), c.save("key-dddddddddddddddd", attendance.Mark{TraineeID: c.trainees[0], Status: "asleep"})); !errors.Is(err, attendance.ErrBadMark) {
		t.Errorf("an unknown status: %v", err)
	}
}

// TestTwoLecturersSaveAtOnce: saves of one sheet queue on the session, so
// the sheet ends as one of them left it and both are in the history.
func TestTwoLecturersSaveAtOnce(t *testing.T) {
	c := newClass(t)
	ctx := context.Background()
	statuses := []string{attendance.StatusPresent, attendance.StatusAbsent}
	errs := dbtest.Concurrently(2, func(i int) error {
		var marks []attendance.Mark
		for _, tr := range c.trainees {
			marks = append(marks, attendance.Mark{TraineeID: tr, Status: statuses[i]})
		}
		_, err := c.store.Apply(ctx, c.save(fmt.Sprintf("key-concurrent-%04d", i), marks...))
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := c.count(t, `SELECT count(DISTINCT status) FROM attendance WHERE session_id = $1`, c.session); n != 1 {
		t.Errorf("the sheet mixes %d statuses; one save must win whole", n)
	}
	if n := c.count(t, `SELECT count(*) FROM attendance WHERE session_id = $1`, c.session); n != 3 {
		t.Errorf("%d marks, want one per trainee", n)
	}
	if n := c.count(t, `SELECT count(*) FROM attendance_changes WHERE session_id = $1`, c.session); n != 6 {
		t.Errorf("%d history rows, want both saves audited (6)", n)
	}
}

func TestLockedSheetsNeedACoordinatorAndAReason(t *testing.T) {
	c := newClass(t)
	ctx := context.Background()
	c.db.MustExec(`UPDATE course_sessions SET starts_at = now() - interval '9 days', ends_at = now() - interval '9 days' + interval '2 hours' WHERE id = $1`, c.session)
	mark := attendance.Mark{TraineeID: c.trainees[0], Status: attendance.StatusPresent}
	if _, err := c.store.Apply(ctx, c.save("key-eeeeeeeeeeeeeeee", mark)); !errors.Is(err, attendance.ErrLocked) {
		t.Errorf("a lecturer after the lock: %v", err)
	}
	sv := c.save("key-ffffffffffffffff", mark)
	sv.Staff = true
	if _, err := c.store.Apply(ctx, sv); !errors.Is(err, attendance.ErrReasonNeeded) {
		t.Errorf("a coordinator without a reason: %v", err)
	}
	sv.Reason = "补录：签到表纸质版"
	if got, err := c.store.Apply(ctx, sv); err != nil || got.Changed != 1 {
		t.Fatalf("a coordinator with a reason: %+v, %v", got, err)
	}
	if n := c.count(t, `SELECT count(*) FROM attendance_changes WHERE reason = '补录：签到表纸质版'`); n != 1 {
		t.Error("the reason is not in the history")
	}
}

func TestFutureSessionsTakeOnlyExcused(t *testing.T) {
	c := newClass(t)
	ctx := context.Background()
	c.db.MustExec(`UPDATE course_sessions SET starts_at = now() + interval '2 days', ends_at = now() + interval '2 days 2 hours' WHERE id = $1`, c.session)
	if _, err := c.store.Apply(ctx, c.save("key-gggggggggggggggg", attendance.Mark{TraineeID: c.trainees[0], Status: attendance.StatusPresent})); !errors.Is(err, attendance.ErrNotStarted) {
		t.Errorf("present before the session: %v", err)
	}
	if _, err := c.store.Apply(ctx, c.save("key-hhhhhhhhhhhhhhhh", attendance.Mark{TraineeID: c.trainees[0], Status: attendance.StatusExcused, Note: "出差"})); err != nil {
		t.Errorf("excused ahead of the session: %v", err)
	}
}

// TestStaleMarksAreNotOverwritten: a save made from a sheet shown before a
// colleague changed a mark is refused whole, and the colleague's mark
// stays.
func TestStaleMarksAreNotOverwritten(t *testing.T) {
	c := newClass(t)
	ctx := context.Background()
	if _, err := c.store.Apply(ctx, c.save("key-colleague-00000001", attendance.Mark{TraineeID: c.trainees[0], Status: attendance.StatusLate})); err != nil {
		t.Fatal(err)
	}
	// This sheet was shown before: it saw no mark for either trainee.
	_, err := c.store.Apply(ctx, c.save("key-stale-form-0000001",
		attendance.Mark{TraineeID: c.trainees[0], Status: attendance.StatusPresent, Expect: &attendance.Expected{}},
		attendance.Mark{TraineeID: c.trainees[1], Status: attendance.StatusPresent, Expect: &attendance.Expected{}}))
	var conflict *attendance.ConflictError
	if !errors.As(err, &conflict) || len(conflict.TraineeIDs) != 1 || conflict.TraineeIDs[0] != c.trainees[0] {
		t.Fatalf("a stale save: %v, want a conflict on the colleague's mark", err)
	}
	if n := c.count(t, `SELECT count(*) FROM attendance WHERE trainee_id = $1 AND status = 'late'`, c.trainees[0]); n != 1 {
		t.Error("the colleague's mark was overwritten")
	}
	if n := c.count(t, `SELECT count(*) FROM attendance WHERE trainee_id = $1`, c.trainees[1]); n != 0 {
		t.Error("a refused save wrote part of its marks")
	}
	// Its key with the same marks is still refused the same way, and the
	// key with other marks is not a replay.
	if _, err := c.store.Apply(ctx, c.save("key-colleague-00000001", attendance.Mark{TraineeID: c.trainees[0], Status: attendance.StatusAbsent})); !errors.Is(err, attendance.ErrKeyReused) {
		t.Errorf("a used key with other marks: %v, want ErrKeyReused", err)
	}
}

func TestHistoryIsAppendOnly(t *testing.T) {
	c := newClass(t)
	if _, err := c.store.Apply(context.Background(), c.save("key-history-000000001", attendance.Mark{TraineeID: c.trainees[0], Status: attendance.StatusPresent})); err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.Exec(`UPDATE attendance_changes SET new_status = 'absent'`); err == nil {
		t.Error("the history took an UPDATE")
	}
	if _, err := c.db.Exec(`DELETE FROM attendance_changes`); err == nil {
		t.Error("the history took a DELETE")
	}
}

// TestWalkInIsAllOrNothing: a walk-in gets a seat and a mark together, or
// neither.
func TestWalkInIsAllOrNothing(t *testing.T) {
	c := newClass(t)
	ctx := context.Background()
	walkIn := func(key string) error {
		_, err := c.store.ApplyWalkIn(ctx, attendance.Save{
			SessionID: c.session, Key: key, By: c.lecturer, Source: attendance.SourceWalkIn, LockDays: 7,
			Marks: []attendance.Mark{{TraineeID: c.outsider, Status: attendance.StatusPresent, Expect: &attendance.Expected{}}},
		}, c.course)
		return err
	}
	c.db.MustExec(`UPDATE courses SET capacity = 3 WHERE id = $1`, c.course) // the three seats are taken
	if err := walkIn("key-walkin-full-000001"); err == nil {
		t.Fatal("a walk-in took a seat in a full course")
	}
	if n := c.count(t, `SELECT count(*) FROM enrolments WHERE trainee_id = $1`, c.outsider); n != 0 {
		t.Error("a refused walk-in left an enrolment")
	}
	c.db.MustExec(`UPDATE courses SET capacity = 4 WHERE id = $1`, c.course)
	if err := walkIn("key-walkin-seat-000001"); err != nil {
		t.Fatal(err)
	}
	if n := c.count(t, `SELECT count(*) FROM enrolments WHERE trainee_id = $1 AND status = 'enrolled'`, c.outsider); n != 1 {
		t.Error("the walk-in has no seat")
	}
	if n := c.count(t, `SELECT count(*) FROM attendance_changes WHERE trainee_id = $1 AND source = 'walk_in'`, c.outsider); n != 1 {
		t.Error("the walk-in's mark is not in the history as a walk-in")
	}
}

// TestPostingIsTheSheetWithoutNames: what a save reads in one statement
// agrees with the sheet and the standings it replaces.
func TestPostingIsTheSheetWithoutNames(t *testing.T) {
	c := newClass(t)
	ctx := context.Background()
	if _, err := c.store.Apply(ctx, c.save("posting-key-00001",
		attendance.Mark{TraineeID: c.trainees[0], Status: attendance.StatusPresent, Note: "准时"},
		attendance.Mark{TraineeID: c.trainees[1], Status: attendance.StatusLate})); err != nil {
		t.Fatal(err)
	}
	// Withdrawn after the mark: still on the sheet, no longer seated.
	c.db.MustExec(`UPDATE enrolments SET status = 'withdrawn', withdrawn_at = now() WHERE course_id = $1 AND trainee_id = $2`, c.course, c.trainees[1])

	p, err := c.store.Posting(ctx, c.session)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := c.store.Sheet(ctx, c.courses, c.session)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range sh.Rows {
		ids = append(ids, r.TraineeID)
	}
	standings, err := c.store.Standings(ctx, c.course, ids)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]attendance.PostedRow{}
	for _, r := range p.Rows {
		got[r.TraineeID] = r
	}
	if len(got) != len(sh.Rows) {
		t.Fatalf("posting has %d trainees, the sheet %d", len(got), len(sh.Rows))
	}
	for _, r := range sh.Rows {
		want := attendance.PostedRow{TraineeID: r.TraineeID, Standing: standings[r.TraineeID], Status: r.Status, Note: r.Note}
		if got[r.TraineeID] != want {
			t.Errorf("trainee %d: got %+v, want %+v", r.TraineeID, got[r.TraineeID], want)
		}
	}
	if _, on := got[c.outsider]; on {
		t.Error("a trainee without a seat or a mark is on the posting")
	}
	if got[c.trainees[1]].Standing != "withdrawn" {
		t.Errorf("the withdrawn trainee stands %q", got[c.trainees[1]].Standing)
	}
	s := p.Session
	if s.ID != c.session || s.CourseID != c.course || !s.StartsAt.Equal(sh.Session.StartsAt) || !s.EndsAt.Equal(sh.Session.EndsAt) || s.Cancelled() {
		t.Errorf("session %+v, want that of the sheet", s)
	}
	if !p.TaughtBy(c.lecturer) || p.TaughtBy(c.outsider) {
		t.Error("TaughtBy does not name the session's lecturer alone")
	}
	if _, err := c.store.Posting(ctx, 999999); !errors.Is(err, attendance.ErrNotFound) {
		t.Errorf("a missing session: %v, want ErrNotFound", err)
	}
	// A sheet with nobody on it is a posting with no rows.
	var empty, course int64
	c.db.Get(&course, `
		INSERT INTO courses (code, title, category, capacity, starts_on, ends_on, enrol_opens, enrol_closes, credit_hours, status)
		SELECT 'ATT-2', '空课', 'policy', 10, starts_on, ends_on, enrol_opens, enrol_closes, 4, 'published' FROM courses WHERE id = $1
		RETURNING id`, c.course)
	c.db.Get(&empty, `
		INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at)
		SELECT $1, lecturer_id, venue_id, starts_at - interval '1 day', ends_at - interval '1 day' FROM course_sessions WHERE id = $2
		RETURNING id`, course, c.session)
	if p, err := c.store.Posting(ctx, empty); err != nil || len(p.Rows) != 0 || p.Session.CourseID != course {
		t.Errorf("an empty sheet: %v, %+v", err, p)
	}
}

package trainees_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/courses"
	"partyschool/dbtest"
	"partyschool/trainees"
	"partyschool/web"
)

// school is a database with a community and helpers to add trainees and
// courses whose enrolment window is open now.
type school struct {
	db        *sqlx.DB
	store     *trainees.Store
	courses   *courses.Store
	community int64
	n         int
}

func newSchool(t *testing.T) *school {
	t.Helper()
	db := dbtest.New(t)
	s := &school{db: db, store: trainees.NewStore(db), courses: courses.NewStore(db)}
	s.community = insertID(t, db, `INSERT INTO communities (name) VALUES ('长城花园社区') RETURNING id`)
	return s
}

func insertID(t *testing.T, db *sqlx.DB, query string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := db.Get(&id, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

// trainee adds a trainee account (no profile) and returns its id.
func (s *school) trainee(t *testing.T, name string) int64 {
	t.Helper()
	s.n++
	return insertID(t, s.db, `
		INSERT INTO users (username, name, phone, role, password_hash)
		VALUES ($1, $2, $3, 'trainee', '$argon2id$test') RETURNING id`,
		fmt.Sprintf("t%04d", s.n), name, fmt.Sprintf("1370000%04d", s.n))
}

// course adds a course with capacity seats, in the given status, whose
// enrolment window is open now and whose days are next month.
func (s *school) course(t *testing.T, code string, capacity int, status string) int64 {
	t.Helper()
	now := time.Now()
	start := web.Day(now).AddDate(0, 0, 20)
	id, err := s.courses.Create(context.Background(), courses.Fields{
		Code: code, Title: "课程 " + code, Category: courses.CategoryPolicy, Capacity: capacity,
		StartsOn: start, EndsOn: start.AddDate(0, 0, 10),
		EnrolOpens: now.Add(-24 * time.Hour), EnrolCloses: now.Add(7 * 24 * time.Hour),
		CreditHours: 4, MinAttendance: 80,
	}, 0)
	if err != nil {
		t.Fatalf("create course %s: %v", code, err)
	}
	if _, err := s.db.Exec(`UPDATE courses SET status = $2 WHERE id = $1`, id, status); err != nil {
		t.Fatal(err)
	}
	return id
}

func (s *school) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (s *school) status(t *testing.T, course, trainee int64) string {
	t.Helper()
	var st string
	if err := s.db.Get(&st, `SELECT status FROM enrolments WHERE course_id = $1 AND trainee_id = $2`, course, trainee); err != nil {
		t.Fatalf("status of %d in %d: %v", trainee, course, err)
	}
	return st
}

// TestEnrolmentUnderContention is the invariant: 200 trainees
// enrol at once in a course of 30 seats; exactly 30 get a seat, 170 wait
// in one consistent order, nobody gets an error; when 5 withdraw, the
// first 5 waiting take their seats.
func TestEnrolmentUnderContention(t *testing.T) {
	s := newSchool(t)
	course := s.course(t, "HOT-1", 30, courses.StatusPublished)
	ids := make([]int64, 200)
	for i := range ids {
		ids[i] = s.trainee(t, fmt.Sprintf("学员%03d", i))
	}
	outcomes := make([]trainees.Outcome, len(ids))
	errs := dbtest.Concurrently(len(ids), func(i int) error {
		var err error
		outcomes[i], err = s.store.Enrol(context.Background(), course, ids[i], ids[i], false)
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("enrolment %d: %v", i, err)
		}
	}
	if n := s.count(t, `SELECT enrolled FROM courses WHERE id = $1`, course); n != 30 {
		t.Errorf("seat count %d, want 30", n)
	}
	if n := s.count(t, `SELECT count(*) FROM enrolments WHERE course_id = $1 AND status = 'enrolled'`, course); n != 30 {
		t.Errorf("%d enrolled, want 30", n)
	}
	if n := s.count(t, `SELECT count(*) FROM enrolments WHERE course_id = $1 AND status = 'waitlisted'`, course); n != 170 {
		t.Errorf("%d waitlisted, want 170", n)
	}
	if n := s.count(t, `SELECT waitlisted FROM courses WHERE id = $1`, course); n != 170 {
		t.Errorf("waitlist count %d, want 170", n)
	}
	// Everyone with a seat came before everyone waiting, and each
	// waiting trainee was told a distinct place, 1 to 170.
	if n := s.count(t, `
		SELECT count(*) FROM enrolments w, enrolments e
		WHERE w.course_id = $1 AND e.course_id = $1 AND w.status = 'waitlisted' AND e.status = 'enrolled'
		  AND w.queue_no < e.queue_no`, course); n != 0 {
		t.Errorf("%d waiting trainees queued before a seated one", n)
	}
	seen := map[int]bool{}
	for i, o := range outcomes {
		switch {
		case o.Status == trainees.StatusEnrolled && o.Position != 0,
			o.Status == trainees.StatusWaitlisted && (o.Position < 1 || o.Position > 170 || seen[o.Position]):
			t.Errorf("trainee %d: outcome %+v", i, o)
		case o.Status == trainees.StatusWaitlisted:
			seen[o.Position] = true
		}
	}

	var first []int64
	if err := s.db.Select(&first, `
		SELECT trainee_id FROM enrolments WHERE course_id = $1 AND status = 'waitlisted'
		ORDER BY queue_no LIMIT 5`, course); err != nil {
		t.Fatal(err)
	}
	var leaving []int64
	if err := s.db.Select(&leaving, `
		SELECT trainee_id FROM enrolments WHERE course_id = $1 AND status = 'enrolled' LIMIT 5`, course); err != nil {
		t.Fatal(err)
	}
	errs = dbtest.Concurrently(5, func(i int) error {
		_, err := s.store.Withdraw(context.Background(), course, leaving[i], leaving[i], false)
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("withdrawal %d: %v", i, err)
		}
	}
	for _, id := range first {
		if got := s.status(t, course, id); got != trainees.StatusEnrolled {
			t.Errorf("first waiting trainee %d is %s after 5 withdrawals, want enrolled", id, got)
		}
	}
	if n := s.count(t, `SELECT enrolled FROM courses WHERE id = $1`, course); n != 30 {
		t.Errorf("seat count %d after the promotions, want 30", n)
	}
	if n := s.count(t, `SELECT count(*) FROM enrolments WHERE course_id = $1 AND status = 'waitlisted'`, course); n != 165 {
		t.Errorf("%d still waiting, want 165", n)
	}
}

// TestCapacityHeldByTheDatabase: whatever the application does, the seat
// count cannot pass the capacity.
func TestCapacityHeldByTheDatabase(t *testing.T) {
	s := newSchool(t)
	course := s.course(t, "SMALL", 1, courses.StatusPublished)
	a, b := s.trainee(t, "甲"), s.trainee(t, "乙")
	if _, err := s.db.Exec(`INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at) VALUES ($1, $2, 'enrolled', now())`, course, a); err != nil {
		t.Fatal(err)
	}
	_, err := s.db.Exec(`INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at) VALUES ($1, $2, 'enrolled', now())`, course, b)
	if err == nil {
		t.Fatal("a second seat in a course of one was stored")
	}
	if _, err := s.db.Exec(`UPDATE courses SET capacity = 0 WHERE id = $1`, course); err == nil {
		t.Error("the capacity went below the seats taken")
	}
}

func TestEnrolTwiceIsANoOpAndReEnrolAfterWithdrawing(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	course := s.course(t, "AGAIN", 2, courses.StatusPublished)
	a := s.trainee(t, "王晓梅")
	if o, err := s.store.Enrol(ctx, course, a, a, false); err != nil || o.Status != trainees.StatusEnrolled || o.Already {
		t.Fatalf("first enrolment: %+v, %v", o, err)
	}
	o, err := s.store.Enrol(ctx, course, a, a, false)
	if err != nil || !o.Already || o.Status != trainees.StatusEnrolled {
		t.Fatalf("second enrolment: %+v, %v; want a no-op", o, err)
	}
	if n := s.count(t, `SELECT enrolled FROM courses WHERE id = $1`, course); n != 1 {
		t.Errorf("enrolling twice took %d seats", n)
	}
	if _, err := s.store.Withdraw(ctx, course, a, a, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.Withdraw(ctx, course, a, a, false); !errors.Is(err, trainees.ErrNotOnCourse) {
		t.Errorf("withdrawing twice: %v, want ErrNotOnCourse", err)
	}
	if o, err := s.store.Enrol(ctx, course, a, a, false); err != nil || o.Status != trainees.StatusEnrolled || o.Already {
		t.Fatalf("enrolling again after withdrawing: %+v, %v", o, err)
	}
	if n := s.count(t, `SELECT count(*) FROM enrolments WHERE course_id = $1`, course); n != 1 {
		t.Errorf("%d enrolment rows, want the one row reused", n)
	}
}

// TestEnrolmentRefusedWithTheReason: drafts, closed courses and closed or
// future windows refuse a trainee, saying which; staff may still add.
func TestEnrolmentRefusedWithTheReason(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	a := s.trainee(t, "李丽华")
	coord := insertID(t, s.db, `INSERT INTO users (username, name, role, password_hash) VALUES ('coord', '王秀兰', 'coordinator', '$argon2id$x') RETURNING id`)
	draft := s.course(t, "DRAFT", 10, courses.StatusDraft)
	closed := s.course(t, "CLOSED", 10, courses.StatusClosed)
	past := s.course(t, "PAST", 10, courses.StatusPublished)
	s.db.MustExec(`UPDATE courses SET enrol_opens = now() - interval '3 days', enrol_closes = now() - interval '1 day' WHERE id = $1`, past)
	future := s.course(t, "FUTURE", 10, courses.StatusPublished)
	s.db.MustExec(`UPDATE courses SET enrol_opens = now() + interval '1 day', enrol_closes = now() + interval '3 days' WHERE id = $1`, future)
	archived := s.course(t, "OLD", 10, courses.StatusArchived)

	for course, want := range map[int64]string{draft: "unpublished", closed: "closed", past: "closed", future: "upcoming", archived: "closed"} {
		_, err := s.store.Enrol(ctx, course, a, a, false)
		var ce *trainees.ClosedError
		if !errors.As(err, &ce) || ce.State != want {
			t.Errorf("course %d: %v, want closed error %q", course, err, want)
		}
	}
	if n := s.count(t, `SELECT count(*) FROM enrolments`); n != 0 {
		t.Errorf("%d enrolments written by refused requests", n)
	}
	if _, err := s.store.Enrol(ctx, past, a, coord, true); err != nil {
		t.Errorf("a coordinator adding after the window: %v", err)
	}
	if _, err := s.store.Enrol(ctx, archived, a, coord, true); !errors.Is(err, trainees.ErrArchived) {
		t.Errorf("a coordinator adding to an archived course: %v, want ErrArchived", err)
	}
	// Withdrawing from a seat after the window is for staff only.
	if _, err := s.store.Withdraw(ctx, past, a, a, false); err == nil {
		t.Error("a trainee withdrew after the window closed")
	}
	if _, err := s.store.Withdraw(ctx, past, a, coord, true); err != nil {
		t.Errorf("a coordinator removing after the window: %v", err)
	}
	if _, err := s.store.Enrol(ctx, past, coord, coord, true); !errors.Is(err, trainees.ErrNotTrainee) {
		t.Errorf("enrolling a coordinator: %v, want ErrNotTrainee", err)
	}
}

func TestPromoteByHandAndFillSeats(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	course := s.course(t, "WAIT", 1, courses.StatusPublished)
	a, b, c := s.trainee(t, "甲"), s.trainee(t, "乙"), s.trainee(t, "丙")
	for _, id := range []int64{a, b, c} {
		if _, err := s.store.Enrol(ctx, course, id, id, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.store.Promote(ctx, course, c, 0); !errors.Is(err, trainees.ErrNoSeat) {
		t.Errorf("promoting without a seat: %v, want ErrNoSeat", err)
	}
	s.db.MustExec(`UPDATE courses SET capacity = 2 WHERE id = $1`, course)
	// Out of turn: the coordinator gives the new seat to the second in line.
	if err := s.store.Promote(ctx, course, c, 0); err != nil {
		t.Fatal(err)
	}
	if got := s.status(t, course, b); got != trainees.StatusWaitlisted {
		t.Errorf("b is %s, want still waiting", got)
	}
	s.db.MustExec(`UPDATE courses SET capacity = 3 WHERE id = $1`, course)
	promoted, err := s.store.FillSeats(ctx, course, 0)
	if err != nil || len(promoted) != 1 || promoted[0] != b {
		t.Errorf("fill seats promoted %v, %v; want [%d]", promoted, err, b)
	}
	// A newcomer after a capacity rise does not jump the queue.
	s.db.MustExec(`UPDATE courses SET capacity = 4 WHERE id = $1`, course)
	d, e := s.trainee(t, "丁"), s.trainee(t, "戊")
	s.db.MustExec(`UPDATE courses SET capacity = 3 WHERE id = $1`, course)
	if _, err := s.store.Enrol(ctx, course, d, d, false); err != nil {
		t.Fatal(err)
	}
	s.db.MustExec(`UPDATE courses SET capacity = 4 WHERE id = $1`, course)
	if o, err := s.store.Enrol(ctx, course, e, e, false); err != nil || o.Status != trainees.StatusWaitlisted || o.Position != 1 {
		t.Errorf("newcomer: %+v, %v; want waiting first in line after d took the free seat", o, err)
	}
	if got := s.status(t, course, d); got != trainees.StatusEnrolled {
		t.Errorf("d is %s, want promoted before the newcomer was placed", got)
	}
}

func TestClashesNameTheSessions(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	lecturer := insertID(t, s.db, `INSERT INTO lecturers (name, team) VALUES ('李建国', 'expert') RETURNING id`)
	lecturer2 := insertID(t, s.db, `INSERT INTO lecturers (name, team) VALUES ('赵红梅', 'grassroots') RETURNING id`)
	venue := insertID(t, s.db, `INSERT INTO venues (name) VALUES ('邻里驿站') RETURNING id`)
	venue2 := insertID(t, s.db, `INSERT INTO venues (name) VALUES ('红色议事厅') RETURNING id`)
	first := s.course(t, "FIRST", 10, courses.StatusPublished)
	second := s.course(t, "SECOND", 10, courses.StatusPublished)
	day := web.Day(time.Now()).AddDate(0, 0, 21)
	at := func(h int) time.Time { return day.Add(time.Duration(h) * time.Hour) }
	if _, err := s.courses.AddSessions(ctx, first, []courses.Slot{{LecturerID: lecturer, VenueID: venue, StartsAt: at(9), EndsAt: at(11)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.courses.AddSessions(ctx, second, []courses.Slot{
		{LecturerID: lecturer2, VenueID: venue2, StartsAt: at(10), EndsAt: at(12)},
		{LecturerID: lecturer2, VenueID: venue2, StartsAt: at(14), EndsAt: at(16)},
	}); err != nil {
		t.Fatal(err)
	}
	a := s.trainee(t, "王晓梅")
	if _, err := s.store.Enrol(ctx, first, a, a, false); err != nil {
		t.Fatal(err)
	}
	clashes, err := s.store.Clashes(ctx, second, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(clashes) != 1 || !clashes[0].StartsAt.Equal(at(10)) || clashes[0].OtherCourse != "课程 FIRST" || !clashes[0].OtherStarts.Equal(at(9)) {
		t.Fatalf("clashes %+v, want the 10:00 session against FIRST at 9:00", clashes)
	}
	// A warning only: the enrolment goes through.
	if o, err := s.store.Enrol(ctx, second, a, a, false); err != nil || o.Status != trainees.StatusEnrolled {
		t.Errorf("enrolling despite the clash: %+v, %v", o, err)
	}
}

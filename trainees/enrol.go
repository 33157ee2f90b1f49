package trainees

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/courses"
	"partyschool/database"
)

// Enrolment statuses.
const (
	StatusEnrolled   = "enrolled"
	StatusWaitlisted = "waitlisted"
	StatusWithdrawn  = "withdrawn"
)

// More errors the enrolment store returns.
var (
	ErrCourseNotFound = errors.New("course not found")
	ErrArchived       = errors.New("the course is archived")
	ErrNotOnCourse    = errors.New("the trainee is not on the course")
	ErrNoSeat         = errors.New("no free seat")
	ErrWaiting        = errors.New("the trainee is on the waitlist")
	ErrNotRunning     = errors.New("the course is neither published nor closed")
)

// ClosedError refuses a trainee's enrolment or withdrawal outside the
// course's window; State is courses.Course.EnrolmentState's answer.
type ClosedError struct{ State string }

func (e *ClosedError) Error() string { return "enrolment is " + e.State }

// Outcome is what an enrolment did.
type Outcome struct {
	Status   string // enrolled or waitlisted
	Position int    // on the waitlist
	Already  bool   // the trainee was on the course already: nothing changed
}

// lockedCourse is the course row an enrolment holds locked.
type lockedCourse struct {
	courses.Course
	Now        time.Time `db:"now"`
	Waitlisted int       `db:"waitlisted"` // how many wait
}

// lockCourse locks the course's row until tx ends. Every change of seats
// takes this lock first, so they queue one after another per course; the
// seat count's CHECK is the guarantee behind it.
func lockCourse(ctx context.Context, tx *sqlx.Tx, courseID int64) (*lockedCourse, error) {
	var c lockedCourse
	err := tx.GetContext(ctx, &c, `
		SELECT id, status, capacity, enrolled, waitlisted, enrol_opens, enrol_closes, now() AS now
		FROM courses WHERE id = $1 FOR UPDATE`, courseID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrCourseNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("lock course %d: %w", courseID, err)
	}
	return &c, nil
}

// Enrol puts a trainee on a course: in a seat while there is one, else on
// the waitlist. A trainee may enrol themselves only while the course's
// enrolment window is open; staff (by a coordinator) may add anyone to
// any course that is not archived. Enrolling someone who is on the course
// already changes nothing. by is who did it.
//
// Who the trainee is and whether they are on the course already need no
// lock, so they are read first. Then the usual case — the window is open
// and nobody waits for a free seat — is one statement: when a crowd
// enrols at the moment a course opens, each holds the course's row for
// that statement only (bench/NOTES.md). Anything else takes the general
// path, which says why it refuses.
func (s *Store) Enrol(ctx context.Context, courseID, traineeID, by int64, staff bool) (Outcome, error) {
	if out, err := current(ctx, s.db, courseID, traineeID); err != nil || out.Already {
		return out, err
	}
	if out, ok, err := enrolAtOnce(ctx, s.db, courseID, traineeID, by, staff); err != nil || ok {
		return out, err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Outcome{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	out, err := enrolLocked(ctx, tx, courseID, traineeID, by, staff)
	if err != nil {
		return out, err
	}
	return out, tx.Commit()
}

// enrol is Enrol within a caller's transaction (an import enrols its rows
// with the accounts it creates).
func enrol(ctx context.Context, tx *sqlx.Tx, courseID, traineeID, by int64, staff bool) (Outcome, error) {
	if out, err := current(ctx, tx, courseID, traineeID); err != nil || out.Already {
		return out, err
	}
	return enrolLocked(ctx, tx, courseID, traineeID, by, staff)
}

// current checks that the account is an enabled trainee's, and returns
// their place on the course if they are on it (Already), by one query.
func current(ctx context.Context, q sqlx.QueryerContext, courseID, traineeID int64) (Outcome, error) {
	var row struct {
		Role     string `db:"role"`
		Disabled bool   `db:"disabled"`
		Outcome
	}
	err := sqlx.GetContext(ctx, q, &row, `
		SELECT u.role, u.disabled_at IS NOT NULL AS disabled, coalesce(e.status, '') AS status,
		       CASE WHEN e.status = 'waitlisted' THEN
		            (SELECT count(*) FROM enrolments w
		             WHERE w.course_id = $1 AND w.status = 'waitlisted' AND w.queue_no <= e.queue_no)
		       ELSE 0 END AS position
		FROM users u
		LEFT JOIN enrolments e ON e.course_id = $1 AND e.trainee_id = u.id
		WHERE u.id = $2`, courseID, traineeID)
	switch {
	case errors.Is(err, sql.ErrNoRows), err == nil && row.Disabled:
		return Outcome{}, ErrNotFound
	case err != nil:
		return Outcome{}, fmt.Errorf("enrolment of user %d in course %d: %w", traineeID, courseID, err)
	case row.Role != "trainee":
		return Outcome{}, ErrNotTrainee
	}
	out := row.Outcome
	out.Already = out.Status == StatusEnrolled || out.Status == StatusWaitlisted
	return out, nil
}

// enrolAtOnce enrols in one statement, its own transaction, when the
// window allows it (for staff: the course is not archived) and no one
// waits for a free seat: it locks the course's row, which then holds the
// current counts, and places the trainee by them. ok is false when it
// wrote nothing: the general path finds out why. The window's rule is
// Course.EnrolmentState's, in SQL.
func enrolAtOnce(ctx context.Context, q sqlx.QueryerContext, courseID, traineeID, by int64, staff bool) (out Outcome, ok bool, err error) {
	err = sqlx.GetContext(ctx, q, &out, `
		WITH c AS (
			SELECT id, capacity, enrolled, waitlisted FROM courses
			WHERE id = $1
			  AND CASE WHEN $4 THEN status <> 'archived'
			           ELSE status = 'published' AND now() >= enrol_opens AND now() < enrol_closes END
			FOR UPDATE),
		placed AS (
			INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at, changed_by)
			SELECT c.id, $2, CASE WHEN c.enrolled < c.capacity THEN 'enrolled' ELSE 'waitlisted' END,
			       CASE WHEN c.enrolled < c.capacity THEN now() END, $3
			FROM c
			WHERE NOT (c.waitlisted > 0 AND c.enrolled < c.capacity)
			ON CONFLICT (course_id, trainee_id) DO UPDATE SET
				status = EXCLUDED.status, queue_no = nextval('enrolment_queue'),
				enrolled_at = EXCLUDED.enrolled_at, withdrawn_at = NULL,
				changed_by = EXCLUDED.changed_by, updated_at = now()
			WHERE enrolments.status = 'withdrawn'
			RETURNING status)
		SELECT placed.status, CASE WHEN placed.status = 'waitlisted' THEN c.waitlisted + 1 ELSE 0 END AS position
		FROM placed, c`, courseID, traineeID, nullID(by), staff)
	if errors.Is(err, sql.ErrNoRows) {
		return Outcome{}, false, nil
	}
	if err != nil {
		return Outcome{}, false, fmt.Errorf("enrol trainee %d in course %d: %w", traineeID, courseID, err)
	}
	return out, true, nil
}

// enrolLocked takes the course's lock and puts the trainee, not on the
// course when current looked, in a seat or on the waitlist.
func enrolLocked(ctx context.Context, tx *sqlx.Tx, courseID, traineeID, by int64, staff bool) (Outcome, error) {
	c, err := lockCourse(ctx, tx, courseID)
	if err != nil {
		return Outcome{}, err
	}
	if err := c.mayChange(staff); err != nil {
		return Outcome{}, err
	}
	// Seats freed before this (a raised capacity) go to those waiting
	// first; only then may a newcomer take one.
	if _, err := fillSeats(ctx, tx, c, by); err != nil {
		return Outcome{}, err
	}
	status := StatusWaitlisted
	if c.Enrolled < c.Capacity {
		status = StatusEnrolled
	}
	// An enrolment made since current looked (the same trainee in another
	// tab) is left alone.
	err = tx.GetContext(ctx, &status, `
		INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at, changed_by)
		VALUES ($1, $2, $3, CASE WHEN $3 = 'enrolled' THEN now() END, $4)
		ON CONFLICT (course_id, trainee_id) DO UPDATE SET
			status = EXCLUDED.status, queue_no = nextval('enrolment_queue'),
			enrolled_at = EXCLUDED.enrolled_at, withdrawn_at = NULL,
			changed_by = EXCLUDED.changed_by, updated_at = now()
		WHERE enrolments.status = 'withdrawn'
		RETURNING status`, courseID, traineeID, status, nullID(by))
	if errors.Is(err, sql.ErrNoRows) {
		return current(ctx, tx, courseID, traineeID)
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("enrol trainee %d in course %d: %w", traineeID, courseID, err)
	}
	// A newcomer is last in the queue: one more than those waiting when
	// the lock was taken, which it still holds.
	out := Outcome{Status: status}
	if status == StatusWaitlisted {
		out.Position = c.Waitlisted + 1
	}
	return out, nil
}

// SeatIfFree gives a trainee a seat within the caller's transaction only
// if one is free and nobody waits for it: a walk-in at a session, whose
// mark the caller writes in the same transaction. Someone with a seat
// already is left as they are (already). It never puts anyone on the
// waitlist: ErrNoSeat, or ErrWaiting for someone on it, whose place it
// keeps. Only a course that runs (published or closed) takes walk-ins.
func SeatIfFree(ctx context.Context, tx *sqlx.Tx, courseID, traineeID, by int64) (already bool, err error) {
	out, err := current(ctx, tx, courseID, traineeID)
	switch {
	case err != nil:
		return false, err
	case out.Status == StatusEnrolled:
		return true, nil
	case out.Status == StatusWaitlisted:
		return false, ErrWaiting
	}
	c, err := lockCourse(ctx, tx, courseID)
	switch {
	case err != nil:
		return false, err
	case c.Status != courses.StatusPublished && c.Status != courses.StatusClosed:
		return false, ErrNotRunning
	case c.Enrolled >= c.Capacity || c.Waitlisted > 0:
		return false, ErrNoSeat
	}
	var status string
	err = tx.GetContext(ctx, &status, `
		INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at, changed_by)
		VALUES ($1, $2, 'enrolled', now(), $3)
		ON CONFLICT (course_id, trainee_id) DO UPDATE SET
			status = 'enrolled', queue_no = nextval('enrolment_queue'), enrolled_at = now(),
			withdrawn_at = NULL, changed_by = EXCLUDED.changed_by, updated_at = now()
		WHERE enrolments.status = 'withdrawn'
		RETURNING status`, courseID, traineeID, nullID(by))
	if errors.Is(err, sql.ErrNoRows) { // enrolled meanwhile, in another tab
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("seat walk-in %d on course %d: %w", traineeID, courseID, err)
	}
	return false, nil
}

// mayChange says whether seats on the course may change now: by a
// trainee only in the enrolment window, by staff unless it is archived.
func (c *lockedCourse) mayChange(staff bool) error {
	if staff {
		if c.Status == courses.StatusArchived {
			return ErrArchived
		}
		return nil
	}
	if state := c.EnrolmentState(c.Now); state != "open" {
		return &ClosedError{State: state}
	}
	return nil
}

// position is a waitlisted enrolment's place in the queue (1 for the
// first), or 0 for any other status.
func position(ctx context.Context, q sqlx.QueryerContext, courseID int64, status string, queueNo int64) (int, error) {
	if status != StatusWaitlisted {
		return 0, nil
	}
	var n int
	err := sqlx.GetContext(ctx, q, &n, `
		SELECT count(*) FROM enrolments
		WHERE course_id = $1 AND status = 'waitlisted' AND queue_no <= $2`, courseID, queueNo)
	if err != nil {
		return 0, fmt.Errorf("waitlist position in course %d: %w", courseID, err)
	}
	return n, nil
}

// fillSeats gives the course's free seats to the first trainees on its
// waitlist, in order, and returns whom it promoted.
func fillSeats(ctx context.Context, tx *sqlx.Tx, c *lockedCourse, by int64) ([]int64, error) {
	free := c.Capacity - c.Enrolled
	if free <= 0 || c.Waitlisted == 0 {
		return nil, nil
	}
	promoted := []int64{}
	err := tx.SelectContext(ctx, &promoted, `
		UPDATE enrolments SET status = 'enrolled', enrolled_at = now(), changed_by = $3, updated_at = now()
		WHERE id IN (SELECT id FROM enrolments
		             WHERE course_id = $1 AND status = 'waitlisted'
		             ORDER BY queue_no LIMIT $2)
		RETURNING trainee_id`, c.ID, free, nullID(by))
	if err != nil {
		return nil, fmt.Errorf("promote the waitlist of course %d: %w", c.ID, err)
	}
	c.Enrolled += len(promoted)
	c.Waitlisted -= len(promoted)
	return promoted, nil
}

// Withdraw takes a trainee off a course (their seat, or their place on
// the waitlist). A seat freed goes to the first waiting trainee in the
// same transaction; Withdraw returns whom it promoted. A trainee may
// withdraw themselves only while enrolment is open, though leaving the
// waitlist is always allowed; staff may remove anyone.
func (s *Store) Withdraw(ctx context.Context, courseID, traineeID, by int64, staff bool) ([]int64, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	c, err := lockCourse(ctx, tx, courseID)
	if err != nil {
		return nil, err
	}
	var status string
	err = tx.GetContext(ctx, &status, `SELECT status FROM enrolments WHERE course_id = $1 AND trainee_id = $2`, courseID, traineeID)
	if errors.Is(err, sql.ErrNoRows) || err == nil && status == StatusWithdrawn {
		return nil, ErrNotOnCourse
	}
	if err != nil {
		return nil, fmt.Errorf("enrolment of trainee %d in course %d: %w", traineeID, courseID, err)
	}
	if status == StatusEnrolled {
		if err := c.mayChange(staff); err != nil {
			return nil, err
		}
	} else if staff && c.Status == courses.StatusArchived {
		return nil, ErrArchived
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE enrolments SET status = 'withdrawn', withdrawn_at = now(), changed_by = $3, updated_at = now()
		WHERE course_id = $1 AND trainee_id = $2`, courseID, traineeID, nullID(by))
	if err != nil {
		return nil, fmt.Errorf("withdraw trainee %d from course %d: %w", traineeID, courseID, err)
	}
	var promoted []int64
	if status == StatusEnrolled {
		c.Enrolled--
		if promoted, err = fillSeats(ctx, tx, c, by); err != nil {
			return nil, err
		}
	}
	return promoted, tx.Commit()
}

// Promote gives a free seat to one trainee on the waitlist, out of turn
// (a coordinator's decision). Without a free seat it is ErrNoSeat.
func (s *Store) Promote(ctx context.Context, courseID, traineeID, by int64) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	c, err := lockCourse(ctx, tx, courseID)
	if err != nil {
		return err
	}
	if c.Status == courses.StatusArchived {
		return ErrArchived
	}
	if c.Enrolled >= c.Capacity {
		return ErrNoSeat
	}
	res, err := tx.ExecContext(ctx, `
		UPDATE enrolments SET status = 'enrolled', enrolled_at = now(), changed_by = $3, updated_at = now()
		WHERE course_id = $1 AND trainee_id = $2 AND status = 'waitlisted'`, courseID, traineeID, nullID(by))
	if err != nil {
		return fmt.Errorf("promote trainee %d in course %d: %w", traineeID, courseID, err)
	}
	if err := database.Affected(res, ErrNotOnCourse); err != nil {
		return err
	}
	return tx.Commit()
}

// FillSeats gives any free seats of a course to its waitlist, in order:
// after a coordinator raises the capacity, say. It returns whom it
// promoted.
func (s *Store) FillSeats(ctx context.Context, courseID, by int64) ([]int64, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	c, err := lockCourse(ctx, tx, courseID)
	if err != nil {
		return nil, err
	}
	promoted, err := fillSeats(ctx, tx, c, by)
	if err != nil {
		return nil, err
	}
	return promoted, tx.Commit()
}

// nullID is NULL for 0 (a change made by a script), else the id.
func nullID(id int64) *int64 {
	if id <= 0 {
		return nil
	}
	return &id
}

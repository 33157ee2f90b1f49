package trainees

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"partyschool/courses"
	"partyschool/web"
)

// Standing answers the course page: the trainee's place on the course and
// the sessions of it that clash with their other courses.
func (s *Store) Standing(ctx context.Context, courseID, traineeID int64) (courses.Standing, error) {
	var st courses.Standing
	var row struct {
		Status  string `db:"status"`
		QueueNo int64  `db:"queue_no"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT status, queue_no FROM enrolments WHERE course_id = $1 AND trainee_id = $2`, courseID, traineeID)
	switch {
	case err == nil:
		st.Status = row.Status
		if st.Position, err = position(ctx, s.db, courseID, row.Status, row.QueueNo); err != nil {
			return st, err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return st, fmt.Errorf("standing of trainee %d in course %d: %w", traineeID, courseID, err)
	}
	if st.Waiting, err = s.Waiting(ctx, courseID); err != nil {
		return st, err
	}
	st.Clashes, err = s.Clashes(ctx, courseID, traineeID)
	return st, err
}

// Waiting is how many trainees are on a course's waitlist.
func (s *Store) Waiting(ctx context.Context, courseID int64) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM enrolments WHERE course_id = $1 AND status = 'waitlisted'`, courseID)
	if err != nil {
		return 0, fmt.Errorf("waitlist of course %d: %w", courseID, err)
	}
	return n, nil
}

// Clashes lists the coming sessions of a course that overlap coming
// sessions of the other courses the trainee is on (in a seat or waiting),
// cancelled sessions aside. A clash is a warning, never a refusal: people
// do choose between two sessions.
func (s *Store) Clashes(ctx context.Context, courseID, traineeID int64) ([]courses.Clash, error) {
	out := []courses.Clash{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT s.starts_at, s.ends_at, oc.title AS other_course, oc.id AS other_id,
		       o.starts_at AS other_starts, o.ends_at AS other_ends
		FROM enrolments e
		JOIN courses oc ON oc.id = e.course_id
		JOIN course_sessions o ON o.course_id = e.course_id AND o.cancelled_at IS NULL AND o.ends_at > now()
		JOIN course_sessions s ON s.course_id = $1 AND s.cancelled_at IS NULL
		                      AND s.starts_at < o.ends_at AND s.ends_at > o.starts_at
		WHERE e.trainee_id = $2 AND e.course_id <> $1 AND e.status IN ('enrolled', 'waitlisted')
		ORDER BY s.starts_at, o.starts_at
		LIMIT 50`, courseID, traineeID)
	if err != nil {
		return nil, fmt.Errorf("clashes of course %d for trainee %d: %w", courseID, traineeID, err)
	}
	return out, nil
}

// RollEntry is one trainee on a course's roll.
type RollEntry struct {
	TraineeID     int64      `db:"trainee_id"`
	Name          string     `db:"name"`
	Phone         *string    `db:"phone"`
	CommunityName string     `db:"community_name"`
	Organisation  string     `db:"organisation"`
	Kind          string     `db:"kind"`
	Status        string     `db:"status"`
	Position      int        `db:"position"` // on the waitlist
	EnrolledAt    *time.Time `db:"enrolled_at"`
	UpdatedAt     time.Time  `db:"updated_at"`
}

// PhoneMasked returns the phone number with its middle digits hidden.
func (r *RollEntry) PhoneMasked() string {
	if r.Phone == nil {
		return ""
	}
	return web.MaskPhone(*r.Phone)
}

// Roll is a course's trainees: those with a seat, by name, and the
// waitlist, in order.
type Roll struct {
	Enrolled   []RollEntry
	Waitlisted []RollEntry
}

// Roll returns a course's roll.
func (s *Store) Roll(ctx context.Context, courseID int64) (Roll, error) {
	var all []RollEntry
	err := s.db.SelectContext(ctx, &all, `
		SELECT e.trainee_id, u.name, u.phone, coalesce(m.name, '') AS community_name,
		       coalesce(t.organisation, '') AS organisation, coalesce(t.kind, 'resident') AS kind,
		       e.status, e.enrolled_at, e.updated_at,
		       CASE WHEN e.status = 'waitlisted'
		            THEN row_number() OVER (PARTITION BY e.status ORDER BY e.queue_no) ELSE 0 END AS position
		FROM enrolments e
		JOIN users u ON u.id = e.trainee_id
		LEFT JOIN trainees t ON t.user_id = e.trainee_id
		LEFT JOIN communities m ON m.id = t.community_id
		WHERE e.course_id = $1 AND e.status <> 'withdrawn'
		ORDER BY e.status, position, u.name COLLATE "zh-Hans-x-icu", e.trainee_id`, courseID)
	if err != nil {
		return Roll{}, fmt.Errorf("roll of course %d: %w", courseID, err)
	}
	r := Roll{Enrolled: []RollEntry{}, Waitlisted: []RollEntry{}}
	for _, e := range all {
		if e.Status == StatusEnrolled {
			r.Enrolled = append(r.Enrolled, e)
		} else {
			r.Waitlisted = append(r.Waitlisted, e)
		}
	}
	return r, nil
}

// MyCourses lists the courses a trainee is on (in a seat or waiting),
// the latest first, with their waitlist positions.
func (s *Store) MyCourses(ctx context.Context, traineeID int64) ([]courses.Enrolled, error) {
	out := []courses.Enrolled{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT c.id, c.code, c.title, c.category, c.status, c.starts_on, c.ends_on,
		       c.enrol_opens, c.enrol_closes, c.capacity, c.enrolled, c.credit_hours::float8 AS credit_hours,
		       e.status AS enrolment_status,
		       CASE WHEN e.status = 'waitlisted' THEN
		            (SELECT count(*) FROM enrolments w
		             WHERE w.course_id = e.course_id AND w.status = 'waitlisted' AND w.queue_no <= e.queue_no)
		       ELSE 0 END AS position
		FROM enrolments e JOIN courses c ON c.id = e.course_id
		WHERE e.trainee_id = $1 AND e.status <> 'withdrawn'
		ORDER BY c.ends_on DESC, c.id
		LIMIT 500`, traineeID)
	if err != nil {
		return nil, fmt.Errorf("courses of trainee %d: %w", traineeID, err)
	}
	return out, nil
}

// EnrolledCourseIDs lists the courses where the trainee holds a seat: the
// ones whose sessions my schedule and the trainee's feed show.
func (s *Store) EnrolledCourseIDs(ctx context.Context, traineeID int64) ([]int64, error) {
	ids := []int64{}
	err := s.db.SelectContext(ctx, &ids, `
		SELECT course_id FROM enrolments WHERE trainee_id = $1 AND status = 'enrolled'`, traineeID)
	if err != nil {
		return nil, fmt.Errorf("enrolled courses of trainee %d: %w", traineeID, err)
	}
	return ids, nil
}

// TeachesSession reports whether the account is the lecturer of the
// session: the sign-in sheet is theirs to print.
func (s *Store) TeachesSession(ctx context.Context, sessionID, userID int64) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `
		SELECT EXISTS (SELECT 1 FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id
		               WHERE s.id = $1 AND l.user_id = $2)`, sessionID, userID)
	if err != nil {
		return false, fmt.Errorf("does user %d teach session %d: %w", userID, sessionID, err)
	}
	return ok, nil
}

// WasOnRoll reports whether the account has ever been on the course's
// roll (whatever its role is now: someone made a lecturer keeps their
// seat until a coordinator removes them).
func (s *Store) WasOnRoll(ctx context.Context, courseID, userID int64) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `
		SELECT EXISTS (SELECT 1 FROM enrolments WHERE course_id = $1 AND trainee_id = $2)`, courseID, userID)
	if err != nil {
		return false, fmt.Errorf("was user %d on course %d: %w", userID, courseID, err)
	}
	return ok, nil
}

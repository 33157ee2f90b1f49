package attendance

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"time"

	"github.com/lib/pq"

	"partyschool/courses"
)

// NewKey returns a fresh idempotency key for a form: 128 random bits,
// base64url, 22 characters.
func NewKey() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// keyPattern is what attendance_saves accepts as a key.
var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// ValidKey reports whether s can be the key of a save.
func ValidKey(s string) bool { return keyPattern.MatchString(s) }

// SheetOpens is when the sheet of a session starting at start takes
// marks other than excused: an hour before, or when self check-in opens
// if that is earlier.
func SheetOpens(start time.Time, checkinOpensMinutes int) time.Time {
	return start.Add(-max(sheetOpens, time.Duration(checkinOpensMinutes)*time.Minute))
}

// Standings returns where each of the trainees stands on the course:
// enrolled, waitlisted or withdrawn; someone never on it is left out.
func (s *Store) Standings(ctx context.Context, courseID int64, traineeIDs []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(traineeIDs))
	if len(traineeIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		TraineeID int64  `db:"trainee_id"`
		Status    string `db:"status"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT trainee_id, status FROM enrolments
		WHERE course_id = $1 AND trainee_id = ANY($2)`, courseID, pq.Array(traineeIDs))
	if err != nil {
		return nil, fmt.Errorf("standings on course %d: %w", courseID, err)
	}
	for _, r := range rows {
		out[r.TraineeID] = r.Status
	}
	return out, nil
}

// Posting is what a save of a session's sheet needs before it writes: the
// session's times, the account of its lecturer, and each trainee of the
// sheet (everyone with a seat, and anyone else marked) with where they
// stand on the course and their mark. It is the sheet without the names,
// which a save has no use for, read in one statement instead of the
// sheet's three (bench/NOTES.md).
type Posting struct {
	Session courses.Session // its ID, CourseID, StartsAt, EndsAt and CancelledAt
	Teacher *int64          // the user account of the session's lecturer, if any
	Rows    []PostedRow
}

// PostedRow is one trainee of a Posting.
type PostedRow struct {
	TraineeID int64
	Standing  string // enrolled, waitlisted or withdrawn; "" if never on the course
	Status    string // the mark, "" when not marked
	Note      string
}

// TaughtBy reports whether the user teaches the session, as
// trainees.Store.TeachesSession decides it.
func (p *Posting) TaughtBy(userID int64) bool { return p.Teacher != nil && *p.Teacher == userID }

// Posting returns what saving the sheet of a session needs, or
// ErrNotFound.
func (s *Store) Posting(ctx context.Context, sessionID int64) (*Posting, error) {
	var rows []struct {
		CourseID    int64      `db:"course_id"`
		StartsAt    time.Time  `db:"starts_at"`
		EndsAt      time.Time  `db:"ends_at"`
		CancelledAt *time.Time `db:"cancelled_at"`
		Teacher     *int64     `db:"teacher"`
		TraineeID   *int64     `db:"trainee_id"`
		Standing    string     `db:"standing"`
		Status      string     `db:"status"`
		Note        string     `db:"note"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT s.course_id, s.starts_at, s.ends_at, s.cancelled_at,
		       (SELECT user_id FROM lecturers WHERE id = s.lecturer_id) AS teacher,
		       m.trainee_id, coalesce(m.standing, '') AS standing, coalesce(m.status, '') AS status,
		       coalesce(m.note, '') AS note
		FROM course_sessions s
		LEFT JOIN LATERAL (
			SELECT coalesce(e.trainee_id, a.trainee_id) AS trainee_id, coalesce(e.status, '') AS standing,
			       coalesce(a.status, '') AS status, coalesce(a.note, '') AS note
			FROM (SELECT trainee_id, status FROM enrolments WHERE course_id = s.course_id) e
			FULL JOIN (SELECT trainee_id, status, note FROM attendance WHERE session_id = s.id) a ON a.trainee_id = e.trainee_id
			WHERE e.status = 'enrolled' OR a.trainee_id IS NOT NULL) m ON true
		WHERE s.id = $1
		ORDER BY m.trainee_id
		LIMIT 5000`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("posting of session %d: %w", sessionID, err)
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	r := rows[0]
	p := &Posting{
		Session: courses.Session{ID: sessionID, CourseID: r.CourseID, StartsAt: r.StartsAt, EndsAt: r.EndsAt, CancelledAt: r.CancelledAt},
		Teacher: r.Teacher,
		Rows:    make([]PostedRow, 0, len(rows)),
	}
	for _, r := range rows {
		if r.TraineeID != nil { // NULL: nobody on the sheet
			p.Rows = append(p.Rows, PostedRow{TraineeID: *r.TraineeID, Standing: r.Standing, Status: r.Status, Note: r.Note})
		}
	}
	return p, nil
}

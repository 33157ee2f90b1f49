package attendance

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/database"
)

// Self check-in: when a lecturer opens it, the session gets 32 random
// bytes, and the room's screen shows a six-digit code derived from them
// and the current 30-second step with HMAC-SHA256, truncated as in TOTP
// (RFC 4226/6238, with SHA-256). A trainee types the code (or scans the
// QR code that carries it) and is marked present, or late.
//
// The clock is PostgreSQL's, for the screen and for the check, so that
// several app processes with slightly different clocks agree on the step.
// A code is accepted during its own step and the next one (up to a minute
// after it appeared, enough to read it and type it); a code of the next
// step, which the screen has not shown yet, is refused: with one clock it
// can only be a guess.

// CodeStep is how long one check-in code is shown.
const CodeStep = 30 * time.Second

// codeDigits is the length of a check-in code.
const codeDigits = 6

// Throttling of wrong codes, per trainee. Only a code compared and found
// wrong counts: a refusal that compared no code (check-in closed, the
// session over or not yet in its window, no seat) cannot be a guess.
const (
	MaxFailures   = 10               // wrong codes a trainee may type …
	FailureWindow = 10 * time.Minute // … within this long; then they wait
)

// More errors of self check-in.
var (
	ErrBadCode       = errors.New("wrong or expired check-in code")
	ErrCheckinClosed = errors.New("check-in is not open")
	ErrCheckinEnded  = fmt.Errorf("%w: the session has ended", ErrCheckinClosed)
	ErrOutsideWindow = errors.New("outside the check-in window")
	ErrThrottled     = errors.New("too many failed check-ins")
)

// step is the number of the 30-second step t falls in.
func step(t time.Time) int64 { return t.Unix() / int64(CodeStep/time.Second) }

// codeOf is the code of a step: HMAC-SHA256 of the step as 8 big-endian
// bytes, dynamically truncated to 31 bits, its last six decimal digits.
func codeOf(secret []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	mac := hmac.New(sha256.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	offset := sum[len(sum)-1] & 0x0f
	n := binary.BigEndian.Uint32(sum[offset:offset+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", codeDigits, n%1_000_000)
}

// Code returns the check-in code a secret gives at t.
func Code(secret []byte, t time.Time) string { return codeOf(secret, step(t)) }

// CodeMatches reports whether code is the code of t's step or of the step
// before, comparing in constant time.
func CodeMatches(secret []byte, code string, t time.Time) bool {
	if len(code) != codeDigits || len(secret) == 0 {
		return false
	}
	s := step(t)
	now := subtle.ConstantTimeCompare([]byte(code), []byte(codeOf(secret, s)))
	prev := subtle.ConstantTimeCompare([]byte(code), []byte(codeOf(secret, s-1)))
	return now|prev == 1
}

// SecondsLeft is how many seconds the code shown at t has left (1 to 30).
func SecondsLeft(t time.Time) int {
	period := int64(CodeStep / time.Second)
	return int(period - t.Unix()%period)
}

// newSecret returns 32 random bytes for a session's codes.
func newSecret() ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("check-in secret: %w", err)
	}
	return b, nil
}

// Rules are the school's check-in settings.
type Rules struct {
	OpensMinutes int // check-in opens this long before the start …
	GraceMinutes int // … and after this long past the start it is late
}

// Window returns when check-in of a session from start to end is possible.
func (r Rules) Window(start, end time.Time) (from, to time.Time) {
	return start.Add(-time.Duration(r.OpensMinutes) * time.Minute), end
}

// within reports whether now falls in the check-in window.
func (r Rules) within(now, start, end time.Time) bool {
	from, to := r.Window(start, end)
	return !now.Before(from) && !now.After(to)
}

// statusAt is the mark of a check-in at now: late after the grace minutes.
func (r Rules) statusAt(now, start time.Time) string {
	if now.After(start.Add(time.Duration(r.GraceMinutes) * time.Minute)) {
		return StatusLate
	}
	return StatusPresent
}

// Checkin is a session's self check-in as its display shows it.
type Checkin struct {
	SessionID int64      `db:"session_id"`
	StartsAt  time.Time  `db:"starts_at"`
	EndsAt    time.Time  `db:"ends_at"`
	Cancelled bool       `db:"cancelled"`
	Opened    bool       `db:"opened"` // opened at some time, maybe closed since
	OpenedAt  *time.Time `db:"opened_at"`
	ClosedAt  *time.Time `db:"closed_at"`
	Now       time.Time  `db:"now"`        // the database's clock when this was read
	CheckedIn int        `db:"checked_in"` // trainees with a seat marked present or late
	Enrolled  int        `db:"enrolled"`   // trainees with a seat
	Secret    []byte     `db:"secret"`     // never shown: the codes are derived from it
}

// Open reports whether check-in was opened and not closed since, and the
// session has not ended: once it has, check-in is closed whatever the row
// says.
func (c *Checkin) Open() bool { return c.Opened && c.ClosedAt == nil && !c.Now.After(c.EndsAt) }

// Accepting reports whether trainees can check in now: open, the session
// not cancelled, and now within the window.
func (c *Checkin) Accepting(r Rules) bool {
	return c.Open() && !c.Cancelled && r.within(c.Now, c.StartsAt, c.EndsAt)
}

// Code is the code to show now.
func (c *Checkin) Code() string { return Code(c.Secret, c.Now) }

// SecondsLeft is how long the code shown now lasts.
func (c *Checkin) SecondsLeft() int { return SecondsLeft(c.Now) }

// Checkin returns the check-in state of a session.
func (s *Store) Checkin(ctx context.Context, sessionID int64) (*Checkin, error) {
	var c Checkin
	err := s.db.GetContext(ctx, &c, `
		SELECT s.id AS session_id, s.starts_at, s.ends_at, s.cancelled_at IS NOT NULL AS cancelled,
		       k.session_id IS NOT NULL AS opened, k.opened_at, k.closed_at, k.secret, now() AS now,
		       (SELECT count(*) FROM enrolments e WHERE e.course_id = s.course_id AND e.status = 'enrolled') AS enrolled,
		       (SELECT count(*) FROM attendance a
		        JOIN enrolments e ON e.trainee_id = a.trainee_id AND e.course_id = s.course_id AND e.status = 'enrolled'
		        WHERE a.session_id = s.id AND a.status IN ('present', 'late')) AS checked_in
		FROM course_sessions s
		LEFT JOIN checkins k ON k.session_id = s.id
		WHERE s.id = $1`, sessionID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("check-in of session %d: %w", sessionID, err)
	}
	return &c, nil
}

// OpenCheckin opens self check-in of a session, within its window and
// unless it is cancelled. Opening it again while it is open changes
// nothing, so a second screen or a double click keeps the code on show;
// reopening it after it was closed makes a new secret, so no code seen
// before the close works again.
func (s *Store) OpenCheckin(ctx context.Context, sessionID, by int64, r Rules) error {
	secret, err := newSecret()
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var session struct {
		StartsAt  time.Time `db:"starts_at"`
		EndsAt    time.Time `db:"ends_at"`
		Cancelled bool      `db:"cancelled"`
		Now       time.Time `db:"now"`
	}
	err = tx.GetContext(ctx, &session, `
		SELECT starts_at, ends_at, cancelled_at IS NOT NULL AS cancelled, now() AS now
		FROM course_sessions WHERE id = $1 FOR KEY SHARE`, sessionID)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("read session %d: %w", sessionID, err)
	}
	switch {
	case session.Cancelled:
		return ErrCancelled
	case !r.within(session.Now, session.StartsAt, session.EndsAt):
		return ErrOutsideWindow
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO checkins (session_id, secret, opened_by) VALUES ($1, $2, $3)
		ON CONFLICT (session_id) DO UPDATE SET
			secret = EXCLUDED.secret, opened_by = EXCLUDED.opened_by, opened_at = now(), closed_at = NULL
		WHERE checkins.closed_at IS NOT NULL`, sessionID, secret, nullID(by))
	if err != nil {
		return fmt.Errorf("open check-in of session %d: %w", sessionID, err)
	}
	return tx.Commit()
}

// CloseCheckin closes self check-in of a session; closing one that is not
// open changes nothing.
func (s *Store) CloseCheckin(ctx context.Context, sessionID int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE checkins SET closed_at = now() WHERE session_id = $1 AND closed_at IS NULL`, sessionID)
	if err != nil {
		return fmt.Errorf("close check-in of session %d: %w", sessionID, err)
	}
	return nil
}

// Attempt is a trainee's check-in as the form sends it.
type Attempt struct {
	TraineeID int64  // from the sign-in session, never from the form
	SessionID int64  // from the QR code; 0: the session whose code this is
	Code      string // six ASCII digits
}

// CheckedIn says what a check-in did, or, with an error, what it was about.
type CheckedIn struct {
	SessionID  int64         // the session, when it is known
	Status     string        // the trainee's mark now
	At         time.Time     // when the mark was made
	Already    bool          // the trainee had a mark: it was kept as it was
	RetryAfter time.Duration // with ErrThrottled: how long to wait
}

// checkinTarget is a session as a check-in needs it.
type checkinTarget struct {
	ID        int64      `db:"id"`
	StartsAt  time.Time  `db:"starts_at"`
	EndsAt    time.Time  `db:"ends_at"`
	Cancelled bool       `db:"cancelled"`
	Opened    bool       `db:"opened"`
	ClosedAt  *time.Time `db:"closed_at"`
	Secret    []byte     `db:"secret"`
	Enrolled  bool       `db:"enrolled"`
	Mark      *string    `db:"mark"` // the trainee's mark, if they have one
	MarkedAt  *time.Time `db:"marked_at"`
	Now       time.Time  `db:"now"`
}

// CheckIn records a trainee's own check-in: the trainee must have a seat
// on the session's course, the session must not be cancelled nor over,
// its check-in must be open, now must be within the window and the code
// must be the one on show (or the one before). The mark is present, or
// late after the grace minutes, with a history row. A trainee who has a
// mark already keeps it, whatever it is (an excused mark the lecturer
// made is not overwritten), and is told so before any other rule: a
// second press, or a page left open, is not a failure. A refused attempt
// writes nothing, except that a wrong code writes a failure row; after
// MaxFailures within FailureWindow a trainee's attempts are refused
// unread, until the oldest failure ages out. One trainee's attempts queue
// on a lock, so parallel guesses cannot pass the limit.
func (s *Store) CheckIn(ctx context.Context, a Attempt, r Rules) (CheckedIn, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return CheckedIn{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('partyschool checkin ' || $1::text, 0))`, a.TraineeID)
	if err != nil {
		return CheckedIn{}, fmt.Errorf("lock check-ins of trainee %d: %w", a.TraineeID, err)
	}
	var failures struct {
		Count int        `db:"count"`
		Until *time.Time `db:"until"` // when the oldest counted failure ages out
		Now   time.Time  `db:"now"`
	}
	err = tx.GetContext(ctx, &failures, `
		SELECT count(*) AS count, min(failed_at) + make_interval(secs => $2) AS until, now() AS now
		FROM checkin_failures WHERE trainee_id = $1 AND failed_at > now() - make_interval(secs => $2)`,
		a.TraineeID, FailureWindow.Seconds())
	if err != nil {
		return CheckedIn{}, fmt.Errorf("count failed check-ins of trainee %d: %w", a.TraineeID, err)
	}
	if failures.Count >= MaxFailures {
		wait := FailureWindow
		if failures.Until != nil {
			wait = max(failures.Until.Sub(failures.Now), time.Second)
		}
		return CheckedIn{RetryAfter: wait}, ErrThrottled
	}

	target, err := findTarget(ctx, tx, a, r)
	switch {
	case errors.Is(err, ErrBadCode):
		return CheckedIn{SessionID: a.SessionID}, fail(ctx, tx, a.TraineeID, err)
	case errors.Is(err, ErrCheckinClosed):
		return CheckedIn{SessionID: a.SessionID}, err
	case err != nil:
		return CheckedIn{}, err
	}
	out := CheckedIn{SessionID: target.ID}
	if target.Mark != nil { // a second check-in, or a mark the lecturer made: kept as it is
		out.Status, out.At, out.Already = *target.Mark, *target.MarkedAt, true
		return out, tx.Commit()
	}
	switch {
	case !target.Enrolled:
		return out, ErrNotOnSession
	case target.Cancelled:
		return out, ErrCancelled
	case target.Now.After(target.EndsAt):
		return out, ErrCheckinEnded
	case !target.Opened || target.ClosedAt != nil:
		return out, ErrCheckinClosed
	case !r.within(target.Now, target.StartsAt, target.EndsAt):
		return out, ErrOutsideWindow
	case !CodeMatches(target.Secret, a.Code, target.Now):
		return out, fail(ctx, tx, a.TraineeID, ErrBadCode)
	}

	out.Status = r.statusAt(target.Now, target.StartsAt)
	// Every writer of a session's marks takes the session's row first: a
	// sheet save holds it for update, so a check-in at the same moment
	// waits and then sees the save's marks (check-ins share it, and do
	// not wait for each other).
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM course_sessions WHERE id = $1 FOR SHARE`, target.ID); err != nil {
		return CheckedIn{}, fmt.Errorf("lock session %d: %w", target.ID, err)
	}
	err = tx.GetContext(ctx, &out.At, `
		INSERT INTO attendance (session_id, trainee_id, status, source, recorded_by, recorded_at, updated_at)
		VALUES ($1, $2, $3, $4, $2, now(), now())
		ON CONFLICT (session_id, trainee_id) DO NOTHING
		RETURNING recorded_at`, target.ID, a.TraineeID, out.Status, SourceSelf)
	switch {
	case errors.Is(err, sql.ErrNoRows): // marked already: keep the mark
		var mark struct {
			Status     string    `db:"status"`
			RecordedAt time.Time `db:"recorded_at"`
		}
		err = tx.GetContext(ctx, &mark, `SELECT status, recorded_at FROM attendance WHERE session_id = $1 AND trainee_id = $2`, target.ID, a.TraineeID)
		if err != nil {
			return CheckedIn{}, fmt.Errorf("mark of trainee %d in session %d: %w", a.TraineeID, target.ID, err)
		}
		out.Status, out.At, out.Already = mark.Status, mark.RecordedAt, true
		return out, tx.Commit()
	case database.IsViolation(err, database.CheckViolation, "attendance_trainee_on_course"):
		return out, ErrNotOnSession
	case err != nil:
		return CheckedIn{}, fmt.Errorf("check in trainee %d to session %d: %w", a.TraineeID, target.ID, err)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO attendance_changes (session_id, trainee_id, old_status, new_status, source, changed_by)
		VALUES ($1, $2, NULL, $3, $4, $2)`, target.ID, a.TraineeID, out.Status, SourceSelf)
	if err != nil {
		return CheckedIn{}, fmt.Errorf("record the check-in of trainee %d to session %d: %w", a.TraineeID, target.ID, err)
	}
	return out, tx.Commit()
}

// targetSelect reads a session for a check-in of trainee $1.
const targetSelect = `
	SELECT s.id, s.starts_at, s.ends_at, s.cancelled_at IS NOT NULL AS cancelled,
	       k.session_id IS NOT NULL AS opened, k.closed_at, k.secret, now() AS now,
	       EXISTS (SELECT 1 FROM enrolments e WHERE e.course_id = s.course_id AND e.trainee_id = $1 AND e.status = 'enrolled') AS enrolled,
	       a.status AS mark, a.recorded_at AS marked_at
	FROM course_sessions s
	LEFT JOIN checkins k ON k.session_id = s.id
	LEFT JOIN attendance a ON a.session_id = s.id AND a.trainee_id = $1`

// findTarget returns the session of an attempt: the one it names, or else,
// among the open check-ins of the courses the trainee has a seat on whose
// session is within its check-in window now, the one whose code it is
// (the nearest in time first). A check-in left open after its session
// ended is not among them. ErrCheckinClosed: there is no such session, or
// none open; ErrBadCode: none has the code. The session's row is held
// against a sheet saved at the same moment (saves lock it for update), so
// the two queue.
func findTarget(ctx context.Context, tx *sqlx.Tx, a Attempt, r Rules) (*checkinTarget, error) {
	if a.SessionID > 0 {
		var t checkinTarget
		err := tx.GetContext(ctx, &t, targetSelect+` WHERE s.id = $2 FOR KEY SHARE OF s`, a.TraineeID, a.SessionID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrCheckinClosed
		}
		if err != nil {
			return nil, fmt.Errorf("session %d for a check-in: %w", a.SessionID, err)
		}
		return &t, nil
	}
	var open []checkinTarget
	err := tx.SelectContext(ctx, &open, targetSelect+`
		WHERE k.closed_at IS NULL AND k.session_id IS NOT NULL
		  AND now() BETWEEN s.starts_at - make_interval(mins => $2) AND s.ends_at
		  AND s.course_id IN (SELECT course_id FROM enrolments WHERE trainee_id = $1 AND status = 'enrolled')
		ORDER BY abs(extract(epoch FROM s.starts_at - now())), s.id
		LIMIT 50`, a.TraineeID, r.OpensMinutes)
	if err != nil {
		return nil, fmt.Errorf("open check-ins of trainee %d: %w", a.TraineeID, err)
	}
	if len(open) == 0 {
		return nil, ErrCheckinClosed
	}
	for _, t := range open {
		if CodeMatches(t.Secret, a.Code, t.Now) {
			return findTarget(ctx, tx, Attempt{TraineeID: a.TraineeID, SessionID: t.ID, Code: a.Code}, r)
		}
	}
	return nil, ErrBadCode
}

// fail records a wrong code of the trainee, forgets their failures older
// than a day, commits, and returns why.
func fail(ctx context.Context, tx *sqlx.Tx, traineeID int64, why error) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO checkin_failures (trainee_id) VALUES ($1)`, traineeID)
	if err != nil {
		return fmt.Errorf("record a failed check-in of trainee %d: %w", traineeID, err)
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM checkin_failures WHERE trainee_id = $1 AND failed_at < now() - interval '1 day'`, traineeID)
	if err != nil {
		return fmt.Errorf("forget old failed check-ins of trainee %d: %w", traineeID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit a failed check-in of trainee %d: %w", traineeID, err)
	}
	return why
}

// Seated reports whether a trainee has a seat on the course of a session
// (false for a session that does not exist).
func (s *Store) Seated(ctx context.Context, sessionID, traineeID int64) (bool, error) {
	var seated bool
	err := s.db.GetContext(ctx, &seated, `
		SELECT EXISTS (SELECT 1 FROM course_sessions s
		               JOIN enrolments e ON e.course_id = s.course_id AND e.trainee_id = $2 AND e.status = 'enrolled'
		               WHERE s.id = $1)`, sessionID, traineeID)
	if err != nil {
		return false, fmt.Errorf("seat of trainee %d on session %d: %w", traineeID, sessionID, err)
	}
	return seated, nil
}

// OwnMark is a trainee's mark on a session, as the check-in page shows it.
type OwnMark struct {
	Status     string    `db:"status"`
	Source     string    `db:"source"`
	RecordedAt time.Time `db:"recorded_at"`
}

// MarkOf returns a trainee's mark on a session, or ErrNotFound.
func (s *Store) MarkOf(ctx context.Context, sessionID, traineeID int64) (*OwnMark, error) {
	var m OwnMark
	err := s.db.GetContext(ctx, &m, `SELECT status, source, recorded_at FROM attendance WHERE session_id = $1 AND trainee_id = $2`, sessionID, traineeID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("mark of trainee %d in session %d: %w", traineeID, sessionID, err)
	}
	return &m, nil
}

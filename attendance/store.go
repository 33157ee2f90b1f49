package attendance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/courses"
	"partyschool/database"
)

// Store holds the SQL about attendance.
type Store struct {
	db *sqlx.DB
}

// NewStore returns a store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

// Row is one trainee on a session's sheet, with their mark if they have one.
type Row struct {
	TraineeID     int64      `db:"trainee_id"`
	Name          string     `db:"name"`
	Phone         *string    `db:"phone"`
	CommunityName string     `db:"community_name"`
	Status        string     `db:"status"` // "" when not marked yet
	Note          string     `db:"note"`
	Source        string     `db:"source"`
	RecordedBy    string     `db:"recorded_by"` // the name of who made the mark
	RecordedAt    *time.Time `db:"recorded_at"`
}

// Sheet is a session's attendance sheet: the session and everyone with a
// seat on its course, by name, plus anyone else marked (a trainee who
// has withdrawn since keeps their mark).
type Sheet struct {
	Session *courses.Session
	Rows    []Row
}

// Marked counts the rows with a mark.
func (s *Sheet) Marked() int {
	n := 0
	for _, r := range s.Rows {
		if r.Status != "" {
			n++
		}
	}
	return n
}

// Sheet returns the sheet of a session.
func (s *Store) Sheet(ctx context.Context, sessions *courses.Store, sessionID int64) (*Sheet, error) {
	session, err := sessions.Session(ctx, sessionID)
	if errors.Is(err, courses.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	sh := &Sheet{Session: session, Rows: []Row{}}
	err = s.db.SelectContext(ctx, &sh.Rows, `
		SELECT u.id AS trainee_id, u.name, u.phone, coalesce(m.name, '') AS community_name,
		       coalesce(a.status, '') AS status, coalesce(a.note, '') AS note, coalesce(a.source, '') AS source,
		       coalesce(r.name, '') AS recorded_by, a.recorded_at
		FROM users u
		LEFT JOIN attendance a ON a.session_id = $1 AND a.trainee_id = u.id
		LEFT JOIN users r ON r.id = a.recorded_by
		LEFT JOIN trainees t ON t.user_id = u.id
		LEFT JOIN communities m ON m.id = t.community_id
		WHERE u.id IN (SELECT trainee_id FROM enrolments WHERE course_id = $2 AND status = 'enrolled'
		               UNION SELECT trainee_id FROM attendance WHERE session_id = $1)
		ORDER BY u.name COLLATE "zh-Hans-x-icu", u.id
		LIMIT 5000`, sessionID, session.CourseID)
	if err != nil {
		return nil, fmt.Errorf("sheet of session %d: %w", sessionID, err)
	}
	return sh, nil
}

// sheetOpens is how long before its start a session's sheet takes marks;
// 请假 (excused) may be recorded any time before, when a trainee says so.
const sheetOpens = time.Hour

// Save is one submission of a sheet.
type Save struct {
	SessionID int64
	Key       string // the submission's idempotency key
	Marks     []Mark
	By        int64  // who saves: from the session, never from the form
	Staff     bool   // a coordinator: may change marks after the lock, with a reason
	Reason    string // why, after the lock
	Source    string // SourceSheet or SourceAssisted
	LockDays  int
}

// Saved says what a save did.
type Saved struct {
	Changed int  // marks written or changed
	Replay  bool // the key was seen before: nothing was applied again
}

// Apply writes a sheet's marks in one transaction: each new or changed
// mark, and a history row for each. A submission whose key was seen
// before changes nothing (a retry after a lost answer). Saves of one
// session queue on the session's row, so two lecturers saving at once
// leave one consistent sheet, both audited. Only staff may change marks
// once the sheet is locked, and only with a reason.
func (s *Store) Apply(ctx context.Context, sv Save) (Saved, error) {
	for _, m := range sv.Marks {
		if !ValidStatus(m.Status) {
			return Saved{}, ErrBadMark
		}
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Saved{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var session struct {
		EndsAt    time.Time `db:"ends_at"`
		StartsAt  time.Time `db:"starts_at"`
		Cancelled bool      `db:"cancelled"`
		Now       time.Time `db:"now"`
	}
	err = tx.GetContext(ctx, &session, `
		SELECT starts_at, ends_at, cancelled_at IS NOT NULL AS cancelled, now() AS now
		FROM course_sessions WHERE id = $1 FOR UPDATE`, sv.SessionID)
	if errors.Is(err, sql.ErrNoRows) {
		return Saved{}, ErrNotFound
	}
	if err != nil {
		return Saved{}, fmt.Errorf("lock session %d: %w", sv.SessionID, err)
	}
	// A replay is answered before any rule: it was checked the first time.
	var seen struct {
		SessionID int64 `db:"session_id"`
		Changed   int   `db:"changed"`
	}
	err = tx.GetContext(ctx, &seen, `SELECT session_id, changed FROM attendance_saves WHERE key = $1`, sv.Key)
	switch {
	case err == nil && seen.SessionID != sv.SessionID:
		return Saved{}, ErrKeyReused
	case err == nil:
		return Saved{Changed: seen.Changed, Replay: true}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return Saved{}, fmt.Errorf("look up save %s: %w", sv.Key, err)
	}
	if session.Now.Before(session.StartsAt.Add(-sheetOpens)) {
		for _, m := range sv.Marks {
			if m.Status != StatusExcused {
				return Saved{}, ErrNotStarted
			}
		}
	}
	switch {
	case session.Cancelled:
		return Saved{}, ErrCancelled
	case Locked(session.EndsAt, session.Now, sv.LockDays) && !sv.Staff:
		return Saved{}, ErrLocked
	case Locked(session.EndsAt, session.Now, sv.LockDays) && strings.TrimSpace(sv.Reason) == "":
		return Saved{}, ErrReasonNeeded
	}
	if !Locked(session.EndsAt, session.Now, sv.LockDays) {
		sv.Reason = "" // a reason is for changes after the lock
	}
	changed := 0
	for _, m := range sv.Marks {
		n, err := setMark(ctx, tx, sv.SessionID, m, sv.By, sv.Source, sv.Reason)
		if err != nil {
			return Saved{}, err
		}
		changed += n
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO attendance_saves (key, session_id, saved_by, changed) VALUES ($1, $2, $3, $4)`,
		sv.Key, sv.SessionID, nullID(sv.By), changed)
	if err != nil {
		return Saved{}, fmt.Errorf("record save %s: %w", sv.Key, err)
	}
	return Saved{Changed: changed}, tx.Commit()
}

// setMark writes one mark and its history row, unless it is unchanged,
// and returns how many marks it changed (0 or 1).
func setMark(ctx context.Context, tx *sqlx.Tx, sessionID int64, m Mark, by int64, source, reason string) (int, error) {
	note := strings.TrimSpace(m.Note)
	if len([]rune(note)) > maxNote {
		note = string([]rune(note)[:maxNote])
	}
	var old struct {
		Status string `db:"status"`
		Note   string `db:"note"`
	}
	err := tx.GetContext(ctx, &old, `SELECT status, note FROM attendance WHERE session_id = $1 AND trainee_id = $2`, sessionID, m.TraineeID)
	switch {
	case err == nil && old.Status == m.Status && old.Note == note:
		return 0, nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return 0, fmt.Errorf("mark of trainee %d in session %d: %w", m.TraineeID, sessionID, err)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO attendance (session_id, trainee_id, status, note, source, recorded_by, recorded_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, now(), now())
		ON CONFLICT (session_id, trainee_id) DO UPDATE SET
			status = EXCLUDED.status, note = EXCLUDED.note, source = EXCLUDED.source,
			recorded_by = EXCLUDED.recorded_by, recorded_at = now(), updated_at = now()`,
		sessionID, m.TraineeID, m.Status, note, markSource(source), nullID(by))
	if database.IsViolation(err, database.CheckViolation, "attendance_trainee_on_course") {
		return 0, ErrNotOnSession
	}
	if err != nil {
		return 0, fmt.Errorf("mark trainee %d in session %d: %w", m.TraineeID, sessionID, err)
	}
	var oldStatus *string
	if old.Status != "" {
		oldStatus = &old.Status
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO attendance_changes (session_id, trainee_id, old_status, new_status, note, source, reason, changed_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		sessionID, m.TraineeID, oldStatus, m.Status, note, source, reason, nullID(by))
	if err != nil {
		return 0, fmt.Errorf("record the change of trainee %d in session %d: %w", m.TraineeID, sessionID, err)
	}
	return 1, nil
}

// markSource is how the mark itself records source: a walk-in's mark was
// made on the sheet.
func markSource(source string) string {
	if source == SourceWalkIn {
		return SourceSheet
	}
	return source
}

// Change is one row of a sheet's history.
type Change struct {
	TraineeName string    `db:"trainee_name"`
	OldStatus   *string   `db:"old_status"`
	NewStatus   string    `db:"new_status"`
	Note        string    `db:"note"`
	Source      string    `db:"source"`
	Reason      string    `db:"reason"`
	ChangedBy   string    `db:"changed_by"`
	ChangedAt   time.Time `db:"changed_at"`
}

// History lists a session's changes, the latest first.
func (s *Store) History(ctx context.Context, sessionID int64, limit int) ([]Change, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	out := []Change{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT t.name AS trainee_name, c.old_status, c.new_status, c.note, c.source, c.reason,
		       coalesce(b.name, '') AS changed_by, c.changed_at
		FROM attendance_changes c
		JOIN users t ON t.id = c.trainee_id
		LEFT JOIN users b ON b.id = c.changed_by
		WHERE c.session_id = $1
		ORDER BY c.changed_at DESC, c.id DESC
		LIMIT $2`, sessionID, limit)
	if err != nil {
		return nil, fmt.Errorf("history of session %d: %w", sessionID, err)
	}
	return out, nil
}

// nullID is NULL for 0 (a change made by a script), else the id.
func nullID(id int64) *int64 {
	if id <= 0 {
		return nil
	}
	return &id
}

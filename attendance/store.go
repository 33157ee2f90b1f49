package attendance

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partyschool/courses"
	"partyschool/database"
	"partyschool/trainees"
	"partyschool/web"
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

// sheetOpens is how long before its start a session's sheet takes marks
// at the least (self check-in may open earlier: Save.Opens); 请假
// (excused) may be recorded any time before, when a trainee says so.
const sheetOpens = time.Hour

// Save is one submission of a sheet.
type Save struct {
	SessionID int64
	Key       string // the submission's idempotency key
	Marks     []Mark
	By        int64         // who saves: from the session, never from the form
	Staff     bool          // a coordinator: may change marks after the lock, with a reason
	Reason    string        // why, after the lock
	Source    string        // SourceSheet, SourceAssisted or SourceWalkIn
	LockDays  int           // the school's lock period
	Opens     time.Duration // how long before the start marks other than excused are taken; at least sheetOpens
}

// digest sums up what a save asks for, to tell a retry of it (the same
// digest) from another form sent with the same key.
func (sv *Save) digest() string {
	marks := slices.Clone(sv.Marks)
	slices.SortFunc(marks, func(a, b Mark) int { return cmp.Compare(a.TraineeID, b.TraineeID) })
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%d", sv.SessionID, sv.Source, sv.Reason, sv.By)
	for _, m := range marks {
		fmt.Fprintf(h, "\x00%d\x00%s\x00%s", m.TraineeID, m.Status, m.Note)
		if m.Expect != nil {
			fmt.Fprintf(h, "\x00%s\x00%s", m.Expect.Status, m.Expect.Note)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Saved says what a save did.
type Saved struct {
	Changed int  // marks written or changed
	Replay  bool // the key was seen before: nothing was applied again
}

// ConflictError refuses a save that would overwrite marks changed since
// the sheet was shown (by a colleague, a check-in, an old offline batch):
// nothing is written, and the sheet is to be reloaded.
type ConflictError struct{ TraineeIDs []int64 }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("marks of %d trainees changed since the sheet was shown", len(e.TraineeIDs))
}

// Apply writes a sheet's marks in one transaction: each new or changed
// mark, and a history row for each. A submission whose key was seen
// before changes nothing (a retry after a lost answer); the same key with
// other marks is refused. Every writer of a session's marks takes the
// session's row first, so two lecturers saving at once, or a save and a
// check-in, queue: the sheet stays consistent and every change is in the
// history. A mark that changed since the sheet was shown (Mark.Expect) is
// refused whole with a ConflictError. Only staff may change marks once
// the sheet is locked, and only with a reason.
func (s *Store) Apply(ctx context.Context, sv Save) (Saved, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Saved{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	saved, err := apply(ctx, tx, sv)
	if err != nil {
		return saved, err
	}
	return saved, tx.Commit()
}

// ApplyWalkIn seats a trainee who came without a seat and applies their
// mark, together: a walk-in is never left on the course without it. The
// seat is taken only if one is free and nobody waits for it.
func (s *Store) ApplyWalkIn(ctx context.Context, sv Save, courseID int64) (Saved, error) {
	if len(sv.Marks) != 1 {
		return Saved{}, ErrBadMark
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Saved{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	already, err := trainees.SeatIfFree(ctx, tx, courseID, sv.Marks[0].TraineeID, sv.By)
	if err != nil {
		return Saved{}, err
	}
	if already {
		sv.Source = SourceSheet // on the course before: an ordinary mark
	}
	saved, err := apply(ctx, tx, sv)
	if err != nil {
		return saved, err
	}
	return saved, tx.Commit()
}

// apply is Apply within tx.
func apply(ctx context.Context, tx *sqlx.Tx, sv Save) (Saved, error) {
	for _, m := range sv.Marks {
		if !ValidStatus(m.Status) {
			return Saved{}, ErrBadMark
		}
	}
	var session struct {
		EndsAt    time.Time `db:"ends_at"`
		StartsAt  time.Time `db:"starts_at"`
		Cancelled bool      `db:"cancelled"`
		Now       time.Time `db:"now"`
	}
	err := tx.GetContext(ctx, &session, `
		SELECT starts_at, ends_at, cancelled_at IS NOT NULL AS cancelled, now() AS now
		FROM course_sessions WHERE id = $1 FOR UPDATE`, sv.SessionID)
	if errors.Is(err, sql.ErrNoRows) {
		return Saved{}, ErrNotFound
	}
	if err != nil {
		return Saved{}, fmt.Errorf("lock session %d: %w", sv.SessionID, err)
	}
	// A replay is answered before any rule: it was checked the first time.
	digest := sv.digest()
	var seen struct {
		SessionID int64  `db:"session_id"`
		Digest    string `db:"digest"`
		Changed   int    `db:"changed"`
	}
	err = tx.GetContext(ctx, &seen, `SELECT session_id, digest, changed FROM attendance_saves WHERE key = $1`, sv.Key)
	switch {
	case err == nil && (seen.SessionID != sv.SessionID || seen.Digest != digest):
		return Saved{}, ErrKeyReused
	case err == nil:
		return Saved{Changed: seen.Changed, Replay: true}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return Saved{}, fmt.Errorf("look up save %s: %w", sv.Key, err)
	}
	locked := Locked(session.EndsAt, session.Now, sv.LockDays)
	switch {
	case session.Cancelled:
		return Saved{}, ErrCancelled
	case locked && !sv.Staff:
		return Saved{}, ErrLocked
	case locked && web.Blank(sv.Reason):
		return Saved{}, ErrReasonNeeded
	}
	if session.Now.Before(session.StartsAt.Add(-max(sv.Opens, sheetOpens))) {
		for _, m := range sv.Marks {
			if m.Status != StatusExcused {
				return Saved{}, ErrNotStarted
			}
		}
	}
	if !locked {
		sv.Reason = "" // a reason is for changes after the lock
	}
	changed, err := setMarks(ctx, tx, sv)
	if err != nil {
		return Saved{}, err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO attendance_saves (key, session_id, digest, saved_by, changed) VALUES ($1, $2, $3, $4, $5)`,
		sv.Key, sv.SessionID, digest, nullID(sv.By), changed)
	if database.IsViolation(err, database.UniqueViolation) {
		return Saved{}, ErrKeyReused // the same key at once on another session
	}
	if err != nil {
		return Saved{}, fmt.Errorf("record save %s: %w", sv.Key, err)
	}
	// Keys are kept long enough for any retry; older ones go.
	if _, err := tx.ExecContext(ctx, `DELETE FROM attendance_saves WHERE saved_at < now() - interval '30 days'`); err != nil {
		return Saved{}, fmt.Errorf("delete old saves: %w", err)
	}
	return Saved{Changed: changed}, nil
}

// setMarks writes the marks that differ from the stored ones, and a
// history row for each, in three statements whatever the sheet's size:
// read the stored marks, write the changed ones, add their history. It
// returns how many marks it changed.
func setMarks(ctx context.Context, tx *sqlx.Tx, sv Save) (int, error) {
	ids := make([]int64, len(sv.Marks))
	for i, m := range sv.Marks {
		ids[i] = m.TraineeID
	}
	var stored []struct {
		TraineeID int64  `db:"trainee_id"`
		Status    string `db:"status"`
		Note      string `db:"note"`
	}
	err := tx.SelectContext(ctx, &stored, `
		SELECT trainee_id, status, note FROM attendance WHERE session_id = $1 AND trainee_id = ANY ($2)`,
		sv.SessionID, pq.Array(ids))
	if err != nil {
		return 0, fmt.Errorf("marks of session %d: %w", sv.SessionID, err)
	}
	old := make(map[int64]Expected, len(stored))
	for _, m := range stored {
		old[m.TraineeID] = Expected{Status: m.Status, Note: m.Note}
	}
	var conflicts []int64
	var cIDs []int64
	var cStatuses, cNotes, cOld []string
	for _, m := range sv.Marks {
		note := clip(strings.TrimSpace(m.Note), maxNote)
		was := old[m.TraineeID]
		if m.Expect != nil && *m.Expect != was {
			conflicts = append(conflicts, m.TraineeID)
			continue
		}
		if was.Status == m.Status && was.Note == note {
			continue
		}
		cIDs, cStatuses, cNotes, cOld = append(cIDs, m.TraineeID), append(cStatuses, m.Status), append(cNotes, note), append(cOld, was.Status)
	}
	if conflicts != nil {
		return 0, &ConflictError{TraineeIDs: conflicts}
	}
	if len(cIDs) == 0 {
		return 0, nil
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO attendance (session_id, trainee_id, status, note, source, recorded_by, recorded_at, updated_at)
		SELECT $1, i.trainee_id, i.status, i.note, $5, $6, now(), now()
		FROM unnest($2::bigint[], $3::text[], $4::text[]) AS i(trainee_id, status, note)
		ON CONFLICT (session_id, trainee_id) DO UPDATE SET
			status = EXCLUDED.status, note = EXCLUDED.note, source = EXCLUDED.source,
			recorded_by = EXCLUDED.recorded_by, recorded_at = now(), updated_at = now()`,
		sv.SessionID, pq.Array(cIDs), pq.Array(cStatuses), pq.Array(cNotes), markSource(sv.Source), nullID(sv.By))
	if database.IsViolation(err, database.CheckViolation, "attendance_trainee_on_course") {
		return 0, ErrNotOnSession
	}
	if err != nil {
		return 0, fmt.Errorf("mark session %d: %w", sv.SessionID, err)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO attendance_changes (session_id, trainee_id, old_status, new_status, note, source, reason, changed_by)
		SELECT $1, i.trainee_id, nullif(i.old_status, ''), i.status, i.note, $6, $7, $8
		FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[]) AS i(trainee_id, status, note, old_status)`,
		sv.SessionID, pq.Array(cIDs), pq.Array(cStatuses), pq.Array(cNotes), pq.Array(cOld), sv.Source, sv.Reason, nullID(sv.By))
	if err != nil {
		return 0, fmt.Errorf("record the changes of session %d: %w", sv.SessionID, err)
	}
	return len(cIDs), nil
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
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

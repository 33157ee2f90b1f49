package mentoring

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partyschool/attendance"
	"partyschool/audit"
	"partyschool/courses"
	"partyschool/database"
	"partyschool/web"
)

// Store keeps pairs, post days, logs and evaluations in PostgreSQL.
type Store struct {
	db *sqlx.DB
}

// NewStore returns a store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

// FieldError is a refusal that belongs to one field of a form.
type FieldError struct {
	Field string
	Key   string // catalogue key of the message
}

func (e *FieldError) Error() string { return "mentoring: " + e.Field + ": " + e.Key }

// DaysError names the post days a form could not add: outside the
// pair's period, or on a date the pair already has a day.
type DaysError struct {
	Outside []time.Time
	Taken   []time.Time
}

func (e *DaysError) Error() string {
	return fmt.Sprintf("mentoring: %d post days outside the period, %d taken", len(e.Outside), len(e.Taken))
}

// pairSelect reads pairs with their people, community and progress; a
// statement adds its WHERE and ORDER.
const pairSelect = `
	SELECT p.id, p.mentor_id, mu.name AS mentor_name, p.mentee_id, me.name AS mentee_name,
	       coalesce(p.supervisor_id, 0) AS supervisor_id, coalesce(su.name, '') AS supervisor_name,
	       coalesce(p.community_id, 0) AS community_id, coalesce(c.name, '') AS community_name,
	       p.mentor_post, p.post, p.starts_on, p.ends_on, p.goals, p.required_rate, p.status,
	       p.end_reason, p.status_at, p.updated_at,
	       g.days, g.past, g.marked, g.attended, g.logs, g.countersigned, g.hours::float8 AS hours,
	       ev.pair_id IS NOT NULL AS evaluated, coalesce(ev.confirmed_at IS NOT NULL, false) AS confirmed
	FROM mentoring_pairs p
	JOIN users mu ON mu.id = p.mentor_id
	JOIN users me ON me.id = p.mentee_id
	LEFT JOIN users su ON su.id = p.supervisor_id
	LEFT JOIN communities c ON c.id = p.community_id
	LEFT JOIN mentoring_evaluations ev ON ev.pair_id = p.id
	CROSS JOIN LATERAL (
		SELECT count(*) AS days,
		       count(*) FILTER (WHERE d.starts_at <= now()) AS past,
		       count(d.status) AS marked,
		       count(*) FILTER (WHERE d.status IN ('present', 'late')) AS attended,
		       count(l.post_day_id) AS logs,
		       count(l.countersigned_at) AS countersigned,
		       coalesce(sum(post_day_hours(d.starts_at, d.ends_at)) FILTER (WHERE d.status IN ('present', 'late')), 0) AS hours
		FROM post_days d LEFT JOIN mentoring_logs l ON l.post_day_id = d.id
		WHERE d.pair_id = p.id) g`

// Get returns a pair, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id int64) (*Pair, error) {
	var p Pair
	err := s.db.GetContext(ctx, &p, pairSelect+` WHERE p.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("mentoring pair %d: %w", id, err)
	}
	return &p, nil
}

// Filter chooses pairs for a list. Zero fields do not filter.
type Filter struct {
	Status      string
	CommunityID int64
	// Person lists the pairs someone is in: as mentor or supervisor
	// (my mentees), or as mentee (my mentoring).
	Person int64
	Limit  int
	Offset int
}

// maxList caps one list: a page, or the whole export.
const maxList = 5000

// List returns the pairs the filter chooses, active first, then planned,
// then the finished ones, newest first within each; and how many there
// are in all.
func (s *Store) List(ctx context.Context, f Filter) ([]Pair, int, error) {
	if f.Limit <= 0 || f.Limit > maxList {
		f.Limit = 50
	}
	where := `
	WHERE ($1 = '' OR p.status = $1)
	  AND ($2::bigint = 0 OR p.community_id = $2)
	  AND ($3::bigint = 0 OR p.mentor_id = $3 OR p.mentee_id = $3 OR p.supervisor_id = $3)`
	var total int
	err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM mentoring_pairs p`+where, f.Status, f.CommunityID, f.Person)
	if err != nil {
		return nil, 0, fmt.Errorf("count mentoring pairs: %w", err)
	}
	pairs := []Pair{}
	err = s.db.SelectContext(ctx, &pairs, pairSelect+where+`
	ORDER BY array_position(ARRAY['active', 'planned', 'completed', 'ended'], p.status), p.starts_on DESC, p.id DESC
	LIMIT $4 OFFSET $5`, f.Status, f.CommunityID, f.Person, f.Limit, f.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list mentoring pairs: %w", err)
	}
	return pairs, total, nil
}

// Counts returns how many pairs there are of each status.
func (s *Store) Counts(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT status, count(*) AS n FROM mentoring_pairs GROUP BY status`); err != nil {
		return nil, fmt.Errorf("count mentoring pairs by status: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// Create adds a planned pair and returns its id. The mentee is found by
// phone number or username among active trainees.
func (s *Store) Create(ctx context.Context, in PairInput, by int64, ip string) (int64, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var menteeID int64
	err = tx.GetContext(ctx, &menteeID, `
		SELECT id FROM users
		WHERE role = 'trainee' AND disabled_at IS NULL AND (phone = $1 OR username = $1)
		ORDER BY id LIMIT 1`, in.MenteeKey)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, &FieldError{"mentee", "mentoring.error.mentee.unknown"}
	}
	if err != nil {
		return 0, fmt.Errorf("find mentee: %w", err)
	}
	var id int64
	err = tx.GetContext(ctx, &id, `
		INSERT INTO mentoring_pairs (mentor_id, mentee_id, supervisor_id, community_id, mentor_post, post,
		                             starts_on, ends_on, goals, required_rate, created_by)
		VALUES ($1, $2, nullif($3, 0), nullif($4, 0), $5, $6, $7, $8, $9, $10, $11)
		RETURNING id`,
		in.MentorID, menteeID, in.SupervisorID, in.CommunityID, in.MentorPost, in.Post,
		in.StartsOn.Format(web.DateLayout), in.EndsOn.Format(web.DateLayout), pq.StringArray(in.Goals), in.RequiredRate, by)
	if err != nil {
		return 0, pairWriteError(err)
	}
	err = audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "mentoring.pair.create", Object: pairObject(id),
		Details: map[string]any{"mentor": in.MentorID, "mentee": menteeID}, ClientIP: ip})
	if err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

// Update changes a pair that is not over. Its mentee stays. Goals cannot
// change in number once the mentor has scored them.
func (s *Store) Update(ctx context.Context, id int64, in PairInput, by int64, ip string) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var cur struct {
		Status string `db:"status"`
		Goals  int    `db:"goals"`
		Scored bool   `db:"scored"`
	}
	err = tx.GetContext(ctx, &cur, `
		SELECT status, cardinality(goals) AS goals,
		       EXISTS (SELECT 1 FROM mentoring_evaluations WHERE pair_id = p.id) AS scored
		FROM mentoring_pairs p WHERE id = $1 FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("lock mentoring pair %d: %w", id, err)
	}
	switch {
	case cur.Status == StatusCompleted || cur.Status == StatusEnded:
		return ErrNotActive
	case cur.Scored && cur.Goals != len(in.Goals):
		return &FieldError{"goals", "mentoring.error.goals.scored"}
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE mentoring_pairs
		SET mentor_id = $2, supervisor_id = nullif($3, 0), community_id = nullif($4, 0), mentor_post = $5,
		    post = $6, starts_on = $7, ends_on = $8, goals = $9, required_rate = $10, updated_at = now()
		WHERE id = $1`,
		id, in.MentorID, in.SupervisorID, in.CommunityID, in.MentorPost, in.Post,
		in.StartsOn.Format(web.DateLayout), in.EndsOn.Format(web.DateLayout), pq.StringArray(in.Goals), in.RequiredRate)
	if err != nil {
		return pairWriteError(err)
	}
	err = audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "mentoring.pair.update", Object: pairObject(id), ClientIP: ip})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// pairWriteError turns the database's refusals of a pair into what the
// form says.
func pairWriteError(err error) error {
	switch {
	case database.IsViolation(err, database.CheckViolation, "mentoring_pairs_mentor_role"):
		return &FieldError{"mentor", "mentoring.error.mentor"}
	case database.IsViolation(err, database.CheckViolation, "mentoring_pairs_mentee_role"):
		return &FieldError{"mentee", "mentoring.error.mentee.unknown"}
	case database.IsViolation(err, database.CheckViolation, "mentoring_pairs_supervisor_role"):
		return &FieldError{"supervisor", "mentoring.error.supervisor"}
	case database.IsViolation(err, database.CheckViolation, "mentoring_pairs_two_people"):
		return &FieldError{"mentee", "mentoring.error.mentee.self"}
	case database.IsViolation(err, database.CheckViolation, "mentoring_pairs_days_inside"):
		return &FieldError{"starts_on", "mentoring.error.period.days"}
	case database.IsViolation(err, database.CheckViolation, "mentoring_pairs_period"):
		return &FieldError{"ends_on", "mentoring.error.end.before"}
	case database.IsViolation(err, database.ForeignKeyViolation, "mentoring_pairs_community_id_fkey"):
		return &FieldError{"community", "mentoring.error.community"}
	case database.IsViolation(err, database.ForeignKeyViolation):
		return &FieldError{"mentor", "mentoring.error.mentor"}
	}
	return fmt.Errorf("save mentoring pair: %w", err)
}

// pairObject names a pair in the audit log.
func pairObject(id int64) string { return "mentoring pair " + strconv.FormatInt(id, 10) }

// SetStatus moves a pair on: to active (start), completed, or ended with
// a reason. The database refuses a change that makes no sense, a second
// active pair for the mentee, and completion below the attendance rule
// or without a confirmed evaluation; each comes back as its error.
func (s *Store) SetStatus(ctx context.Context, id int64, status, reason string, by int64, ip string) error {
	if !slices.Contains(Statuses, status) {
		return ErrTransition
	}
	reason = strings.TrimSpace(reason)
	if status != StatusEnded {
		reason = ""
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var old string
	err = tx.GetContext(ctx, &old, `SELECT status FROM mentoring_pairs WHERE id = $1 FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("lock mentoring pair %d: %w", id, err)
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE mentoring_pairs SET status = $2, end_reason = CASE WHEN $2 = 'ended' THEN $3 ELSE end_reason END,
		       updated_at = now()
		WHERE id = $1`, id, status, reason)
	switch {
	case err == nil:
	case database.IsViolation(err, database.UniqueViolation, "mentoring_pairs_one_active"):
		return ErrMenteeBusy
	case database.IsViolation(err, database.CheckViolation, "mentoring_pairs_transition"):
		return ErrTransition
	case database.IsViolation(err, database.CheckViolation, "mentoring_pairs_attendance_rule"):
		return ErrBelowRule
	case database.IsViolation(err, database.CheckViolation, "mentoring_pairs_evaluation_confirmed"):
		return ErrNotConfirmed
	case database.IsViolation(err, database.CheckViolation):
		return ErrReasonNeeded // the only other check: ended needs a reason
	default:
		return fmt.Errorf("set status of mentoring pair %d: %w", id, err)
	}
	err = audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "mentoring.pair.status", Object: pairObject(id),
		Details: map[string]any{"from": old, "to": status, "reason": reason}, ClientIP: ip})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// daySelect reads post days with who marked them and what they earn.
const daySelect = `
	SELECT d.id, d.pair_id, d.starts_at, d.ends_at, d.place, coalesce(d.status, '') AS status, d.note,
	       coalesce(u.name, '') AS marked_by, d.marked_at, post_day_hours(d.starts_at, d.ends_at)::float8 AS hours
	FROM post_days d LEFT JOIN users u ON u.id = d.marked_by`

// Days returns a pair's post days in order, each with its log, the
// comments on it and the history of its mark: four statements whatever
// the number of days.
func (s *Store) Days(ctx context.Context, pairID int64) ([]PostDay, error) {
	days := []PostDay{}
	if err := s.db.SelectContext(ctx, &days, daySelect+` WHERE d.pair_id = $1 ORDER BY d.starts_at`, pairID); err != nil {
		return nil, fmt.Errorf("post days of pair %d: %w", pairID, err)
	}
	byID := make(map[int64]*PostDay, len(days))
	for i := range days {
		byID[days[i].ID] = &days[i]
	}
	var logs []Log
	err := s.db.SelectContext(ctx, &logs, `
		SELECT l.post_day_id, l.did, l.learned, l.questions, l.written_at, l.updated_at,
		       coalesce(u.name, '') AS countersigned_by, l.countersigned_at
		FROM mentoring_logs l JOIN post_days d ON d.id = l.post_day_id
		LEFT JOIN users u ON u.id = l.countersigned_by
		WHERE d.pair_id = $1`, pairID)
	if err != nil {
		return nil, fmt.Errorf("logs of pair %d: %w", pairID, err)
	}
	for i := range logs {
		if d := byID[logs[i].PostDayID]; d != nil {
			d.Log = &logs[i]
		}
	}
	var comments []Comment
	err = s.db.SelectContext(ctx, &comments, `
		SELECT m.id, m.post_day_id, coalesce(u.name, '') AS author, m.body, m.created_at
		FROM mentoring_comments m JOIN post_days d ON d.id = m.post_day_id
		LEFT JOIN users u ON u.id = m.author_id
		WHERE d.pair_id = $1 ORDER BY m.created_at, m.id`, pairID)
	if err != nil {
		return nil, fmt.Errorf("comments of pair %d: %w", pairID, err)
	}
	for _, m := range comments {
		if d := byID[m.PostDayID]; d != nil && d.Log != nil {
			d.Log.Comments = append(d.Log.Comments, m)
		}
	}
	var history []Change
	err = s.db.SelectContext(ctx, &history, `
		SELECT h.post_day_id, coalesce(h.old_status, '') AS old_status, h.new_status, h.note, h.reason,
		       coalesce(u.name, '') AS changed_by, h.changed_at
		FROM post_day_changes h JOIN post_days d ON d.id = h.post_day_id
		LEFT JOIN users u ON u.id = h.changed_by
		WHERE d.pair_id = $1 ORDER BY h.changed_at, h.id`, pairID)
	if err != nil {
		return nil, fmt.Errorf("mark history of pair %d: %w", pairID, err)
	}
	for _, h := range history {
		if d := byID[h.PostDayID]; d != nil {
			d.History = append(d.History, h)
		}
	}
	return days, nil
}

// PairOfDay returns the id of the pair a post day belongs to, or
// ErrNotFound.
func (s *Store) PairOfDay(ctx context.Context, dayID int64) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `SELECT pair_id FROM post_days WHERE id = $1`, dayID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("pair of post day %d: %w", dayID, err)
	}
	return id, nil
}

// AddDays adds post days to a pair that is not over, all or none: a day
// outside the pair's period or on a date the pair already has refuses
// the lot, with the dates named.
func (s *Store) AddDays(ctx context.Context, pairID int64, slots []Slot, place string, by int64, ip string) (int, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var pair struct {
		Status   string    `db:"status"`
		StartsOn time.Time `db:"starts_on"`
		EndsOn   time.Time `db:"ends_on"`
	}
	// The pair's row is locked so that its period cannot change meanwhile.
	err = tx.GetContext(ctx, &pair, `SELECT status, starts_on, ends_on FROM mentoring_pairs WHERE id = $1 FOR UPDATE`, pairID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("lock mentoring pair %d: %w", pairID, err)
	}
	if pair.Status != StatusPlanned && pair.Status != StatusActive {
		return 0, ErrNotActive
	}
	var taken []time.Time
	err = tx.SelectContext(ctx, &taken, `SELECT day FROM post_days WHERE pair_id = $1`, pairID)
	if err != nil {
		return 0, fmt.Errorf("post days of pair %d: %w", pairID, err)
	}
	first, last := civil(pair.StartsOn), civil(pair.EndsOn)
	bad := &DaysError{}
	starts, ends := make([]time.Time, 0, len(slots)), make([]time.Time, 0, len(slots))
	for _, sl := range slots {
		day := civil(sl.StartsAt.In(web.Shanghai))
		switch {
		case day < first || day > last:
			bad.Outside = append(bad.Outside, sl.StartsAt)
		case slices.ContainsFunc(taken, func(t time.Time) bool { return civil(t) == day }):
			bad.Taken = append(bad.Taken, sl.StartsAt)
		}
		starts, ends = append(starts, sl.StartsAt), append(ends, sl.EndsAt)
	}
	if len(bad.Outside)+len(bad.Taken) > 0 {
		return 0, bad
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO post_days (pair_id, starts_at, ends_at, place)
		SELECT $1, s, e, $4 FROM unnest($2::timestamptz[], $3::timestamptz[]) AS t (s, e)`,
		pairID, pq.Array(starts), pq.Array(ends), place)
	switch {
	case database.IsViolation(err, database.CheckViolation, "post_days_inside_pair"),
		database.IsViolation(err, database.UniqueViolation, "post_days_one_a_day"):
		// Checked above under the pair's lock; the database holds it too.
		return 0, &DaysError{}
	case err != nil:
		return 0, fmt.Errorf("add post days to pair %d: %w", pairID, err)
	}
	n, _ := res.RowsAffected()
	err = audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "mentoring.days.add", Object: pairObject(pairID),
		Details: map[string]any{"days": n}, ClientIP: ip})
	if err != nil {
		return 0, err
	}
	return int(n), tx.Commit()
}

// civil is a date as a comparable yyyymmdd number. Date columns arrive
// as midnight UTC, so their own fields are the date; an instant's date is
// taken in Beijing first (civil(t.In(web.Shanghai))).
func civil(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}

// DeleteDay removes a post day that has neither a mark nor a log from a
// pair that is not over.
func (s *Store) DeleteDay(ctx context.Context, dayID, by int64, ip string) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var day struct {
		PairID  int64  `db:"pair_id"`
		Status  string `db:"pair_status"`
		Records bool   `db:"records"`
	}
	err = tx.GetContext(ctx, &day, `
		SELECT d.pair_id, p.status AS pair_status,
		       d.status IS NOT NULL OR EXISTS (SELECT 1 FROM mentoring_logs WHERE post_day_id = d.id)
		       OR EXISTS (SELECT 1 FROM post_day_changes WHERE post_day_id = d.id) AS records
		FROM post_days d JOIN mentoring_pairs p ON p.id = d.pair_id
		WHERE d.id = $1 FOR UPDATE OF d FOR SHARE OF p`, dayID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("lock post day %d: %w", dayID, err)
	case day.Status != StatusPlanned && day.Status != StatusActive:
		return ErrNotActive
	case day.Records:
		return ErrDayHasRecords
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM post_days WHERE id = $1`, dayID); err != nil {
		return fmt.Errorf("delete post day %d: %w", dayID, err)
	}
	err = audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "mentoring.days.delete", Object: pairObject(day.PairID),
		Details: map[string]any{"post_day": dayID}, ClientIP: ip})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// Mark records a post day's attendance, with the rules of the attendance
// sheet: excused may be marked before the day, the others once it has
// begun; after the lock only a coordinator changes it, with a reason.
// Every change is added to the day's history. It returns whether
// anything changed.
func (s *Store) Mark(ctx context.Context, m MarkInput, ip string) (bool, error) {
	if err := m.check(); err != nil {
		return false, err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var day struct {
		PairID     int64     `db:"pair_id"`
		PairStatus string    `db:"pair_status"`
		StartsAt   time.Time `db:"starts_at"`
		EndsAt     time.Time `db:"ends_at"`
		Status     string    `db:"status"`
		Note       string    `db:"note"`
		Now        time.Time `db:"now"`
	}
	// The day's row is locked against a second marker; the pair's is
	// shared, so the pair cannot complete on a mark that is changing.
	err = tx.GetContext(ctx, &day, `
		SELECT d.pair_id, p.status AS pair_status, d.starts_at, d.ends_at, coalesce(d.status, '') AS status,
		       d.note, now() AS now
		FROM post_days d JOIN mentoring_pairs p ON p.id = d.pair_id
		WHERE d.id = $1 FOR UPDATE OF d FOR SHARE OF p`, m.PostDayID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("lock post day %d: %w", m.PostDayID, err)
	}
	locked := attendance.Locked(day.EndsAt, day.Now, m.LockDays)
	switch {
	case day.PairStatus != StatusActive:
		return false, ErrNotActive
	case day.Now.Before(day.StartsAt) && m.Status != attendance.StatusExcused:
		return false, ErrNotStarted
	case locked && !m.Staff:
		return false, ErrLocked
	case locked && m.Reason == "":
		return false, ErrReasonNeeded
	case day.Status == m.Status && day.Note == m.Note:
		return false, nil
	}
	if !locked {
		m.Reason = "" // a reason is for changes after the lock
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE post_days SET status = $2, note = $3, marked_by = $4, marked_at = now() WHERE id = $1`,
		m.PostDayID, m.Status, m.Note, m.By)
	if err != nil {
		return false, fmt.Errorf("mark post day %d: %w", m.PostDayID, err)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO post_day_changes (post_day_id, old_status, new_status, note, reason, changed_by)
		VALUES ($1, nullif($2, ''), $3, $4, $5, $6)`, m.PostDayID, day.Status, m.Status, m.Note, m.Reason, m.By)
	if err != nil {
		return false, fmt.Errorf("history of post day %d: %w", m.PostDayID, err)
	}
	err = audit.Record(ctx, tx, audit.Entry{ActorID: m.By, Action: "mentoring.attendance", Object: pairObject(day.PairID),
		Details: map[string]any{"post_day": m.PostDayID, "from": day.Status, "to": m.Status, "reason": m.Reason}, ClientIP: ip})
	if err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// WriteLog saves the mentee's log of a post day of their active pair,
// once the day has begun and until the mentor countersigns it.
func (s *Store) WriteLog(ctx context.Context, dayID, menteeID int64, f LogForm) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var day struct {
		PairStatus string `db:"pair_status"`
		Begun      bool   `db:"begun"`
	}
	err = tx.GetContext(ctx, &day, `
		SELECT p.status AS pair_status, d.starts_at <= now() AS begun
		FROM post_days d JOIN mentoring_pairs p ON p.id = d.pair_id
		WHERE d.id = $1 AND p.mentee_id = $2 FOR SHARE OF p`, dayID, menteeID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("post day %d: %w", dayID, err)
	case day.PairStatus != StatusActive:
		return ErrNotActive
	case !day.Begun:
		return ErrNotStarted
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO mentoring_logs (post_day_id, did, learned, questions) VALUES ($1, $2, $3, $4)
		ON CONFLICT (post_day_id) DO UPDATE
		SET did = excluded.did, learned = excluded.learned, questions = excluded.questions, updated_at = now()
		WHERE mentoring_logs.countersigned_at IS NULL`, dayID, f.Did, f.Learned, f.Questions)
	if err != nil {
		return fmt.Errorf("log of post day %d: %w", dayID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrCountersigned
	}
	return tx.Commit()
}

// Countersign is the mentor's signature under the mentee's log of a post
// day of their active pair; the log no longer changes after it.
func (s *Store) Countersign(ctx context.Context, dayID, mentorID int64) error {
	res, err := s.db.ExecContext(ctx, `
		UPDATE mentoring_logs l SET countersigned_by = $2, countersigned_at = now()
		FROM post_days d JOIN mentoring_pairs p ON p.id = d.pair_id
		WHERE l.post_day_id = $1 AND d.id = l.post_day_id AND p.mentor_id = $2
		  AND p.status = 'active' AND l.countersigned_at IS NULL`, dayID, mentorID)
	if err != nil {
		return fmt.Errorf("countersign post day %d: %w", dayID, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var why struct {
		PairStatus string `db:"pair_status"`
		HasLog     bool   `db:"has_log"`
	}
	err = s.db.GetContext(ctx, &why, `
		SELECT p.status AS pair_status, l.post_day_id IS NOT NULL AS has_log
		FROM post_days d JOIN mentoring_pairs p ON p.id = d.pair_id
		LEFT JOIN mentoring_logs l ON l.post_day_id = d.id
		WHERE d.id = $1 AND p.mentor_id = $2`, dayID, mentorID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("post day %d: %w", dayID, err)
	case why.PairStatus != StatusActive:
		return ErrNotActive
	case !why.HasLog:
		return ErrNoLog
	}
	return ErrCountersigned
}

// AddComment adds a remark under a post day's log.
func (s *Store) AddComment(ctx context.Context, dayID, authorID int64, body string) error {
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO mentoring_comments (post_day_id, author_id, body)
		SELECT post_day_id, $2, $3 FROM mentoring_logs WHERE post_day_id = $1`, dayID, authorID, body)
	if err != nil {
		return fmt.Errorf("comment on post day %d: %w", dayID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoLog
	}
	return nil
}

// Evaluation returns a pair's evaluation, nil before the mentor writes
// one.
func (s *Store) Evaluation(ctx context.Context, pairID int64) (*Evaluation, error) {
	var e Evaluation
	err := s.db.GetContext(ctx, &e, `
		SELECT e.scores, e.comment, coalesce(a.name, '') AS evaluated_by, e.evaluated_at,
		       coalesce(b.name, '') AS confirmed_by, e.confirmed_at
		FROM mentoring_evaluations e
		LEFT JOIN users a ON a.id = e.evaluated_by
		LEFT JOIN users b ON b.id = e.confirmed_by
		WHERE e.pair_id = $1`, pairID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("evaluation of pair %d: %w", pairID, err)
	}
	return &e, nil
}

// Evaluate saves the mentor's scores (one per goal, in order) and comment
// for an active pair, until the evaluation is confirmed.
func (s *Store) Evaluate(ctx context.Context, pairID int64, scores []int64, comment string, by int64) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var pair struct {
		Status string `db:"status"`
		Goals  int    `db:"goals"`
	}
	// Locked, so that the goals cannot change under the scores.
	err = tx.GetContext(ctx, &pair, `SELECT status, cardinality(goals) AS goals FROM mentoring_pairs WHERE id = $1 FOR UPDATE`, pairID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("lock mentoring pair %d: %w", pairID, err)
	case pair.Status != StatusActive:
		return ErrNotActive
	case len(scores) != pair.Goals:
		return ErrWrongScores
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO mentoring_evaluations (pair_id, scores, comment, evaluated_by) VALUES ($1, $2, $3, $4)
		ON CONFLICT (pair_id) DO UPDATE
		SET scores = excluded.scores, comment = excluded.comment, evaluated_by = excluded.evaluated_by, evaluated_at = now()
		WHERE mentoring_evaluations.confirmed_at IS NULL`, pairID, pq.Int64Array(scores), comment, by)
	if err != nil {
		return fmt.Errorf("evaluate pair %d: %w", pairID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConfirmed
	}
	return tx.Commit()
}

// Confirm is the supervisor's (or a coordinator's) confirmation of an
// active pair's evaluation; it freezes the evaluation.
func (s *Store) Confirm(ctx context.Context, pairID, by int64, ip string) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var st struct {
		Status    string `db:"status"`
		Evaluated bool   `db:"evaluated"`
		Confirmed bool   `db:"confirmed"`
	}
	err = tx.GetContext(ctx, &st, `
		SELECT p.status, e.pair_id IS NOT NULL AS evaluated, coalesce(e.confirmed_at IS NOT NULL, false) AS confirmed
		FROM mentoring_pairs p LEFT JOIN mentoring_evaluations e ON e.pair_id = p.id
		WHERE p.id = $1 FOR UPDATE OF p`, pairID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("lock mentoring pair %d: %w", pairID, err)
	case st.Status != StatusActive:
		return ErrNotActive
	case !st.Evaluated:
		return ErrNoEvaluation
	case st.Confirmed:
		return ErrConfirmed
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE mentoring_evaluations SET confirmed_by = $2, confirmed_at = now() WHERE pair_id = $1`, pairID, by)
	if err != nil {
		return fmt.Errorf("confirm evaluation of pair %d: %w", pairID, err)
	}
	err = audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "mentoring.evaluation.confirm", Object: pairObject(pairID), ClientIP: ip})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// Mentors lists the accounts that can mentor (lecturers), and keep, the
// current mentor of a pair being edited, even if disabled since.
func (s *Store) Mentors(ctx context.Context, keep int64) ([]Person, error) {
	return s.people(ctx, []string{web.RoleLecturer}, keep)
}

// Supervisors lists the accounts that can supervise: lecturers and
// coordinators.
func (s *Store) Supervisors(ctx context.Context, keep int64) ([]Person, error) {
	return s.people(ctx, []string{web.RoleLecturer, web.RoleCoordinator}, keep)
}

// people lists active accounts of the roles, by name, with the roster
// title and organisation of lecturers to tell them apart.
func (s *Store) people(ctx context.Context, roles []string, keep int64) ([]Person, error) {
	out := []Person{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT u.id, u.name, u.role,
		       btrim(concat_ws(' ', nullif(l.title, ''), nullif(l.organisation, ''))) AS detail
		FROM users u LEFT JOIN lecturers l ON l.user_id = u.id
		WHERE u.role = ANY($1) AND (u.disabled_at IS NULL OR u.id = $2)
		ORDER BY u.name COLLATE "zh-Hans-x-icu", u.id
		LIMIT 2000`, pq.StringArray(roles), keep)
	if err != nil {
		return nil, fmt.Errorf("people of roles %v: %w", roles, err)
	}
	return out, nil
}

// Appointments lists the post days of the pairs a user is in, as mentor
// or mentee, that start in [from, to): for their schedule and calendar.
// Days after a pair ended early are gone from it.
func (s *Store) Appointments(ctx context.Context, userID int64, from, to time.Time) ([]courses.Appointment, error) {
	var rows []struct {
		ID       int64     `db:"id"`
		PairID   int64     `db:"pair_id"`
		StartsAt time.Time `db:"starts_at"`
		EndsAt   time.Time `db:"ends_at"`
		Place    string    `db:"place"`
		Post     string    `db:"post"`
		Other    string    `db:"other"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT d.id, d.pair_id, d.starts_at, d.ends_at, d.place,
		       btrim(concat_ws(' ', c.name, p.post)) AS post,
		       CASE WHEN p.mentor_id = $1 THEN me.name ELSE mu.name END AS other
		FROM mentoring_pairs p
		JOIN post_days d ON d.pair_id = p.id
		JOIN users mu ON mu.id = p.mentor_id
		JOIN users me ON me.id = p.mentee_id
		LEFT JOIN communities c ON c.id = p.community_id
		WHERE (p.mentor_id = $1 OR p.mentee_id = $1)
		  AND d.starts_at >= $2 AND d.starts_at < $3
		  AND (p.status <> 'ended' OR d.starts_at < p.status_at)
		ORDER BY d.starts_at, d.id
		LIMIT 1000`, userID, from, to)
	if err != nil {
		return nil, fmt.Errorf("post days of user %d: %w", userID, err)
	}
	out := make([]courses.Appointment, 0, len(rows))
	for _, r := range rows {
		out = append(out, courses.Appointment{
			ID: r.ID, StartsAt: r.StartsAt, EndsAt: r.EndsAt, Title: r.Post, With: r.Other, Place: r.Place,
			Link: "/mentoring/" + strconv.FormatInt(r.PairID, 10) + "#day-" + strconv.FormatInt(r.ID, 10),
		})
	}
	return out, nil
}

package courses

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partyschool/database"
	"partyschool/lecturers"
	"partyschool/web"
)

// More errors the store returns for the handlers to turn into messages.
var (
	ErrArchived         = errors.New("the course is archived")
	ErrUnknownLecturer  = errors.New("unknown or inactive lecturer")
	ErrUnknownVenue     = errors.New("unknown or inactive venue")
	ErrSessionHasRecord = errors.New("the session has records that refer to it")
	ErrBelowEnrolled    = errors.New("capacity below the trainees enrolled")
)

// Store holds the SQL about courses and sessions. Sessions are read joined
// with the lecturer's and the venue's names: one query per page, not one
// per row.
type Store struct {
	db *sqlx.DB
}

// NewStore returns a store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

const courseColumns = `
	c.id, c.code, c.title, c.category, c.description, c.community_id,
	coalesce(m.name, '') AS community_name, c.capacity, c.enrolled, c.starts_on, c.ends_on,
	c.enrol_opens, c.enrol_closes, c.credit_hours::float8 AS credit_hours, c.min_attendance,
	c.status, c.updated_at,
	(SELECT count(*) FROM course_sessions s WHERE s.course_id = c.id AND s.cancelled_at IS NULL) AS sessions`

const courseFrom = `
	FROM courses c LEFT JOIN communities m ON m.id = c.community_id`

// CatalogueFilter narrows the course list. Empty fields do not filter.
type CatalogueFilter struct {
	Statuses    []string // the statuses to list
	Category    string
	CommunityID int64
	Query       string // part of the title, or the code
	Limit       int
	Offset      int
}

const catalogueWhere = `
	WHERE c.status = ANY ($1)
	  AND ($2 = '' OR c.category = $2)
	  AND ($3::bigint = 0 OR c.community_id = $3)
	  AND ($4 = '' OR c.title ILIKE '%' || $4 || '%' OR c.code = upper($4))`

// Listed is a course in the catalogue, with its next session.
type Listed struct {
	Course
	NextSession *time.Time `db:"next_session"`
	// NextEnd is when the first session not yet over ends: NextSession
	// may change then.
	NextEnd *time.Time `db:"next_end"`
}

// List returns one page of courses — those still running first, soonest
// first — and how many match in all.
func (s *Store) List(ctx context.Context, f CatalogueFilter) ([]Listed, int, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 30
	}
	args := []any{pq.StringArray(f.Statuses), f.Category, f.CommunityID, database.EscapeLike(f.Query)}
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM courses c`+catalogueWhere, args...); err != nil {
		return nil, 0, fmt.Errorf("count courses: %w", err)
	}
	out := []Listed{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT `+courseColumns+`,
		       (SELECT min(s.starts_at) FROM course_sessions s
		        WHERE s.course_id = c.id AND s.ends_at > now() AND s.cancelled_at IS NULL) AS next_session,
		       (SELECT min(s.ends_at) FROM course_sessions s
		        WHERE s.course_id = c.id AND s.ends_at > now() AND s.cancelled_at IS NULL) AS next_end`+courseFrom+catalogueWhere+`
		ORDER BY c.ends_on < (now() AT TIME ZONE 'Asia/Shanghai')::date, c.starts_on, c.id
		LIMIT $5 OFFSET $6`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list courses: %w", err)
	}
	return out, total, nil
}

// Changes counts the committed changes to the tables the public timetable
// and catalogue are drawn from (courses, sessions, lecturers, venues,
// communities), as their triggers keep them
// (migrations/00012_public_changes.sql). Both counts only grow.
type Changes struct {
	Shown int64 // every change but to the seats taken on a course
	Seats int64 // changes to the seats taken (enrolments)
}

// PublicChanges returns the counts of changes. Data read after them is
// current for as long as they stay the same.
func (s *Store) PublicChanges(ctx context.Context) (Changes, error) {
	var ch Changes
	if err := s.db.QueryRowContext(ctx, `SELECT shown, seats FROM public_changes`).Scan(&ch.Shown, &ch.Seats); err != nil {
		return Changes{}, fmt.Errorf("count of public changes: %w", err)
	}
	return ch, nil
}

// Get returns one course.
func (s *Store) Get(ctx context.Context, id int64) (*Course, error) {
	var c Course
	err := s.db.GetContext(ctx, &c, `SELECT `+courseColumns+courseFrom+` WHERE c.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get course %d: %w", id, err)
	}
	return &c, nil
}

// Create adds a draft course and returns its id.
func (s *Store) Create(ctx context.Context, f Fields, by int64) (int64, error) {
	var creator *int64 // none when created by a script
	if by > 0 {
		creator = &by
	}
	var id int64
	err := s.db.GetContext(ctx, &id, `
		INSERT INTO courses (code, title, category, description, community_id, capacity,
		                     starts_on, ends_on, enrol_opens, enrol_closes, credit_hours, min_attendance, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		f.Code, f.Title, f.Category, f.Description, f.CommunityID, f.Capacity,
		f.StartsOn.Format(web.DateLayout), f.EndsOn.Format(web.DateLayout),
		f.EnrolOpens, f.EnrolCloses, f.CreditHours, f.MinAttendance, creator)
	if err != nil {
		return 0, courseWriteError(err)
	}
	return id, nil
}

// Update saves a course's details. New dates must still hold every
// session (ErrSessionsOutside); the course row is locked so that no
// session is added outside them meanwhile.
func (s *Store) Update(ctx context.Context, id int64, f Fields) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := lockOpenCourse(ctx, tx, `SELECT status FROM courses WHERE id = $1 FOR UPDATE`, id); err != nil {
		return err
	}
	var outside int
	err = tx.GetContext(ctx, &outside, `
		SELECT count(*) FROM course_sessions
		WHERE course_id = $1
		  AND ((starts_at AT TIME ZONE 'Asia/Shanghai')::date NOT BETWEEN $2::date AND $3::date)`,
		id, f.StartsOn.Format(web.DateLayout), f.EndsOn.Format(web.DateLayout))
	if err != nil {
		return fmt.Errorf("check sessions of course %d: %w", id, err)
	}
	if outside > 0 {
		return ErrSessionsOutside
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE courses SET code = $2, title = $3, category = $4, description = $5, community_id = $6,
		       capacity = $7, starts_on = $8, ends_on = $9, enrol_opens = $10, enrol_closes = $11,
		       credit_hours = $12, min_attendance = $13, updated_at = now()
		WHERE id = $1`,
		id, f.Code, f.Title, f.Category, f.Description, f.CommunityID, f.Capacity,
		f.StartsOn.Format(web.DateLayout), f.EndsOn.Format(web.DateLayout),
		f.EnrolOpens, f.EnrolCloses, f.CreditHours, f.MinAttendance)
	if err != nil {
		return courseWriteError(err)
	}
	return tx.Commit()
}

// lockOpenCourse runs query, which locks one course row and returns its
// status, and refuses a missing (ErrNotFound) or archived (ErrArchived)
// course: archived is final.
func lockOpenCourse(ctx context.Context, tx *sqlx.Tx, query string, id int64) error {
	var status string
	err := tx.GetContext(ctx, &status, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("lock the course (%d): %w", id, err)
	}
	if status == StatusArchived {
		return ErrArchived
	}
	return nil
}

func courseWriteError(err error) error {
	switch {
	case database.IsViolation(err, database.UniqueViolation, "courses_code_key"):
		return ErrCodeTaken
	case database.IsViolation(err, database.ForeignKeyViolation, "courses_community_id_fkey"):
		return ErrUnknownCommunity
	case database.IsViolation(err, database.CheckViolation, "courses_enrolled_within_capacity"):
		return ErrBelowEnrolled
	}
	return fmt.Errorf("save course: %w", err)
}

// SetStatus moves a course to another status, if the move is one of the
// sensible ones (ErrBadTransition otherwise).
func (s *Store) SetStatus(ctx context.Context, id int64, to string) error {
	res, err := s.db.ExecContext(ctx, `
		UPDATE courses SET status = $2, updated_at = now() WHERE id = $1 AND status = ANY ($3)`,
		id, to, pq.StringArray(fromStatuses(to)))
	if err != nil {
		return fmt.Errorf("set course %d status %s: %w", id, to, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := s.Get(ctx, id); err != nil {
		return err
	}
	return ErrBadTransition
}

const sessionSelect = `
	SELECT s.id, s.course_id, c.code AS course_code, c.title AS course_title,
	       c.status AS course_status, c.category,
	       s.lecturer_id, l.name AS lecturer_name, l.team AS lecturer_team,
	       s.venue_id, v.name AS venue_name, v.address AS venue_address, v.seats AS venue_seats,
	       coalesce(vc.name, '') AS venue_community,
	       s.starts_at, s.ends_at, s.topic, s.cancelled_at, s.cancel_reason,
	       greatest(s.updated_at, c.updated_at, l.updated_at) AS updated_at
	FROM course_sessions s
	JOIN courses c ON c.id = s.course_id
	JOIN lecturers l ON l.id = s.lecturer_id
	JOIN venues v ON v.id = s.venue_id
	LEFT JOIN communities vc ON vc.id = v.community_id`

// Sessions lists a course's sessions in order.
func (s *Store) Sessions(ctx context.Context, courseID int64) ([]Session, error) {
	out := []Session{}
	err := s.db.SelectContext(ctx, &out, sessionSelect+` WHERE s.course_id = $1 ORDER BY s.starts_at, s.id LIMIT 500`, courseID)
	if err != nil {
		return nil, fmt.Errorf("sessions of course %d: %w", courseID, err)
	}
	return out, nil
}

// Session returns one session.
func (s *Store) Session(ctx context.Context, id int64) (*Session, error) {
	var out Session
	err := s.db.GetContext(ctx, &out, sessionSelect+` WHERE s.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get session %d: %w", id, err)
	}
	return &out, nil
}

// TimetableFilter chooses the sessions of a timetable view or a feed.
// Zero fields do not filter, except Statuses, which must list the course
// statuses to show.
type TimetableFilter struct {
	From, To    time.Time
	CourseID    int64
	LecturerID  int64
	VenueID     int64
	Team        string
	Category    string
	CommunityID int64
	Statuses    []string
	// CourseIDs, when not nil, keeps only these courses' sessions (an
	// empty list keeps none): a trainee's schedule.
	CourseIDs []int64
	Limit     int
}

// Timetable lists the sessions that overlap [From, To), in order.
func (s *Store) Timetable(ctx context.Context, f TimetableFilter) ([]Session, error) {
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 1000
	}
	out := []Session{}
	if f.CourseIDs != nil && len(f.CourseIDs) == 0 {
		return out, nil // a trainee with no seat has no sessions
	}
	err := s.db.SelectContext(ctx, &out, sessionSelect+`
		WHERE s.starts_at < $2 AND s.ends_at > $1
		  -- No session lasts over 12 hours (a CHECK holds it), so this
		  -- bound lets the index on starts_at read only the range.
		  AND s.starts_at > $1::timestamptz - interval '12 hours'
		  AND ($3::bigint = 0 OR s.course_id = $3)
		  AND ($4::bigint = 0 OR s.lecturer_id = $4)
		  AND ($5::bigint = 0 OR s.venue_id = $5)
		  AND ($6 = '' OR l.team = $6)
		  AND ($7 = '' OR c.category = $7)
		  AND ($8::bigint = 0 OR c.community_id = $8)
		  AND c.status = ANY ($9)
		  AND ($11::bigint[] IS NULL OR s.course_id = ANY ($11))
		ORDER BY s.starts_at, s.id
		LIMIT $10`,
		f.From, f.To, f.CourseID, f.LecturerID, f.VenueID, f.Team, f.Category, f.CommunityID,
		pq.StringArray(f.Statuses), f.Limit, pq.Int64Array(f.CourseIDs))
	if err != nil {
		return nil, fmt.Errorf("timetable: %w", err)
	}
	return out, nil
}

// AddSessions books the slots for a course, all of them or none. When a
// slot falls outside the course's dates or its lecturer or venue is taken,
// nothing is written and every conflict is returned with ErrConflict.
func (s *Store) AddSessions(ctx context.Context, courseID int64, slots []Slot) ([]Conflict, error) {
	return s.book(ctx, courseID, 0, slots)
}

// UpdateSession moves or changes one session, under the same rules.
func (s *Store) UpdateSession(ctx context.Context, sessionID int64, slot Slot) ([]Conflict, error) {
	var courseID int64
	err := s.db.GetContext(ctx, &courseID, `SELECT course_id FROM course_sessions WHERE id = $1`, sessionID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find session %d: %w", sessionID, err)
	}
	return s.book(ctx, courseID, sessionID, []Slot{slot})
}

// book writes the slots in one transaction: sessionID 0 inserts them, a
// session id updates that session with the one slot. The exclusion
// constraints are the guarantee; the checks before them only name the
// session in the way. If another coordinator books the same time between
// our check and our write, the constraint refuses and we read the
// conflict again to name it.
func (s *Store) book(ctx context.Context, courseID, sessionID int64, slots []Slot) ([]Conflict, error) {
	conflicts, err := s.tryBook(ctx, courseID, sessionID, slots)
	if database.IsViolation(err, database.ExclusionViolation) {
		conflicts, err = s.conflicts(ctx, s.db, courseID, sessionID, slots, false)
		if err == nil {
			err = ErrConflict
		}
	}
	return conflicts, err
}

func (s *Store) tryBook(ctx context.Context, courseID, sessionID int64, slots []Slot) ([]Conflict, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	// The course row is shared-locked so its dates cannot change under us.
	if err := lockOpenCourse(ctx, tx, `SELECT status FROM courses WHERE id = $1 FOR SHARE`, courseID); err != nil {
		return nil, err
	}
	if err := checkPeople(ctx, tx, sessionID, slots[0]); err != nil {
		return nil, err
	}
	var idle bool // editing a cancelled session, which holds no time
	err = tx.GetContext(ctx, &idle, `
		SELECT EXISTS (SELECT 1 FROM course_sessions WHERE id = $1 AND cancelled_at IS NOT NULL)`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("is session %d cancelled: %w", sessionID, err)
	}
	conflicts, err := s.conflicts(ctx, tx, courseID, sessionID, slots, idle)
	if err != nil {
		return nil, err
	}
	if len(conflicts) > 0 {
		return conflicts, ErrConflict
	}
	for _, sl := range slots {
		if sessionID == 0 {
			_, err = tx.ExecContext(ctx, `
				INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, topic)
				VALUES ($1, $2, $3, $4, $5, $6)`,
				courseID, sl.LecturerID, sl.VenueID, sl.StartsAt, sl.EndsAt, sl.Topic)
		} else {
			_, err = tx.ExecContext(ctx, `
				UPDATE course_sessions SET lecturer_id = $2, venue_id = $3, starts_at = $4, ends_at = $5,
				       topic = $6, updated_at = now()
				WHERE id = $1`,
				sessionID, sl.LecturerID, sl.VenueID, sl.StartsAt, sl.EndsAt, sl.Topic)
		}
		if err != nil {
			return nil, fmt.Errorf("book session of course %d: %w", courseID, err)
		}
	}
	return nil, tx.Commit()
}

// checkPeople makes sure the lecturer and venue exist and are active. An
// edited session may keep an inactive lecturer or venue it already had.
func checkPeople(ctx context.Context, tx *sqlx.Tx, sessionID int64, sl Slot) error {
	var ok bool
	err := tx.GetContext(ctx, &ok, `
		SELECT EXISTS (SELECT 1 FROM lecturers WHERE id = $1
		               AND (active OR id = (SELECT lecturer_id FROM course_sessions WHERE id = $2)))`,
		sl.LecturerID, sessionID)
	if err != nil {
		return fmt.Errorf("check lecturer %d: %w", sl.LecturerID, err)
	}
	if !ok {
		return ErrUnknownLecturer
	}
	err = tx.GetContext(ctx, &ok, `
		SELECT EXISTS (SELECT 1 FROM venues WHERE id = $1
		               AND (active OR id = (SELECT venue_id FROM course_sessions WHERE id = $2)))`,
		sl.VenueID, sessionID)
	if err != nil {
		return fmt.Errorf("check venue %d: %w", sl.VenueID, err)
	}
	if !ok {
		return ErrUnknownVenue
	}
	return nil
}

// conflicts lists, for each slot, whether it falls outside the course's
// dates and which session already holds its lecturer or its venue. One
// query reads every live session in the way of any slot — a 26-week series
// costs one round trip, not 52.
//
// A cancelled session being edited (idle true) blocks nothing and so
// conflicts with nothing: only its dates are checked.
func (s *Store) conflicts(ctx context.Context, q sqlx.QueryerContext, courseID, sessionID int64, slots []Slot, idle bool) ([]Conflict, error) {
	var dates struct {
		StartsOn time.Time `db:"starts_on"`
		EndsOn   time.Time `db:"ends_on"`
	}
	if err := sqlx.GetContext(ctx, q, &dates, `SELECT starts_on, ends_on FROM courses WHERE id = $1`, courseID); err != nil {
		return nil, fmt.Errorf("dates of course %d: %w", courseID, err)
	}
	course := Course{StartsOn: dates.StartsOn, EndsOn: dates.EndsOn}
	var lecturerIDs, venueIDs []int64
	var starts, ends []string
	for _, sl := range slots {
		lecturerIDs, venueIDs = append(lecturerIDs, sl.LecturerID), append(venueIDs, sl.VenueID)
		starts = append(starts, sl.StartsAt.Format(time.RFC3339Nano))
		ends = append(ends, sl.EndsAt.Format(time.RFC3339Nano))
	}
	busy := []Session{}
	if !idle {
		err := sqlx.SelectContext(ctx, q, &busy, sessionSelect+`
			WHERE s.id <> $1 AND s.cancelled_at IS NULL
			  AND (s.lecturer_id = ANY ($2) OR s.venue_id = ANY ($3))
			  AND EXISTS (SELECT 1 FROM unnest($4::timestamptz[], $5::timestamptz[]) AS slot (starts_at, ends_at)
			              WHERE tstzrange(s.starts_at, s.ends_at, '[)') && tstzrange(slot.starts_at, slot.ends_at, '[)'))
			ORDER BY s.starts_at, s.id`,
			sessionID, pq.Int64Array(lecturerIDs), pq.Int64Array(venueIDs), pq.StringArray(starts), pq.StringArray(ends))
		if err != nil {
			return nil, fmt.Errorf("find conflicts: %w", err)
		}
	}
	var out []Conflict
	for _, sl := range slots {
		if !course.Contains(sl.StartsAt) {
			out = append(out, Conflict{Slot: sl, Reason: "courses.conflict.outside"})
			continue
		}
		// The earliest session in the way, for the lecturer and for the venue.
		for _, check := range []struct {
			reason string
			holds  func(*Session) bool
		}{
			{"courses.conflict.lecturer", func(b *Session) bool { return b.LecturerID == sl.LecturerID }},
			{"courses.conflict.venue", func(b *Session) bool { return b.VenueID == sl.VenueID }},
		} {
			for i := range busy {
				b := &busy[i]
				if check.holds(b) && b.StartsAt.Before(sl.EndsAt) && sl.StartsAt.Before(b.EndsAt) {
					out = append(out, Conflict{Slot: sl, Reason: check.reason, Blocker: b})
					break
				}
			}
		}
	}
	return out, nil
}

// DeleteSession removes a session. One that later records refer to
// (attendance, say) is kept: ErrSessionHasRecord; so is every session of
// an archived course: ErrArchived.
func (s *Store) DeleteSession(ctx context.Context, id int64) error {
	err := s.changeSession(ctx, id, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM course_sessions WHERE id = $1`, id)
		if database.IsViolation(err, database.ForeignKeyViolation) {
			return ErrSessionHasRecord
		}
		return err
	})
	if errors.Is(err, ErrSessionHasRecord) {
		return ErrSessionHasRecord
	}
	return err
}

// CancelSession marks a session cancelled (停课) with a reason: it stays
// on the timetable and in the feeds, marked, and frees its lecturer and
// venue. Cancelling twice keeps the first time and reason.
func (s *Store) CancelSession(ctx context.Context, id int64, reason string) error {
	return s.changeSession(ctx, id, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `
			UPDATE course_sessions SET cancelled_at = now(), cancel_reason = $2, updated_at = now()
			WHERE id = $1 AND cancelled_at IS NULL`, id, reason)
		return err
	})
}

// RestoreSession takes a cancellation back. If the lecturer or the venue
// has been booked meanwhile, it stays cancelled and the booking in the way
// is returned with ErrConflict.
func (s *Store) RestoreSession(ctx context.Context, id int64) ([]Conflict, error) {
	var conflicts []Conflict
	err := s.changeSession(ctx, id, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `
			UPDATE course_sessions SET cancelled_at = NULL, cancel_reason = '', updated_at = now()
			WHERE id = $1 AND cancelled_at IS NOT NULL`, id) // a live session stays as it is
		if database.IsViolation(err, database.ExclusionViolation) {
			return ErrConflict
		}
		return err
	})
	if errors.Is(err, ErrConflict) {
		sess, err := s.Session(ctx, id)
		if err != nil {
			return nil, err
		}
		slot := Slot{LecturerID: sess.LecturerID, VenueID: sess.VenueID, StartsAt: sess.StartsAt, EndsAt: sess.EndsAt}
		conflicts, err = s.conflicts(ctx, s.db, sess.CourseID, id, []Slot{slot}, false)
		if err != nil {
			return nil, err
		}
		return conflicts, ErrConflict
	}
	return nil, err
}

// changeSession runs change on a session of a course that is not archived,
// the course locked against archiving meanwhile.
func (s *Store) changeSession(ctx context.Context, id int64, change func(*sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := lockOpenCourse(ctx, tx, `
		SELECT c.status FROM courses c JOIN course_sessions s ON s.course_id = c.id
		WHERE s.id = $1 FOR SHARE OF c`, id); err != nil {
		return err
	}
	if err := change(tx); err != nil {
		if errors.Is(err, ErrConflict) {
			return err
		}
		return fmt.Errorf("change session %d: %w", id, err)
	}
	return tx.Commit()
}

// Teaches reports whether the account is the lecturer of one of the
// course's sessions.
func (s *Store) Teaches(ctx context.Context, courseID, userID int64) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `
		SELECT EXISTS (SELECT 1 FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id
		               WHERE s.course_id = $1 AND l.user_id = $2)`, courseID, userID)
	if err != nil {
		return false, fmt.Errorf("does user %d teach course %d: %w", userID, courseID, err)
	}
	return ok, nil
}

// Upcoming lists a lecturer's sessions that have not ended (the roster's
// lecturers.Teaching).
func (s *Store) Upcoming(ctx context.Context, lecturerID int64, publicOnly bool, limit int) ([]lecturers.Taught, error) {
	statuses := []string{StatusPublished}
	if !publicOnly {
		statuses = []string{StatusDraft, StatusPublished, StatusClosed}
	}
	out := []lecturers.Taught{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT s.id AS session_id, s.course_id, c.title AS course_title, s.topic,
		       concat_ws(' ', vc.name, v.name) AS venue_name, s.starts_at, s.ends_at
		FROM course_sessions s
		JOIN courses c ON c.id = s.course_id
		JOIN venues v ON v.id = s.venue_id
		LEFT JOIN communities vc ON vc.id = v.community_id
		WHERE s.lecturer_id = $1 AND s.ends_at > now() AND c.status = ANY ($2) AND s.cancelled_at IS NULL
		ORDER BY s.starts_at LIMIT $3`, lecturerID, pq.StringArray(statuses), limit)
	if err != nil {
		return nil, fmt.Errorf("upcoming sessions of lecturer %d: %w", lecturerID, err)
	}
	return out, nil
}

// HoursTaught sums the hours of a lecturer's sessions that ended in year,
// Beijing time. Sessions of draft courses never took place.
func (s *Store) HoursTaught(ctx context.Context, lecturerID int64, year int) (float64, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, web.Shanghai)
	var hours float64
	err := s.db.GetContext(ctx, &hours, `
		SELECT coalesce(sum(extract(epoch FROM s.ends_at - s.starts_at)), 0)::float8 / 3600
		FROM course_sessions s JOIN courses c ON c.id = s.course_id
		WHERE s.lecturer_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3
		  AND s.ends_at <= now() AND c.status <> 'draft' AND s.cancelled_at IS NULL`,
		lecturerID, from, from.AddDate(1, 0, 0))
	if err != nil {
		return 0, fmt.Errorf("hours taught by lecturer %d: %w", lecturerID, err)
	}
	return hours, nil
}

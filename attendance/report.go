package attendance

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partyschool/courses"
	"partyschool/trainees"
	"partyschool/web"
)

// The rule of every report, stated on its pages: a trainee's rate on a
// course is the sessions marked present or late divided by the course's
// sessions that have ended and are not cancelled; sessions not yet held
// do not count, and a held session without a mark counts as not
// attended. Trainees below the course's certificate rule (its minimum
// attendance, in per cent) are singled out. A session's rate is its
// trainees with a seat who were present or late, divided by all its
// trainees with a seat.

// Caps on what one report reads: trainees of a course, sessions of a
// course, courses of a trainee, and sessions of all those courses.
const (
	maxReportTrainees  = 5000
	maxReportSessions  = 500
	maxTraineeCourses  = 200
	maxTraineeSessions = 10000
)

// Rate is a number of sessions (or trainees) attended out of those that
// count. With nothing to count it is unknown, shown as a dash.
type Rate struct {
	Attended int
	Of       int
}

// Known reports whether there was anything to count.
func (r Rate) Known() bool { return r.Of > 0 }

// Percent is the rate in per cent, to one decimal; 0 when unknown.
func (r Rate) Percent() float64 {
	if r.Of <= 0 {
		return 0
	}
	return math.Round(float64(r.Attended)*1000/float64(r.Of)) / 10
}

// String writes the rate as the pages do: 66.7%, or — when unknown.
func (r Rate) String() string {
	if !r.Known() {
		return "—"
	}
	return strconv.FormatFloat(r.Percent(), 'f', -1, 64) + "%"
}

// Below reports whether the rate is under min per cent, exactly (no
// rounding): 79.99% is below 80%. An unknown rate is below nothing.
func (r Rate) Below(min int) bool { return r.Of > 0 && r.Attended*100 < min*r.Of }

// Tally counts marks by status; Unmarked are trainees with a seat and no mark.
type Tally struct {
	Present  int
	Late     int
	Excused  int
	Absent   int
	Unmarked int
}

// add counts one trainee's mark ("" for none).
func (t *Tally) add(status string) {
	switch status {
	case StatusPresent:
		t.Present++
	case StatusLate:
		t.Late++
	case StatusExcused:
		t.Excused++
	case StatusAbsent:
		t.Absent++
	default:
		t.Unmarked++
	}
}

// Of returns the count of one status ("" for unmarked).
func (t Tally) Of(status string) int {
	switch status {
	case StatusPresent:
		return t.Present
	case StatusLate:
		return t.Late
	case StatusExcused:
		return t.Excused
	case StatusAbsent:
		return t.Absent
	}
	return t.Unmarked
}

// Total is everyone counted.
func (t Tally) Total() int { return t.Present + t.Late + t.Excused + t.Absent + t.Unmarked }

// Rate is those present or late out of everyone counted.
func (t Tally) Rate() Rate { return Rate{Attended: t.Present + t.Late, Of: t.Total()} }

// readOnly is how a report reads: one snapshot, so its figures add up
// even while marks are being saved, and now() is one instant throughout.
var readOnly = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}

// ReportLine is one trainee on a session's report.
type ReportLine struct {
	TraineeID     int64      `db:"trainee_id"`
	Name          string     `db:"name"`
	CommunityName string     `db:"community_name"`
	Status        string     `db:"status"` // "" when not marked
	Note          string     `db:"note"`
	RecordedBy    string     `db:"recorded_by"`
	RecordedAt    *time.Time `db:"recorded_at"`
	Seated        bool       `db:"seated"` // false: withdrawn since, their mark kept as history
}

// SessionReport is one session's attendance: the counts among the
// trainees with a seat, and everyone by name. Trainees who withdrew
// after being marked are listed but not counted.
type SessionReport struct {
	Session *courses.Session
	Ended   bool
	Tally   Tally
	Lines   []ReportLine
}

// Rate is the session's rate: unknown until the session has ended, and
// for a cancelled session.
func (r *SessionReport) Rate() Rate {
	if !r.Ended || r.Session.Cancelled() {
		return Rate{}
	}
	return r.Tally.Rate()
}

// SessionReport returns the report of a session, which the caller has
// loaded (and checked the viewer may see): one statement.
func (s *Store) SessionReport(ctx context.Context, session *courses.Session) (*SessionReport, error) {
	r := &SessionReport{Session: session, Ended: !session.EndsAt.After(time.Now()), Lines: []ReportLine{}}
	err := s.db.SelectContext(ctx, &r.Lines, `
		SELECT u.id AS trainee_id, u.name, coalesce(m.name, '') AS community_name,
		       coalesce(a.status, '') AS status, coalesce(a.note, '') AS note,
		       coalesce(r.name, '') AS recorded_by, a.recorded_at,
		       EXISTS (SELECT 1 FROM enrolments e WHERE e.course_id = $2 AND e.trainee_id = u.id AND e.status = 'enrolled') AS seated
		FROM users u
		LEFT JOIN attendance a ON a.session_id = $1 AND a.trainee_id = u.id
		LEFT JOIN users r ON r.id = a.recorded_by
		LEFT JOIN trainees t ON t.user_id = u.id
		LEFT JOIN communities m ON m.id = t.community_id
		WHERE u.id IN (SELECT trainee_id FROM enrolments WHERE course_id = $2 AND status = 'enrolled'
		               UNION SELECT trainee_id FROM attendance WHERE session_id = $1)
		ORDER BY u.name COLLATE "zh-Hans-x-icu", u.id
		LIMIT $3`, session.ID, session.CourseID, maxReportTrainees)
	if err != nil {
		return nil, fmt.Errorf("report of session %d: %w", session.ID, err)
	}
	for _, l := range r.Lines {
		if l.Seated {
			r.Tally.add(l.Status)
		}
	}
	return r, nil
}

// ReportSession is a column of a course's matrix: a session that has
// ended and was not cancelled, with its counts among the trainees with a
// seat.
type ReportSession struct {
	ID           int64     `db:"id"`
	StartsAt     time.Time `db:"starts_at"`
	EndsAt       time.Time `db:"ends_at"`
	Topic        string    `db:"topic"`
	LecturerName string    `db:"lecturer_name"`
	Cancelled    bool      `db:"cancelled"`
	Ended        bool      `db:"ended"`
	No           int       `db:"-"` // 1 for the first column
	Tally        Tally     `db:"-"`
}

// Short is the session's date as a column heading: 3/4.
func (s ReportSession) Short() string { return s.StartsAt.In(web.Shanghai).Format("1/2") }

// Cell is one trainee's mark at one session of the matrix.
type Cell struct {
	Status string // "" when not marked: not attended
}

// Class is the cell's CSS class: cell-present … cell-none.
func (c Cell) Class() string {
	if c.Status == "" {
		return "cell-none"
	}
	return "cell-" + c.Status
}

// ShortKey is the catalogue key of the cell's one-character mark.
func (c Cell) ShortKey() string {
	if c.Status == "" {
		return "attendance.short.none"
	}
	return "attendance.short." + c.Status
}

// LabelKey is the catalogue key of the cell's status in words.
func (c Cell) LabelKey() string {
	if c.Status == "" {
		return "attendance.status.none"
	}
	return "attendance.status." + c.Status
}

// MatrixRow is one trainee of a course's matrix.
type MatrixRow struct {
	TraineeID     int64  `db:"id"`
	Name          string `db:"name"`
	CommunityName string `db:"community_name"`
	Cells         []Cell `db:"-"` // one per column
	Rate          Rate   `db:"-"`
	Below         bool   `db:"-"` // under the course's certificate rule
}

// CourseReport is a course's attendance matrix: its trainees with a seat
// by name (pinyin order) against its held sessions in date order.
type CourseReport struct {
	Course    *courses.Course
	Sessions  []ReportSession // the columns: ended, not cancelled
	Upcoming  int             // sessions not yet ended: not counted
	Cancelled int             // cancelled sessions: not counted
	Rows      []MatrixRow
	Below     int  // trainees under the rule
	Overall   Rate // every cell of the matrix: marks attended out of trainees × sessions
}

// CourseReport returns the matrix of a course, which the caller has
// loaded (and checked the viewer may see). It runs three statements
// whatever the size of the course, in one read-only snapshot: the
// sessions, the trainees with a seat, and every mark of those trainees
// at those sessions.
func (s *Store) CourseReport(ctx context.Context, course *courses.Course) (*CourseReport, error) {
	tx, err := s.db.BeginTxx(ctx, readOnly)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	r := &CourseReport{Course: course, Sessions: []ReportSession{}, Rows: []MatrixRow{}}
	var all []ReportSession
	err = tx.SelectContext(ctx, &all, `
		SELECT s.id, s.starts_at, s.ends_at, s.topic, l.name AS lecturer_name,
		       s.cancelled_at IS NOT NULL AS cancelled, s.ends_at <= now() AS ended
		FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id
		WHERE s.course_id = $1
		ORDER BY s.starts_at, s.id
		LIMIT $2`, course.ID, maxReportSessions)
	if err != nil {
		return nil, fmt.Errorf("sessions of course %d: %w", course.ID, err)
	}
	column := map[int64]int{}
	for _, rs := range all {
		switch {
		case rs.Cancelled:
			r.Cancelled++
		case !rs.Ended:
			r.Upcoming++
		default:
			column[rs.ID] = len(r.Sessions)
			rs.No = len(r.Sessions) + 1
			r.Sessions = append(r.Sessions, rs)
		}
	}
	if err := seatedTrainees(ctx, tx, course.ID, &r.Rows); err != nil {
		return nil, err
	}
	var marks []struct {
		SessionID int64  `db:"session_id"`
		TraineeID int64  `db:"trainee_id"`
		Status    string `db:"status"`
	}
	if len(r.Sessions) > 0 && len(r.Rows) > 0 {
		err = tx.SelectContext(ctx, &marks, `
			SELECT a.session_id, a.trainee_id, a.status
			FROM attendance a
			JOIN course_sessions s ON s.id = a.session_id
			JOIN enrolments e ON e.course_id = s.course_id AND e.trainee_id = a.trainee_id AND e.status = 'enrolled'
			WHERE s.course_id = $1 AND s.cancelled_at IS NULL AND s.ends_at <= now()`, course.ID)
		if err != nil {
			return nil, fmt.Errorf("marks of course %d: %w", course.ID, err)
		}
	}
	row := make(map[int64]int, len(r.Rows))
	for i := range r.Rows {
		row[r.Rows[i].TraineeID] = i
		r.Rows[i].Cells = make([]Cell, len(r.Sessions))
	}
	for _, m := range marks {
		i, ok := row[m.TraineeID]
		j, held := column[m.SessionID]
		if ok && held {
			r.Rows[i].Cells[j].Status = m.Status
		}
	}
	for i := range r.Rows {
		rw := &r.Rows[i]
		rw.Rate.Of = len(r.Sessions)
		for j, cell := range rw.Cells {
			r.Sessions[j].Tally.add(cell.Status)
			if Attended(cell.Status) {
				rw.Rate.Attended++
			}
		}
		rw.Below = rw.Rate.Below(course.MinAttendance)
		if rw.Below {
			r.Below++
		}
		r.Overall.Attended += rw.Rate.Attended
		r.Overall.Of += rw.Rate.Of
	}
	return r, nil
}

// seatedTrainees reads a course's trainees with a seat, by name in
// pinyin order.
func seatedTrainees(ctx context.Context, tx *sqlx.Tx, courseID int64, into *[]MatrixRow) error {
	err := tx.SelectContext(ctx, into, `
		SELECT u.id, u.name, coalesce(m.name, '') AS community_name
		FROM enrolments e
		JOIN users u ON u.id = e.trainee_id
		LEFT JOIN trainees t ON t.user_id = u.id
		LEFT JOIN communities m ON m.id = t.community_id
		WHERE e.course_id = $1 AND e.status = 'enrolled'
		ORDER BY u.name COLLATE "zh-Hans-x-icu", u.id
		LIMIT $2`, courseID, maxReportTrainees)
	if err != nil {
		return fmt.Errorf("trainees of course %d: %w", courseID, err)
	}
	return nil
}

// TraineeSession is one session of a course on a trainee's report, with
// their mark.
type TraineeSession struct {
	ID        int64     `db:"id"`
	CourseID  int64     `db:"course_id"`
	StartsAt  time.Time `db:"starts_at"`
	EndsAt    time.Time `db:"ends_at"`
	Topic     string    `db:"topic"`
	Cancelled bool      `db:"cancelled"`
	Ended     bool      `db:"ended"`
	Status    string    `db:"status"` // "" when not marked
	Note      string    `db:"note"`
}

// Cell is the session's mark as a matrix cell.
func (t TraineeSession) Cell() Cell { return Cell{Status: t.Status} }

// TraineeCourse is one course on a trainee's report: the sessions held
// (and those cancelled, shown as such), the rate, and the credit hours
// earned by the rule of the credit-hour ledger (the course's hours shared
// by its sessions that are not cancelled, earned by present or late).
type TraineeCourse struct {
	CourseID      int64            `db:"course_id"`
	Code          string           `db:"code"`
	Title         string           `db:"title"`
	MinAttendance int              `db:"min_attendance"`
	CreditHours   float64          `db:"credit_hours"`
	Enrolment     string           `db:"enrolment"` // enrolled, withdrawn or waitlisted
	Earned        float64          `db:"-"`
	Sessions      []TraineeSession `db:"-"` // held or cancelled, in date order
	Upcoming      int              `db:"-"`
	Rate          Rate             `db:"-"`
	Below         bool             `db:"-"`
}

// TraineeReport is every course a trainee is or was on, the latest first.
type TraineeReport struct {
	Courses []TraineeCourse
	Earned  float64 // credit hours of all of them
}

// TraineeReport returns a trainee's attendance, course by course: three
// statements in one read-only snapshot. Courses they only wait for, with
// no mark, are left out.
func (s *Store) TraineeReport(ctx context.Context, traineeID int64) (*TraineeReport, error) {
	tx, err := s.db.BeginTxx(ctx, readOnly)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	r := &TraineeReport{Courses: []TraineeCourse{}}
	err = tx.SelectContext(ctx, &r.Courses, `
		SELECT c.id AS course_id, c.code, c.title, c.min_attendance, c.credit_hours::float8 AS credit_hours,
		       e.status AS enrolment
		FROM enrolments e
		JOIN courses c ON c.id = e.course_id
		CROSS JOIN LATERAL (
			SELECT count(a.status) AS marks,
			       min(s.starts_at) AS first_at
			FROM course_sessions s
			LEFT JOIN attendance a ON a.session_id = s.id AND a.trainee_id = e.trainee_id
			WHERE s.course_id = e.course_id) n
		WHERE e.trainee_id = $1 AND (e.status <> 'waitlisted' OR n.marks > 0)
		ORDER BY n.first_at DESC NULLS LAST, c.id DESC
		LIMIT $2`, traineeID, maxTraineeCourses)
	if err != nil {
		return nil, fmt.Errorf("courses of trainee %d: %w", traineeID, err)
	}
	if len(r.Courses) == 0 {
		return r, nil
	}
	ids := make([]int64, len(r.Courses))
	at := make(map[int64]int, len(r.Courses))
	for i, c := range r.Courses {
		ids[i], at[c.CourseID] = c.CourseID, i
		r.Courses[i].Sessions = []TraineeSession{}
	}
	var sessions []TraineeSession
	err = tx.SelectContext(ctx, &sessions, `
		SELECT s.id, s.course_id, s.starts_at, s.ends_at, s.topic,
		       s.cancelled_at IS NOT NULL AS cancelled, s.ends_at <= now() AS ended,
		       coalesce(a.status, '') AS status, coalesce(a.note, '') AS note
		FROM course_sessions s
		LEFT JOIN attendance a ON a.session_id = s.id AND a.trainee_id = $1
		WHERE s.course_id = ANY ($2)
		ORDER BY s.starts_at, s.id
		LIMIT $3`, traineeID, pq.Int64Array(ids), maxTraineeSessions)
	if err != nil {
		return nil, fmt.Errorf("sessions of trainee %d: %w", traineeID, err)
	}
	for _, ts := range sessions {
		c := &r.Courses[at[ts.CourseID]]
		switch {
		case !ts.Ended && !ts.Cancelled:
			c.Upcoming++
			continue
		case !ts.Cancelled:
			c.Rate.Of++
			if Attended(ts.Status) {
				c.Rate.Attended++
			}
		}
		c.Sessions = append(c.Sessions, ts)
	}
	// The hours, by the ledger's own rule (package trainees).
	earned, err := trainees.EarnedByCourse(ctx, tx, traineeID)
	if err != nil {
		return nil, err
	}
	for i := range r.Courses {
		c := &r.Courses[i]
		c.Below = c.Rate.Below(c.MinAttendance)
		c.Earned = earned[c.CourseID]
		r.Earned += c.Earned
	}
	r.Earned = math.Round(r.Earned*10) / 10
	return r, nil
}

// TodoItem is a session that has ended with a trainee with a seat still
// unmarked.
type TodoItem struct {
	SessionID    int64     `db:"session_id"`
	CourseID     int64     `db:"course_id"`
	Code         string    `db:"code"`
	Title        string    `db:"title"`
	Topic        string    `db:"topic"`
	StartsAt     time.Time `db:"starts_at"`
	EndsAt       time.Time `db:"ends_at"`
	LecturerName string    `db:"lecturer_name"`
	Enrolled     int       `db:"enrolled"`
	Unmarked     int       `db:"unmarked"` // trainees with a seat and no mark
}

// todoWhere chooses the sessions of the to-do list: ended in the last
// todoDays days, not cancelled, of a course that is running or over (not
// a draft, not archived), with fewer marks than seats taken
// (courses.enrolled, kept by the seat trigger). A mark or two made ahead
// (an excused absence) or by self check-in do not take a session off the
// list; only a mark for everyone does. $1 is the lecturer's account, or 0
// for every lecturer. Counting the session's marks from its key alone,
// against the seat counter, over a bounded range of sessions, keeps the
// list at a few milliseconds at a city's size, where checking each seat
// took 0.3 s (bench/NOTES.md). The price: a trainee marked and then
// withdrawn still counts as a mark.
const todoWhere = `
	FROM course_sessions s
	JOIN courses c ON c.id = s.course_id
	JOIN lecturers l ON l.id = s.lecturer_id
	CROSS JOIN LATERAL (` + todoMarked + `) m
	WHERE s.ends_at <= now() AND s.ends_at > now() - make_interval(days => ` + todoDays + `)
	  AND s.cancelled_at IS NULL
	  AND c.status IN ('published', 'closed')
	  AND m.marked < c.enrolled
	  AND ($1::bigint = 0 OR l.user_id = $1)`

// todoDays is how far back the to-do list looks: well past the lock
// period, after which a lecturer could no longer record the marks anyway.
const todoDays = "30"

// todoMarked counts the marks at session s.
const todoMarked = `SELECT count(*) AS marked FROM attendance a WHERE a.session_id = s.id`

// Todo lists the sessions whose attendance is still to be recorded, the
// latest first, one page at a time, and how many there are: those a
// lecturer (by account) teaches, or every lecturer's for lecturerUser 0.
func (s *Store) Todo(ctx context.Context, lecturerUser int64, limit, offset int) ([]TodoItem, int, error) {
	if limit <= 0 || limit > 200 {
		limit = 30
	}
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*)`+todoWhere, lecturerUser); err != nil {
		return nil, 0, fmt.Errorf("count the attendance to-do of %d: %w", lecturerUser, err)
	}
	out := []TodoItem{}
	if total == 0 {
		return out, 0, nil
	}
	err := s.db.SelectContext(ctx, &out, `
		SELECT s.id AS session_id, s.course_id, c.code, c.title, s.topic, s.starts_at, s.ends_at,
		       l.name AS lecturer_name, c.enrolled, greatest(c.enrolled - m.marked, 0) AS unmarked`+todoWhere+`
		ORDER BY s.ends_at DESC, s.id DESC
		LIMIT $2 OFFSET $3`, lecturerUser, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("the attendance to-do of %d: %w", lecturerUser, err)
	}
	return out, total, nil
}

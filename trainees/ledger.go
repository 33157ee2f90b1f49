package trainees

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"

	"partyschool/web"
)

// The credit-hour rule, stated on the ledger pages too: a course's credit
// hours are spread evenly over its sessions (cancelled ones do not
// count), and a trainee earns a session's share when marked present or
// late. Excused and absent earn nothing. A session counts in the year of
// its date in Beijing time. Until a session's attendance is recorded it
// earns nothing.

// attendedStatuses are the attendance marks that earn credit hours.
var attendedStatuses = pq.StringArray{"present", "late"}

// LedgerLine is one course's contribution to a trainee's year.
type LedgerLine struct {
	CourseID    int64   `db:"course_id"`
	Code        string  `db:"code"`
	Title       string  `db:"title"`
	CreditHours float64 `db:"credit_hours"` // the whole course's
	Sessions    int     `db:"sessions"`     // the course's sessions, cancelled ones aside
	Attended    int     `db:"attended"`     // of them, in this year
	Earned      float64 `db:"earned"`
}

// Ledger is a trainee's credit hours in one year.
type Ledger struct {
	Year  int
	Lines []LedgerLine
	Total float64
}

// yearBounds returns the first instants of year and the next, in Beijing.
func yearBounds(year int) (time.Time, time.Time) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, web.Shanghai)
	return from, from.AddDate(1, 0, 0)
}

// Ledger returns a trainee's credit hours of one year, course by course.
func (s *Store) Ledger(ctx context.Context, traineeID int64, year int) (Ledger, error) {
	from, to := yearBounds(year)
	l := Ledger{Year: year, Lines: []LedgerLine{}}
	err := s.db.SelectContext(ctx, &l.Lines, `
		SELECT c.id AS course_id, c.code, c.title, c.credit_hours::float8 AS credit_hours,
		       n.sessions, count(*) AS attended,
		       round(sum(c.credit_hours / n.sessions), 1)::float8 AS earned
		FROM attendance a
		JOIN course_sessions s ON s.id = a.session_id AND s.cancelled_at IS NULL
		JOIN courses c ON c.id = s.course_id
		CROSS JOIN LATERAL (SELECT count(*) AS sessions FROM course_sessions x
		                    WHERE x.course_id = c.id AND x.cancelled_at IS NULL) n
		WHERE a.trainee_id = $1 AND a.status = ANY ($2)
		  AND s.starts_at >= $3 AND s.starts_at < $4
		GROUP BY c.id, n.sessions
		ORDER BY min(s.starts_at), c.id`, traineeID, attendedStatuses, from, to)
	if err != nil {
		return l, fmt.Errorf("credit hours of trainee %d in %d: %w", traineeID, year, err)
	}
	for _, line := range l.Lines {
		l.Total += line.Earned
	}
	return l, nil
}

package trainees

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/database"
	"partyschool/web"
)

// The credit-hour rule, stated on the ledger pages too: a course's credit
// hours are spread evenly over its sessions (cancelled ones do not
// count), and a trainee earns a session's share when marked present or
// late. Excused and absent earn nothing. A session counts in the year of
// its date in Beijing time. Until a session's attendance is recorded it
// earns nothing. A post day of shadow-post mentoring (跟岗练兵) attended
// present or late earns its length in hours (post_day_hours, migration
// 00009), in the year of its date, like a session.

// creditCTEs is the rule in SQL, written once for the ledger and the
// report: the common table expressions that follow WITH and end in
// credit, one row per trainee and course (or mentoring pair) with the
// course's sessions (cancelled ones aside, whatever their year) or the
// pair's post days, how many of them in the year [$1, $2) the trainee
// attended (marked present or late), the first of those, and the hours
// they earn, rounded to one decimal per course. $3 is one trainee's id,
// or 0 for every trainee; a statement adds its own parameters from $4.
// A course's row has pair_id 0, a pair's course_id 0.
const creditCTEs = `
	attended AS (
		SELECT a.trainee_id, s.course_id, count(*) AS attended, min(s.starts_at) AS first_at
		FROM attendance a
		JOIN course_sessions s ON s.id = a.session_id AND s.cancelled_at IS NULL
		WHERE a.status IN ('present', 'late') AND s.starts_at >= $1 AND s.starts_at < $2
		  AND ($3::bigint = 0 OR a.trainee_id = $3)
		GROUP BY a.trainee_id, s.course_id),
	held AS (
		SELECT course_id, count(*) AS sessions FROM course_sessions
		WHERE cancelled_at IS NULL AND course_id IN (SELECT course_id FROM attended)
		GROUP BY course_id),
	shadowed AS (
		SELECT p.mentee_id AS trainee_id, p.id AS pair_id, count(*) AS attended, min(d.starts_at) AS first_at,
		       sum(post_day_hours(d.starts_at, d.ends_at)) AS earned,
		       (SELECT count(*) FROM post_days a WHERE a.pair_id = p.id) AS days
		FROM post_days d
		JOIN mentoring_pairs p ON p.id = d.pair_id
		WHERE d.status IN ('present', 'late') AND d.starts_at >= $1 AND d.starts_at < $2
		  AND ($3::bigint = 0 OR p.mentee_id = $3)
		GROUP BY p.mentee_id, p.id),
	credit AS (
		SELECT e.trainee_id, e.course_id, 0::bigint AS pair_id, n.sessions, e.attended, e.first_at,
		       round(c.credit_hours * e.attended / n.sessions, 1) AS earned
		FROM attended e
		JOIN courses c ON c.id = e.course_id
		JOIN held n ON n.course_id = e.course_id
		UNION ALL
		SELECT trainee_id, 0, pair_id, days, attended, first_at, earned FROM shadowed)`

// LedgerLine is one course's contribution to a trainee's year.
type LedgerLine struct {
	CourseID    int64   `db:"course_id"` // 0 for a mentoring pair
	PairID      int64   `db:"pair_id"`   // 0 for a course
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

// Years a ledger or report may ask for: the school keeps no older
// records, and nothing is earned beyond next year.
const minYear = 2000

// ValidYear reports whether year is one a ledger may show, given the
// current year.
func ValidYear(year, current int) bool { return year >= minYear && year <= current+1 }

// yearBounds returns the first instants of year and the next, in Beijing.
func yearBounds(year int) (time.Time, time.Time) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, web.Shanghai)
	return from, from.AddDate(1, 0, 0)
}

// roundHours rounds to the one decimal credit hours are kept in, so that
// sums of floats show as 2.6 and not 2.6000000000000005.
func roundHours(h float64) float64 { return math.Round(h*10) / 10 }

// Ledger returns a trainee's credit hours of one year, course by course.
func (s *Store) Ledger(ctx context.Context, traineeID int64, year int) (Ledger, error) {
	from, to := yearBounds(year)
	l := Ledger{Year: year, Lines: []LedgerLine{}}
	if traineeID <= 0 { // 0 would mean every trainee to creditCTEs
		return l, nil
	}
	err := s.db.SelectContext(ctx, &l.Lines, `
		WITH`+creditCTEs+`
		SELECT cr.course_id, cr.pair_id, coalesce(c.code, '') AS code,
		       coalesce(c.title, btrim(concat_ws(' ', m.name, p.post))) AS title,
		       coalesce(c.credit_hours, cr.earned)::float8 AS credit_hours,
		       cr.sessions, cr.attended, cr.earned::float8 AS earned
		FROM credit cr
		LEFT JOIN courses c ON c.id = cr.course_id
		LEFT JOIN mentoring_pairs p ON p.id = cr.pair_id
		LEFT JOIN communities m ON m.id = p.community_id
		ORDER BY cr.first_at, cr.course_id, cr.pair_id`, from, to, traineeID)
	if err != nil {
		return l, fmt.Errorf("credit hours of trainee %d in %d: %w", traineeID, year, err)
	}
	for _, line := range l.Lines {
		l.Total += line.Earned
	}
	l.Total = roundHours(l.Total)
	return l, nil
}

// EarnedByCourse returns the credit hours a trainee has earned in each
// course, whatever the year, by the ledger's rule, on q (the database or
// a caller's read-only snapshot): for reports that list courses rather
// than years.
func EarnedByCourse(ctx context.Context, q sqlx.QueryerContext, traineeID int64) (map[int64]float64, error) {
	out := map[int64]float64{}
	if traineeID <= 0 {
		return out, nil
	}
	var rows []struct {
		CourseID int64   `db:"course_id"`
		Earned   float64 `db:"earned"`
	}
	// creditCTEs counts a session in the year it falls in; all years here.
	from, _ := yearBounds(minYear)
	to := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	err := sqlx.SelectContext(ctx, q, &rows, `
		WITH`+creditCTEs+`
		SELECT course_id, earned::float8 AS earned FROM credit WHERE pair_id = 0`, from, to, traineeID)
	if err != nil {
		return nil, fmt.Errorf("credit hours of trainee %d by course: %w", traineeID, err)
	}
	for _, r := range rows {
		out[r.CourseID] = r.Earned
	}
	return out, nil
}

// ReportFilter chooses the party members of the credit-hour report.
// Empty fields do not filter; Limit 0 means the first page's worth.
type ReportFilter struct {
	Year        int
	CommunityID int64
	Branch      string  // part of the party branch's name
	Target      float64 // the yearly target; members below it are listed
	Limit       int
	Offset      int
}

// ReportRow is a party member below the target. The phone number is
// masked by the store: the report never needs it whole.
type ReportRow struct {
	ID            int64   `db:"id"`
	Name          string  `db:"name"`
	PhoneMasked   string  `db:"phone"`
	CommunityName string  `db:"community_name"`
	PartyBranch   string  `db:"party_branch"`
	Earned        float64 `db:"earned"`
	Short         float64 `db:"short"` // hours still to earn
}

// Report is one page of the party members below the target, and the
// counts of the whole filter.
type Report struct {
	Members int // party members the filter covers
	Below   int // of them, below the target
	Rows    []ReportRow
}

// maxReportRows caps one call: a page, or the whole export.
const maxReportRows = 20000

// BelowTarget lists the party members whose credit hours in the year are
// below the target, fewest hours first then by name, with how many party
// members the filter covers and how many of them are below. One statement
// adds up every member's hours (disabled accounts aside).
func (s *Store) BelowTarget(ctx context.Context, f ReportFilter) (Report, error) {
	if f.Limit <= 0 || f.Limit > maxReportRows {
		f.Limit = 50
	}
	from, to := yearBounds(f.Year)
	branch := database.EscapeLike(strings.TrimSpace(f.Branch))
	var rows []struct {
		ReportRow
		Members int `db:"members"`
		Below   int `db:"below"`
	}
	// The counts cover the whole filter and come on every row; when no
	// member is on the page they come alone, on a row of id 0.
	err := s.db.SelectContext(ctx, &rows, `
		WITH`+creditCTEs+`,
		members AS (
			SELECT u.id, u.name, coalesce(u.phone, '') AS phone, coalesce(m.name, '') AS community_name,
			       t.party_branch, coalesce(sum(cr.earned), 0) AS earned
			FROM trainees t
			JOIN users u ON u.id = t.user_id AND u.role = 'trainee' AND u.disabled_at IS NULL
			LEFT JOIN communities m ON m.id = t.community_id
			LEFT JOIN credit cr ON cr.trainee_id = t.user_id
			WHERE t.kind = 'party_member'
			  AND ($4::bigint = 0 OR t.community_id = $4)
			  AND ($5 = '' OR t.party_branch ILIKE '%' || $5 || '%')
			GROUP BY u.id, m.name, t.party_branch)
		SELECT n.members, n.below, coalesce(p.id, 0) AS id, coalesce(p.name, '') AS name,
		       coalesce(p.phone, '') AS phone, coalesce(p.community_name, '') AS community_name,
		       coalesce(p.party_branch, '') AS party_branch,
		       coalesce(p.earned, 0)::float8 AS earned, coalesce($6::numeric - p.earned, 0)::float8 AS short
		FROM (SELECT count(*) AS members, count(*) FILTER (WHERE earned < $6::numeric) AS below
		      FROM members) n
		LEFT JOIN LATERAL (
			SELECT id, name, phone, community_name, party_branch, earned FROM members
			WHERE earned < $6::numeric
			ORDER BY earned, name COLLATE "zh-Hans-x-icu", id
			LIMIT $7 OFFSET $8) p ON true
		ORDER BY p.earned, p.name COLLATE "zh-Hans-x-icu", p.id`, from, to, 0, f.CommunityID, branch, f.Target, f.Limit, f.Offset)
	if err != nil {
		return Report{}, fmt.Errorf("party members below %v credit hours in %d: %w", f.Target, f.Year, err)
	}
	r := Report{Rows: make([]ReportRow, 0, len(rows))}
	for _, row := range rows {
		r.Members, r.Below = row.Members, row.Below
		if row.ID == 0 {
			continue
		}
		row.PhoneMasked = web.MaskPhone(row.PhoneMasked)
		r.Rows = append(r.Rows, row.ReportRow)
	}
	return r, nil
}

// Branches returns the party branches party members belong to, of one
// community or all (communityID 0), by name, for the report's filter.
func (s *Store) Branches(ctx context.Context, communityID int64) ([]string, error) {
	out := []string{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT DISTINCT party_branch FROM trainees
		WHERE kind = 'party_member' AND party_branch <> '' AND ($1::bigint = 0 OR community_id = $1)
		ORDER BY party_branch LIMIT 500`, communityID)
	if err != nil {
		return nil, fmt.Errorf("party branches of community %d: %w", communityID, err)
	}
	return out, nil
}

// Package mentoring keeps shadow-post mentoring (跟岗练兵): a coordinator
// pairs a new community worker (the mentee, a trainee) with an
// experienced cadre at their post (the mentor, a lecturer) for a period
// with goals; the mentor records the mentee's attendance on each post
// day, countersigns the mentee's log of it, and evaluates the goals at
// the end; a supervisor (实训导师) reads along and confirms the
// evaluation. A pair completes only with the attendance rule met and the
// evaluation confirmed, and then earns a 跟岗练兵 certificate. Attended
// post days earn credit hours in the trainee's yearly ledger.
package mentoring

import (
	"errors"
	"time"

	"github.com/lib/pq"

	"partyschool/attendance"
	"partyschool/web"
)

// The statuses of a pair. planned → active or ended (called off);
// active → completed or ended early; the last two are final. The
// database refuses any other change (migration 00009).
const (
	StatusPlanned   = "planned"
	StatusActive    = "active"
	StatusCompleted = "completed"
	StatusEnded     = "ended"
)

// Statuses lists them in the order the coordinator's filter offers them.
var Statuses = []string{StatusPlanned, StatusActive, StatusCompleted, StatusEnded}

// DefaultRate is the share of post days, in per cent, a mentee attends
// for the pair to complete, unless the pair says otherwise.
const DefaultRate = 80

// Limits the forms and the database share.
const (
	maxGoals    = 8
	maxGoal     = 100
	maxPost     = 40
	maxPlace    = 100
	maxReason   = 200
	maxNote     = 200
	maxDid      = 2000
	maxLearned  = 2000
	maxQuestion = 1000
	maxComment  = 500
	maxEvalText = 2000
	maxDays     = 130 // post days one form adds: half a year of weekdays
	maxPeriod   = 366 // days from a pair's start to its end
)

// Errors the store returns for the handlers to turn into messages.
var (
	ErrNotFound      = errors.New("mentoring pair or post day not found")
	ErrMenteeBusy    = errors.New("the mentee already has an active pair")
	ErrTransition    = errors.New("the pair cannot change to that status")
	ErrBelowRule     = errors.New("attendance below the pair's rule")
	ErrNotConfirmed  = errors.New("the evaluation is not confirmed")
	ErrNotActive     = errors.New("the pair is not active")
	ErrNotStarted    = errors.New("the post day has not begun")
	ErrLocked        = errors.New("the post day's mark is locked")
	ErrReasonNeeded  = errors.New("a reason is needed after the lock")
	ErrBadMark       = errors.New("unknown mark")
	ErrCountersigned = errors.New("the log is countersigned")
	ErrNoLog         = errors.New("the post day has no log yet")
	ErrConfirmed     = errors.New("the evaluation is confirmed")
	ErrNoEvaluation  = errors.New("the pair has no evaluation yet")
	ErrDayHasRecords = errors.New("the post day has a mark or a log")
	ErrWrongScores   = errors.New("one score per goal is needed")
)

// Pair is a mentoring pair with its people's names and its progress.
type Pair struct {
	ID             int64          `db:"id"`
	MentorID       int64          `db:"mentor_id"`
	MentorName     string         `db:"mentor_name"`
	MenteeID       int64          `db:"mentee_id"`
	MenteeName     string         `db:"mentee_name"`
	SupervisorID   int64          `db:"supervisor_id"` // 0 for none
	SupervisorName string         `db:"supervisor_name"`
	CommunityID    int64          `db:"community_id"` // 0 for none
	CommunityName  string         `db:"community_name"`
	MentorPost     string         `db:"mentor_post"`
	Post           string         `db:"post"`
	StartsOn       time.Time      `db:"starts_on"`
	EndsOn         time.Time      `db:"ends_on"`
	Goals          pq.StringArray `db:"goals"`
	RequiredRate   int            `db:"required_rate"`
	Status         string         `db:"status"`
	EndReason      string         `db:"end_reason"`
	StatusAt       time.Time      `db:"status_at"`
	UpdatedAt      time.Time      `db:"updated_at"`

	Progress
}

// Progress counts a pair's post days and logs.
type Progress struct {
	Days          int     `db:"days"`          // post days planned
	Past          int     `db:"past"`          // of them, begun by now
	Marked        int     `db:"marked"`        // with a mark
	Attended      int     `db:"attended"`      // marked present or late
	Logs          int     `db:"logs"`          // with the mentee's log
	Countersigned int     `db:"countersigned"` // logs the mentor signed
	Hours         float64 `db:"hours"`         // credit hours of the attended days
	Evaluated     bool    `db:"evaluated"`
	Confirmed     bool    `db:"confirmed"`
}

// Rate is the share of post days attended, in whole per cent.
func (p *Progress) Rate() int {
	if p.Days == 0 {
		return 0
	}
	return p.Attended * 100 / p.Days
}

// MeetsRule reports whether the attendance meets the pair's rule, the
// test the database applies on completion.
func (p *Pair) MeetsRule() bool {
	return p.Days > 0 && p.Attended*100 >= p.RequiredRate*p.Days
}

// Title names the pair as lists and certificates show it: the host
// community and the post.
func (p *Pair) Title() string {
	if p.CommunityName == "" {
		return p.Post
	}
	return p.CommunityName + " " + p.Post
}

// Final reports whether the pair is over (completed or ended).
func (p *Pair) Final() bool { return p.Status == StatusCompleted || p.Status == StatusEnded }

// Role is how a viewer stands to a pair.
type Role struct {
	Staff      bool // a coordinator or admin: manages every pair
	Mentor     bool
	Mentee     bool
	Supervisor bool
}

// Sees reports whether the viewer may see the pair at all; anyone else
// is answered 404.
func (r Role) Sees() bool { return r.Staff || r.Mentor || r.Mentee || r.Supervisor }

// Reviews reports whether the viewer may comment on logs: the mentor,
// the supervisor and coordinators.
func (r Role) Reviews() bool { return r.Staff || r.Mentor || r.Supervisor }

// RoleOf is the viewer's standing on the pair.
func (p *Pair) RoleOf(v *web.Viewer) Role {
	if v == nil {
		return Role{}
	}
	return Role{
		Staff:      v.Is(web.RoleCoordinator, web.RoleAdmin),
		Mentor:     v.ID == p.MentorID,
		Mentee:     v.ID == p.MenteeID,
		Supervisor: p.SupervisorID != 0 && v.ID == p.SupervisorID,
	}
}

// PostDay is one day at the post, with its mark, the mentee's log and
// the comments on it.
type PostDay struct {
	ID       int64      `db:"id"`
	PairID   int64      `db:"pair_id"`
	StartsAt time.Time  `db:"starts_at"`
	EndsAt   time.Time  `db:"ends_at"`
	Place    string     `db:"place"`
	Status   string     `db:"status"` // "" until marked
	Note     string     `db:"note"`
	MarkedBy string     `db:"marked_by"`
	MarkedAt *time.Time `db:"marked_at"`
	// Hours is what the day earns when attended: its length in hours to
	// one decimal (post_day_hours in migration 00009).
	Hours float64 `db:"hours"`

	Log     *Log
	History []Change
}

// Begun reports whether the day has started at now: its log can be
// written and it can be marked (excused can be marked before).
func (d *PostDay) Begun(now time.Time) bool { return !now.Before(d.StartsAt) }

// Locked reports whether the day's mark is locked at now after lockDays
// days, the rule of the attendance sheet: then only a coordinator changes
// it, with a reason.
func (d *PostDay) Locked(now time.Time, lockDays int) bool {
	return attendance.Locked(d.EndsAt, now, lockDays)
}

// Log is the mentee's log of a post day (跟岗日志).
type Log struct {
	PostDayID       int64      `db:"post_day_id"`
	Did             string     `db:"did"`
	Learned         string     `db:"learned"`
	Questions       string     `db:"questions"`
	WrittenAt       time.Time  `db:"written_at"`
	UpdatedAt       time.Time  `db:"updated_at"`
	CountersignedBy string     `db:"countersigned_by"`
	CountersignedAt *time.Time `db:"countersigned_at"`
	Comments        []Comment
}

// Signed reports whether the mentor countersigned the log.
func (l *Log) Signed() bool { return l != nil && l.CountersignedAt != nil }

// Comment is a remark on a log by the mentor, the supervisor or a
// coordinator.
type Comment struct {
	ID        int64     `db:"id"`
	PostDayID int64     `db:"post_day_id"`
	Author    string    `db:"author"`
	Body      string    `db:"body"`
	CreatedAt time.Time `db:"created_at"`
}

// Change is one change of a post day's mark.
type Change struct {
	PostDayID int64     `db:"post_day_id"`
	OldStatus string    `db:"old_status"`
	NewStatus string    `db:"new_status"`
	Note      string    `db:"note"`
	Reason    string    `db:"reason"`
	By        string    `db:"changed_by"`
	At        time.Time `db:"changed_at"`
}

// Evaluation is the mentor's scores of the goals and overall comment.
type Evaluation struct {
	Scores      pq.Int64Array `db:"scores"`
	Comment     string        `db:"comment"`
	EvaluatedBy string        `db:"evaluated_by"`
	EvaluatedAt time.Time     `db:"evaluated_at"`
	ConfirmedBy string        `db:"confirmed_by"`
	ConfirmedAt *time.Time    `db:"confirmed_at"`
}

// Confirmed reports whether the supervisor confirmed the evaluation.
func (e *Evaluation) Confirmed() bool { return e != nil && e.ConfirmedAt != nil }

// Person is someone a pair can name: a mentor, a supervisor or a mentee.
type Person struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
	Role string `db:"role"`
	// Detail tells people of the same name apart: a mentor's roster
	// title and organisation, a mentee's community.
	Detail string `db:"detail"`
}

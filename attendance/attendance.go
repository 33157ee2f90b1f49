// Package attendance keeps the marks of sessions: the sheet a lecturer
// fills in on a phone (saved idempotently, so a retry on a bad connection
// is applied once), the history of every change, the lock after a
// session, self check-in with rotating codes, assisted check-in, and the
// attendance reports.
package attendance

import (
	"errors"
	"slices"
	"time"
)

// The four marks.
const (
	StatusPresent = "present" // 出勤
	StatusLate    = "late"    // 迟到
	StatusExcused = "excused" // 请假
	StatusAbsent  = "absent"  // 缺勤
)

// Statuses lists the marks in the order the sheet offers them.
var Statuses = []string{StatusPresent, StatusLate, StatusExcused, StatusAbsent}

// ValidStatus reports whether s is one of the marks.
func ValidStatus(s string) bool { return slices.Contains(Statuses, s) }

// Attended reports whether a mark counts as attending (for rates and
// credit hours): present or late.
func Attended(status string) bool { return status == StatusPresent || status == StatusLate }

// How a mark was made.
const (
	SourceSheet    = "sheet"    // on the attendance sheet
	SourceSelf     = "self"     // the trainee's own check-in
	SourceAssisted = "assisted" // 代签: the lecturer for a trainee without a smartphone
	SourceWalkIn   = "walk_in"  // history only: a walk-in added to the sheet
)

// Errors the store returns for the handlers to turn into messages.
var (
	ErrNotFound      = errors.New("session not found")
	ErrCancelled     = errors.New("the session is cancelled")
	ErrNotStarted    = errors.New("the sheet is not open yet: only excused marks before the session")
	ErrLocked        = errors.New("the sheet is locked")
	ErrReasonNeeded  = errors.New("a reason is needed after the lock")
	ErrNotOnSession  = errors.New("the trainee has no seat on the session's course")
	ErrKeyReused     = errors.New("the idempotency key belongs to another save")
	ErrBadMark       = errors.New("unknown mark")
	ErrNoSeatForWalk = errors.New("no free seat for the walk-in")
)

// Mark is one trainee's mark as a save sets it.
type Mark struct {
	TraineeID int64
	Status    string
	Note      string
	// Expect, when set, is the mark the sheet showed (Status "" for
	// none): if the stored one differs, someone changed it meanwhile and
	// the save is refused rather than overwrite it.
	Expect *Expected
}

// Expected is a stored mark as a sheet showed it.
type Expected struct {
	Status string
	Note   string
}

// maxNote is the longest note a mark keeps (the table's CHECK).
const maxNote = 200

// Locked reports whether marks of a session that ended at end are locked
// at now, after lockDays days.
func Locked(end, now time.Time, lockDays int) bool {
	return now.After(end.AddDate(0, 0, lockDays))
}

package attendance

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"time"

	"github.com/lib/pq"
)

// NewKey returns a fresh idempotency key for a form: 128 random bits,
// base64url, 22 characters.
func NewKey() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// keyPattern is what attendance_saves accepts as a key.
var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// ValidKey reports whether s can be the key of a save.
func ValidKey(s string) bool { return keyPattern.MatchString(s) }

// SheetOpens is when the sheet of a session starting at start takes
// marks other than excused: an hour before, or when self check-in opens
// if that is earlier.
func SheetOpens(start time.Time, checkinOpensMinutes int) time.Time {
	return start.Add(-max(sheetOpens, time.Duration(checkinOpensMinutes)*time.Minute))
}

// Standings returns where each of the trainees stands on the course:
// enrolled, waitlisted or withdrawn; someone never on it is left out.
func (s *Store) Standings(ctx context.Context, courseID int64, traineeIDs []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(traineeIDs))
	if len(traineeIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		TraineeID int64  `db:"trainee_id"`
		Status    string `db:"status"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT trainee_id, status FROM enrolments
		WHERE course_id = $1 AND trainee_id = ANY($2)`, courseID, pq.Array(traineeIDs))
	if err != nil {
		return nil, fmt.Errorf("standings on course %d: %w", courseID, err)
	}
	for _, r := range rows {
		out[r.TraineeID] = r.Status
	}
	return out, nil
}

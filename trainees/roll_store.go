package trainees

import (
	"context"
	"fmt"
)

// TeachesSession reports whether the account is the lecturer of the
// session: the sign-in sheet is theirs to print.
func (s *Store) TeachesSession(ctx context.Context, sessionID, userID int64) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `
		SELECT EXISTS (SELECT 1 FROM course_sessions s JOIN lecturers l ON l.id = s.lecturer_id
		               WHERE s.id = $1 AND l.user_id = $2)`, sessionID, userID)
	if err != nil {
		return false, fmt.Errorf("does user %d teach session %d: %w", userID, sessionID, err)
	}
	return ok, nil
}

package certificates

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/audit"
)

// Mentoring certificates (跟岗练兵结业证书) go to the mentee of a completed
// shadow-post mentoring pair: the database completes a pair only with its
// attendance rule met and its evaluation confirmed (migration 00009), so
// completion is the eligibility. They share the serials, the register,
// verification, revoking and printing with course certificates.

// ErrPairNotCompleted refuses a certificate for a pair not completed.
var ErrPairNotCompleted = errors.New("the mentoring pair is not completed")

// IssuePair issues the certificate of a completed mentoring pair and
// returns its serial; issuing twice, or from two browsers at once, makes
// it once (the pair's row is locked, and a unique index holds it) and
// answers the serial already issued with issued false.
func (s *Store) IssuePair(ctx context.Context, pairID, by int64, ip string) (serial string, issued bool, err error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return "", false, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	c, status, err := pairIssue(ctx, tx, pairID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, ErrNotFound
	case err != nil:
		return "", false, fmt.Errorf("lock mentoring pair %d: %w", pairID, err)
	case status != "completed":
		return "", false, ErrPairNotCompleted
	}
	// Read after the lock, in a statement of its own: it sees what an
	// issuer who held the lock before committed.
	err = tx.GetContext(ctx, &serial, `
		SELECT serial FROM certificates
		WHERE pair_id = $1 AND trainee_id = $2 AND kind = 'mentoring' AND status = 'valid'`, pairID, c.TraineeID)
	switch {
	case err == nil:
		return serial, false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", false, fmt.Errorf("certificate of pair %d: %w", pairID, err)
	}
	c.By = by
	serial, err = issueOne(ctx, tx, c)
	if err != nil {
		return "", false, err
	}
	err = audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "certificate.issue", Object: fmt.Sprintf("mentoring pair %d", pairID),
		Details: map[string]any{"serials": []string{serial}}, ClientIP: ip})
	if err != nil {
		return "", false, err
	}
	return serial, true, tx.Commit()
}

// pairIssue locks a mentoring pair's row and reads what its certificate
// says now: the mentee's name, the community and post, the period and the
// hours of the attended post days; and the pair's status.
func pairIssue(ctx context.Context, tx *sqlx.Tx, pairID int64) (issue, string, error) {
	var row struct {
		Status   string    `db:"status"`
		MenteeID int64     `db:"mentee_id"`
		Name     string    `db:"name"`
		Title    string    `db:"title"`
		StartsOn time.Time `db:"starts_on"`
		EndsOn   time.Time `db:"ends_on"`
		Hours    float64   `db:"hours"`
	}
	err := tx.GetContext(ctx, &row, `
		SELECT p.status, p.mentee_id, btrim(u.name) AS name, btrim(concat_ws(' ', m.name, p.post)) AS title,
		       p.starts_on, p.ends_on,
		       coalesce((SELECT sum(post_day_hours(d.starts_at, d.ends_at)) FROM post_days d
		                 WHERE d.pair_id = p.id AND d.status IN ('present', 'late')), 0)::float8 AS hours
		FROM mentoring_pairs p
		JOIN users u ON u.id = p.mentee_id
		LEFT JOIN communities m ON m.id = p.community_id
		WHERE p.id = $1
		FOR UPDATE OF p`, pairID)
	if err != nil {
		return issue{}, "", err
	}
	return issue{
		Kind: "mentoring", TraineeID: row.MenteeID, PairID: pairID, Name: row.Name, Title: row.Title,
		StartsOn: row.StartsOn, EndsOn: row.EndsOn, Hours: row.Hours,
	}, row.Status, nil
}

// OfPair returns the valid certificate of a mentoring pair, or
// ErrNotFound before one is issued.
func (s *Store) OfPair(ctx context.Context, pairID int64) (*Certificate, error) {
	var c Certificate
	err := s.db.GetContext(ctx, &c, certificateSelect+`
		WHERE c.pair_id = $1 AND c.kind = 'mentoring' AND c.status = 'valid'`, pairID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("certificate of pair %d: %w", pairID, err)
	}
	return &c, nil
}

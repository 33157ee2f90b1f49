package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// The log's own actions.
const (
	// PruneAction is the entry a prune that removed entries leaves.
	PruneAction = "audit_log.prune"
	// RetentionAction is the entry of a change to the retention.
	RetentionAction = "audit_log.retention"
)

// Pruned is what a prune did.
type Pruned struct {
	RetentionYears int       `db:"audit_retention_years"`
	Before         time.Time `db:"before"` // entries older than this were removed
	Deleted        int64
}

// Prune deletes the entries older than the school's retention
// (school_settings.audit_retention_years) and, when there were any, records
// that it did, in the same transaction. owner must connect as the owner of
// audit_log: the serving role has no DELETE privilege on it, and the
// append-only trigger lets the owner delete nothing newer than the
// retention (migration 00011).
func Prune(ctx context.Context, owner *sqlx.DB) (Pruned, error) {
	var p Pruned
	tx, err := owner.BeginTxx(ctx, nil)
	if err != nil {
		return p, fmt.Errorf("prune the audit log: %w", err)
	}
	defer tx.Rollback()
	// FOR SHARE holds the setting still until the commit: the trigger reads
	// it again for every row, and a retention raised meanwhile would make
	// it refuse rows this statement chose.
	err = tx.GetContext(ctx, &p, `
		SELECT audit_retention_years, now() - make_interval(years => audit_retention_years) AS before
		FROM school_settings FOR SHARE`)
	if err != nil {
		return p, fmt.Errorf("prune the audit log: read the retention: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE at < now() - make_interval(years => $1)`, p.RetentionYears)
	if err != nil {
		return p, fmt.Errorf("prune the audit log: %w", err)
	}
	if p.Deleted, err = res.RowsAffected(); err != nil {
		return p, fmt.Errorf("prune the audit log: %w", err)
	}
	if p.Deleted > 0 {
		err := Record(ctx, tx, Entry{Action: PruneAction, Object: "audit_log", Details: map[string]any{
			"deleted": p.Deleted, "retention_years": p.RetentionYears, "before": p.Before.UTC().Format(time.RFC3339),
		}})
		if err != nil {
			return p, err
		}
	}
	if err := tx.Commit(); err != nil {
		return p, fmt.Errorf("prune the audit log: %w", err)
	}
	return p, nil
}

package database

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// The server may run as a role of its own, apart from the role that owns
// the schema and runs the migrations (MIGRATION_DATABASE_URL beside
// DATABASE_URL). The owner of a table can always disable its triggers, and
// a superuser bypasses every check, so only a separate, unprivileged
// serving role makes the append-only tables append-only for the server
// itself (SECURITY.md 24): a stolen or injected connection of the server
// can add to the audit log, never rewrite it.

// gooseTable is where goose keeps the applied migrations; only the owner
// writes it.
const gooseTable = "goose_db_version"

// GrantRuntime gives role, the role the server runs as, what serving needs
// and nothing more: reading and writing the rows of every table, and the
// sequences, but no TRUNCATE, no DDL, and only SELECT and INSERT on the
// append-only tables. It is run by the schema's owner after migrating, at
// every start, so that tables added since are covered; it also takes back
// what an earlier, broader grant gave.
func GrantRuntime(ctx context.Context, owner *sqlx.DB, role string) error {
	tx, err := owner.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("grant to %s: %w", role, err)
	}
	defer tx.Rollback()
	appendOnly, err := appendOnlyTables(ctx, tx)
	if err != nil {
		return err
	}
	r := pq.QuoteIdentifier(role)
	stmts := []string{
		`GRANT USAGE ON SCHEMA public TO ` + r,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + r,
		`REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM ` + r,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ` + r,
		`REVOKE UPDATE ON ALL SEQUENCES IN SCHEMA public FROM ` + r,
	}
	var exists bool
	if err := tx.GetContext(ctx, &exists, `SELECT to_regclass($1) IS NOT NULL`, gooseTable); err != nil {
		return fmt.Errorf("grant to %s: %w", role, err)
	}
	if exists {
		stmts = append(stmts, `REVOKE INSERT, UPDATE, DELETE ON `+pq.QuoteIdentifier(gooseTable)+` FROM `+r)
	}
	for _, t := range appendOnly {
		stmts = append(stmts, `REVOKE UPDATE, DELETE ON `+pq.QuoteIdentifier(t)+` FROM `+r)
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("grant to %s: %s: %w", role, s, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("grant to %s: %w", role, err)
	}
	return nil
}

// appendOnlyTables lists the tables whose rows are only ever added. The
// migrations mark each with a trigger that refuses TRUNCATE (audit_log,
// attendance_changes, …), and that trigger is what is looked for here, so
// a new append-only table is protected as soon as it follows the pattern.
func appendOnlyTables(ctx context.Context, q sqlx.QueryerContext) ([]string, error) {
	var names []string
	// tgtype bit 5 (32) is TRUNCATE, in PostgreSQL's trigger.h.
	err := sqlx.SelectContext(ctx, q, &names, `
		SELECT DISTINCT c.relname
		FROM pg_trigger tg
		JOIN pg_class c ON c.oid = tg.tgrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND NOT tg.tgisinternal AND tg.tgtype & 32 <> 0
		ORDER BY c.relname`)
	if err != nil {
		return nil, fmt.Errorf("list append-only tables: %w", err)
	}
	return names, nil
}

// AuditLogProtected reports whether the role db connects as is unable to
// change or remove rows of the audit log, or the log itself: no UPDATE,
// DELETE or TRUNCATE privilege, not its owner (or a member of the owner,
// who could disable its triggers), and not a superuser.
func AuditLogProtected(ctx context.Context, db sqlx.QueryerContext) (bool, error) {
	var can bool
	err := sqlx.GetContext(ctx, db, &can, `
		SELECT has_table_privilege('audit_log', 'UPDATE')
		    OR has_table_privilege('audit_log', 'DELETE')
		    OR has_table_privilege('audit_log', 'TRUNCATE')
		    OR pg_has_role(current_user, c.relowner, 'USAGE')
		    OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
		FROM pg_class c WHERE c.oid = 'audit_log'::regclass`)
	if err != nil {
		return false, fmt.Errorf("check the audit log's privileges: %w", err)
	}
	return !can, nil
}

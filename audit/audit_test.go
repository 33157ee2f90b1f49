package audit_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lib/pq"

	"partyschool/audit"
	"partyschool/database"
	"partyschool/dbtest"
)

// TestServerRoleCannotRewriteTheLog: connected as the role the server runs
// as (database.GrantRuntime), entries are added and read, but no statement
// changes, removes or unprotects them: UPDATE, DELETE, TRUNCATE, disabling
// the triggers, dropping or taking over the table are each refused by
// PostgreSQL's privileges, not by triggers the role could switch off. The
// same holds for the attendance history, the other append-only table.
func TestServerRoleCannotRewriteTheLog(t *testing.T) {
	ctx := context.Background()
	owner, ownerURL := dbtest.NewWithURL(t)
	db, err := database.Open(ctx, dbtest.RuntimeURL(t, owner, ownerURL))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	if err := audit.Record(ctx, db, audit.Entry{Action: "test.entry", Object: "kept", ClientIP: "192.0.2.1"}); err != nil {
		t.Fatalf("the server's role cannot add to the log: %v", err)
	}
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM audit_log WHERE object = 'kept'`); err != nil || n != 1 {
		t.Fatalf("the server's role reads %d entries (%v), want 1", n, err)
	}
	if ok, err := database.AuditLogProtected(ctx, db); err != nil || !ok {
		t.Errorf("AuditLogProtected as the server's role: %v, %v; want true", ok, err)
	}
	if ok, err := database.AuditLogProtected(ctx, owner); err != nil || ok {
		t.Errorf("AuditLogProtected as the owner, a superuser: %v, %v; want false", ok, err)
	}

	for table, column := range map[string]string{"audit_log": "object", "attendance_changes": "note"} {
		for _, stmt := range []string{
			`UPDATE ` + table + ` SET ` + column + ` = ''`,
			`DELETE FROM ` + table,
			`TRUNCATE ` + table,
			`ALTER TABLE ` + table + ` DISABLE TRIGGER ALL`,
			`ALTER TABLE ` + table + ` OWNER TO CURRENT_USER`,
			`DROP TABLE ` + table,
			`CREATE TABLE ` + table + `_copy (LIKE ` + table + `)`,
		} {
			_, err := db.ExecContext(ctx, stmt)
			var pqErr *pq.Error
			// The append-only triggers raise 42501 too: the message tells
			// a refused privilege from a trigger that happened to be on.
			if !errors.As(err, &pqErr) || pqErr.Code != "42501" || strings.Contains(pqErr.Message, "append-only") {
				t.Errorf("%s as the server's role: %v; want a refused privilege (42501)", stmt, err)
			}
		}
	}
	if err := owner.GetContext(ctx, &n, `SELECT count(*) FROM audit_log WHERE object = 'kept'`); err != nil || n != 1 {
		t.Errorf("after the attempts the log holds %d of the entry (%v), want 1", n, err)
	}
}

// TestGrantRuntimeTakesBackBroaderGrants: a serving role given everything
// by hand (GRANT ALL) loses what it must not have at the next start, and
// keeps what serving needs: writing ordinary tables and drawing from
// sequences.
func TestGrantRuntimeTakesBackBroaderGrants(t *testing.T) {
	ctx := context.Background()
	owner, ownerURL := dbtest.NewWithURL(t)
	runtimeURL := dbtest.RuntimeURL(t, owner, ownerURL)
	db, err := database.Open(ctx, runtimeURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var role string
	if err := db.GetContext(ctx, &role, `SELECT current_user`); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.ExecContext(ctx, `GRANT ALL ON ALL TABLES IN SCHEMA public TO `+pq.QuoteIdentifier(role)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := database.AuditLogProtected(ctx, db); ok {
		t.Fatal("AuditLogProtected after GRANT ALL: true, want false")
	}
	if err := database.GrantRuntime(ctx, owner, role); err != nil {
		t.Fatal(err)
	}
	if ok, err := database.AuditLogProtected(ctx, db); err != nil || !ok {
		t.Errorf("AuditLogProtected after GrantRuntime: %v, %v; want true", ok, err)
	}
	for _, stmt := range []string{
		`INSERT INTO communities (name) VALUES ('权限测试社区')`,
		`UPDATE communities SET district = 'x' WHERE name = '权限测试社区'`,
		`DELETE FROM communities WHERE name = '权限测试社区'`,
		`SELECT nextval('enrolment_queue')`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Errorf("%s as the server's role: %v", stmt, err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, true)`); err == nil {
		t.Error("the server's role can record a migration as applied")
	}
}

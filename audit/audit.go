// Package audit keeps the append-only audit log: who did what to whom and
// when. It writes entries, searches them for the admin, and prunes those
// past the school's retention. The table refuses UPDATE and DELETE
// (migration 00008), but for the owner's deletion of expired entries
// (migration 00011).
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"net"

	"github.com/jmoiron/sqlx"
)

// Entry is one line of the log.
type Entry struct {
	ActorID  int64  // who, from the session; 0 for the system
	Action   string // e.g. certificate.issue
	Object   string // what it was done to, e.g. a serial
	Details  map[string]any
	ClientIP string
}

// Record adds an entry on q: the database, or the transaction of the
// change it records, so that the two are written together or not at all.
func Record(ctx context.Context, q sqlx.ExecerContext, e Entry) error {
	details, err := json.Marshal(e.Details)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	if e.Details == nil {
		details = []byte("{}")
	}
	var actor *int64
	if e.ActorID > 0 {
		actor = &e.ActorID
	}
	var ip *string
	if net.ParseIP(e.ClientIP) != nil {
		ip = &e.ClientIP
	}
	_, err = q.ExecContext(ctx, `
		INSERT INTO audit_log (actor_id, action, object, details, client_ip) VALUES ($1, $2, $3, $4, $5)`,
		actor, e.Action, e.Object, details, ip)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// Package seed loads the demo data: a school in the world of the city
// report it is modelled on — its communities and venues, the four demo
// accounts, lecturers of the three teams and forty trainees. Loading it
// again changes nothing (every insert skips rows that exist).
package seed

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"partyschool/auth"
	"partyschool/web"
)

// DemoPassword is the password of every demo account. Demo data only.
const DemoPassword = "partyschool"

// DemoAccounts are the four accounts the README lists, one per role.
var DemoAccounts = []struct{ Username, Name, Role string }{
	{"admin", "陈卫东", web.RoleAdmin},
	{"coordinator", "王秀兰", web.RoleCoordinator},
	{"lecturer", Lecturers[0].Name, web.RoleLecturer},
	{"trainee", "张晓梅", web.RoleTrainee},
}

// Demo loads the demo data in one transaction; it is safe to run twice,
// and two runs at once wait for each other.
func Demo(ctx context.Context, db *sqlx.DB) (Counts, error) {
	// One hash for all demo accounts: they share the password, and hashing
	// sixty times would make the first `make run` slow for nothing.
	hash, err := auth.HashPassword(ctx, DemoPassword)
	if err != nil {
		return Counts{}, err
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return Counts{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('partyschool seed demo'))`); err != nil {
		return Counts{}, fmt.Errorf("lock seed: %w", err)
	}

	var c Counts
	for _, cm := range communities {
		n, err := exec(ctx, tx, `INSERT INTO communities (name, district) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, cm.Name, cm.District)
		if err != nil {
			return c, fmt.Errorf("seed community %s: %w", cm.Name, err)
		}
		c.Communities += n
	}
	for _, v := range venues {
		n, err := exec(ctx, tx, `
			INSERT INTO venues (name, community_id, address, seats)
			VALUES ($1, (SELECT id FROM communities WHERE name = $2), $3, $4)
			ON CONFLICT DO NOTHING`, v.Name, nullIfEmpty(v.Community), v.Address, v.Seats)
		if err != nil {
			return c, fmt.Errorf("seed venue %s: %w", v.Name, err)
		}
		c.Venues += n
	}
	for _, u := range users() {
		n, err := exec(ctx, tx, `
			INSERT INTO users (username, name, phone, role, password_hash)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (username) DO NOTHING`, u.Username, u.Name, nullIfEmpty(u.Phone), u.Role, hash)
		if err != nil {
			return c, fmt.Errorf("seed user %s: %w", u.Username, err)
		}
		c.Users += n
	}
	return c, tx.Commit()
}

// Counts says how many rows a run added.
type Counts struct {
	Communities, Venues, Users int
}

func exec(ctx context.Context, tx *sqlx.Tx, query string, args ...any) (int, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

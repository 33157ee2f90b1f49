// Package seed loads the demo data: a school in the world of the city
// report it is modelled on — its communities and venues, the four demo
// accounts, lecturers of the three teams, forty trainees with their
// profiles, a term of courses whose sessions fall in the weeks around the
// day it is loaded, the trainees' enrolments (one course full, with a
// waitlist) and the attendance of the sessions already over.
// Loading it again changes nothing (every insert skips rows that exist).
package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partyschool/auth"
	"partyschool/certificates"
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
	for _, l := range roster {
		n, err := exec(ctx, tx, `
			INSERT INTO lecturers (name, team, title, organisation, community_id, phone, topics, bio, active, user_id)
			VALUES ($1, $2, $3, $4, (SELECT id FROM communities WHERE name = $5), $6, $7, $8, $9,
			        (SELECT id FROM users WHERE username = $10))
			ON CONFLICT (phone) DO NOTHING`,
			l.Name, l.Team, l.Title, l.Organisation, nullIfEmpty(l.Community), l.Phone,
			pq.Array(l.Topics), l.Bio, !l.Inactive, nullIfEmpty(l.Username))
		if err != nil {
			return c, fmt.Errorf("seed lecturer %s: %w", l.Name, err)
		}
		c.Lecturers += n
	}
	monday := weekOf(time.Now())
	for _, cr := range term {
		courses, sessions, err := seedCourse(ctx, tx, cr, monday)
		if err != nil {
			return c, fmt.Errorf("seed course %s: %w", cr.Code, err)
		}
		c.Courses += courses
		c.Sessions += sessions
	}
	if c.Enrolments, err = seedTrainees(ctx, tx); err != nil {
		return c, err
	}
	if c.Pairs, err = seedMentoring(ctx, tx); err != nil {
		return c, err
	}
	if err := tx.Commit(); err != nil {
		return c, err
	}
	// The closed course of the past weeks has had its certificates issued,
	// by the coordinator, as the school would; issuing again adds none.
	var course, coordinator int64
	err = db.QueryRowxContext(ctx, `
		SELECT (SELECT id FROM courses WHERE code = $1), (SELECT id FROM users WHERE username = 'coordinator')`,
		graduatedCourse).Scan(&course, &coordinator)
	if err != nil {
		return c, fmt.Errorf("find the graduated course: %w", err)
	}
	issued, err := certificates.NewStore(db).Issue(ctx, course, coordinator, "")
	if err != nil {
		return c, fmt.Errorf("issue the demo certificates: %w", err)
	}
	c.Certificates = len(issued.Serials)
	// So has the mentoring pair that completed last term.
	var pairs []int64
	if err := db.SelectContext(ctx, &pairs, `SELECT id FROM mentoring_pairs WHERE status = 'completed' ORDER BY id`); err != nil {
		return c, fmt.Errorf("find the completed pairs: %w", err)
	}
	for _, pair := range pairs {
		_, added, err := certificates.NewStore(db).IssuePair(ctx, pair, coordinator, "")
		if err != nil {
			return c, fmt.Errorf("issue the demo mentoring certificate: %w", err)
		}
		if added {
			c.Certificates++
		}
	}
	return c, nil
}

// graduatedCourse is the demo course whose certificates are issued.
const graduatedCourse = "DX-2026-11"

// Counts says how many rows a run added.
type Counts struct {
	Communities, Venues, Users, Lecturers, Courses, Sessions, Enrolments, Pairs, Certificates int
}

// seedCourse adds cr and its sessions, placed in the week starting on
// monday, and returns how many courses (one or none) and sessions it
// added. A course whose code is taken is left as it is, sessions and all:
// it was loaded before.
func seedCourse(ctx context.Context, tx *sqlx.Tx, cr course, monday time.Time) (courses, sessions int, err error) {
	first, last, err := cr.dates(monday)
	if err != nil {
		return 0, 0, err
	}
	var id int64
	err = tx.GetContext(ctx, &id, `
		INSERT INTO courses (code, title, category, description, community_id, capacity,
		                     starts_on, ends_on, enrol_opens, enrol_closes,
		                     credit_hours, min_attendance, status, created_by)
		VALUES ($1, $2, $3, $4, (SELECT id FROM communities WHERE name = $5), $6,
		        $7, $8, $9, $10,
		        $11, $12, $13, (SELECT id FROM users WHERE username = 'coordinator'))
		ON CONFLICT (code) DO NOTHING
		RETURNING id`,
		cr.Code, cr.Title, cr.Category, cr.Description, nullIfEmpty(cr.Community), cr.Capacity,
		first.Format(time.DateOnly), last.Format(time.DateOnly),
		first.AddDate(0, 0, -14).Add(9*time.Hour), first.AddDate(0, 0, -1).Add(18*time.Hour),
		cr.CreditHours, cr.MinAttendance, cr.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	for _, s := range cr.Sessions {
		start, end, err := s.times(monday)
		if err != nil {
			return 1, sessions, err
		}
		phone := lecturerPhone(s.Lecturer)
		if phone == "" {
			return 1, sessions, fmt.Errorf("session %q: %s is not a demo lecturer", s.Topic, s.Lecturer)
		}
		n, err := exec(ctx, tx, `
			INSERT INTO course_sessions (course_id, lecturer_id, venue_id, starts_at, ends_at, topic)
			VALUES ($1, (SELECT id FROM lecturers WHERE phone = $2),
			        (SELECT id FROM venues WHERE name = $3
			           AND coalesce(community_id, 0) = coalesce((SELECT id FROM communities WHERE name = $4), 0)),
			        $5, $6, $7)`,
			id, phone, cr.Venue, nullIfEmpty(cr.Community), start, end, s.Topic)
		if err != nil {
			return 1, sessions, fmt.Errorf("session %q: %w", s.Topic, err)
		}
		sessions += n
	}
	return 1, sessions, nil
}

// lecturerPhone returns the phone of the demo lecturer called name, the
// key that finds their row, or "" when roster has no such lecturer.
func lecturerPhone(name string) string {
	for _, l := range roster {
		if l.Name == name {
			return l.Phone
		}
	}
	return ""
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

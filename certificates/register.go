package certificates

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"partyschool/audit"
)

// Filter narrows the certificate register. Zero values match everything.
type Filter struct {
	Query     string // part of a serial or of the trainee's name
	Course    string // part of the course's title, or its code
	Year      int    // the year of the serial (the year of issue)
	TraineeID int64
	Limit     int
	Offset    int
}

// registerWhere is the register's filter: $1 query, $2 course, $3 year, $4 trainee.
const registerWhere = `
	WHERE ($1 = '' OR strpos(lower(c.serial), lower($1)) > 0 OR strpos(lower(c.trainee_name), lower($1)) > 0)
	  AND ($2 = '' OR strpos(lower(c.course_title), lower($2)) > 0 OR co.code = upper($2))
	  AND ($3 = 0 OR c.year = $3)
	  AND ($4 = 0 OR c.trainee_id = $4)`

// maxExport caps the rows of one export of the register.
const maxExport = 20000

// Register lists the certificates that match f, the latest first, and
// how many match in all.
func (s *Store) Register(ctx context.Context, f Filter) ([]Certificate, int, error) {
	limit := f.Limit
	if limit <= 0 || limit > maxExport {
		limit = maxExport
	}
	var total int
	err := s.db.GetContext(ctx, &total, `
		SELECT count(*) FROM certificates c LEFT JOIN courses co ON co.id = c.course_id`+registerWhere,
		f.Query, f.Course, f.Year, f.TraineeID)
	if err != nil {
		return nil, 0, fmt.Errorf("count the register: %w", err)
	}
	out := []Certificate{}
	err = s.db.SelectContext(ctx, &out, certificateSelect+`
		LEFT JOIN courses co ON co.id = c.course_id`+registerWhere+`
		ORDER BY c.issued_at DESC, c.id DESC LIMIT $5 OFFSET $6`,
		f.Query, f.Course, f.Year, f.TraineeID, limit, max(f.Offset, 0))
	if err != nil {
		return nil, 0, fmt.Errorf("list the register: %w", err)
	}
	return out, total, nil
}

// Years lists the years certificates were issued in, the latest first.
func (s *Store) Years(ctx context.Context) ([]int, error) {
	out := []int{}
	if err := s.db.SelectContext(ctx, &out, `SELECT DISTINCT year FROM certificates ORDER BY year DESC LIMIT 100`); err != nil {
		return nil, fmt.Errorf("years of the register: %w", err)
	}
	return out, nil
}

// ExcusedCounts reports whether the course counts 请假 as attending.
func (s *Store) ExcusedCounts(ctx context.Context, courseID int64) (bool, error) {
	var on bool
	err := s.db.GetContext(ctx, &on, `SELECT excused_counts FROM courses WHERE id = $1`, courseID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ErrCourseNotFound
	}
	if err != nil {
		return false, fmt.Errorf("excused rule of course %d: %w", courseID, err)
	}
	return on, nil
}

// Audit writes one entry of the audit log: the downloads and exports of
// certificates, which change no row of their own.
func (s *Store) Audit(ctx context.Context, e audit.Entry) error {
	return audit.Record(ctx, s.db, e)
}

// RevokedOn is when the certificate was revoked, or the zero time.
func (c Certificate) RevokedOn() time.Time {
	if c.RevokedAt == nil {
		return time.Time{}
	}
	return *c.RevokedAt
}

// Successor is the serial of the certificate that supersedes this one, or "".
func (c Certificate) Successor() string {
	if c.SupersededBy == nil {
		return ""
	}
	return *c.SupersededBy
}

// Settings are the school's certificate settings.
type Settings struct {
	Prefix  string  `db:"cert_prefix"`  // the serials' prefix, 2 to 8 capital letters
	Wording string  `db:"cert_wording"` // the body, with placeholders
	Seal    []byte  `db:"cert_seal"`    // a PNG, or nil
	OffsetX float64 `db:"cert_offset_x"`
	OffsetY float64 `db:"cert_offset_y"` // print calibration, in mm
}

// Settings returns the certificate settings.
func (s *Store) Settings(ctx context.Context) (Settings, error) {
	var out Settings
	err := s.db.GetContext(ctx, &out, `
		SELECT cert_prefix, cert_wording, cert_seal, cert_offset_x::float8 AS cert_offset_x, cert_offset_y::float8 AS cert_offset_y
		FROM school_settings`)
	if err != nil {
		return Settings{}, fmt.Errorf("certificate settings: %w", err)
	}
	return out, nil
}

// SaveSettings stores the prefix, the wording and the offsets (not the
// seal), and records the change in the audit log.
func (s *Store) SaveSettings(ctx context.Context, st Settings, by int64, ip string) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `
		UPDATE school_settings SET cert_prefix = $1, cert_wording = $2, cert_offset_x = $3, cert_offset_y = $4, updated_at = now()`,
		st.Prefix, st.Wording, st.OffsetX, st.OffsetY)
	if err != nil {
		return fmt.Errorf("save certificate settings: %w", err)
	}
	err = audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "certificate.settings", ClientIP: ip,
		Details: map[string]any{"prefix": st.Prefix, "wording": st.Wording,
			"offset_x": strconv.FormatFloat(st.OffsetX, 'f', 1, 64), "offset_y": strconv.FormatFloat(st.OffsetY, 'f', 1, 64)}})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// SetSeal stores the seal image (a checked PNG), or removes it when png
// is nil, and records the change in the audit log.
func (s *Store) SetSeal(ctx context.Context, png []byte, by int64, ip string) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var seal any // NULL when removed
	if png != nil {
		seal = png
	}
	if _, err := tx.ExecContext(ctx, `UPDATE school_settings SET cert_seal = $1, updated_at = now()`, seal); err != nil {
		return fmt.Errorf("save the seal: %w", err)
	}
	action := "certificate.seal"
	if png == nil {
		action = "certificate.seal_removed"
	}
	err = audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: action, ClientIP: ip,
		Details: map[string]any{"bytes": len(png)}})
	if err != nil {
		return err
	}
	return tx.Commit()
}

package lecturers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partyschool/database"
)

// ErrUnknownCommunity is returned when the chosen community does not exist.
var ErrUnknownCommunity = errors.New("unknown community")

// Store holds the SQL about lecturers.
type Store struct {
	db *sqlx.DB
}

// NewStore returns a store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

const lecturerColumns = `
	l.id, l.name, l.team, l.title, l.organisation, l.community_id,
	coalesce(c.name, '') AS community_name, l.phone, l.topics, l.bio, l.active,
	l.user_id, coalesce(u.username, '') AS username, l.updated_at`

const lecturerFrom = `
	FROM lecturers l
	LEFT JOIN communities c ON c.id = l.community_id
	LEFT JOIN users u ON u.id = l.user_id`

// Filter narrows the roster. Empty fields do not filter.
type Filter struct {
	Team   string
	Topic  string
	Status string // "active" (the default), "inactive" or "all"
	Query  string // part of the name or organisation, or (for staff) a phone number
	Staff  bool   // the viewer keeps the roster: Query may find a phone number
	Limit  int
	Offset int
}

// where is the filter as one fixed statement: an empty parameter switches
// its condition off, so no SQL is ever built from input.
const filterWhere = `
	WHERE ($1 = '' OR l.team = $1)
	  AND ($2 = '' OR $2 = ANY (l.topics))
	  AND ($3 = 'all' OR l.active = ($3 = 'active'))
	  AND ($4 = '' OR l.name ILIKE '%' || $4 || '%' OR l.organisation ILIKE '%' || $4 || '%'
	       OR ($5 AND l.phone = $4))`

func (f Filter) args() []any {
	status := f.Status
	if status != "inactive" && status != "all" {
		status = "active"
	}
	return []any{f.Team, f.Topic, status, database.EscapeLike(f.Query), f.Staff}
}

// List returns one page of the roster, by team then name, and how many
// lecturers match in all.
func (s *Store) List(ctx context.Context, f Filter) ([]Lecturer, int, error) {
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 50
	}
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM lecturers l`+filterWhere, f.args()...); err != nil {
		return nil, 0, fmt.Errorf("count lecturers: %w", err)
	}
	out := []Lecturer{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+lecturerColumns+lecturerFrom+filterWhere+`
		ORDER BY array_position(ARRAY['expert','grassroots','senior'], l.team), l.name, l.id
		LIMIT $6 OFFSET $7`, append(f.args(), f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list lecturers: %w", err)
	}
	return out, total, nil
}

// TeamCount is how many lecturers a roster has.
type TeamCount struct {
	Team     string `db:"team"`
	Active   int    `db:"active"`
	Inactive int    `db:"inactive"`
}

// TeamCounts counts each roster, every team listed even when empty.
func (s *Store) TeamCounts(ctx context.Context) ([]TeamCount, error) {
	out := []TeamCount{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT t.team,
		       count(l.id) FILTER (WHERE l.active) AS active,
		       count(l.id) FILTER (WHERE NOT l.active) AS inactive
		FROM unnest(ARRAY['expert','grassroots','senior']) WITH ORDINALITY AS t (team, n)
		LEFT JOIN lecturers l ON l.team = t.team
		GROUP BY t.team, t.n ORDER BY t.n`)
	if err != nil {
		return nil, fmt.Errorf("count teams: %w", err)
	}
	return out, nil
}

// Topics lists every topic some lecturer teaches, for the filter.
func (s *Store) Topics(ctx context.Context) ([]string, error) {
	out := []string{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT DISTINCT topic FROM lecturers, unnest(topics) AS topic ORDER BY topic LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	return out, nil
}

// Get returns one lecturer.
func (s *Store) Get(ctx context.Context, id int64) (*Lecturer, error) {
	var l Lecturer
	err := s.db.GetContext(ctx, &l, `SELECT `+lecturerColumns+lecturerFrom+` WHERE l.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get lecturer %d: %w", id, err)
	}
	return &l, nil
}

// ByUser returns the lecturer linked to an account.
func (s *Store) ByUser(ctx context.Context, userID int64) (*Lecturer, error) {
	var l Lecturer
	err := s.db.GetContext(ctx, &l, `SELECT `+lecturerColumns+lecturerFrom+` WHERE l.user_id = $1`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("lecturer of user %d: %w", userID, err)
	}
	return &l, nil
}

// Option is a lecturer as a choice in a form.
type Option struct {
	ID     int64  `db:"id"`
	Name   string `db:"name"`
	Team   string `db:"team"`
	Active bool   `db:"active"`
}

// Options lists the active lecturers, and the one with id keep even if it
// is inactive (so editing an old session keeps its lecturer).
func (s *Store) Options(ctx context.Context, keep int64) ([]Option, error) {
	out := []Option{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT id, name, team, active FROM lecturers WHERE active OR id = $1
		ORDER BY array_position(ARRAY['expert','grassroots','senior'], team), name, id LIMIT 2000`, keep)
	if err != nil {
		return nil, fmt.Errorf("list lecturer options: %w", err)
	}
	return out, nil
}

// Create adds a lecturer and returns its id.
func (s *Store) Create(ctx context.Context, f Fields) (int64, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	id, err := insert(ctx, tx, f)
	if err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

func insert(ctx context.Context, tx *sqlx.Tx, f Fields) (int64, error) {
	userID, err := accountID(ctx, tx, f.Username)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.GetContext(ctx, &id, `
		INSERT INTO lecturers (name, team, title, organisation, community_id, phone, topics, bio, user_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		f.Name, f.Team, f.Title, f.Organisation, f.CommunityID, f.Phone, pq.StringArray(f.Topics), f.Bio, userID)
	if err != nil {
		return 0, writeError(err)
	}
	return id, nil
}

// Update saves a lecturer's details.
func (s *Store) Update(ctx context.Context, id int64, f Fields) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	userID, err := accountID(ctx, tx, f.Username)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `
		UPDATE lecturers SET name = $2, team = $3, title = $4, organisation = $5, community_id = $6,
		       phone = $7, topics = $8, bio = $9, user_id = $10, updated_at = now()
		WHERE id = $1`,
		id, f.Name, f.Team, f.Title, f.Organisation, f.CommunityID, f.Phone, pq.StringArray(f.Topics), f.Bio, userID)
	if err != nil {
		return writeError(err)
	}
	if err := database.Affected(res, ErrNotFound); err != nil {
		return err
	}
	return tx.Commit()
}

// accountID finds the lecturer account to link by username; "" links none.
func accountID(ctx context.Context, tx *sqlx.Tx, username string) (*int64, error) {
	if username == "" {
		return nil, nil
	}
	var id int64
	err := tx.GetContext(ctx, &id, `SELECT id FROM users WHERE username = $1 AND role = 'lecturer'`, username)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUnknownUser
	}
	if err != nil {
		return nil, fmt.Errorf("find account %q: %w", username, err)
	}
	return &id, nil
}

// SetActive puts a lecturer on or off the active roster. Their sessions
// and history stay.
func (s *Store) SetActive(ctx context.Context, id int64, active bool) error {
	res, err := s.db.ExecContext(ctx, `UPDATE lecturers SET active = $2, updated_at = now() WHERE id = $1`, id, active)
	if err != nil {
		return fmt.Errorf("set lecturer %d active=%t: %w", id, active, err)
	}
	return database.Affected(res, ErrNotFound)
}

// Delete removes a lecturer who never taught; one with sessions is kept
// (ErrHasSessions): deactivate them instead.
func (s *Store) Delete(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM lecturers WHERE id = $1`, id)
	if database.IsViolation(err, database.ForeignKeyViolation) {
		return ErrHasSessions
	}
	if err != nil {
		return fmt.Errorf("delete lecturer %d: %w", id, err)
	}
	return database.Affected(res, ErrNotFound)
}

// writeError maps a refused write to the error the form explains.
func writeError(err error) error {
	switch {
	case database.IsViolation(err, database.UniqueViolation, "lecturers_phone_key"):
		return ErrPhoneTaken
	case database.IsViolation(err, database.UniqueViolation, "lecturers_user_id_key"):
		return ErrUserLinked
	case database.IsViolation(err, database.ForeignKeyViolation, "lecturers_community_id_fkey"):
		return ErrUnknownCommunity
	}
	return fmt.Errorf("save lecturer: %w", err)
}

package trainees

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jmoiron/sqlx"

	"partyschool/auth"
	"partyschool/courses"
	"partyschool/database"
	"partyschool/web"
)

// Store holds the SQL about trainees, their enrolments and credit hours.
// A trainee is an account with the trainee role; the profile row is
// joined in when there is one.
type Store struct {
	db *sqlx.DB
}

// NewStore returns a store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

const traineeSelect = `
	SELECT u.id, u.username, u.name, u.phone, u.disabled_at, u.created_at,
	       t.gender, t.community_id, coalesce(m.name, '') AS community_name,
	       coalesce(t.organisation, '') AS organisation, coalesce(t.kind, 'resident') AS kind,
	       coalesce(t.party_branch, '') AS party_branch, t.user_id IS NOT NULL AS has_profile
	FROM users u
	LEFT JOIN trainees t ON t.user_id = u.id
	LEFT JOIN communities m ON m.id = t.community_id`

// Get returns one trainee by account id; an account that is not a
// trainee's is not found.
func (s *Store) Get(ctx context.Context, id int64) (*Trainee, error) {
	var t Trainee
	err := s.db.GetContext(ctx, &t, traineeSelect+` WHERE u.id = $1 AND u.role = 'trainee'`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get trainee %d: %w", id, err)
	}
	return &t, nil
}

// Filter narrows the registry. Empty fields do not filter.
type Filter struct {
	Query       string // part of the name, or the phone's digits
	CommunityID int64
	Kind        string
	Limit       int
	Offset      int
}

const registryWhere = `
	WHERE u.role = 'trainee'
	  AND ($1 = '' OR u.name ILIKE '%' || $1 || '%' OR ($2 <> '' AND u.phone LIKE '%' || $2 || '%'))
	  AND ($3::bigint = 0 OR t.community_id = $3)
	  AND ($4 = '' OR coalesce(t.kind, 'resident') = $4)`

// List returns one page of the registry, by name, and how many match.
func (s *Store) List(ctx context.Context, f Filter) ([]Trainee, int, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 30
	}
	q := strings.TrimSpace(f.Query)
	args := []any{database.EscapeLike(q), phoneDigits(q), f.CommunityID, f.Kind}
	var total int
	err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM users u LEFT JOIN trainees t ON t.user_id = u.id`+registryWhere, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("count trainees: %w", err)
	}
	out := []Trainee{}
	err = s.db.SelectContext(ctx, &out, traineeSelect+registryWhere+`
		ORDER BY u.name COLLATE "zh-Hans-x-icu", u.id LIMIT $5 OFFSET $6`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list trainees: %w", err)
	}
	return out, total, nil
}

// FindExact finds trainees by their whole name or their whole phone
// number: the search of someone who may not browse the registry (a
// lecturer adding a walk-in). Unlike a partial search, it can neither
// list the school nor recover a masked number digit by digit.
func (s *Store) FindExact(ctx context.Context, q string, limit int) ([]Trainee, error) {
	q = strings.TrimSpace(q)
	out := []Trainee{}
	if q == "" {
		return out, nil
	}
	phone := auth.NormalizePhone(q)
	if auth.PhoneProblem(phone, true) != "" {
		phone = ""
	}
	err := s.db.SelectContext(ctx, &out, traineeSelect+`
		WHERE u.role = 'trainee' AND (u.name = $1 OR ($2 <> '' AND u.phone = $2))
		ORDER BY u.name COLLATE "zh-Hans-x-icu", u.id LIMIT $3`, q, phone, limit)
	if err != nil {
		return nil, fmt.Errorf("find trainee %q: %w", q, err)
	}
	return out, nil
}

// phoneDigits returns q when it is a run of at least four digits (a phone
// search), else "": a search for "13" should not match every number.
func phoneDigits(q string) string {
	if len(q) < 4 || len(q) > 11 || strings.Trim(q, "0123456789") != "" {
		return ""
	}
	return q
}

// SaveProfile writes a trainee's profile, and their name and phone on the
// account, together.
func (s *Store) SaveProfile(ctx context.Context, id int64, f Fields) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var role string
	err = tx.GetContext(ctx, &role, `SELECT role FROM users WHERE id = $1 FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) || err == nil && role != web.RoleTrainee {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("lock trainee %d: %w", id, err)
	}
	if err := auth.UpdateContact(ctx, tx, id, f.Name, f.Phone); err != nil {
		return err
	}
	if err := upsertProfile(ctx, tx, id, f); err != nil {
		return err
	}
	return tx.Commit()
}

// upsertProfile writes the profile row of account id on q.
func upsertProfile(ctx context.Context, q sqlx.ExecerContext, id int64, f Fields) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO trainees (user_id, gender, community_id, organisation, kind, party_branch)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (user_id) DO UPDATE SET
			gender = EXCLUDED.gender, community_id = EXCLUDED.community_id,
			organisation = EXCLUDED.organisation, kind = EXCLUDED.kind,
			party_branch = EXCLUDED.party_branch, updated_at = now()`,
		id, f.Gender, f.CommunityID, f.Organisation, f.Kind, f.PartyBranch)
	if database.IsViolation(err, database.ForeignKeyViolation, "trainees_community_id_fkey") {
		return ErrUnknownCommunity
	}
	if err != nil {
		return fmt.Errorf("save profile of trainee %d: %w", id, err)
	}
	return nil
}

// feedTokenPattern is the shape of a feed token: 32 bytes in base64url.
var feedTokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// FeedToken returns the secret of a trainee's calendar feed, or "" when
// the trainee has not asked for one yet. It never writes: pages read it
// on GET.
func (s *Store) FeedToken(ctx context.Context, id int64) (string, error) {
	var token sql.NullString
	err := s.db.GetContext(ctx, &token, `SELECT token FROM feed_tokens WHERE user_id = $1`, id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("feed token of trainee %d: %w", id, err)
	}
	return token.String, nil
}

// ResetFeedToken gives the feed a new secret, the first one or a
// replacement: the old address stops working at once.
func (s *Store) ResetFeedToken(ctx context.Context, id int64) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("feed token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	var got string
	err := s.db.GetContext(ctx, &got, `
		INSERT INTO feed_tokens (user_id, token)
		SELECT id, $2 FROM users WHERE id = $1 AND role = 'trainee'
		ON CONFLICT (user_id) DO UPDATE SET token = EXCLUDED.token, created_at = now()
		RETURNING token`, id, token)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("set feed token of trainee %d: %w", id, err)
	}
	return got, nil
}

// ByFeedToken finds the trainee whose feed token this is. A malformed or
// unknown token, or a disabled account, is courses.ErrNotFound: the feed
// answers it with 404, and any other error as the failure it is.
func (s *Store) ByFeedToken(ctx context.Context, token string) (id int64, name string, err error) {
	if !feedTokenPattern.MatchString(token) {
		return 0, "", courses.ErrNotFound
	}
	var row struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	err = s.db.GetContext(ctx, &row, `
		SELECT u.id, u.name FROM feed_tokens f JOIN users u ON u.id = f.user_id
		WHERE f.token = $1 AND u.disabled_at IS NULL AND u.role = 'trainee'`, token)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", courses.ErrNotFound
	}
	if err != nil {
		return 0, "", fmt.Errorf("trainee by feed token: %w", err)
	}
	return row.ID, row.Name, nil
}

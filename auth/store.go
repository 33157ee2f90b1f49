package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/audit"
	"partyschool/database"
)

// Store holds every SQL statement about users, sessions and failed logins.
type Store struct {
	db *sqlx.DB
	// IdleTimeout ends a session nobody has used for this long.
	IdleTimeout time.Duration
	// MaxAge ends a session this long after sign-in, however busy.
	MaxAge time.Duration
}

// NewStore returns a store with the session timeouts of ASVS level 2.
func NewStore(db *sqlx.DB) *Store {
	return &Store{db: db, IdleTimeout: 30 * time.Minute, MaxAge: 12 * time.Hour}
}

const userColumns = `id, username, name, phone, role, password_hash, disabled_at, password_changed_at, must_change_password, created_at`

// CreateUser adds an account, hashing its password.
func (s *Store) CreateUser(ctx context.Context, nu NewUser) (*User, error) {
	hash, err := HashPassword(ctx, nu.Password)
	if err != nil {
		return nil, err
	}
	return s.createUserWithHash(ctx, nu, hash)
}

func (s *Store) createUserWithHash(ctx context.Context, nu NewUser, hash string) (*User, error) {
	return CreateUserWithHash(ctx, s.db, nu, hash)
}

// CreateUserWithHash adds an account whose password is already hashed,
// on q: the database, or a transaction of a caller that writes more rows
// with it (a trainee import creates accounts and profiles together).
func CreateUserWithHash(ctx context.Context, q sqlx.QueryerContext, nu NewUser, hash string) (*User, error) {
	var phone *string
	if nu.Phone != "" {
		phone = &nu.Phone
	}
	u := &User{}
	err := sqlx.GetContext(ctx, q, u, `
		INSERT INTO users (username, name, phone, role, password_hash, must_change_password)
		VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING `+userColumns,
		nu.Username, nu.Name, phone, nu.Role, hash, nu.OneTime)
	switch {
	case database.IsViolation(err, database.UniqueViolation, "users_username_key"):
		return nil, ErrUsernameTaken
	case database.IsViolation(err, database.UniqueViolation, "users_phone_key"):
		return nil, ErrPhoneTaken
	case err != nil:
		return nil, fmt.Errorf("create user %q: %w", nu.Username, err)
	}
	return u, nil
}

// UpdateContact changes an account's name and phone on q (the database or
// a caller's transaction): a trainee's profile keeps them on the account.
func UpdateContact(ctx context.Context, q sqlx.ExecerContext, userID int64, name, phone string) error {
	var p *string
	if phone != "" {
		p = &phone
	}
	res, err := q.ExecContext(ctx, `UPDATE users SET name = $2, phone = $3, updated_at = now() WHERE id = $1`, userID, name, p)
	if database.IsViolation(err, database.UniqueViolation, "users_phone_key") {
		return ErrPhoneTaken
	}
	if err != nil {
		return fmt.Errorf("update contact of user %d: %w", userID, err)
	}
	return database.Affected(res, ErrNotFound)
}

// UserByUsername finds an account by its (normalised) username.
func (s *Store) UserByUsername(ctx context.Context, username string) (*User, error) {
	u := &User{}
	err := s.db.GetContext(ctx, u, `SELECT `+userColumns+` FROM users WHERE username = $1`, username)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("user %q: %w", username, err)
	}
	return u, nil
}

// UserByPhone finds the account that has a (normalised) mobile number;
// numbers are unique across accounts.
func (s *Store) UserByPhone(ctx context.Context, phone string) (*User, error) {
	u := &User{}
	err := s.db.GetContext(ctx, u, `SELECT `+userColumns+` FROM users WHERE phone = $1`, phone)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("user by phone: %w", err)
	}
	return u, nil
}

// UserByID finds an account by id.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	u := &User{}
	err := s.db.GetContext(ctx, u, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("user %d: %w", id, err)
	}
	return u, nil
}

// UsernameExists reports whether an account already uses username.
func (s *Store) UsernameExists(ctx context.Context, username string) (bool, error) {
	var exists bool
	err := s.db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM users WHERE username = $1)`, username)
	if err != nil {
		return false, fmt.Errorf("check username %q: %w", username, err)
	}
	return exists, nil
}

// UserFilter narrows the user list. Empty fields match everything.
type UserFilter struct {
	Query  string // part of the name or username, or a phone number
	Role   string
	Limit  int
	Offset int
}

// ListUsers returns one page of accounts, ordered by role then name, and
// the number of accounts that match in all.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) ([]User, int, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	// One statement with optional parameters keeps the SQL fixed: an empty
	// filter value switches its condition off.
	const where = `
		WHERE ($1 = '' OR role = $1)
		  AND ($2 = '' OR name ILIKE '%' || $2 || '%' OR username ILIKE '%' || $2 || '%' OR phone = $2)`
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM users`+where, f.Role, database.EscapeLike(f.Query)); err != nil {
		return nil, 0, fmt.Errorf("count users: %w", err)
	}
	users := []User{}
	err := s.db.SelectContext(ctx, &users, `
		SELECT `+userColumns+` FROM users`+where+`
		ORDER BY array_position(ARRAY['admin','coordinator','lecturer','trainee'], role), name, id
		LIMIT $3 OFFSET $4`,
		f.Role, database.EscapeLike(f.Query), f.Limit, f.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	return users, total, nil
}

// SetRole changes a user's role and ends their sessions, so the new
// privileges start with a fresh sign-in (SECURITY.md 7). The change is in
// the audit log as done by the user by, from address ip.
func (s *Store) SetRole(ctx context.Context, userID int64, role string, by int64, ip string) error {
	return s.updateUser(ctx, userID, true,
		audit.Entry{ActorID: by, Action: "user.role", Details: map[string]any{"role": role}, ClientIP: ip},
		`UPDATE users SET role = $2, updated_at = now() WHERE id = $1`, role)
}

// SetDisabled disables or re-enables a user; disabling ends their
// sessions. Either is in the audit log.
func (s *Store) SetDisabled(ctx context.Context, userID int64, disabled bool, by int64, ip string) error {
	if !disabled {
		return s.updateUser(ctx, userID, false, audit.Entry{ActorID: by, Action: "user.enable", ClientIP: ip},
			`UPDATE users SET disabled_at = NULL, updated_at = now() WHERE id = $1`)
	}
	return s.updateUser(ctx, userID, true, audit.Entry{ActorID: by, Action: "user.disable", ClientIP: ip},
		`UPDATE users SET disabled_at = coalesce(disabled_at, now()), updated_at = now() WHERE id = $1`)
}

// SetPassword replaces a user's password and ends all their sessions. The
// audit log records that it changed and by whom (the user, or whoever
// reset it), never the password.
func (s *Store) SetPassword(ctx context.Context, userID int64, password string, by int64, ip string) error {
	hash, err := HashPassword(ctx, password)
	if err != nil {
		return err
	}
	return s.updateUser(ctx, userID, true, audit.Entry{ActorID: by, Action: "user.password", ClientIP: ip},
		`UPDATE users SET password_hash = $2, password_changed_at = now(), must_change_password = false,
		                 updated_at = now() WHERE id = $1`, hash)
}

// updateUser runs one UPDATE of a user ($1 is the id, args follow), ends
// all the user's sessions when endSessions is set, and adds entry, about
// the user, to the audit log, all in one transaction.
func (s *Store) updateUser(ctx context.Context, userID int64, endSessions bool, entry audit.Entry, update string, args ...any) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, update, append([]any{userID}, args...)...)
	if err != nil {
		return fmt.Errorf("update user %d: %w", userID, err)
	}
	if err := database.Affected(res, ErrNotFound); err != nil {
		return err
	}
	if endSessions {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("end sessions of user %d: %w", userID, err)
		}
	}
	entry.Object = UserObject(userID)
	if err := audit.Record(ctx, tx, entry); err != nil {
		return err
	}
	return tx.Commit()
}

// UserObject names a user in the audit log.
func UserObject(id int64) string { return fmt.Sprintf("user %d", id) }

// CreateSession starts a session for a user and returns the cookie token.
// The token is 256 random bits; only its SHA-256 is stored.
func (s *Store) CreateSession(ctx context.Context, userID int64) (string, time.Time, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, fmt.Errorf("session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	hash := sha256.Sum256([]byte(token))
	var expires time.Time
	err := s.db.GetContext(ctx, &expires, `
		INSERT INTO sessions (token_hash, user_id, expires_at)
		VALUES ($1, $2, now() + make_interval(secs => $3))
		RETURNING expires_at`,
		hash[:], userID, s.MaxAge.Seconds())
	if err != nil {
		return "", time.Time{}, fmt.Errorf("create session for user %d: %w", userID, err)
	}
	// Sweep sessions that ran out, so the table does not grow forever.
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - make_interval(secs => $1)`, s.IdleTimeout.Seconds()); err != nil {
		return "", time.Time{}, fmt.Errorf("sweep sessions: %w", err)
	}
	return token, expires, nil
}

// SessionUser returns the user of a live session and marks it used. A
// session past its idle or absolute limit, or of a disabled user, is gone.
func (s *Store) SessionUser(ctx context.Context, token string) (*User, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrNoSession
	}
	hash := sha256.Sum256([]byte(token))
	var row struct {
		User
		LastSeen time.Time `db:"last_seen_at"`
	}
	err := s.db.GetContext(ctx, &row, `
		SELECT u.id, u.username, u.name, u.phone, u.role, u.password_hash, u.disabled_at,
		       u.password_changed_at, u.must_change_password, u.created_at, s.last_seen_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1
		  AND s.expires_at > now()
		  AND s.last_seen_at > now() - make_interval(secs => $2)
		  AND u.disabled_at IS NULL`,
		hash[:], s.IdleTimeout.Seconds())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("look up session: %w", err)
	}
	// Writing on every request would turn each page view into a write;
	// a minute's resolution is plenty for an idle timeout.
	if time.Since(row.LastSeen) > time.Minute {
		if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1`, hash[:]); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	return &row.User, nil
}

// DeleteSession ends one session (logout).
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	hash := sha256.Sum256([]byte(token))
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash[:]); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// CountSessions returns how many sessions a user has open.
func (s *Store) CountSessions(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM sessions WHERE user_id = $1`, userID)
	return n, err
}

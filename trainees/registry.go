package trainees

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partyschool/auth"
	"partyschool/web"
)

// passwordAlphabet is what initial passwords are made of: lower-case
// letters and digits without the look-alikes i, l, o, 0 and 1, so a
// password read off a printed slip is typed right the first time.
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// initialPasswordLen is the length of an initial password: 10 characters
// of 31 are about 49 bits, plenty for a password that must be replaced at
// the first sign-in.
const initialPasswordLen = 10

// InitialPassword returns a random one-time password from crypto/rand.
func InitialPassword() (string, error) {
	// Bytes at or above limit are dropped, so every character is equally likely.
	limit := 256 - 256%len(passwordAlphabet)
	out := make([]byte, 0, initialPasswordLen)
	buf := make([]byte, 2*initialPasswordLen)
	for len(out) < initialPasswordLen {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("initial password: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < initialPasswordLen {
				out = append(out, passwordAlphabet[int(b)%len(passwordAlphabet)])
			}
		}
	}
	return string(out), nil
}

// NewAccount is a trainee account the registry created, with the one-time
// password for the one page that shows it; the password is never stored.
type NewAccount struct {
	ID       int64
	Name     string
	Username string
	Password string
}

// Create adds one trainee: an account whose username is the phone number
// (phone-2, phone-3 … when that is taken) with a one-time password, and
// the profile, in one transaction. A phone number that has an account
// already is auth.ErrPhoneTaken, and nothing is written.
func (s *Store) Create(ctx context.Context, f Fields) (*NewAccount, error) {
	password, err := InitialPassword()
	if err != nil {
		return nil, err
	}
	hash, err := auth.HashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		acc, err := s.create(ctx, f, hash)
		// Someone took the chosen username between the look-up and the
		// insert: choose again.
		if errors.Is(err, auth.ErrUsernameTaken) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		acc.Password = password
		return acc, nil
	}
}

func (s *Store) create(ctx context.Context, f Fields, hash string) (*NewAccount, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	names, err := usernamesFor(ctx, tx, []string{f.Phone})
	if err != nil {
		return nil, err
	}
	acc, err := createAccount(ctx, tx, names[f.Phone], f, hash)
	if err != nil {
		return nil, err
	}
	return acc, tx.Commit()
}

// createAccount adds a trainee's account, marked for a password change at
// the first sign-in, and their profile, on tx.
func createAccount(ctx context.Context, tx *sqlx.Tx, username string, f Fields, hash string) (*NewAccount, error) {
	u, err := auth.CreateUserWithHash(ctx, tx, auth.NewUser{
		Username: username, Name: f.Name, Phone: f.Phone, Role: web.RoleTrainee, OneTime: true,
	}, hash)
	if err != nil {
		return nil, err
	}
	if err := upsertProfile(ctx, tx, u.ID, f); err != nil {
		return nil, err
	}
	return &NewAccount{ID: u.ID, Name: u.Name, Username: u.Username}, nil
}

// usernamesFor chooses a free username for each phone number: the number
// itself, or the number with -2, -3 … when an account already uses it.
func usernamesFor(ctx context.Context, q sqlx.QueryerContext, phones []string) (map[string]string, error) {
	taken := map[string]bool{}
	var used []string
	err := sqlx.SelectContext(ctx, q, &used, `
		SELECT username FROM users WHERE split_part(username, '-', 1) = ANY ($1)`, pq.StringArray(phones))
	if err != nil {
		return nil, fmt.Errorf("usernames in use: %w", err)
	}
	for _, u := range used {
		taken[u] = true
	}
	out := make(map[string]string, len(phones))
	for _, p := range phones {
		name := p
		for n := 2; taken[name]; n++ {
			name = p + "-" + strconv.Itoa(n)
		}
		taken[name] = true
		out[p] = name
	}
	return out, nil
}

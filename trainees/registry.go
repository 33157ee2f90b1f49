package trainees

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"time"

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

// Create adds one trainee: an account with a generated username (see
// newUsernames) and a one-time password, and the profile, in one
// transaction. A phone number that has an account already is
// auth.ErrPhoneTaken, and nothing is written.
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
	names, err := newUsernames(ctx, tx, 1)
	if err != nil {
		return nil, err
	}
	acc, err := createAccount(ctx, tx, names[0], f, hash)
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

// usernameDigits is how many random digits follow the "t" of a generated
// username: ten million names, so a clash with an existing account is
// rare, and one is simply drawn again.
const usernameDigits = 7

// usernameSpace is 10^usernameDigits.
var usernameSpace = big.NewInt(10_000_000)

// newUsernames returns n distinct usernames that no account uses: "t" and
// seven digits from crypto/rand. A username is shown on slips, pages and
// lists, so it is never the phone number; trainees sign in with either.
func newUsernames(ctx context.Context, q sqlx.QueryerContext, n int) ([]string, error) {
	out := make([]string, 0, n)
	chosen := map[string]bool{}
	for round := 0; len(out) < n; round++ {
		if round == 10 {
			return nil, fmt.Errorf("choose %d usernames: too many clashes", n)
		}
		var draw []string
		for len(draw) < n-len(out) {
			v, err := rand.Int(rand.Reader, usernameSpace)
			if err != nil {
				return nil, fmt.Errorf("random username: %w", err)
			}
			name := fmt.Sprintf("t%0*d", usernameDigits, v.Int64())
			if !chosen[name] {
				chosen[name] = true
				draw = append(draw, name)
			}
		}
		var used []string
		err := sqlx.SelectContext(ctx, q, &used, `SELECT username FROM users WHERE username = ANY ($1)`, pq.StringArray(draw))
		if err != nil {
			return nil, fmt.Errorf("usernames in use: %w", err)
		}
		taken := make(map[string]bool, len(used))
		for _, u := range used {
			taken[u] = true
		}
		for _, name := range draw {
			if !taken[name] {
				out = append(out, name)
			}
		}
	}
	return out, nil
}

// PairLine is a mentoring pair of a trainee, as their page lists it.
type PairLine struct {
	ID       int64     `db:"id"`
	Title    string    `db:"title"` // the host community and the post
	Mentor   string    `db:"mentor"`
	Status   string    `db:"status"`
	StartsOn time.Time `db:"starts_on"`
	EndsOn   time.Time `db:"ends_on"`
}

// Pairs lists the mentoring pairs a trainee is mentee in, newest first.
func (s *Store) Pairs(ctx context.Context, traineeID int64) ([]PairLine, error) {
	out := []PairLine{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT p.id, btrim(concat_ws(' ', m.name, p.post)) AS title, u.name AS mentor, p.status, p.starts_on, p.ends_on
		FROM mentoring_pairs p JOIN users u ON u.id = p.mentor_id
		LEFT JOIN communities m ON m.id = p.community_id
		WHERE p.mentee_id = $1 ORDER BY p.starts_on DESC, p.id DESC`, traineeID)
	if err != nil {
		return nil, fmt.Errorf("mentoring pairs of %d: %w", traineeID, err)
	}
	return out, nil
}

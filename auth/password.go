package auth

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password length limits (SECURITY.md 5): long passphrases are welcome,
// including Chinese ones; argon2id has no byte limit to truncate them.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

// HashParams are the argon2id costs. Production uses OWASP's recommended
// m=19 MiB, t=2, p=1; tests lower them to keep the suite fast.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultHashParams are the costs for real deployments.
var DefaultHashParams = HashParams{Memory: 19 * 1024, Time: 2, Threads: 1}

// hashParams is what HashPassword uses; tests call SetHashParams.
var hashParams = DefaultHashParams

// SetHashParams changes the costs of new hashes (existing hashes keep
// their own, which are stored in the hash string).
func SetHashParams(p HashParams) { hashParams = p }

// hashSlots bounds how many argon2id computations run at once. Each takes
// 19 MiB and a core for tens of milliseconds: a flood of sign-ins would
// otherwise exhaust memory. Callers queue until their request's deadline.
var hashSlots = make(chan struct{}, 2*runtime.GOMAXPROCS(0))

func withHashSlot(ctx context.Context, f func()) error {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("wait to hash a password: %w", ctx.Err())
	}
	defer func() { <-hashSlots }()
	f()
	return nil
}

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(ctx context.Context, password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	p := hashParams
	var key []byte
	if err := withHashSlot(ctx, func() { key = argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32) }); err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("malformed password hash")

// CheckPassword reports whether password matches the stored hash.
func CheckPassword(ctx context.Context, hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p HashParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	var got []byte
	if err := withHashSlot(ctx, func() { got = argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want))) }); err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when the username does not exist, so a
// wrong username takes as long as a wrong password.
var dummyHash, _ = HashPassword(context.Background(), "partyschool-timing-equaliser")

//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = func() map[string]bool {
	m := make(map[string]bool)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
}()

// PasswordProblem returns the catalogue key of what is wrong with a new
// password, or "" when it is acceptable. No composition rules: length,
// a list of common passwords, and not the username itself.
func PasswordProblem(password, username string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n == 0:
		return "form.password.required"
	case n < MinPasswordLen:
		return "form.password.short"
	case n > MaxPasswordLen:
		return "form.password.long"
	case commonPasswords[strings.ToLower(password)]:
		return "form.password.common"
	case username != "" && strings.EqualFold(password, username):
		return "form.password.username"
	}
	return ""
}

// Package auth covers accounts: users and their roles, password hashing,
// server-side sessions, CSRF tokens, login throttling, registration and the
// pages where users sign in, sign up and manage their own account.
package auth

import (
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"partyschool/web"
)

// Errors the store returns for the handlers to turn into messages.
var (
	ErrNotFound      = errors.New("user not found")
	ErrUsernameTaken = errors.New("username taken")
	ErrPhoneTaken    = errors.New("phone number has an account")
	ErrNoSession     = errors.New("no valid session")
)

// User is an account.
type User struct {
	ID                int64      `db:"id"`
	Username          string     `db:"username"`
	Name              string     `db:"name"`
	Phone             *string    `db:"phone"`
	Role              string     `db:"role"`
	PasswordHash      string     `db:"password_hash"`
	DisabledAt        *time.Time `db:"disabled_at"`
	PasswordChangedAt time.Time  `db:"password_changed_at"`
	// MustChangePassword is set on accounts given a one-time password.
	MustChangePassword bool      `db:"must_change_password"`
	CreatedAt          time.Time `db:"created_at"`
}

// Viewer returns the user as the pages see them.
func (u *User) Viewer() *web.Viewer {
	return &web.Viewer{ID: u.ID, Username: u.Username, Name: u.Name, Role: u.Role, MustChangePassword: u.MustChangePassword}
}

// Disabled reports whether the user may no longer sign in.
func (u *User) Disabled() bool { return u.DisabledAt != nil }

// PhoneMasked returns the phone number with its middle digits hidden.
func (u *User) PhoneMasked() string {
	if u.Phone == nil {
		return ""
	}
	return web.MaskPhone(*u.Phone)
}

// ValidRole reports whether role is one of the four roles.
func ValidRole(role string) bool {
	for _, r := range web.Roles {
		if r == role {
			return true
		}
	}
	return false
}

var (
	usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{2,31}$`)
	phonePattern    = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	// phoneInside finds a mobile number within a longer string: accounts
	// made before usernames were generated were named after the phone
	// number (13812345678, 13812345678-2).
	phoneInside = regexp.MustCompile(`1[3-9][0-9]{9}`)
)

// MaskUsername hides any mobile number inside a username the way
// web.MaskPhone does, so that lists and pages showing usernames never show
// a whole number (SECURITY.md 23).
func MaskUsername(username string) string {
	return phoneInside.ReplaceAllStringFunc(username, web.MaskPhone)
}

// UsernameMasked returns the username with any mobile number in it masked.
func (u *User) UsernameMasked() string { return MaskUsername(u.Username) }

// NormalizeUsername trims and lower-cases a username as typed.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// UsernameProblem returns the catalogue key of what is wrong with a
// (normalised) username, or "".
func UsernameProblem(username string) string {
	switch {
	case username == "":
		return "form.username.required"
	case !usernamePattern.MatchString(username):
		return "form.username.invalid"
	}
	return ""
}

// NormalizePhone removes the spaces and dashes people type in phone numbers
// and a leading +86 or 86 country code.
func NormalizePhone(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if t, ok := strings.CutPrefix(s, "+86"); ok {
		return t
	}
	if len(s) == 13 && strings.HasPrefix(s, "86") {
		return s[2:]
	}
	return s
}

// PhoneProblem returns the catalogue key of what is wrong with a
// (normalised) mobile number, or "".
func PhoneProblem(phone string, required bool) string {
	switch {
	case phone == "" && required:
		return "form.phone.required"
	case phone != "" && !phonePattern.MatchString(phone):
		return "form.phone.invalid"
	}
	return ""
}

// NameProblem returns the catalogue key of what is wrong with a person's
// name, or "".
func NameProblem(name string) string {
	n := utf8.RuneCountInString(name)
	switch {
	case web.Blank(name):
		return "form.name.required"
	case n > 50:
		return "form.name.long"
	}
	return ""
}

// NewUser is what creating an account needs.
type NewUser struct {
	Username string
	Name     string
	Phone    string // "" for none
	Role     string
	Password string
	// OneTime marks Password as an initial password to be replaced at the
	// first sign-in.
	OneTime bool
}

// RegisterForm is the self-registration form, kept as typed.
type RegisterForm struct {
	Name     string `form:"name"`
	Phone    string `form:"phone"`
	Username string `form:"username"`
	Password string `form:"password"`
}

// Parse validates the form and returns the account to create, or one
// message key per bad field.
func (f RegisterForm) Parse() (NewUser, web.FieldErrors) {
	errs := web.FieldErrors{}
	u := NewUser{
		Name:     strings.TrimSpace(f.Name),
		Phone:    NormalizePhone(f.Phone),
		Username: NormalizeUsername(f.Username),
		Password: f.Password,
		Role:     web.RoleTrainee,
	}
	if k := NameProblem(u.Name); k != "" {
		errs.Add("name", k)
	}
	if k := PhoneProblem(u.Phone, true); k != "" {
		errs.Add("phone", k)
	}
	if k := UsernameProblem(u.Username); k != "" {
		errs.Add("username", k)
	} else if phoneInside.MatchString(u.Username) {
		// Sign-in takes a phone number in place of the username: a
		// username that is someone's number would be ambiguous, and
		// usernames are shown where numbers are masked.
		errs.Add("username", "form.username.phone")
	}
	if k := PasswordProblem(u.Password, u.Username); k != "" {
		errs.Add("password", k)
	}
	return u, errs
}

// Package settings keeps the school's own settings: its name, whether
// trainees may register themselves, the yearly credit-hour target of
// party members, the attendance rules (the lock after a session, when
// self check-in opens and when a check-in counts as late) and how long the
// audit log keeps its entries. Later features add their settings here.
package settings

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"
	"golang.org/x/text/width"

	"partyschool/audit"
	"partyschool/web"
)

// School is the one row of school settings.
type School struct {
	Name             string `db:"school_name"`
	RegistrationOpen bool   `db:"registration_open"`
	// CreditHourTarget is the yearly credit hours party members should reach.
	CreditHourTarget float64 `db:"credit_hour_target"`
	// AttendanceLockDays: this many days after a session its marks lock.
	AttendanceLockDays int `db:"attendance_lock_days"`
	// CheckinOpensMinutes: self check-in opens this long before a session.
	CheckinOpensMinutes int `db:"checkin_opens_minutes"`
	// CheckinGraceMinutes: a check-in later than this after the start is late.
	CheckinGraceMinutes int `db:"checkin_grace_minutes"`
	// AuditRetentionYears: audit entries older than this are pruned.
	AuditRetentionYears int       `db:"audit_retention_years"`
	UpdatedAt           time.Time `db:"updated_at"`
}

// Store reads and writes the settings. Every page shows the school's name,
// so reads are cached for a few seconds; a change made by another process
// shows up within that time.
type Store struct {
	db  *sqlx.DB
	ttl time.Duration

	mu         sync.Mutex
	cached     School
	fetched    time.Time
	generation int // bumped by Update, so a read that raced it is not cached
}

// NewStore returns a store whose cache lasts ttl (0 turns it off).
func NewStore(db *sqlx.DB, ttl time.Duration) *Store {
	return &Store{db: db, ttl: ttl}
}

// Get returns the school settings.
func (s *Store) Get(ctx context.Context) (School, error) {
	s.mu.Lock()
	if s.ttl > 0 && time.Since(s.fetched) < s.ttl {
		defer s.mu.Unlock()
		return s.cached, nil
	}
	gen := s.generation
	s.mu.Unlock()

	var sc School
	err := s.db.GetContext(ctx, &sc, `SELECT school_name, registration_open, credit_hour_target::float8 AS credit_hour_target,
		       attendance_lock_days, checkin_opens_minutes, checkin_grace_minutes, audit_retention_years, updated_at
		FROM school_settings`)
	if err != nil {
		return School{}, fmt.Errorf("read school settings: %w", err)
	}
	s.mu.Lock()
	if gen == s.generation {
		s.cached, s.fetched = sc, time.Now()
	}
	s.mu.Unlock()
	return sc, nil
}

// RegistrationOpen reports whether trainees may sign themselves up.
func (s *Store) RegistrationOpen(ctx context.Context) (bool, error) {
	sc, err := s.Get(ctx)
	return sc.RegistrationOpen, err
}

// Update saves the settings, as changed by the user by from address ip. A
// change of the audit log's retention is itself in the audit log: it
// decides what the next prune deletes.
func (s *Store) Update(ctx context.Context, sc School, by int64, ip string) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("update school settings: %w", err)
	}
	defer tx.Rollback()
	// The row is locked before it is read, so two admins saving at once
	// each record the change they actually made.
	var before int
	if err := tx.GetContext(ctx, &before, `SELECT audit_retention_years FROM school_settings FOR UPDATE`); err != nil {
		return fmt.Errorf("update school settings: %w", err)
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE school_settings SET school_name = $1, registration_open = $2, credit_hour_target = $3,
		       attendance_lock_days = $4, checkin_opens_minutes = $5, checkin_grace_minutes = $6,
		       audit_retention_years = $7, updated_at = now()`,
		sc.Name, sc.RegistrationOpen, sc.CreditHourTarget,
		sc.AttendanceLockDays, sc.CheckinOpensMinutes, sc.CheckinGraceMinutes, sc.AuditRetentionYears)
	if err != nil {
		return fmt.Errorf("update school settings: %w", err)
	}
	if before != sc.AuditRetentionYears {
		err := audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: audit.RetentionAction, Object: "school_settings",
			Details: map[string]any{"from_years": before, "to_years": sc.AuditRetentionYears}, ClientIP: ip})
		if err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("update school settings: %w", err)
	}
	s.mu.Lock()
	s.fetched = time.Time{}
	s.generation++
	s.mu.Unlock()
	return nil
}

// Form is the settings form as typed.
type Form struct {
	Name                string
	RegistrationOpen    bool
	CreditHourTarget    string
	AttendanceLockDays  string
	CheckinOpensMinutes string
	CheckinGraceMinutes string
	AuditRetentionYears string
}

// FormOf fills the form from the stored settings.
func FormOf(sc School) Form {
	return Form{
		Name: sc.Name, RegistrationOpen: sc.RegistrationOpen,
		CreditHourTarget:    strconv.FormatFloat(sc.CreditHourTarget, 'f', -1, 64),
		AttendanceLockDays:  strconv.Itoa(sc.AttendanceLockDays),
		CheckinOpensMinutes: strconv.Itoa(sc.CheckinOpensMinutes),
		CheckinGraceMinutes: strconv.Itoa(sc.CheckinGraceMinutes),
		AuditRetentionYears: strconv.Itoa(sc.AuditRetentionYears),
	}
}

// NumberField is one whole-number field of the form as the page shows it.
type NumberField struct {
	Name, Label, Hint, Value string
}

// AttendanceFields lists the attendance settings' fields, in the order
// the page shows them.
func (f Form) AttendanceFields() []NumberField {
	return []NumberField{
		{"attendance_lock_days", "settings.lockdays", "settings.lockdays.hint", f.AttendanceLockDays},
		{"checkin_opens_minutes", "settings.checkinopens", "settings.checkinopens.hint", f.CheckinOpensMinutes},
		{"checkin_grace_minutes", "settings.checkingrace", "settings.checkingrace.hint", f.CheckinGraceMinutes},
	}
}

// The ranges of the attendance and audit settings (the schema's CHECKs).
const (
	MaxAttendanceLockDays  = 365
	MaxCheckinOpensMinutes = 240
	MaxCheckinGraceMinutes = 120
	MinAuditRetentionYears = 1
	MaxAuditRetentionYears = 30
)

// intSetting is one whole-number setting of the form: its field, the
// value as typed, its largest value, where it goes and its messages.
type intSetting struct {
	field, typed string
	min, max     int
	into         *int
	required     string // message key when blank
	invalid      string // message key when not a whole number in range
}

// MaxCreditHourTarget is the largest yearly target the schema holds.
const MaxCreditHourTarget = 999

// Parse validates the form.
func (f Form) Parse() (School, web.FieldErrors) {
	errs := web.FieldErrors{}
	sc := School{Name: strings.TrimSpace(f.Name), RegistrationOpen: f.RegistrationOpen}
	switch n := utf8.RuneCountInString(sc.Name); {
	case web.Blank(sc.Name):
		errs.Add("name", "settings.name.required")
	case n > 60:
		errs.Add("name", "settings.name.long")
	}
	// Hours with at most one decimal, plain digits only (no 1e2 or Inf);
	// full-width digits typed on a Chinese keyboard are read as meant.
	target := width.Narrow.String(strings.TrimSpace(f.CreditHourTarget))
	hours, err := strconv.ParseFloat(target, 64)
	switch {
	case target == "":
		errs.Add("credit_hour_target", "settings.target.required")
	case err != nil || strings.Trim(target, "0123456789.") != "" || hours < 0 || hours > MaxCreditHourTarget ||
		math.Abs(hours*10-math.Round(hours*10)) > 1e-9:
		errs.Add("credit_hour_target", "settings.target.invalid")
	default:
		sc.CreditHourTarget = math.Round(hours*10) / 10
	}
	for _, in := range []intSetting{
		{"attendance_lock_days", f.AttendanceLockDays, 0, MaxAttendanceLockDays, &sc.AttendanceLockDays,
			"settings.lockdays.required", "settings.lockdays.invalid"},
		{"checkin_opens_minutes", f.CheckinOpensMinutes, 0, MaxCheckinOpensMinutes, &sc.CheckinOpensMinutes,
			"settings.checkinopens.required", "settings.checkinopens.invalid"},
		{"checkin_grace_minutes", f.CheckinGraceMinutes, 0, MaxCheckinGraceMinutes, &sc.CheckinGraceMinutes,
			"settings.checkingrace.required", "settings.checkingrace.invalid"},
		{"audit_retention_years", f.AuditRetentionYears, MinAuditRetentionYears, MaxAuditRetentionYears, &sc.AuditRetentionYears,
			"settings.retention.required", "settings.retention.invalid"},
	} {
		// Plain digits only (no sign, no 1e2); full-width digits are read as meant.
		typed := width.Narrow.String(strings.TrimSpace(in.typed))
		n, err := strconv.Atoi(typed)
		switch {
		case typed == "":
			errs.Add(in.field, in.required)
		case err != nil || strings.Trim(typed, "0123456789") != "" || n < in.min || n > in.max:
			errs.Add(in.field, in.invalid)
		default:
			*in.into = n
		}
	}
	return sc, errs
}

// Handler serves the admin's settings page.
type Handler struct {
	Store *Store
}

// Edit shows the settings form.
func (h *Handler) Edit(c *fiber.Ctx) error {
	sc, err := h.Store.Get(c.UserContext())
	if err != nil {
		return err
	}
	p := web.NewPage(c, "settings.title")
	p.Form = FormOf(sc)
	if c.Query("saved") == "1" {
		p.Notice = p.T("settings.saved")
	}
	return web.Render(c, fiber.StatusOK, "admin/settings", p)
}

// Update saves the settings form.
func (h *Handler) Update(c *fiber.Ctx) error {
	f := Form{
		Name:                web.Clean(c.FormValue("school_name"), 400),
		RegistrationOpen:    c.FormValue("registration_open") == "on",
		CreditHourTarget:    web.Clean(c.FormValue("credit_hour_target"), 40),
		AttendanceLockDays:  web.Clean(c.FormValue("attendance_lock_days"), 40),
		CheckinOpensMinutes: web.Clean(c.FormValue("checkin_opens_minutes"), 40),
		CheckinGraceMinutes: web.Clean(c.FormValue("checkin_grace_minutes"), 40),
		AuditRetentionYears: web.Clean(c.FormValue("audit_retention_years"), 40),
	}
	// A form without one of the later fields at all (a page opened
	// before the field was added to it) leaves that setting as it is; a
	// blank field is refused.
	var cur *Form
	for field, of := range laterFields {
		if hasField(c, field) {
			continue
		}
		if cur == nil {
			sc, err := h.Store.Get(c.UserContext())
			if err != nil {
				return err
			}
			stored := FormOf(sc)
			cur = &stored
		}
		*of(&f) = *of(cur)
	}
	sc, errs := f.Parse()
	if errs.Any() {
		p := web.NewPage(c, "settings.title")
		p.Form = f
		p.Errors = errs
		p.Alert = p.T("form.fix")
		return web.Render(c, fiber.StatusUnprocessableEntity, "admin/settings", p)
	}
	if err := h.Store.Update(c.UserContext(), sc, web.ViewerOf(c).ID, web.ClientIP(c)); err != nil {
		return err
	}
	return c.Redirect("/admin/settings?saved=1", fiber.StatusSeeOther)
}

// laterFields are the fields added to the form after its first version,
// each with the way to its value in a Form.
var laterFields = map[string]func(*Form) *string{
	"credit_hour_target":    func(f *Form) *string { return &f.CreditHourTarget },
	"attendance_lock_days":  func(f *Form) *string { return &f.AttendanceLockDays },
	"checkin_opens_minutes": func(f *Form) *string { return &f.CheckinOpensMinutes },
	"checkin_grace_minutes": func(f *Form) *string { return &f.CheckinGraceMinutes },
	"audit_retention_years": func(f *Form) *string { return &f.AuditRetentionYears },
}

// hasField reports whether the posted form carries the field, even empty.
func hasField(c *fiber.Ctx, key string) bool {
	if c.Request().PostArgs().Has(key) {
		return true
	}
	mf, err := c.MultipartForm()
	if err != nil {
		return false
	}
	_, ok := mf.Value[key]
	return ok
}

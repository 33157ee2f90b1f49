package certificates

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/audit"
	"partyschool/web"
)

// Certificate statuses.
const (
	StatusValid      = "valid"
	StatusRevoked    = "revoked"
	StatusSuperseded = "superseded"
)

// Errors the store returns for the handlers to turn into messages.
var (
	ErrNotFound       = errors.New("certificate not found")
	ErrCourseNotFound = errors.New("course not found")
	ErrNotValid       = errors.New("the certificate is not valid")
	ErrReasonNeeded   = errors.New("a reason is needed")
	ErrThrottled      = errors.New("too many failed verifications from this address")
)

// Store holds the SQL about certificates.
type Store struct {
	db *sqlx.DB
}

// NewStore returns a store on db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db} }

// Decision is whether one trainee of a course qualifies, with the numbers
// behind it.
type Decision struct {
	TraineeID   int64   `db:"trainee_id"`
	Name        string  `db:"name"`
	Held        int     `db:"held"`     // the course's sessions held: ended, not cancelled
	Attended    int     `db:"attended"` // of them marked present or late
	Excused     int     `db:"excused"`  // of them marked excused
	Counted     int     `db:"counted"`  // what counts: attended, plus excused when the course says so
	Rate        float64 `db:"rate"`     // counted ÷ held, in percent
	Required    int     `db:"required"` // the course's rule, in percent
	Eligible    bool    `db:"eligible"`
	Certificate *string `db:"serial"` // the valid certificate's serial, if issued
}

// Eligibility decides, in one statement, who of a course's trainees with a
// seat qualifies for a certificate: their marked attendance (present or
// late; 请假 too when the course counts it) over the sessions held is at
// least the course's rule. A course with no session held yet qualifies
// no one.
func (s *Store) Eligibility(ctx context.Context, courseID int64) ([]Decision, error) {
	out := []Decision{}
	err := s.db.SelectContext(ctx, &out, eligibilitySQL+`
		ORDER BY eligible DESC, d.name COLLATE "zh-Hans-x-icu", d.trainee_id`, courseID)
	if err != nil {
		return nil, fmt.Errorf("eligibility in course %d: %w", courseID, err)
	}
	return out, nil
}

// eligibilitySQL is the rule, written once: $1 is the course.
const eligibilitySQL = `
	WITH held AS (
		SELECT id FROM course_sessions
		WHERE course_id = $1 AND cancelled_at IS NULL AND ends_at <= now()),
	counts AS (
		SELECT e.trainee_id, btrim(u.name) AS name,
		       count(a.*) FILTER (WHERE a.status IN ('present', 'late')) AS attended,
		       count(a.*) FILTER (WHERE a.status = 'excused') AS excused
		FROM enrolments e
		JOIN users u ON u.id = e.trainee_id
		LEFT JOIN attendance a ON a.trainee_id = e.trainee_id AND a.session_id IN (SELECT id FROM held)
		WHERE e.course_id = $1 AND e.status = 'enrolled'
		GROUP BY e.trainee_id, u.name),
	d AS (
		SELECT k.trainee_id, k.name, h.n AS held, k.attended, k.excused,
		       k.attended + CASE WHEN c.excused_counts THEN k.excused ELSE 0 END AS counted,
		       c.min_attendance AS required
		FROM counts k, courses c, (SELECT count(*) AS n FROM held) h
		WHERE c.id = $1)
	SELECT d.trainee_id, d.name, d.held, d.attended, d.excused, d.counted, d.required,
	       CASE WHEN d.held = 0 THEN 0 ELSE round(100.0 * d.counted / d.held, 1)::float8 END AS rate,
	       d.held > 0 AND 100 * d.counted >= d.required * d.held AS eligible,
	       (SELECT serial FROM certificates x
	        WHERE x.trainee_id = d.trainee_id AND x.course_id = $1 AND x.kind = 'course' AND x.status = 'valid') AS serial
	FROM d`

// Issued says what an issue did.
type Issued struct {
	Serials []string // the new certificates
	Already int      // eligible trainees who had one
}

// Issue gives a certificate to every eligible trainee of the course who
// has no valid one, in one transaction: issuing twice, or from two
// browsers at once, makes each certificate once (the course's row is
// locked, and a unique index holds it). Serials are taken inside the
// transaction, so they follow each other without gaps.
func (s *Store) Issue(ctx context.Context, courseID, by int64, ip string) (Issued, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Issued{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var course struct {
		Title    string    `db:"title"`
		StartsOn time.Time `db:"starts_on"`
		EndsOn   time.Time `db:"ends_on"`
		Hours    float64   `db:"credit_hours"`
	}
	err = tx.GetContext(ctx, &course, `
		SELECT title, starts_on, ends_on, credit_hours::float8 AS credit_hours FROM courses WHERE id = $1 FOR UPDATE`, courseID)
	if errors.Is(err, sql.ErrNoRows) {
		return Issued{}, ErrCourseNotFound
	}
	if err != nil {
		return Issued{}, fmt.Errorf("lock course %d: %w", courseID, err)
	}
	var decisions []Decision
	if err := tx.SelectContext(ctx, &decisions, eligibilitySQL+` ORDER BY d.name COLLATE "zh-Hans-x-icu", d.trainee_id`, courseID); err != nil {
		return Issued{}, fmt.Errorf("eligibility in course %d: %w", courseID, err)
	}
	var out Issued
	for _, d := range decisions {
		switch {
		case !d.Eligible:
		case d.Certificate != nil:
			out.Already++
		default:
			serial, err := issueOne(ctx, tx, issue{
				TraineeID: d.TraineeID, Name: d.Name, CourseID: courseID, Title: course.Title,
				StartsOn: course.StartsOn, EndsOn: course.EndsOn, Hours: course.Hours, By: by,
			})
			if err != nil {
				return Issued{}, err
			}
			out.Serials = append(out.Serials, serial)
		}
	}
	if len(out.Serials) > 0 {
		err := audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "certificate.issue", Object: fmt.Sprintf("course %d", courseID),
			Details: map[string]any{"serials": out.Serials}, ClientIP: ip})
		if err != nil {
			return Issued{}, err
		}
	}
	return out, tx.Commit()
}

// issue is one certificate to write.
type issue struct {
	Kind                string // "course" (the default) or "mentoring"
	TraineeID, CourseID int64
	PairID              int64 // of a mentoring certificate
	Name, Title         string
	StartsOn, EndsOn    time.Time
	Hours               float64
	By                  int64
}

// issueOne takes the next serial of the school's prefix and this year and
// writes the certificate, with its secret verification code.
func issueOne(ctx context.Context, tx *sqlx.Tx, c issue) (string, error) {
	var prefix string
	var year int
	err := tx.QueryRowxContext(ctx, `
		SELECT cert_prefix, extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int FROM school_settings`).Scan(&prefix, &year)
	if err != nil {
		return "", fmt.Errorf("certificate prefix: %w", err)
	}
	var number int
	err = tx.GetContext(ctx, &number, `
		INSERT INTO certificate_serials (prefix, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (prefix, year) DO UPDATE SET last = certificate_serials.last + 1
		RETURNING last`, prefix, year)
	if err != nil {
		return "", fmt.Errorf("next serial of %s-%d: %w", prefix, year, err)
	}
	serial := fmt.Sprintf("%s-%d-%06d", prefix, year, number)
	_, err = tx.ExecContext(ctx, `
		INSERT INTO certificates (prefix, year, number, serial, code, kind, trainee_id, course_id, pair_id,
		                          trainee_name, course_title, starts_on, ends_on, credit_hours, issued_on, issued_by)
		VALUES ($1, $2, $3, $4, $5, coalesce(nullif($14, ''), 'course'), $6, $7, $15, $8, $9, $10, $11, $12,
		        (now() AT TIME ZONE 'Asia/Shanghai')::date, $13)`,
		prefix, year, number, serial, newCode(), c.TraineeID, nullID(c.CourseID), c.Name, c.Title,
		c.StartsOn.Format(time.DateOnly), c.EndsOn.Format(time.DateOnly), c.Hours, nullID(c.By), c.Kind, nullID(c.PairID))
	if err != nil {
		return "", fmt.Errorf("issue %s: %w", serial, err)
	}
	return serial, nil
}

// codeEncoding writes verification codes: lower-case base32, no padding.
var codeEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newCode returns a verification code: 128 bits from crypto/rand.
func newCode() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return codeEncoding.EncodeToString(b)
}

// Certificate is a certificate as stored.
type Certificate struct {
	ID           int64      `db:"id"`
	Serial       string     `db:"serial"`
	Code         string     `db:"code"`
	Kind         string     `db:"kind"`
	TraineeID    int64      `db:"trainee_id"`
	CourseID     *int64     `db:"course_id"`
	PairID       *int64     `db:"pair_id"` // of a mentoring certificate
	TraineeName  string     `db:"trainee_name"`
	CourseTitle  string     `db:"course_title"`
	StartsOn     time.Time  `db:"starts_on"`
	EndsOn       time.Time  `db:"ends_on"`
	CreditHours  float64    `db:"credit_hours"`
	IssuedOn     time.Time  `db:"issued_on"`
	Status       string     `db:"status"`
	RevokedAt    *time.Time `db:"revoked_at"`
	RevokeReason string     `db:"revoke_reason"`
	SupersededBy *string    `db:"superseded_by_serial"`
	Verified     int        `db:"verifications"`
}

const certificateSelect = `
	SELECT c.id, c.serial, c.code, c.kind, c.trainee_id, c.course_id, c.pair_id, c.trainee_name, c.course_title,
	       c.starts_on, c.ends_on, c.credit_hours::float8 AS credit_hours, c.issued_on, c.status,
	       c.revoked_at, c.revoke_reason, n.serial AS superseded_by_serial, c.verifications
	FROM certificates c LEFT JOIN certificates n ON n.id = c.superseded_by`

// Get returns one certificate.
func (s *Store) Get(ctx context.Context, id int64) (*Certificate, error) {
	var c Certificate
	err := s.db.GetContext(ctx, &c, certificateSelect+` WHERE c.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("certificate %d: %w", id, err)
	}
	return &c, nil
}

// OfCourse lists a course's certificates, valid ones first.
func (s *Store) OfCourse(ctx context.Context, courseID int64) ([]Certificate, error) {
	out := []Certificate{}
	err := s.db.SelectContext(ctx, &out, certificateSelect+`
		WHERE c.course_id = $1 ORDER BY c.status = 'valid' DESC, c.number`, courseID)
	if err != nil {
		return nil, fmt.Errorf("certificates of course %d: %w", courseID, err)
	}
	return out, nil
}

// OfTrainee lists a trainee's certificates, the latest first.
func (s *Store) OfTrainee(ctx context.Context, traineeID int64) ([]Certificate, error) {
	out := []Certificate{}
	err := s.db.SelectContext(ctx, &out, certificateSelect+`
		WHERE c.trainee_id = $1 ORDER BY c.issued_at DESC, c.id DESC LIMIT 200`, traineeID)
	if err != nil {
		return nil, fmt.Errorf("certificates of trainee %d: %w", traineeID, err)
	}
	return out, nil
}

// Revoke withdraws a valid certificate, with a reason; the record stays.
func (s *Store) Revoke(ctx context.Context, id, by int64, reason, ip string) error {
	reason = clip(strings.TrimSpace(reason), 200) // as stored, and as logged
	if web.Blank(reason) {
		return ErrReasonNeeded
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var serial string
	err = tx.GetContext(ctx, &serial, `
		UPDATE certificates SET status = 'revoked', revoked_at = now(), revoked_by = $2, revoke_reason = $3
		WHERE id = $1 AND status = 'valid' RETURNING serial`, id, nullID(by), reason)
	if errors.Is(err, sql.ErrNoRows) {
		return s.notValid(ctx, id)
	}
	if err != nil {
		return fmt.Errorf("revoke certificate %d: %w", id, err)
	}
	err = audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "certificate.revoke", Object: serial,
		Details: map[string]any{"reason": reason}, ClientIP: ip})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// Reissue replaces a valid certificate with a new one, with a new serial
// and what the trainee's account and the course say now (a corrected
// name, say); the old one is kept, superseded by the new.
func (s *Store) Reissue(ctx context.Context, id, by int64, ip string) (string, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var old struct {
		Serial    string `db:"serial"`
		Kind      string `db:"kind"`
		TraineeID int64  `db:"trainee_id"`
		CourseID  *int64 `db:"course_id"`
		PairID    *int64 `db:"pair_id"`
	}
	err = tx.GetContext(ctx, &old, `
		SELECT serial, kind, trainee_id, course_id, pair_id FROM certificates WHERE id = $1 AND status = 'valid' FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", s.notValid(ctx, id)
	}
	if err != nil {
		return "", fmt.Errorf("lock certificate %d: %w", id, err)
	}
	var c issue
	if old.Kind == "mentoring" {
		c, _, err = pairIssue(ctx, tx, *old.PairID)
	} else {
		err = tx.QueryRowxContext(ctx, `
			SELECT btrim(u.name), co.title, co.starts_on, co.ends_on, co.credit_hours::float8
			FROM users u, courses co WHERE u.id = $1 AND co.id = $2 FOR UPDATE OF co`, old.TraineeID, *old.CourseID).
			Scan(&c.Name, &c.Title, &c.StartsOn, &c.EndsOn, &c.Hours)
		c.TraineeID, c.CourseID = old.TraineeID, *old.CourseID
	}
	if err != nil {
		return "", fmt.Errorf("reissue certificate %d: %w", id, err)
	}
	c.By = by
	// The old one stops being valid first, so that the one valid
	// certificate per trainee and course is the new one.
	if _, err := tx.ExecContext(ctx, `UPDATE certificates SET status = 'revoked', revoked_at = now() WHERE id = $1`, id); err != nil {
		return "", fmt.Errorf("retire certificate %d: %w", id, err)
	}
	serial, err := issueOne(ctx, tx, c)
	if err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE certificates SET status = 'superseded', revoked_at = NULL, revoked_by = NULL,
		       superseded_by = (SELECT id FROM certificates WHERE serial = $2)
		WHERE id = $1`, id, serial)
	if err != nil {
		return "", fmt.Errorf("supersede certificate %d: %w", id, err)
	}
	err = audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "certificate.reissue", Object: old.Serial,
		Details: map[string]any{"new": serial}, ClientIP: ip})
	if err != nil {
		return "", err
	}
	return serial, tx.Commit()
}

// notValid tells a missing certificate from one no longer valid.
func (s *Store) notValid(ctx context.Context, id int64) error {
	if _, err := s.Get(ctx, id); err != nil {
		return err
	}
	return ErrNotValid
}

// Verify finds the certificate of a serial whose verification code is
// code, and counts the verification. An unknown serial and a wrong code
// are the same ErrNotFound, after the same work (one lookup, one
// constant-time comparison), so neither tells which it was. Each client
// address (an IPv6 one by its /64, which one household holds) may fail
// maxVerifyFailures times in verifyWindow: its attempts queue on a lock
// of their own, so a burst in parallel is counted like one in a row, and
// past the limit they are ErrThrottled without a lookup.
func (s *Store) Verify(ctx context.Context, ip, serial, code string) (*Certificate, error) {
	bucket := addressBucket(ip)
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('partyschool verify ' || $1, 0))`, bucket); err != nil {
		return nil, fmt.Errorf("lock verifications of %s: %w", bucket, err)
	}
	var failures int
	err = tx.GetContext(ctx, &failures, `
		SELECT count(*) FROM verify_failures WHERE client_ip = $1::inet AND failed_at > now() - make_interval(secs => $2)`,
		bucket, verifyWindow.Seconds())
	if err != nil {
		return nil, fmt.Errorf("count failed verifications: %w", err)
	}
	if failures >= maxVerifyFailures {
		return nil, ErrThrottled
	}
	var c Certificate
	err = tx.GetContext(ctx, &c, certificateSelect+` WHERE c.serial = $1`, serial)
	stored := c.Code
	found := err == nil
	if !found && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("verify %s: %w", serial, err)
	}
	if !found {
		stored = strings.Repeat("a", 26) // compared all the same
	}
	if subtle.ConstantTimeCompare([]byte(stored), []byte(code)) != 1 || !found {
		if _, err := tx.ExecContext(ctx, `INSERT INTO verify_failures (client_ip) VALUES ($1::inet)`, bucket); err != nil {
			return nil, fmt.Errorf("record a failed verification: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM verify_failures WHERE failed_at < now() - interval '1 day'`); err != nil {
			return nil, fmt.Errorf("sweep failed verifications: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("record a failed verification: %w", err)
		}
		return nil, ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, `UPDATE certificates SET verifications = verifications + 1 WHERE id = $1`, c.ID); err != nil {
		return nil, fmt.Errorf("count the verification of %s: %w", serial, err)
	}
	return &c, tx.Commit()
}

// addressBucket is what verification failures are counted by: an IPv4
// address, or an IPv6 address's /64; an unreadable one is 0.0.0.0.
func addressBucket(ip string) string {
	a := net.ParseIP(ip)
	switch {
	case a == nil:
		return "0.0.0.0"
	case a.To4() != nil:
		return a.To4().String()
	}
	return (&net.IPNet{IP: a.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
}

// Public verification allows maxVerifyFailures failures per address in
// verifyWindow: enough for people mistyping, far too few to enumerate.
const (
	maxVerifyFailures = 20
	verifyWindow      = 10 * time.Minute
)

// MaskName hides a name but its first and last characters: 李*忠, 王*;
// a name of one character is all hidden.
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// nullID is NULL for 0, else the id.
func nullID(id int64) *int64 {
	if id <= 0 {
		return nil
	}
	return &id
}

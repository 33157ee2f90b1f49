package trainees

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partyschool/audit"
	"partyschool/database"
	"partyschool/web"
)

// A trainee's personal data (SECURITY.md, personal data): they can take
// a copy of all the school keeps about them, and ask for their account to
// be erased, which a coordinator confirms. Erasing removes what names or
// reaches them — name, phone, username, profile, feed, sign-in sessions —
// and keeps the training record under an account that names no one:
// marks, credit hours, mentoring days and issued certificates (which stay
// on the register and verifiable, as the privacy notice says).

// Errors of the deletion requests.
var (
	ErrRequestPending  = errors.New("a deletion request is already open")
	ErrRequestNotFound = errors.New("no such open deletion request")
	ErrAnswerNeeded    = errors.New("declining needs an answer")
)

// ErasedName is what an erased account is called from then on.
const ErasedName = "已注销学员"

// DeletionRequest is a trainee's request to erase their account.
type DeletionRequest struct {
	ID          int64      `db:"id" json:"id"`
	UserID      int64      `db:"user_id" json:"-"`
	Name        string     `db:"name" json:"-"`
	PhoneMasked string     `db:"phone" json:"-"`
	Community   string     `db:"community" json:"-"`
	Reason      string     `db:"reason" json:"reason"`
	Status      string     `db:"status" json:"status"` // pending, cancelled, erased, declined
	RequestedAt time.Time  `db:"requested_at" json:"requested_at"`
	DecidedBy   string     `db:"decided_by" json:"decided_by"`
	DecidedAt   *time.Time `db:"decided_at" json:"decided_at"`
	Answer      string     `db:"answer" json:"answer"`
}

// RequestDeletion opens a trainee's request; a second while one is open
// is ErrRequestPending, whatever the concurrency (a unique index).
func (s *Store) RequestDeletion(ctx context.Context, traineeID int64, reason, ip string) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.GetContext(ctx, &id, `
		INSERT INTO deletion_requests (user_id, reason)
		SELECT id, $2 FROM users WHERE id = $1 AND role = 'trainee'
		RETURNING id`, traineeID, reason)
	switch {
	case database.IsViolation(err, database.UniqueViolation, "deletion_requests_one_pending"):
		return ErrRequestPending
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("request deletion of %d: %w", traineeID, err)
	}
	err = audit.Record(ctx, tx, audit.Entry{ActorID: traineeID, Action: "personal_data.request", Object: userObject(traineeID),
		Details: map[string]any{"request": id}, ClientIP: ip})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// CancelDeletion withdraws the trainee's open request.
func (s *Store) CancelDeletion(ctx context.Context, traineeID int64) error {
	res, err := s.db.ExecContext(ctx, `
		UPDATE deletion_requests SET status = 'cancelled', decided_at = now(), decided_by = $1
		WHERE user_id = $1 AND status = 'pending'`, traineeID)
	if err != nil {
		return fmt.Errorf("cancel deletion of %d: %w", traineeID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrRequestNotFound
	}
	return nil
}

// requestSelect reads requests with who asked (masked) and who decided.
const requestSelect = `
	SELECT r.id, r.user_id, u.name, coalesce(u.phone, '') AS phone, coalesce(m.name, '') AS community,
	       r.reason, r.status, r.requested_at, coalesce(d.name, '') AS decided_by, r.decided_at, r.answer
	FROM deletion_requests r
	JOIN users u ON u.id = r.user_id
	LEFT JOIN trainees t ON t.user_id = u.id
	LEFT JOIN communities m ON m.id = t.community_id
	LEFT JOIN users d ON d.id = r.decided_by`

// MyDeletion returns the trainee's latest request, nil without one.
func (s *Store) MyDeletion(ctx context.Context, traineeID int64) (*DeletionRequest, error) {
	var r DeletionRequest
	err := s.db.GetContext(ctx, &r, requestSelect+` WHERE r.user_id = $1 ORDER BY r.requested_at DESC, r.id DESC LIMIT 1`, traineeID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("deletion request of %d: %w", traineeID, err)
	}
	r.PhoneMasked = web.MaskPhone(r.PhoneMasked)
	return &r, nil
}

// Deletions lists the open requests, oldest first, then the last fifty
// decided.
func (s *Store) Deletions(ctx context.Context) (open, decided []DeletionRequest, err error) {
	open, decided = []DeletionRequest{}, []DeletionRequest{}
	if err := s.db.SelectContext(ctx, &open, requestSelect+` WHERE r.status = 'pending' ORDER BY r.requested_at, r.id`); err != nil {
		return nil, nil, fmt.Errorf("open deletion requests: %w", err)
	}
	if err := s.db.SelectContext(ctx, &decided, requestSelect+`
		WHERE r.status <> 'pending' ORDER BY r.decided_at DESC NULLS LAST, r.id DESC LIMIT 50`); err != nil {
		return nil, nil, fmt.Errorf("decided deletion requests: %w", err)
	}
	for _, list := range [][]DeletionRequest{open, decided} {
		for i := range list {
			list[i].PhoneMasked = web.MaskPhone(list[i].PhoneMasked)
		}
	}
	return open, decided, nil
}

// DeclineDeletion answers an open request with a no and the reason.
func (s *Store) DeclineDeletion(ctx context.Context, requestID, by int64, answer, ip string) error {
	if answer == "" {
		return ErrAnswerNeeded
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var userID int64
	err = tx.GetContext(ctx, &userID, `
		UPDATE deletion_requests SET status = 'declined', decided_by = $2, decided_at = now(), answer = $3
		WHERE id = $1 AND status = 'pending' RETURNING user_id`, requestID, by, answer)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrRequestNotFound
	}
	if err != nil {
		return fmt.Errorf("decline deletion request %d: %w", requestID, err)
	}
	err = audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "personal_data.decline", Object: userObject(userID),
		Details: map[string]any{"request": requestID}, ClientIP: ip})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// Erase confirms an open request: in one transaction the trainee leaves
// the courses still to come (their seats go to the waitlist in order),
// an active mentoring pair ends, and the account stops naming or reaching
// anyone. What was recorded of the training stays, anonymous.
func (s *Store) Erase(ctx context.Context, requestID, by int64, ip string) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var userID int64
	err = tx.GetContext(ctx, &userID, `
		UPDATE deletion_requests SET status = 'erased', decided_by = $2, decided_at = now()
		WHERE id = $1 AND status = 'pending' RETURNING user_id`, requestID, by)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrRequestNotFound
	}
	if err != nil {
		return fmt.Errorf("confirm deletion request %d: %w", requestID, err)
	}
	var open []int64
	err = tx.SelectContext(ctx, &open, `
		SELECT e.course_id FROM enrolments e JOIN courses c ON c.id = e.course_id
		WHERE e.trainee_id = $1 AND e.status IN ('enrolled', 'waitlisted') AND c.status IN ('draft', 'published')
		ORDER BY e.course_id`, userID)
	if err != nil {
		return fmt.Errorf("open enrolments of %d: %w", userID, err)
	}
	for _, courseID := range open {
		if err := leaveCourse(ctx, tx, courseID, userID, by); err != nil {
			return err
		}
	}
	steps := []struct{ what, query string }{
		{"end the active pair", `UPDATE mentoring_pairs SET status = 'ended', end_reason = '学员已注销账户', updated_at = now()
			WHERE mentee_id = $1 AND status = 'active'`},
		{"call off planned pairs", `UPDATE mentoring_pairs SET status = 'ended', end_reason = '学员已注销账户', updated_at = now()
			WHERE mentee_id = $1 AND status = 'planned'`},
		{"drop the profile", `DELETE FROM trainees WHERE user_id = $1`},
		{"drop the feed", `DELETE FROM feed_tokens WHERE user_id = $1`},
		{"end the sessions", `DELETE FROM sessions WHERE user_id = $1`},
		{"anonymise the account", `UPDATE users SET name = '` + ErasedName + `', phone = NULL,
			username = 'erased' || id, disabled_at = coalesce(disabled_at, now()), updated_at = now()
			WHERE id = $1`},
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, st.query, userID); err != nil {
			return fmt.Errorf("erase %d: %s: %w", userID, st.what, err)
		}
	}
	err = audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "personal_data.erase", Object: userObject(userID),
		Details: map[string]any{"request": requestID, "courses_left": len(open)}, ClientIP: ip})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// leaveCourse withdraws a trainee from a course within tx, giving a seat
// they held to the waitlist in order, as Withdraw does.
func leaveCourse(ctx context.Context, tx *sqlx.Tx, courseID, traineeID, by int64) error {
	c, err := lockCourse(ctx, tx, courseID)
	if err != nil {
		return err
	}
	var status string
	err = tx.GetContext(ctx, &status, `
		UPDATE enrolments e SET status = 'withdrawn', withdrawn_at = now(), changed_by = $3, updated_at = now()
		FROM enrolments old WHERE old.id = e.id AND e.course_id = $1 AND e.trainee_id = $2
		RETURNING old.status`, courseID, traineeID, nullID(by))
	if err != nil {
		return fmt.Errorf("withdraw %d from course %d: %w", traineeID, courseID, err)
	}
	if status == StatusEnrolled {
		c.Enrolled--
		if _, err := fillSeats(ctx, tx, c, by); err != nil {
			return err
		}
	}
	return nil
}

// userObject names an account in the audit log.
func userObject(id int64) string { return "user " + strconv.FormatInt(id, 10) }

// MyData is everything the school keeps about a trainee, as they download
// it: their account, profile, enrolments, attendance, credit hours,
// certificates, mentoring and deletion requests.
type MyData struct {
	ExportedAt  time.Time         `json:"exported_at"`
	Account     myAccount         `json:"account"`
	Profile     *myProfile        `json:"profile"`
	Enrolments  []myEnrolment     `json:"enrolments"`
	Attendance  []myMark          `json:"attendance"`
	CreditHours []myYear          `json:"credit_hours"`
	Certificate []myCertificate   `json:"certificates"`
	Mentoring   []myPair          `json:"mentoring"`
	Requests    []DeletionRequest `json:"deletion_requests"`
}

type myAccount struct {
	Username  string    `db:"username" json:"username"`
	Name      string    `db:"name" json:"name"`
	Phone     *string   `db:"phone" json:"phone"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

type myProfile struct {
	Gender       *string `db:"gender" json:"gender"`
	Community    string  `db:"community" json:"community"`
	Organisation string  `db:"organisation" json:"organisation"`
	Kind         string  `db:"kind" json:"kind"`
	PartyBranch  string  `db:"party_branch" json:"party_branch"`
}

type myEnrolment struct {
	Code        string     `db:"code" json:"course_code"`
	Title       string     `db:"title" json:"course"`
	Status      string     `db:"status" json:"status"`
	EnrolledAt  *time.Time `db:"enrolled_at" json:"enrolled_at"`
	WithdrawnAt *time.Time `db:"withdrawn_at" json:"withdrawn_at"`
}

type myMark struct {
	Course   string    `db:"course" json:"course"`
	StartsAt time.Time `db:"starts_at" json:"session_starts_at"`
	Status   string    `db:"status" json:"status"`
	Note     string    `db:"note" json:"note"`
	Source   string    `db:"source" json:"source"`
}

type myYear struct {
	Year  int     `json:"year"`
	Hours float64 `json:"hours"`
}

type myCertificate struct {
	Serial   string    `db:"serial" json:"serial"`
	Kind     string    `db:"kind" json:"kind"`
	Title    string    `db:"course_title" json:"course_or_post"`
	Hours    float64   `db:"credit_hours" json:"credit_hours"`
	IssuedOn time.Time `db:"issued_on" json:"issued_on"`
	Status   string    `db:"status" json:"status"`
}

type myPair struct {
	ID         int64          `db:"id" json:"-"`
	Post       string         `db:"post" json:"post"`
	Mentor     string         `db:"mentor" json:"mentor"`
	StartsOn   time.Time      `db:"starts_on" json:"starts_on"`
	EndsOn     time.Time      `db:"ends_on" json:"ends_on"`
	Status     string         `db:"status" json:"status"`
	Goals      pq.StringArray `db:"goals" json:"goals"`
	Evaluation *string        `db:"evaluation" json:"evaluation"`
	Days       []myPostDay    `json:"post_days"`
}

type myPostDay struct {
	PairID    int64      `db:"pair_id" json:"-"`
	StartsAt  time.Time  `db:"starts_at" json:"starts_at"`
	Status    *string    `db:"status" json:"attendance"`
	Did       *string    `db:"did" json:"log_did"`
	Learned   *string    `db:"learned" json:"log_learned"`
	Questions *string    `db:"questions" json:"log_questions"`
	Signed    *time.Time `db:"countersigned_at" json:"log_countersigned_at"`
}

// Data gathers a trainee's data for their download.
func (s *Store) Data(ctx context.Context, traineeID int64) (*MyData, error) {
	d := &MyData{ExportedAt: time.Now(), Enrolments: []myEnrolment{}, Attendance: []myMark{}, CreditHours: []myYear{},
		Certificate: []myCertificate{}, Mentoring: []myPair{}, Requests: []DeletionRequest{}}
	if err := s.db.GetContext(ctx, &d.Account, `
		SELECT username, name, phone, created_at FROM users WHERE id = $1 AND role = 'trainee'`, traineeID); err != nil {
		return nil, fmt.Errorf("account of %d: %w", traineeID, err)
	}
	var p myProfile
	err := s.db.GetContext(ctx, &p, `
		SELECT t.gender, coalesce(m.name, '') AS community, t.organisation, t.kind, t.party_branch
		FROM trainees t LEFT JOIN communities m ON m.id = t.community_id WHERE t.user_id = $1`, traineeID)
	switch {
	case err == nil:
		d.Profile = &p
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("profile of %d: %w", traineeID, err)
	}
	var pairs []myPair
	var days []myPostDay
	queries := []struct {
		dest  any
		query string
	}{
		{&d.Enrolments, `SELECT c.code, c.title, e.status, e.enrolled_at, e.withdrawn_at
			FROM enrolments e JOIN courses c ON c.id = e.course_id WHERE e.trainee_id = $1 ORDER BY e.created_at`},
		{&d.Attendance, `SELECT c.title AS course, s.starts_at, a.status, a.note, a.source
			FROM attendance a JOIN course_sessions s ON s.id = a.session_id JOIN courses c ON c.id = s.course_id
			WHERE a.trainee_id = $1 ORDER BY s.starts_at`},
		{&d.Certificate, `SELECT serial, kind, course_title, credit_hours::float8 AS credit_hours, issued_on, status
			FROM certificates WHERE trainee_id = $1 ORDER BY issued_at`},
		{&pairs, `SELECT p.id, btrim(concat_ws(' ', m.name, p.post)) AS post, u.name AS mentor, p.starts_on, p.ends_on,
			       p.status, p.goals, ev.comment AS evaluation
			FROM mentoring_pairs p JOIN users u ON u.id = p.mentor_id
			LEFT JOIN communities m ON m.id = p.community_id
			LEFT JOIN mentoring_evaluations ev ON ev.pair_id = p.id AND ev.confirmed_at IS NOT NULL
			WHERE p.mentee_id = $1 ORDER BY p.starts_on`},
		{&days, `SELECT d.pair_id, d.starts_at, d.status, l.did, l.learned, l.questions, l.countersigned_at
			FROM post_days d JOIN mentoring_pairs p ON p.id = d.pair_id
			LEFT JOIN mentoring_logs l ON l.post_day_id = d.id
			WHERE p.mentee_id = $1 ORDER BY d.starts_at`},
		{&d.Requests, requestSelect + ` WHERE r.user_id = $1 ORDER BY r.requested_at`},
	}
	for _, q := range queries {
		if err := s.db.SelectContext(ctx, q.dest, q.query, traineeID); err != nil {
			return nil, fmt.Errorf("data of %d: %w", traineeID, err)
		}
	}
	for i := range pairs {
		pairs[i].Days = []myPostDay{}
		for _, day := range days {
			if day.PairID == pairs[i].ID {
				pairs[i].Days = append(pairs[i].Days, day)
			}
		}
	}
	d.Mentoring = append(d.Mentoring, pairs...)
	var years []int
	err = s.db.SelectContext(ctx, &years, `
		SELECT DISTINCT extract(year FROM s.starts_at AT TIME ZONE 'Asia/Shanghai')::int AS y
		FROM attendance a JOIN course_sessions s ON s.id = a.session_id WHERE a.trainee_id = $1
		UNION
		SELECT DISTINCT extract(year FROM d.starts_at AT TIME ZONE 'Asia/Shanghai')::int
		FROM post_days d JOIN mentoring_pairs p ON p.id = d.pair_id WHERE p.mentee_id = $1
		ORDER BY 1`, traineeID)
	if err != nil {
		return nil, fmt.Errorf("years of %d: %w", traineeID, err)
	}
	for _, y := range years {
		l, err := s.Ledger(ctx, traineeID, y)
		if err != nil {
			return nil, err
		}
		d.CreditHours = append(d.CreditHours, myYear{Year: y, Hours: l.Total})
	}
	return d, nil
}

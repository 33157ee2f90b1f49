package trainees

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partyschool/auth"
	"partyschool/courses"
	"partyschool/i18n"
	"partyschool/places"
	"partyschool/sheets"
	"partyschool/web"
)

// The registry's columns in a spreadsheet, in the order of the template,
// with the other names a header may use for them.
var importColumns = []sheets.Column{
	{Key: "name", Names: []string{"姓名", "name"}},
	{Key: "phone", Names: []string{"手机号", "手机", "手机号码", "联系电话", "电话", "phone", "mobile"}},
	{Key: "gender", Names: []string{"性别", "gender"}},
	{Key: "community", Names: []string{"社区", "所在社区", "community"}},
	{Key: "organisation", Names: []string{"工作单位", "单位", "organisation", "organization", "workplace"}},
	{Key: "kind", Names: []string{"类型", "学员类型", "type", "kind"}},
	{Key: "branch", Names: []string{"党支部", "所在党支部", "party branch", "branch"}},
}

// kindNames maps what people write in the type column, lower-cased, to a
// kind: its name in either language of the catalogue, or its code.
var kindNames = func() map[string]string {
	m := map[string]string{}
	for _, k := range Kinds {
		m[k] = k
		for _, lang := range []string{i18n.Chinese, i18n.English} {
			m[strings.ToLower(i18n.T(lang, "kind."+k))] = k
		}
	}
	return m
}()

// genderNames maps what people write in the gender column to a gender.
var genderNames = map[string]string{"女": "female", "female": "female", "男": "male", "male": "male"}

// Limits of one import, so that it finishes well within a request's
// deadline (REQUEST_TIMEOUT, 10 s by default) on a small server: each new
// account needs a password hash, which takes a core for tens of
// milliseconds (500 took about 5 s on 2 cores), and each row enrolled in a
// course a few queries.
const (
	MaxNewAccounts = 200
	MaxImportRows  = 1000 // data rows of a file, header excluded
)

// More errors of the import.
var (
	ErrBatchExpired = errors.New("import batch missing, used or expired")
	ErrImportCourse = errors.New("the chosen course takes no enrolments now")
)

// ErrTooManyRows is returned for a file of more than MaxImportRows rows.
type ErrTooManyRows struct{ Rows int }

func (e ErrTooManyRows) Error() string {
	return fmt.Sprintf("%d rows to import, at most %d", e.Rows, MaxImportRows)
}

// ErrImportChanged is returned when rows checked at the preview no longer
// hold: a phone number now has an account, say. Nothing was written.
type ErrImportChanged struct{ Rows int }

func (e ErrImportChanged) Error() string {
	return fmt.Sprintf("%d rows changed since the preview", e.Rows)
}

// ImportRow is one row of an uploaded registry as the preview shows it.
type ImportRow struct {
	Line     int      `json:"line"`
	Cells    []string `json:"cells"`    // the cells as read, in the order of importColumns
	Problems []string `json:"problems"` // catalogue keys; none means the row will be imported
	Fields   *Fields  `json:"fields,omitempty"`
	// MatchID is the trainee who has this phone number already: the row
	// adds no account and leaves that trainee's profile as it is. 0 for
	// a new account.
	MatchID   int64  `json:"match_id,omitempty"`
	MatchName string `json:"match_name,omitempty"`
}

// OK reports whether the row will be imported.
func (r ImportRow) OK() bool { return len(r.Problems) == 0 }

// New reports whether the row will create an account.
func (r ImportRow) New() bool { return r.OK() && r.MatchID == 0 }

// importBatch is what an import batch keeps between preview and confirmation.
type importBatch struct {
	CourseID int64       `json:"course_id,omitempty"` // enrol every row in it; 0 for none
	Rows     []ImportRow `json:"rows"`
}

// ImportHeader returns the template's header row.
func ImportHeader() []string { return sheets.Header(importColumns) }

// CheckTable reads an uploaded table into rows and finds each row's
// problems: a missing name, a bad phone number, an unknown gender,
// community or type, a phone number repeated in the file or belonging to
// an account that is not a trainee's. A valid row whose phone number is a
// trainee's already matches that trainee.
func (s *Store) CheckTable(ctx context.Context, t *sheets.Table) ([]ImportRow, error) {
	rows, err := t.Pick(importColumns, 0, 1)
	if err != nil {
		return nil, err
	}
	if len(rows) > MaxImportRows {
		return nil, ErrTooManyRows{len(rows)}
	}
	communities, err := places.CommunityIDs(ctx, s.db)
	if err != nil {
		return nil, err
	}
	out := make([]ImportRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, checkImportRow(r.Line, r.Cells, communities))
	}
	if err := s.matchPhones(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkImportRow turns one row's cells into a profile, or says what is wrong.
func checkImportRow(line int, cells []string, communities map[string]int64) ImportRow {
	row := ImportRow{Line: line, Cells: cells, Problems: []string{}}
	form := Form{Name: cells[0], Phone: cells[1], Organisation: cells[4], PartyBranch: cells[6], Kind: KindResident}
	if g := strings.ToLower(strings.TrimSpace(cells[2])); g != "" {
		if code, ok := genderNames[g]; ok {
			form.Gender = code
		} else {
			row.Problems = append(row.Problems, "registry.problem.gender")
		}
	}
	if name := strings.TrimSpace(cells[3]); name != "" {
		if id, ok := communities[name]; ok {
			form.Community = strconv.FormatInt(id, 10)
		} else {
			row.Problems = append(row.Problems, "registry.problem.community")
		}
	}
	if k := strings.ToLower(strings.TrimSpace(cells[5])); k != "" {
		if code, ok := kindNames[k]; ok {
			form.Kind = code
		} else {
			row.Problems = append(row.Problems, "registry.problem.kind")
		}
	}
	fields, errs := form.Parse()
	for _, p := range []struct{ field, problem string }{
		{"name", "registry.problem.name"},
		{"phone", "registry.problem.phone"},
		{"organisation", "registry.problem.organisation"},
		{"party_branch", "registry.problem.branchlong"},
	} {
		key, bad := errs[p.field]
		switch {
		case !bad:
			continue
		case key == "form.name.long":
			p.problem = "registry.problem.namelong"
		case key == "form.phone.required":
			p.problem = "registry.problem.nophone"
		}
		row.Problems = append(row.Problems, p.problem)
	}
	// A branch on someone who is not a party member is most likely a
	// party member whose type was left blank: ask rather than drop it.
	if form.Kind != KindPartyMember && strings.TrimSpace(form.PartyBranch) != "" {
		row.Problems = append(row.Problems, "registry.problem.branch")
	}
	if row.OK() {
		row.Fields = &fields
	}
	return row
}

// phoneOwner is the account that has a phone number.
type phoneOwner struct {
	ID       int64  `db:"id"`
	Name     string `db:"name"`
	Phone    string `db:"phone"`
	Role     string `db:"role"`
	Disabled bool   `db:"disabled"`
}

// phoneOwners returns the accounts that have the phone numbers, by number.
func phoneOwners(ctx context.Context, q sqlx.QueryerContext, phones []string) (map[string]phoneOwner, error) {
	var list []phoneOwner
	err := sqlx.SelectContext(ctx, q, &list, `
		SELECT id, name, phone, role, disabled_at IS NOT NULL AS disabled
		FROM users WHERE phone = ANY ($1)`, pq.StringArray(phones))
	if err != nil {
		return nil, fmt.Errorf("accounts by phone: %w", err)
	}
	out := make(map[string]phoneOwner, len(list))
	for _, o := range list {
		out[o.Phone] = o
	}
	return out, nil
}

// validPhones returns the phone numbers of the rows that will be imported.
func validPhones(rows []ImportRow) []string {
	var out []string
	for _, r := range rows {
		if r.Fields != nil {
			out = append(out, r.Fields.Phone)
		}
	}
	return out
}

// matchPhones flags rows that repeat an earlier row's phone number or
// carry the number of an account that is not an active trainee's, and
// matches the others to the trainee who has their number, if any.
func (s *Store) matchPhones(ctx context.Context, rows []ImportRow) error {
	owners, err := phoneOwners(ctx, s.db, validPhones(rows))
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range rows {
		r := &rows[i]
		if r.Fields == nil {
			continue
		}
		phone := r.Fields.Phone
		if seen[phone] {
			r.Problems = append(r.Problems, "registry.problem.repeated")
		}
		seen[phone] = true
		if o, ok := owners[phone]; ok {
			switch {
			case o.Role != web.RoleTrainee:
				r.Problems = append(r.Problems, "registry.problem.notrainee")
			case o.Disabled:
				r.Problems = append(r.Problems, "registry.problem.disabled")
			default:
				r.MatchID, r.MatchName = o.ID, o.Name
			}
		}
		if !r.OK() {
			r.Fields, r.MatchID, r.MatchName = nil, 0, ""
		}
	}
	return nil
}

// SaveBatch keeps the checked rows, and the course to enrol them in (0
// for none), until the coordinator confirms them; it returns the batch's id.
func (s *Store) SaveBatch(ctx context.Context, userID int64, filename string, courseID int64, rows []ImportRow) (int64, error) {
	data, err := json.Marshal(importBatch{CourseID: courseID, Rows: rows})
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.db.GetContext(ctx, &id, `
		INSERT INTO import_batches (kind, created_by, filename, rows) VALUES ('trainees', $1, $2, $3) RETURNING id`,
		userID, filename, data)
	if err != nil {
		return 0, fmt.Errorf("save import batch: %w", err)
	}
	return id, s.DeleteExpiredBatches(ctx)
}

// DeleteExpiredBatches deletes the import batches (of trainees and of
// lecturers) older than their hour of use: they hold phone numbers, and
// nobody can confirm them any more.
func (s *Store) DeleteExpiredBatches(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM import_batches WHERE created_at < now() - interval '1 hour'`)
	if err != nil {
		return fmt.Errorf("delete expired import batches: %w", err)
	}
	return nil
}

// loadBatch reads the user's own batch, at most an hour old; with lock,
// its row stays locked until q, a transaction, ends.
func loadBatch(ctx context.Context, q sqlx.QueryerContext, batchID, userID int64, lock bool) (*importBatch, error) {
	query := `
		SELECT rows FROM import_batches
		WHERE id = $1 AND created_by = $2 AND kind = 'trainees'
		  AND created_at > now() - interval '1 hour'`
	if lock {
		query += ` FOR UPDATE`
	}
	var data []byte
	err := sqlx.GetContext(ctx, q, &data, query, batchID, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrBatchExpired
	}
	if err != nil {
		return nil, fmt.Errorf("load import batch %d: %w", batchID, err)
	}
	var b importBatch
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&b); err != nil {
		return nil, fmt.Errorf("decode import batch %d: %w", batchID, err)
	}
	return &b, nil
}

// ImportedEnrolment is what enrolling one imported row did.
type ImportedEnrolment struct {
	TraineeID int64
	Name      string
	Outcome
}

// ImportResult is what an import did: the accounts it created, with their
// one-time passwords, the trainees it found already registered, and, when
// a course was chosen, each row's enrolment.
type ImportResult struct {
	Created    []NewAccount
	Matched    []NewAccount // ID and Name of the existing trainees; no password
	Course     *courses.Course
	Enrolments []ImportedEnrolment
}

// ImportBatch writes the valid rows of the user's own batch, then deletes
// the batch, in one transaction: new accounts with one-time passwords and
// their profiles, and, if a course was chosen, every row's enrolment (a
// seat, or the waitlist). A row matched to an existing trainee adds no
// account and leaves that profile as it is. If anything checked at the
// preview no longer holds, nothing is written (ErrImportChanged).
func (s *Store) ImportBatch(ctx context.Context, batchID, userID int64) (*ImportResult, error) {
	b, err := loadBatch(ctx, s.db, batchID, userID, false)
	if err != nil {
		return nil, err
	}
	// Hashing is slow: do it before the transaction holds any lock.
	var newRows []int
	for i, r := range b.Rows {
		if r.New() && r.Fields != nil {
			newRows = append(newRows, i)
		}
	}
	if len(newRows) > MaxNewAccounts || len(b.Rows) > MaxImportRows {
		return nil, fmt.Errorf("import batch %d: %d rows, %d new accounts, at most %d and %d",
			batchID, len(b.Rows), len(newRows), MaxImportRows, MaxNewAccounts)
	}
	passwords := make([]string, len(newRows))
	for i := range passwords {
		if passwords[i], err = InitialPassword(); err != nil {
			return nil, err
		}
	}
	hashes, err := hashAll(ctx, passwords)
	if err != nil {
		return nil, err
	}

	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	// The lock on the batch makes a second click wait, then find it gone.
	if _, err := loadBatch(ctx, tx, batchID, userID, true); err != nil {
		return nil, err
	}
	// Two imports at once could both pass their previews; this lock makes
	// the second wait and then see the first one's accounts.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('partyschool import trainees'))`); err != nil {
		return nil, fmt.Errorf("lock trainee import: %w", err)
	}
	owners, err := phoneOwners(ctx, tx, validPhones(b.Rows))
	if err != nil {
		return nil, err
	}
	changed := 0
	for _, r := range b.Rows {
		if r.Fields == nil {
			continue
		}
		o, taken := owners[r.Fields.Phone]
		switch {
		case r.MatchID == 0 && taken,
			r.MatchID != 0 && (!taken || o.ID != r.MatchID || o.Role != web.RoleTrainee || o.Disabled):
			changed++
		}
	}
	if changed > 0 {
		return nil, ErrImportChanged{changed}
	}
	usernames, err := newUsernames(ctx, tx, len(newRows))
	if err != nil {
		return nil, err
	}
	res := &ImportResult{Created: []NewAccount{}, Matched: []NewAccount{}, Enrolments: []ImportedEnrolment{}}
	ids := make([]int64, len(b.Rows))
	for n, i := range newRows {
		r := b.Rows[i]
		acc, err := createAccount(ctx, tx, usernames[n], *r.Fields, hashes[n])
		switch {
		// A number or username taken meanwhile by a registration, a
		// community deleted: the preview no longer holds.
		case errors.Is(err, auth.ErrPhoneTaken), errors.Is(err, auth.ErrUsernameTaken), errors.Is(err, ErrUnknownCommunity):
			return nil, ErrImportChanged{1}
		case err != nil:
			return nil, fmt.Errorf("import line %d: %w", r.Line, err)
		}
		acc.Password = passwords[n]
		res.Created = append(res.Created, *acc)
		ids[i] = acc.ID
	}
	for i, r := range b.Rows {
		if r.Fields != nil && r.MatchID != 0 {
			res.Matched = append(res.Matched, NewAccount{ID: r.MatchID, Name: owners[r.Fields.Phone].Name})
			ids[i] = r.MatchID
		}
	}
	if b.CourseID != 0 {
		if err := importEnrolments(ctx, tx, b, ids, userID, res); err != nil {
			return nil, err
		}
	}
	// Done with: the rows and their phone numbers go.
	if _, err := tx.ExecContext(ctx, `DELETE FROM import_batches WHERE id = $1`, batchID); err != nil {
		return nil, fmt.Errorf("delete import batch %d: %w", batchID, err)
	}
	return res, tx.Commit()
}

// importEnrolments enrols the batch's rows, whose accounts are ids, in
// the batch's course, in the file's order, as staff: a seat while there
// is one, then the waitlist.
func importEnrolments(ctx context.Context, tx *sqlx.Tx, b *importBatch, ids []int64, by int64, res *ImportResult) error {
	var c courses.Course
	err := tx.GetContext(ctx, &c, `SELECT id, code, title, status, capacity FROM courses WHERE id = $1`, b.CourseID)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrImportCourse
	}
	if err != nil {
		return fmt.Errorf("course %d of an import: %w", b.CourseID, err)
	}
	res.Course = &c
	for i, r := range b.Rows {
		if ids[i] == 0 {
			continue
		}
		out, err := enrol(ctx, tx, b.CourseID, ids[i], by, true)
		if errors.Is(err, ErrArchived) || errors.Is(err, ErrCourseNotFound) {
			return ErrImportCourse
		}
		// A matched trainee disabled (or deleted) since the check above:
		// the preview no longer holds.
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotTrainee) {
			return ErrImportChanged{1}
		}
		if err != nil {
			return fmt.Errorf("enrol import line %d: %w", r.Line, err)
		}
		name := r.Fields.Name
		if r.MatchID != 0 {
			name = r.MatchName
		}
		res.Enrolments = append(res.Enrolments, ImportedEnrolment{TraineeID: ids[i], Name: name, Outcome: out})
	}
	return nil
}

// hashWorkers bounds the hashes an import computes at once; auth caps all
// hashing in the process as well, so sign-ins are not starved.
var hashWorkers = min(4, runtime.GOMAXPROCS(0))

// hashAll hashes the passwords a few at a time, in the same order.
func hashAll(ctx context.Context, passwords []string) ([]string, error) {
	hashes := make([]string, len(passwords))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(hashWorkers, len(passwords)) {
		wg.Go(func() {
			for i := range jobs {
				h, err := auth.HashPassword(ctx, passwords[i])
				if err != nil {
					once.Do(func() { first = err; cancel() })
					continue
				}
				hashes[i] = h
			}
		})
	}
feed:
	for i := range passwords {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("hash initial passwords: %w", err)
	}
	return hashes, nil
}

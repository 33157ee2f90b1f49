package lecturers

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/lib/pq"

	"partyschool/places"
	"partyschool/sheets"
)

// The roster's columns in a spreadsheet, in the order of the template and
// of an export, with the other names a header may use for them.
var columns = []sheets.Column{
	{Key: "name", Names: []string{"姓名", "name"}},
	{Key: "team", Names: []string{"队伍", "讲师队伍", "team"}},
	{Key: "title", Names: []string{"职务/职称", "职务", "职称", "title"}},
	{Key: "organisation", Names: []string{"工作单位", "单位", "organisation", "organization"}},
	{Key: "community", Names: []string{"所在社区", "社区", "community"}},
	{Key: "phone", Names: []string{"手机号", "手机", "联系电话", "电话", "phone"}},
	{Key: "topics", Names: []string{"擅长主题", "主题", "擅长领域", "topics"}},
	{Key: "bio", Names: []string{"简介", "个人简介", "bio"}},
}

// teamNames maps what people write in the team column to a team.
var teamNames = map[string]string{
	"专家讲师": TeamExpert, "专家": TeamExpert, "expert": TeamExpert,
	"草根讲师": TeamGrassroots, "草根": TeamGrassroots, "grassroots": TeamGrassroots,
	"夕阳红讲师": TeamSenior, "夕阳红": TeamSenior, "senior": TeamSenior,
}

// teamLabels is how a team is written in a spreadsheet.
var teamLabels = map[string]string{TeamExpert: "专家讲师", TeamGrassroots: "草根讲师", TeamSenior: "夕阳红讲师"}

// ImportRow is one row of an uploaded roster as the preview shows it.
type ImportRow struct {
	Line     int      `json:"line"`
	Cells    []string `json:"cells"`    // the cells as read, in the order of columns
	Problems []string `json:"problems"` // catalogue keys; none means the row will be written
	Fields   *Fields  `json:"fields,omitempty"`
}

// OK reports whether the row will be written.
func (r ImportRow) OK() bool { return len(r.Problems) == 0 }

// Header returns the template's header row.
func Header() []string { return sheets.Header(columns) }

// CheckTable reads an uploaded table into rows and finds each row's
// problems: a missing name, an unknown team or community, a malformed
// phone, a duplicate of a lecturer on the roster or of an earlier row.
func (s *Store) CheckTable(ctx context.Context, t *sheets.Table) ([]ImportRow, error) {
	rows, err := t.Pick(columns, 0, 1)
	if err != nil {
		return nil, err
	}
	communities, err := places.CommunityIDs(ctx, s.db)
	if err != nil {
		return nil, err
	}
	out := make([]ImportRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, checkRow(r.Line, r.Cells, communities))
	}
	if err := s.markDuplicates(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkRow turns one row's cells into a lecturer, or says what is wrong.
func checkRow(line int, cells []string, communities map[string]int64) ImportRow {
	row := ImportRow{Line: line, Cells: cells, Problems: []string{}}
	form := Form{Name: cells[0], Title: cells[2], Organisation: cells[3], Phone: cells[5], Topics: cells[6], Bio: cells[7]}
	form.Team = teamNames[strings.ToLower(strings.TrimSpace(cells[1]))]
	if name := strings.TrimSpace(cells[4]); name != "" {
		if id, ok := communities[name]; ok {
			form.Community = fmt.Sprint(id)
		} else {
			row.Problems = append(row.Problems, "lecturers.problem.community")
		}
	}
	fields, errs := form.Parse()
	for _, p := range []struct{ field, problem string }{
		{"name", "lecturers.problem.name"},
		{"team", "lecturers.problem.team"},
		{"phone", "lecturers.problem.phone"},
	} {
		if key, bad := errs[p.field]; bad {
			if key == "form.name.long" {
				p.problem = "lecturers.problem.namelong"
			}
			row.Problems = append(row.Problems, p.problem)
			delete(errs, p.field)
		}
	}
	if errs.Any() { // title, organisation, bio or topics too long
		row.Problems = append(row.Problems, "lecturers.problem.toolong")
	}
	if row.OK() {
		row.Fields = &fields
	}
	return row
}

// identity is what makes two roster entries the same person: the phone
// number, or, without one, the name within a team.
func identity(f *Fields) string {
	if f.Phone != nil {
		return "phone:" + *f.Phone
	}
	return "name:" + f.Team + ":" + f.Name
}

// markDuplicates flags rows that repeat an earlier row or a lecturer
// already on the roster.
func (s *Store) markDuplicates(ctx context.Context, rows []ImportRow) error {
	existing, err := s.identities(ctx, rows)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range rows {
		f := rows[i].Fields
		if f == nil {
			continue
		}
		id := identity(f)
		switch {
		case existing[id]:
			rows[i].Problems = append(rows[i].Problems, "lecturers.problem.duplicate")
		case seen[id]:
			rows[i].Problems = append(rows[i].Problems, "lecturers.problem.repeated")
		}
		seen[id] = true
		if !rows[i].OK() {
			rows[i].Fields = nil
		}
	}
	return nil
}

// identities returns which of the rows' identities the roster already holds.
func (s *Store) identities(ctx context.Context, rows []ImportRow) (map[string]bool, error) {
	return identitiesWith(ctx, s.db, rows)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func identitiesWith(ctx context.Context, q queryer, rows []ImportRow) (map[string]bool, error) {
	var phones, names []string
	for _, r := range rows {
		if r.Fields == nil {
			continue
		}
		if r.Fields.Phone != nil {
			phones = append(phones, *r.Fields.Phone)
		} else {
			names = append(names, r.Fields.Name)
		}
	}
	found := map[string]bool{}
	res, err := q.QueryContext(ctx, `
		SELECT 'phone:' || phone FROM lecturers WHERE phone = ANY ($1)
		UNION ALL
		SELECT 'name:' || team || ':' || name FROM lecturers WHERE name = ANY ($2)`,
		pq.StringArray(phones), pq.StringArray(names))
	if err != nil {
		return nil, fmt.Errorf("find existing lecturers: %w", err)
	}
	defer res.Close()
	for res.Next() {
		var id string
		if err := res.Scan(&id); err != nil {
			return nil, err
		}
		found[id] = true
	}
	return found, res.Err()
}

// SaveBatch keeps the checked rows until the coordinator confirms them,
// and returns the batch's id.
func (s *Store) SaveBatch(ctx context.Context, userID int64, filename string, rows []ImportRow) (int64, error) {
	data, err := json.Marshal(rows)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.db.GetContext(ctx, &id, `
		INSERT INTO import_batches (kind, created_by, filename, rows) VALUES ('lecturers', $1, $2, $3) RETURNING id`,
		userID, filename, data)
	if err != nil {
		return 0, fmt.Errorf("save import batch: %w", err)
	}
	// A batch holds phone numbers: keep none longer than its hour of use.
	_, err = s.db.ExecContext(ctx, `DELETE FROM import_batches WHERE created_at < now() - interval '1 hour'`)
	return id, err
}

// ErrImportChanged is returned when rows that were new at the preview now
// duplicate lecturers on the roster.
type ErrImportChanged struct{ Duplicates int }

func (e ErrImportChanged) Error() string {
	return fmt.Sprintf("%d rows now duplicate the roster", e.Duplicates)
}

// ImportBatch writes every valid row of the user's own batch (at most an
// hour old), then deletes the batch, in one transaction and returns how many it wrote. If
// the roster changed since the preview so that a row is now a duplicate,
// nothing is written.
func (s *Store) ImportBatch(ctx context.Context, batchID, userID int64) (int, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var data []byte
	err = tx.GetContext(ctx, &data, `
		SELECT rows FROM import_batches
		WHERE id = $1 AND created_by = $2 AND kind = 'lecturers'
		  AND created_at > now() - interval '1 hour'
		FOR UPDATE`, batchID, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrBatchExpired
	}
	if err != nil {
		return 0, fmt.Errorf("load import batch %d: %w", batchID, err)
	}
	var rows []ImportRow
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&rows); err != nil {
		return 0, fmt.Errorf("decode import batch %d: %w", batchID, err)
	}
	// Two imports at once could both pass their previews; this lock makes
	// the second wait and then see the first one's rows.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('partyschool import lecturers'))`); err != nil {
		return 0, fmt.Errorf("lock roster import: %w", err)
	}
	existing, err := identitiesWith(ctx, tx, rows)
	if err != nil {
		return 0, err
	}
	n, dup := 0, 0
	for _, r := range rows {
		if r.Fields == nil {
			continue
		}
		if existing[identity(r.Fields)] {
			dup++
			continue
		}
		r.Fields.Username = "" // imports never link accounts
		_, err := insert(ctx, tx, *r.Fields)
		if errors.Is(err, ErrPhoneTaken) { // entered by hand meanwhile
			return 0, ErrImportChanged{1}
		}
		if err != nil {
			return 0, fmt.Errorf("import line %d: %w", r.Line, err)
		}
		n++
	}
	if dup > 0 {
		return 0, ErrImportChanged{dup}
	}
	// Done with: the rows and their phone numbers go.
	if _, err := tx.ExecContext(ctx, `DELETE FROM import_batches WHERE id = $1`, batchID); err != nil {
		return 0, fmt.Errorf("delete import batch %d: %w", batchID, err)
	}
	return n, tx.Commit()
}

// ExportRows returns the lecturers f chooses as spreadsheet rows in the
// template's columns plus status; with whole phone numbers an export can
// be edited and imported again (a masked number is refused on import).
// Phone numbers are masked unless fullPhones: most uses of a roster need
// no full number (SECURITY.md 23).
func (s *Store) ExportRows(ctx context.Context, f Filter, fullPhones bool) ([]string, [][]string, error) {
	f.Limit, f.Offset = 10000, 0
	list, _, err := s.List(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	header := append(Header(), "状态")
	out := make([][]string, 0, len(list))
	for _, l := range list {
		phone := l.PhoneMasked()
		if fullPhones && l.Phone != nil {
			phone = *l.Phone
		}
		status := "在册"
		if !l.Active {
			status = "已停用"
		}
		out = append(out, []string{l.Name, teamLabels[l.Team], l.Title, l.Organisation, l.CommunityName,
			phone, strings.Join(l.Topics, "、"), l.Bio, status})
	}
	return header, out, nil
}

package trainees_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"partyschool/app/apptest"
	"partyschool/dbtest"
	"partyschool/sheets"
	"partyschool/trainees"
)

// importHeader is the template's header, as a coordinator's file has it.
var importHeader = []string{"姓名*", "手机号*", "性别", "社区", "工作单位", "类型", "党支部"}

// importRows are a file's rows: good ones, one matching a registered
// trainee, and one of each problem. COMMUNITY stands for a demo community.
var importRows = [][]string{
	{"韩梅", "13811220001", "女", "COMMUNITY", "社区居委会", "党员", "第一党支部"}, // new
	{"Li Lei", "+86 138 1122 0002", "male", "", "", "", ""},         // new: English gender, +86, blank type = 居民
	{"张晓梅（新）", "13900002001", "", "", "", "志愿者", ""},                // the demo trainee: matched, profile kept
	{"", "13811220003", "", "", "", "", ""},                         // missing name
	{"孔明", "1381122", "", "", "", "", ""},                           // malformed phone
	{"周瑜", "13811220004", "", "火星社区", "", "", ""},                   // unknown community
	{"鲁肃", "13811220005", "", "", "", "学生", ""},                     // unknown type
	{"黄盖", "13811220006", "未知", "", "", "", ""},                     // unknown gender
	{"韩梅梅", "13811220001", "", "", "", "", ""},                      // repeats row 2's phone
	{"李建国", "13900001001", "", "", "", "", ""},                      // a lecturer's number
	{"甘宁", "13811220007", "", "", "", "居民", "第一党支部"},                // a branch, not a party member
	{"", "", "", "", "", "", ""},                                    // blank: dropped
}

// importRowsFor fills in a real community name.
func importRowsFor(t *testing.T, env *apptest.Env) [][]string {
	t.Helper()
	var community string
	if err := env.DB.Get(&community, `SELECT name FROM communities ORDER BY id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	out := make([][]string, len(importRows))
	for i, r := range importRows {
		out[i] = append([]string(nil), r...)
		if out[i][3] == "COMMUNITY" {
			out[i][3] = community
		}
	}
	return out
}

func importXLSX(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := sheets.WriteXLSX(&buf, "学员", importHeader, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// importGB18030 is the same file as a CSV that Excel on Chinese Windows
// writes: GB18030, columns in another order.
func importGB18030(t *testing.T, rows [][]string) []byte {
	t.Helper()
	order := []int{1, 0, 5, 3, 2, 6, 4}
	var csv strings.Builder
	for i, at := range order {
		if i > 0 {
			csv.WriteString(",")
		}
		csv.WriteString(importHeader[at])
	}
	csv.WriteString("\r\n")
	for _, r := range rows {
		for i, at := range order {
			if i > 0 {
				csv.WriteString(",")
			}
			csv.WriteString(r[at])
		}
		csv.WriteString("\r\n")
	}
	out, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(csv.String()))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// importCourse readies a published course of the demo with two free
// seats, no waitlist, and without the demo trainee.
func importCourse(t *testing.T, env *apptest.Env) (int64, string) {
	t.Helper()
	id := regID(t, env, `
		SELECT c.id FROM courses c
		WHERE c.status = 'published' AND NOT EXISTS (
			SELECT 1 FROM enrolments e JOIN users u ON u.id = e.trainee_id
			WHERE e.course_id = c.id AND (e.status = 'waitlisted' OR u.phone = '13900002001'))
		ORDER BY c.id LIMIT 1`)
	env.DB.MustExec(`UPDATE courses SET capacity = enrolled + 2 WHERE id = $1`, id)
	var title string
	if err := env.DB.Get(&title, `SELECT title FROM courses WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return id, title
}

var confirmForm = regexp.MustCompile(`action="/trainees/import/(\d+)"`)

// importCounts are the rows an import may write.
func importCounts(env *apptest.Env) [3]int {
	return [3]int{
		env.Count(`SELECT count(*) FROM users`),
		env.Count(`SELECT count(*) FROM trainees`),
		env.Count(`SELECT count(*) FROM enrolments`),
	}
}

func TestTraineeImportPreviewThenConfirm(t *testing.T) {
	for _, file := range []struct {
		name    string
		content func(*testing.T, [][]string) []byte
	}{
		{"学员名单.xlsx", importXLSX},
		{"学员名单.csv", importGB18030},
	} {
		t.Run(file.name, func(t *testing.T) {
			env := apptest.NewDemo(t)
			coord, _ := env.LoginAs("coordinator", "carol")
			other, _ := env.LoginAs("coordinator", "colin")
			course, title := importCourse(t, env)
			zhang := regID(t, env, `SELECT id FROM users WHERE phone = '13900002001'`)
			var profileBefore string
			if err := env.DB.Get(&profileBefore, `SELECT row_to_json(t)::text FROM trainees t WHERE user_id = $1`, zhang); err != nil {
				t.Fatal(err)
			}
			before := importCounts(env)

			form := coord.Get("/trainees/import?course=" + strconv.FormatInt(course, 10))
			if !strings.Contains(form.Body, `value="`+strconv.FormatInt(course, 10)+`" selected`) {
				t.Error("the upload form does not preselect the course")
			}
			res := coord.Upload("/trainees/import", "file", file.name, file.content(t, importRowsFor(t, env)),
				url.Values{"course": {strconv.FormatInt(course, 10)}})
			if res.Status != http.StatusOK {
				t.Fatalf("preview: %d\n%s", res.Status, res.Body)
			}
			for _, want := range []string{"韩梅", "Li Lei", "新建账号", "已有学员：张晓梅（不新建账号，资料不变）", "缺少姓名", "手机号格式不对",
				"没有这个社区", "类型不对", "性别不对", "手机号与文件中前面的行重复", "这个手机号属于一个非学员账号",
				"填写了党支部，但类型不是党员", "共 11 行：2 行将新建账号，1 行与已有学员匹配，8 行有问题",
				"确认导入：新建 2 个账号，匹配 1 位已有学员", "将报名课程", title} {
				if !strings.Contains(res.Body, want) {
					t.Errorf("the preview lacks %q", want)
				}
			}
			if res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("preview Cache-Control %q", res.Header.Get("Cache-Control"))
			}
			if got := importCounts(env); got != before {
				t.Fatalf("the preview wrote: %v, then %v", before, got)
			}
			batch := confirmForm.FindStringSubmatch(res.Body)
			if batch == nil {
				t.Fatal("no confirm form")
			}
			// Another coordinator cannot confirm someone else's upload.
			if res := other.Post("/trainees/import/"+batch[1], nil); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("someone else's batch: %d", res.Status)
			}

			res = coord.Post("/trainees/import/"+batch[1], nil)
			if res.Status != http.StatusOK {
				t.Fatalf("confirm: %d\n%s", res.Status, res.Body)
			}
			if res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("result Cache-Control %q", res.Header.Get("Cache-Control"))
			}
			passwords := slipPassword.FindAllStringSubmatch(res.Body, -1)
			usernames := slipUsername.FindAllStringSubmatch(res.Body, -1)
			if len(passwords) != 2 || len(usernames) != 2 || usernames[0][1] == usernames[1][1] {
				t.Fatalf("%d slips with %d generated usernames, want 2 and 2", len(passwords), len(usernames))
			}
			for _, want := range []string{"已新建 2 个学员账号，匹配 1 位已有学员", "韩梅", "Li Lei",
				"已有学员 1 位", "张晓梅", "共 3 位学员报名，其中 1 位进入候补名单", "候补第 1 位", "data-print", "/login",
				"用户名一栏可以填手机号，也可以填上面的用户名"} {
				if !strings.Contains(res.Body, want) {
					t.Errorf("the result lacks %q", want)
				}
			}
			if m := wholePhone.FindString(res.Body); m != "" {
				t.Errorf("the slips show a whole phone number %s", m)
			}
			got := importCounts(env)
			if want := [3]int{before[0] + 2, before[1] + 2, before[2] + 3}; got != want {
				t.Errorf("rows after the import %v, want %v", got, want)
			}
			if env.Count(`SELECT count(*) FROM users u JOIN trainees t ON t.user_id = u.id
				WHERE u.phone = '13811220001' AND u.username = $1 AND u.name = '韩梅' AND u.must_change_password AND u.role = 'trainee'
				  AND t.gender = 'female' AND t.kind = 'party_member' AND t.party_branch = '第一党支部'
				  AND t.organisation = '社区居委会' AND t.community_id IS NOT NULL`, usernames[0][1]) != 1 {
				t.Error("韩梅 was not stored as in the file")
			}
			if env.Count(`SELECT count(*) FROM users u JOIN trainees t ON t.user_id = u.id
				WHERE u.username = $1 AND u.phone = '13811220002' AND t.gender = 'male' AND t.kind = 'resident'`, usernames[1][1]) != 1 {
				t.Error("Li Lei was not normalised")
			}
			var profileAfter string
			if err := env.DB.Get(&profileAfter, `SELECT row_to_json(t)::text FROM trainees t WHERE user_id = $1`, zhang); err != nil {
				t.Fatal(err)
			}
			if profileAfter != profileBefore || env.Count(`SELECT count(*) FROM users WHERE id = $1 AND name = '张晓梅'`, zhang) != 1 {
				t.Error("the import changed the registered trainee's profile")
			}
			if n := env.Count(`SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.trainee_id
				WHERE e.course_id = $1 AND u.phone IN ('13811220001', '13811220002', '13900002001')`, course); n != 3 {
				t.Errorf("%d of the 3 rows are on the course", n)
			}
			if env.Count(`SELECT count(*) FROM enrolments WHERE course_id = $1 AND status = 'waitlisted'`, course) < 1 {
				t.Error("the course took more than its capacity")
			}
			if env.Count(`SELECT count(*) FROM import_batches`) != 0 {
				t.Error("the imported batch stays in the database")
			}
			// Confirming twice writes nothing more.
			if res := coord.Post("/trainees/import/"+batch[1], nil); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("second confirm: %d", res.Status)
			}
			if importCounts(env) != got {
				t.Error("a second confirm wrote")
			}
			// A new trainee signs in with the slip's password and must replace it.
			trainee := env.Client()
			trainee.Login("13811220001", passwords[0][1])
			if res := trainee.Get("/my/schedule"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/account") {
				t.Errorf("with a one-time password, /my/schedule answers %d %s", res.Status, res.Location)
			}
		})
	}
}

func TestTraineeImportAfterAChangeWritesNothing(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	course, _ := importCourse(t, env)
	res := coord.Upload("/trainees/import", "file", "a.xlsx", importXLSX(t, importRowsFor(t, env)), url.Values{"course": {strconv.FormatInt(course, 10)}})
	batch := confirmForm.FindStringSubmatch(res.Body)
	if batch == nil {
		t.Fatalf("no confirm form: %d", res.Status)
	}
	// Li Lei registers by themselves meanwhile.
	env.DB.MustExec(`INSERT INTO users (username, name, phone, role, password_hash) VALUES ('lilei', 'Li Lei', '13811220002', 'trainee', '$argon2id$test')`)
	before := importCounts(env)
	res = coord.Post("/trainees/import/"+batch[1], nil)
	if res.Status != http.StatusConflict || !strings.Contains(res.Body, "1 行的手机号情况与预览时不同") || !strings.Contains(res.Body, "没有导入任何数据") {
		t.Errorf("confirm after a change: %d", res.Status)
	}
	if importCounts(env) != before {
		t.Error("a refused import wrote rows")
	}

	// A course archived since the preview: nothing written either.
	env.DB.MustExec(`DELETE FROM users WHERE username = 'lilei'`)
	env.DB.MustExec(`UPDATE courses SET status = 'archived' WHERE id = $1`, course)
	before = importCounts(env)
	res = coord.Post("/trainees/import/"+batch[1], nil)
	if res.Status != http.StatusConflict || !strings.Contains(res.Body, "所选课程已归档或已删除") {
		t.Errorf("confirm after the course was archived: %d", res.Status)
	}
	if importCounts(env) != before {
		t.Error("a refused import wrote rows")
	}
	// An archived course cannot be chosen.
	res = coord.Upload("/trainees/import", "file", "a.xlsx", importXLSX(t, importRowsFor(t, env)), url.Values{"course": {strconv.FormatInt(course, 10)}})
	if res.Status != http.StatusUnprocessableEntity || strings.Contains(res.Body, `action="/trainees/import/`) {
		t.Errorf("preview with an archived course: %d", res.Status)
	}
}

func TestTraineeImportRefusesBadFiles(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	many := &strings.Builder{}
	many.WriteString("姓名,手机号\r\n")
	for i := range trainees.MaxNewAccounts + 1 {
		fmt.Fprintf(many, "学员%d,137%08d\r\n", i, i)
	}
	long := &strings.Builder{}
	long.WriteString("姓名,手机号\r\n")
	for i := range trainees.MaxImportRows + 1 {
		fmt.Fprintf(long, "学员%d,137%08d\r\n", i, i)
	}
	cases := []struct {
		name    string
		content []byte
		want    string
	}{
		{"名单.xls", []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0}, "无法读取这个文件"},
		{"empty.csv", nil, "文件是空的"},
		{"nophone.csv", []byte("姓名,社区\r\n张三,\r\n"), "没有“手机号”列"},
		{"noname.csv", []byte("手机号\r\n13800000000\r\n"), "没有“姓名”列"},
		{"header.csv", []byte("姓名,手机号\r\n"), "只有表头"},
		{"huge.csv", bytes.Repeat([]byte("a"), sheets.MaxBytes+10), "文件太大"},
		{"many.csv", []byte(many.String()), "一次最多新建 200 个账号"},
		{"long.csv", []byte(long.String()), "文件中有 1001 行，一个文件最多 1000 行"},
	}
	for _, c := range cases {
		res := coord.Upload("/trainees/import", "file", c.name, c.content, nil)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, c.want) || strings.Contains(res.Body, `action="/trainees/import/`) {
			t.Errorf("%s: %d, want 422 with %q and no confirm form", c.name, res.Status, c.want)
		}
	}
	if res := coord.Post("/trainees/import", nil); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请选择要上传的文件") {
		t.Errorf("no file: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM import_batches`) != 0 {
		t.Error("a refused upload saved a batch")
	}
}

func TestTraineeImportTemplate(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	res := coord.Get("/trainees/template.xlsx")
	if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("template: %d %v", res.Status, res.Header)
	}
	table, err := sheets.Read("t.xlsx", strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"姓名", "手机号", "性别", "社区", "工作单位", "类型", "党支部"} {
		if table.Column(name) != i {
			t.Errorf("column %s is not at %d: %v", name, i, table.Header)
		}
	}
	if len(table.Rows) != 1 {
		t.Fatalf("%d example rows, want 1", len(table.Rows))
	}
	// The example row is itself importable.
	preview := coord.Upload("/trainees/import", "file", "t.xlsx", []byte(res.Body), nil)
	if !strings.Contains(preview.Body, "共 1 行：1 行将新建账号") {
		t.Errorf("the template's example does not import cleanly")
	}
}

// TestConcurrentImportsOfOneNumber confirms two batches that both would
// create an account for the same number, at once: one creates it, the
// other is refused and writes nothing.
func TestConcurrentImportsOfOneNumber(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	coordinator := insertID(t, s.db, `INSERT INTO users (username, name, role, password_hash) VALUES ('coord', '协调员', 'coordinator', '$argon2id$test') RETURNING id`)
	table := &sheets.Table{Header: []string{"姓名", "手机号"}}
	var batches []int64
	for i := range 2 {
		table.Rows = []sheets.Row{{Line: 2, Cells: []string{"学员甲", "13755550000"}}, {Line: 3, Cells: []string{fmt.Sprint("学员", i), fmt.Sprintf("1375555000%d", i+1)}}}
		rows, err := s.store.CheckTable(ctx, table)
		if err != nil {
			t.Fatal(err)
		}
		id, err := s.store.SaveBatch(ctx, coordinator, "a.csv", 0, rows)
		if err != nil {
			t.Fatal(err)
		}
		batches = append(batches, id)
	}
	errs := dbtest.Concurrently(2, func(i int) error {
		_, err := s.store.ImportBatch(ctx, batches[i], coordinator)
		return err
	})
	var changed trainees.ErrImportChanged
	ok, refused := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.As(err, &changed):
			refused++
		default:
			t.Fatalf("import: %v", err)
		}
	}
	if ok != 1 || refused != 1 {
		t.Errorf("%d imports succeeded and %d were refused, want 1 and 1", ok, refused)
	}
	if n := s.count(t, `SELECT count(*) FROM users WHERE phone LIKE '1375555000%'`); n != 2 {
		t.Errorf("%d accounts, want the 2 of the one import", n)
	}
}

// TestTraineeImportPageStatesItsLimits: the upload form says how many rows
// a file and how many new accounts an import may have.
func TestTraineeImportPageStatesItsLimits(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	want := fmt.Sprintf("一个文件最多 %d 行，一次最多新建 %d 个账号", trainees.MaxImportRows, trainees.MaxNewAccounts)
	if body := coord.Get("/trainees/import").Body; !strings.Contains(body, want) {
		t.Errorf("the import page does not say %q", want)
	}
	if trainees.MaxNewAccounts > 200 || trainees.MaxImportRows > 1000 {
		t.Errorf("limits %d accounts and %d rows: an import could outlast the request deadline", trainees.MaxNewAccounts, trainees.MaxImportRows)
	}
}

// TestTraineeImportPastTheDeadline: an import that runs out of time gets a
// 503 saying what happened and what to do, not the generic error page, and
// writes nothing; the same batch imports once the hold-up is gone.
func TestTraineeImportPastTheDeadline(t *testing.T) {
	demo := apptest.NewDemo(t)
	cfg := demo.Config
	cfg.RequestTimeout = time.Second
	env := apptest.NewWithConfig(t, demo.DB, cfg)
	coord, _ := env.LoginAs("coordinator", "carol")
	res := coord.Upload("/trainees/import", "file", "a.xlsx", importXLSX(t, importRowsFor(t, env)), nil)
	batch := confirmForm.FindStringSubmatch(res.Body)
	if batch == nil {
		t.Fatalf("no confirm form: %d", res.Status)
	}
	// Another import holds the import lock past this request's deadline.
	tx := env.DB.MustBegin()
	defer tx.Rollback()
	tx.MustExec(`SELECT pg_advisory_xact_lock(hashtext('partyschool import trainees'))`)
	before := importCounts(env)
	began := time.Now()
	res = coord.Post("/trainees/import/"+batch[1], nil)
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("the import took %v past its deadline", took)
	}
	if res.Status != http.StatusServiceUnavailable || !strings.Contains(res.Body, "导入用时过长，已经取消，没有写入任何数据") {
		t.Errorf("an import past the deadline: status %d, want 503 with the import's own message", res.Status)
	}
	if importCounts(env) != before {
		t.Error("an import past the deadline wrote rows")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if res := coord.Post("/trainees/import/"+batch[1], nil); res.Status != http.StatusOK || !strings.Contains(res.Body, "已新建 2 个学员账号") {
		t.Errorf("the batch after the hold-up: status %d", res.Status)
	}
}

// TestTraineeImportRefusesDisabledTrainees: a row with the number of a
// disabled trainee is a problem, not a match (the import would enrol
// them); a trainee disabled after the preview makes the import write nothing.
func TestTraineeImportRefusesDisabledTrainees(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	course, _ := importCourse(t, env)
	zhang := regID(t, env, `SELECT id FROM users WHERE phone = '13900002001'`)
	rows := [][]string{
		{"张晓梅", "13900002001", "", "", "", "", ""},
		{"新学员", "13811229999", "", "", "", "", ""},
	}
	env.DB.MustExec(`UPDATE users SET disabled_at = now() WHERE id = $1`, zhang)
	res := coord.Upload("/trainees/import", "file", "a.xlsx", importXLSX(t, rows), url.Values{"course": {strconv.FormatInt(course, 10)}})
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "这个手机号的学员账号已停用") ||
		!strings.Contains(res.Body, "共 2 行：1 行将新建账号，0 行与已有学员匹配，1 行有问题") {
		t.Errorf("preview with a disabled trainee: %d", res.Status)
	}

	env.DB.MustExec(`UPDATE users SET disabled_at = NULL WHERE id = $1`, zhang)
	res = coord.Upload("/trainees/import", "file", "a.xlsx", importXLSX(t, rows), url.Values{"course": {strconv.FormatInt(course, 10)}})
	batch := confirmForm.FindStringSubmatch(res.Body)
	if batch == nil || !strings.Contains(res.Body, "1 行与已有学员匹配") {
		t.Fatalf("preview: %d, no match or no confirm form", res.Status)
	}
	env.DB.MustExec(`UPDATE users SET disabled_at = now() WHERE id = $1`, zhang)
	before := importCounts(env)
	res = coord.Post("/trainees/import/"+batch[1], nil)
	if res.Status != http.StatusConflict || !strings.Contains(res.Body, "1 行的手机号情况与预览时不同") {
		t.Errorf("confirm after the trainee was disabled: %d", res.Status)
	}
	if importCounts(env) != before {
		t.Error("the refused import wrote rows")
	}
	if n := env.Count(`SELECT count(*) FROM enrolments WHERE trainee_id = $1 AND course_id = $2`, zhang, course); n != 0 {
		t.Error("the disabled trainee was enrolled")
	}
}

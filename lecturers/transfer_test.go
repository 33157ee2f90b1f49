package lecturers_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"partyschool/app/apptest"
	"partyschool/sheets"
)

// rosterRows are a file's rows: good ones, and one of each problem.
var rosterRows = [][]string{
	{"陶红英", "草根讲师", "社区党委书记", "福通社区党委", "福通社区", "13811112222", "议事协商、网格化管理", "二十年社区工作经验。"},
	{"龚建设", "专家", "区委党校讲师", "区委党校", "", "", "党史学习", ""},
	{"", "专家讲师", "", "", "", "13811113333", "", ""},                              // missing name
	{"柏青", "讲师团", "", "", "", "13811114444", "", ""},                             // unknown team
	{"苗振东", "夕阳红讲师", "", "", "", "1381111", "", ""},                              // malformed phone
	{"窦丽", "夕阳红讲师", "", "", "火星社区", "13811115555", "", ""},                       // unknown community
	{"陶红英", "草根讲师", "", "", "", "13811112222", "", ""},                           // repeats row 2
	{"李建国", "专家讲师", "", "", "", "13900001001", "", ""},                           // already on the roster (demo)
	{"", "", "", "", "", "", "", ""},                                             // blank: dropped
	{"Mary Lin", "grassroots", "Volunteer", "", "", "+86 138 1111 6666", "", ""}, // English team, +86 phone
}

func rosterXLSX(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := sheets.WriteXLSX(&buf, "名单", []string{"姓名*", "队伍", "职务/职称", "工作单位", "所在社区", "手机号", "擅长主题", "简介"}, rosterRows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rosterGB18030 is the same roster as a CSV that Excel on Chinese Windows
// writes: GB18030, columns in another order.
func rosterGB18030(t *testing.T) []byte {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("手机号,姓名,队伍,社区\r\n")
	for _, r := range rosterRows {
		csv.WriteString(r[5] + "," + r[0] + "," + r[1] + "," + r[4] + "\r\n")
	}
	out, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(csv.String()))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImportPreviewThenConfirm(t *testing.T) {
	for _, file := range []struct {
		name    string
		content func(*testing.T) []byte
	}{
		{"讲师名单.xlsx", rosterXLSX},
		{"讲师名单.csv", rosterGB18030},
	} {
		t.Run(file.name, func(t *testing.T) {
			env := apptest.NewDemo(t)
			coord, _ := env.LoginAs("coordinator", "carol")
			before := env.Count(`SELECT count(*) FROM lecturers`)

			res := coord.Upload("/lecturers/import", "file", file.name, file.content(t), nil)
			if res.Status != http.StatusOK {
				t.Fatalf("preview: %d\n%s", res.Status, res.Body)
			}
			for _, want := range []string{"陶红英", "龚建设", "Mary Lin", "缺少姓名", "队伍不对", "手机号格式不对", "没有这个社区", "与文件中前面的行重复", "与已有讲师重复", "确认导入 3 行"} {
				if !strings.Contains(res.Body, want) {
					t.Errorf("the preview lacks %q", want)
				}
			}
			if !strings.Contains(res.Body, "共 9 行：3 行可以导入，6 行有问题") {
				t.Error("the preview's summary is wrong")
			}
			if env.Count(`SELECT count(*) FROM lecturers`) != before {
				t.Fatal("the preview wrote lecturers")
			}
			batch := regexp.MustCompile(`action="/lecturers/import/(\d+)"`).FindStringSubmatch(res.Body)
			if batch == nil {
				t.Fatal("no confirm form")
			}
			// Another coordinator cannot confirm someone else's upload.
			other, _ := env.LoginAs("coordinator", "colin")
			if res := other.Post("/lecturers/import/"+batch[1], nil); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("someone else's batch: %d", res.Status)
			}
			res = coord.Post("/lecturers/import/"+batch[1], nil)
			if res.Status != http.StatusSeeOther || !strings.Contains(res.Location, "n=3") {
				t.Fatalf("confirm: %d %s", res.Status, res.Location)
			}
			if got := env.Count(`SELECT count(*) FROM lecturers`); got != before+3 {
				t.Errorf("%d lecturers written, want 3", got-before)
			}
			if env.Count(`SELECT count(*) FROM lecturers WHERE name = 'Mary Lin' AND team = 'grassroots' AND phone = '13811116666'`) != 1 {
				t.Error("the English row was not normalised")
			}
			// Confirming twice writes nothing more.
			if res := coord.Post("/lecturers/import/"+batch[1], nil); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("second confirm: %d", res.Status)
			}
			if got := env.Count(`SELECT count(*) FROM lecturers`); got != before+3 {
				t.Errorf("a second confirm wrote %d more", got-before-3)
			}
		})
	}
}

func TestImportRefusesBadFiles(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	cases := []struct {
		name    string
		content []byte
		want    string
	}{
		{"名单.xls", []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0}, "无法读取这个文件"},
		{"empty.csv", nil, "文件是空的"},
		{"noteam.csv", []byte("姓名,手机号\r\n张三,13800000000\r\n"), "没有“队伍”列"},
		{"huge.csv", bytes.Repeat([]byte("a"), sheets.MaxBytes+10), "文件太大"},
	}
	for _, c := range cases {
		res := coord.Upload("/lecturers/import", "file", c.name, c.content, nil)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, c.want) {
			t.Errorf("%s: %d, want 422 with %q", c.name, res.Status, c.want)
		}
	}
	if res := coord.Post("/lecturers/import", nil); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请选择要上传的文件") {
		t.Errorf("no file: %d", res.Status)
	}
	trainee, _ := env.LoginAs("trainee", "tina")
	if res := trainee.Upload("/lecturers/import", "file", "x.xlsx", rosterXLSX(t), nil); res.Status != http.StatusForbidden {
		t.Errorf("a trainee uploads: %d", res.Status)
	}
}

func TestImportAfterTheRosterChangedWritesNothing(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	res := coord.Upload("/lecturers/import", "file", "a.xlsx", rosterXLSX(t), nil)
	batch := regexp.MustCompile(`action="/lecturers/import/(\d+)"`).FindStringSubmatch(res.Body)
	if batch == nil {
		t.Fatalf("no confirm form: %d", res.Status)
	}
	// Someone enters one of the new people by hand meanwhile.
	env.DB.MustExec(`INSERT INTO lecturers (name, team, phone) VALUES ('陶红英', 'grassroots', '13811112222')`)
	before := env.Count(`SELECT count(*) FROM lecturers`)
	res = coord.Post("/lecturers/import/"+batch[1], nil)
	if res.Status != http.StatusConflict || !strings.Contains(res.Body, "1 行现在与已有讲师重复") {
		t.Errorf("confirm after a change: %d", res.Status)
	}
	if env.Count(`SELECT count(*) FROM lecturers`) != before {
		t.Error("a refused import wrote rows")
	}
}

func TestExportAndTemplate(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	res := coord.Get("/lecturers/export.xlsx?team=senior")
	if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("export: %d %v", res.Status, res.Header)
	}
	table, err := sheets.Read("x.xlsx", strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	want := env.Count(`SELECT count(*) FROM lecturers WHERE team = 'senior' AND active`)
	if len(table.Rows) != want || want == 0 {
		t.Errorf("export has %d rows, want the %d active senior lecturers", len(table.Rows), want)
	}
	masked := regexp.MustCompile(`^1\d{2}\*{4}\d{4}$`)
	for _, r := range table.Rows {
		if r.Cells[1] != "夕阳红讲师" || !masked.MatchString(r.Cells[5]) {
			t.Errorf("row %v: not a senior lecturer with a masked phone", r.Cells)
		}
	}
	// Whole numbers only when asked for.
	full, err := sheets.Read("x.xlsx", strings.NewReader(coord.Get("/lecturers/export.xlsx?team=senior&phones=full").Body))
	if err != nil || len(full.Rows) != want {
		t.Fatalf("full export: %v", err)
	}
	for _, r := range full.Rows {
		if !regexp.MustCompile(`^1\d{10}$`).MatchString(r.Cells[5]) {
			t.Errorf("row %v: no whole phone number", r.Cells)
		}
	}
	csv := coord.Get("/lecturers/export.csv?status=all")
	if !strings.HasPrefix(csv.Body, "\ufeff姓名") {
		t.Error("the CSV export lacks its BOM or header")
	}
	// The template reads back as an importable header.
	tmpl := coord.Get("/lecturers/template.xlsx")
	table, err = sheets.Read("t.xlsx", strings.NewReader(tmpl.Body))
	if err != nil || table.Column("姓名") != 0 || table.Column("队伍") != 1 {
		t.Fatalf("template: %v %v", err, table)
	}
	for _, path := range []string{"/lecturers/export.xlsx", "/lecturers/export.csv", "/lecturers/template.xlsx", "/lecturers/import"} {
		for _, role := range []string{"trainee", "lecturer"} {
			c, _ := env.LoginAs(role, "e"+role+strings.NewReplacer("/", "", ".", "").Replace(path))
			if res := c.Get(path); res.Status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d", role, path, res.Status)
			}
		}
	}
	if res := coord.Get("/lecturers/export.pdf"); res.Status != http.StatusNotFound {
		t.Errorf("export.pdf: %d", res.Status)
	}
}

func TestRosterFiltersReachTheExportAndPhonesAreNotSearchable(t *testing.T) {
	env := apptest.NewDemo(t)
	coord, _ := env.LoginAs("coordinator", "carol")
	page := coord.Get("/lecturers?team=senior&q=" + "%E5%90%B4") // q=吴
	if !strings.Contains(page.Body, `href="/lecturers/export.xlsx?q=%E5%90%B4&amp;team=senior"`) {
		t.Errorf("the export link lost the filter")
	}
	res := coord.Get("/lecturers/export.csv?q=%E5%90%B4&team=senior")
	lines := strings.Split(strings.TrimSpace(res.Body), "\r\n")
	if want := env.Count(`SELECT count(*) FROM lecturers WHERE team = 'senior' AND active AND name LIKE '%吴%'`); len(lines)-1 != want || want == 0 {
		t.Errorf("the filtered export has %d rows, want %d", len(lines)-1, want)
	}
	// The public cannot find out whose a phone number is; staff can.
	if body := env.Client().Get("/lecturers?q=13900001001").Body; strings.Contains(body, "李建国") && !strings.Contains(body, "没有符合条件的讲师") {
		t.Error("the public found a lecturer by phone number")
	}
	if body := coord.Get("/lecturers?q=13900001001").Body; !strings.Contains(body, "李建国") {
		t.Error("a coordinator cannot find a lecturer by phone number")
	}
	// An imported batch is deleted with its phone numbers.
	res = coord.Upload("/lecturers/import", "file", "a.xlsx", rosterXLSX(t), nil)
	batch := regexp.MustCompile(`action="/lecturers/import/(\d+)"`).FindStringSubmatch(res.Body)
	if batch == nil {
		t.Fatal("no confirm form")
	}
	coord.Post("/lecturers/import/"+batch[1], nil)
	if env.Count(`SELECT count(*) FROM import_batches`) != 0 {
		t.Error("the imported batch stays in the database")
	}
}

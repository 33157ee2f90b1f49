package e2e

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chromedp/chromedp"
	"golang.org/x/text/encoding/simplifiedchinese"

	"partyschool/seed"
	"partyschool/web"
)

// rosterCSV is the file the coordinator imports: two new lecturers, one
// row whose team is not one of the three, and one that repeats a demo
// lecturer's phone number. It is written in GB18030, as Excel on a Chinese
// Windows saves a CSV file.
const rosterCSV = "姓名,队伍,手机号,所在社区\r\n" +
	"陶红英,草根讲师,13811112222,福通社区\r\n" +
	"龚建设,专家讲师,,\r\n" +
	"柏青,讲师团,13811114444,\r\n" +
	"李建国,专家讲师,13900001001,\r\n"

// previewRow is one row of the import preview as the page shows it.
type previewRow struct {
	Line     string   `json:"line"`
	Name     string   `json:"name"`
	OK       bool     `json:"ok"`       // marked 可以导入
	Problems []string `json:"problems"` // the ✗ texts, without the mark
}

// previewJS reads the preview's rows, finding the name by its column's
// heading, 姓名.
const previewJS = `(() => {
	const table = document.querySelector("table.preview");
	if (!table) return [];
	const name = Array.from(table.tHead.rows[0].cells, (c) => c.innerText.trim()).indexOf("姓名");
	return Array.from(table.tBodies[0].rows, (tr) => ({
		line: tr.cells[0].innerText.trim(),
		name: name < 0 ? "" : tr.cells[name].innerText.trim(),
		ok: tr.querySelector(".ok-mark") !== null,
		problems: Array.from(tr.querySelectorAll(".problem"), (p) => p.innerText.replace(/^✗\s*/, "").trim()),
	}));
})()`

// TestRosterImportOnPhone: on a phone a coordinator uploads a roster in
// GB18030 through the import page's file input, sees each row's problems
// in the preview, imports the two good rows and finds them on the roster;
// then looks at the communities and takes the roster's export.
func TestRosterImportOnPhone(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	v := s.newVisitor(t, "roster-import")

	file := filepath.Join(t.TempDir(), "讲师名单.csv")
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(rosterCSV)
	if err != nil {
		t.Fatalf("encode the roster in GB18030: %v", err)
	}
	if utf8.ValidString(gb) {
		t.Fatal("the GB18030 roster is valid UTF-8: the test would not test decoding")
	}
	if err := os.WriteFile(file, []byte(gb), 0o644); err != nil {
		t.Fatalf("write the roster: %v", err)
	}

	v.open("/login")
	p := v.signIn("coordinator", seed.DemoPassword)
	checkSignedIn(t, p, demoName(t, "coordinator"), web.RoleCoordinator)

	p = v.click("click 讲师队伍 in the main navigation", `nav.site-nav a[href="/lecturers"]`)
	checkPhonePage(t, v, p, "lecturers")
	p = v.click("click 导入名单", `main a[href="/lecturers/import"]`)
	checkPhonePage(t, v, p, "import-form")
	if want := "导入讲师名单"; p.H1 != want {
		t.Errorf("%s shows the heading %q, want %q", p.URL, p.H1, want)
	}

	v.do("choose the roster in the file input", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}))
	chosen := run(v, "read the chosen file", chromedp.Evaluate[string](
		`Array.from(document.querySelector("#file").files, (f) => f.name).join(",")`))
	if want := filepath.Base(file); chosen != want {
		v.fatalf("the file input holds %q, want %q", chosen, want)
	}
	v.screenshot("import-file-chosen")
	checkLayout(t, v, p)

	p = v.click("click 预览", `form[action="/lecturers/import"] button[type="submit"]`)
	checkPhonePage(t, v, p, "import-preview")
	if p.Alert != "" {
		t.Errorf("the preview shows the alert %q", p.Alert)
	}
	rows := run(v, "read the preview", chromedp.Evaluate[[]previewRow](previewJS))
	if len(rows) != 4 {
		v.fatalf("the preview shows %d rows %+v, want 4", len(rows), rows)
	}
	for i, want := range []struct {
		name    string
		problem string // the start of the one problem, or "" for a good row
	}{
		{"陶红英", ""},
		{"龚建设", ""},
		{"柏青", "队伍不对"},
		{"李建国", "与已有讲师重复"},
	} {
		r := rows[i]
		if want := fmt.Sprint(i + 2); r.Line != want { // the header is line 1
			t.Errorf("preview row %d (%s) says it is line %q of the file, want %s", i+1, r.Name, r.Line, want)
		}
		switch {
		case r.Name != want.name:
			t.Errorf("preview row %d is %q, want %q", i+1, r.Name, want.name)
		case want.problem == "" && (!r.OK || len(r.Problems) > 0):
			t.Errorf("preview row %d (%s) shows the problems %q, want it marked 可以导入", i+1, r.Name, r.Problems)
		case want.problem != "" && (r.OK || len(r.Problems) != 1 || !strings.HasPrefix(r.Problems[0], want.problem)):
			t.Errorf("preview row %d (%s) shows the problems %q, want only %s…", i+1, r.Name, r.Problems, want.problem)
		}
	}
	confirm := run(v, "read the confirm button", chromedp.Evaluate[string](
		`(document.querySelector('form[action^="/lecturers/import/"] button[type="submit"]') || {innerText: ""}).innerText.trim()`))
	if want := "确认导入 2 行"; confirm != want {
		t.Errorf("the preview's confirm button says %q, want %q", confirm, want)
	}
	// The table is wider than the phone: it scrolls inside its panel (the
	// page itself was checked not to), and can be scrolled to its end.
	scroll := run(v, "scroll the preview to its last column", chromedp.Evaluate[[]int](`(() => {
		const box = document.querySelector(".table-scroll");
		box.scrollLeft = box.scrollWidth;
		return [box.scrollWidth, box.clientWidth, Math.round(box.scrollLeft)];
	})()`))
	if scroll[0] <= scroll[1] || scroll[2] == 0 {
		t.Errorf("the preview table is %d px wide in a %d px box scrolled to %d px, want a table wider than its box that scrolls sideways", scroll[0], scroll[1], scroll[2])
	}
	v.screenshot("import-preview-scrolled")
	run(v, "scroll the preview back", chromedp.Evaluate[int](`document.querySelector(".table-scroll").scrollLeft = 0`))

	p = v.click("click "+confirm, `form[action^="/lecturers/import/"] button[type="submit"]`)
	checkPhonePage(t, v, p, "imported")
	if want := "已导入 2 位讲师。"; p.Path() != "/lecturers" || p.Notice != want {
		t.Errorf("confirming led to %s with the message %q and the alert %q, want /lecturers with %q", p.URL, p.Notice, p.Alert, want)
	}

	for i, want := range []struct{ name, team, community string }{
		{"陶红英", "草根讲师", "福通社区"},
		{"龚建设", "专家讲师", ""},
	} {
		p = v.open("/lecturers?q=" + url.QueryEscape(want.name))
		checkPhonePage(t, v, p, fmt.Sprintf("search-%d", i+1))
		found := run(v, "read the roster", chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll(".record-main"), (r) => r.innerText.replace(/\s+/g, " ").trim())`))
		if !slices.ContainsFunc(found, func(r string) bool {
			return strings.HasPrefix(r, want.name+" "+want.team) && strings.Contains(r, want.community)
		}) {
			t.Errorf("%s lists %q, want %s of %s %s", p.URL, found, want.name, want.team, want.community)
		}
	}

	p = v.open("/communities")
	checkPhonePage(t, v, p, "communities")
	if want := "社区名单"; p.H1 != want {
		t.Errorf("%s shows the heading %q, want %q", p.URL, p.H1, want)
	}
	// The rename form of a community that can also be deleted: the form
	// opens below both buttons.
	opened := run(v, "open a community's rename form", chromedp.Evaluate[bool](`(() => {
		const d = document.querySelector('main .record:has(form[action$="/delete"]) details') ||
			document.querySelector("main .record details");
		if (!d) return false;
		d.querySelector("summary").click();
		return d.open;
	})()`))
	// A frame later the page has its new height, for the screenshot.
	run(v, "wait for the page to be drawn", chromedp.Evaluate[bool](
		`new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))`, chromedp.EvalAwaitPromise))
	if !opened {
		v.fatalf("%s has no rename form to open", p.URL)
	}
	v.screenshot("communities-rename")
	checkLayout(t, v, p)

	p = v.open("/lecturers")
	href := run(v, "find the roster's Excel export", chromedp.Evaluate[string](
		`(Array.from(document.querySelectorAll("main a")).find((a) => a.innerText.trim() === "导出 Excel") || {getAttribute: () => ""}).getAttribute("href")`))
	if !strings.HasPrefix(href, "/lecturers/export.xlsx") {
		v.fatalf("%s has no 导出 Excel link to /lecturers/export.xlsx (found %q)", p.URL, href)
	}
	type download struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
		Magic  string `json:"magic"` // the first bytes, as hex
	}
	got := run(v, "fetch "+href, chromedp.Evaluate[download](`fetch(`+jsString(href)+`).then(async (r) => ({
		status: r.status,
		type: r.headers.get("content-type") || "",
		magic: Array.from(new Uint8Array((await r.arrayBuffer()).slice(0, 4)), (b) => b.toString(16).padStart(2, "0")).join(""),
	}))`, chromedp.EvalAwaitPromise))
	want := download{Status: 200, Type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Magic: "504b0304"}
	if got != want {
		t.Errorf("GET %s answered %+v, want %+v (an .xlsx is a zip file)", href, got, want)
	}
}

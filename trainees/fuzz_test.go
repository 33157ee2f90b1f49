package trainees

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"partyschool/i18n"
	"partyschool/sheets"
	"partyschool/web"
)

// storedPhone is the users table's CHECK on phone numbers.
var storedPhone = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// checkFields fails the test unless an accepted profile is one the tables'
// CHECK constraints take (migrations 00001 and 00004): a 500 on insert is
// the bug a fuzzer finds here.
func checkFields(t *testing.T, f Fields) {
	t.Helper()
	for _, s := range []string{f.Name, f.Phone, f.Organisation, f.PartyBranch} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Fatalf("accepted text PostgreSQL refuses: %q", s)
		}
	}
	switch {
	case web.Blank(f.Name) || utf8.RuneCountInString(f.Name) > 50 || f.Name != strings.TrimSpace(f.Name):
		t.Fatalf("accepted name %q", f.Name)
	case !storedPhone.MatchString(f.Phone):
		t.Fatalf("accepted phone %q", f.Phone)
	case f.Gender != nil && !slices.Contains(Genders, *f.Gender):
		t.Fatalf("accepted gender %q", *f.Gender)
	case f.CommunityID != nil && *f.CommunityID <= 0:
		t.Fatalf("accepted community %d", *f.CommunityID)
	case utf8.RuneCountInString(f.Organisation) > maxOrganisation:
		t.Fatalf("accepted organisation %q", f.Organisation)
	case !slices.Contains(Kinds, f.Kind):
		t.Fatalf("accepted kind %q", f.Kind)
	case utf8.RuneCountInString(f.PartyBranch) > maxBranch || (f.Kind != KindPartyMember && f.PartyBranch != ""):
		t.Fatalf("accepted branch %q for kind %s", f.PartyBranch, f.Kind)
	}
}

// FuzzProfileForm: the trainee profile form (my profile, and the
// coordinators' new and edit forms), with its fields as web.FormValue hands
// them over, never panics; what it accepts the tables accept; and an
// accepted profile, shown again for editing, parses back to itself.
func FuzzProfileForm(f *testing.F) {
	f.Add("王秀兰", "138 0013 8000", "female", "3", "东湖街道办", KindPartyMember, "东湖社区第一党支部")
	f.Add("　", "+8613800138000", "女", "-1", strings.Repeat("单", 61), "党员", "支部")
	f.Add("Li\u200bLei", "8613912345678", "", "0x10", "", KindResident, "stray branch")
	f.Add("\x00", "1380013800", "male ", "99999999999999999999", "\xff", KindVolunteer, "")
	f.Fuzz(func(t *testing.T, name, phone, gender, community, organisation, kind, branch string) {
		clean := func(s string) string { return web.Clean(s, web.MaxFormValue) }
		form := Form{Name: clean(name), Phone: clean(phone), Gender: clean(gender), Community: clean(community),
			Organisation: clean(organisation), Kind: clean(kind), PartyBranch: clean(branch)}
		fields, errs := form.Parse()
		for field, key := range errs {
			if !i18n.Has(i18n.Chinese, key) || !i18n.Has(i18n.English, key) {
				t.Fatalf("field %s: message %q is missing from a catalogue", field, key)
			}
		}
		if errs.Any() {
			return
		}
		checkFields(t, fields)
		again, errs := FormOf(traineeOf(fields)).Parse()
		if errs.Any() || !sameFields(fields, again) {
			t.Fatalf("the stored profile %+v parses back as %+v (%v)", fields, again, errs)
		}
	})
}

// traineeOf is the trainee that storing fields gives.
func traineeOf(f Fields) *Trainee {
	return &Trainee{Name: f.Name, Phone: &f.Phone, Gender: f.Gender, CommunityID: f.CommunityID,
		Organisation: f.Organisation, Kind: f.Kind, PartyBranch: f.PartyBranch, HasProfile: true}
}

func sameFields(a, b Fields) bool {
	eq := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqID := func(x, y *int64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Name == b.Name && a.Phone == b.Phone && eq(a.Gender, b.Gender) && eqID(a.CommunityID, b.CommunityID) &&
		a.Organisation == b.Organisation && a.Kind == b.Kind && a.PartyBranch == b.PartyBranch
}

// fuzzCommunities stands in for the communities table in the import's checks.
var fuzzCommunities = map[string]int64{"东湖社区": 1, "Riverside": 2}

// checkRow fails the test unless a checked import row is consistent: rows
// with problems have no profile, rows without one have a profile the
// tables accept, and every problem has a message in both languages.
func checkRow(t *testing.T, r ImportRow) {
	t.Helper()
	for _, p := range r.Problems {
		if !i18n.Has(i18n.Chinese, p) || !i18n.Has(i18n.English, p) {
			t.Fatalf("line %d: problem %q is missing from a catalogue", r.Line, p)
		}
	}
	if r.OK() != (r.Fields != nil) {
		t.Fatalf("line %d: problems %v but profile %+v", r.Line, r.Problems, r.Fields)
	}
	if r.Fields != nil {
		checkFields(t, *r.Fields)
		if r.Fields.CommunityID != nil && !slices.Contains([]int64{1, 2}, *r.Fields.CommunityID) {
			t.Fatalf("line %d: community %d is not one of the named ones", r.Line, *r.Fields.CommunityID)
		}
	}
}

// FuzzImportRow: any seven cells of a registry row are checked without
// panicking, consistently.
func FuzzImportRow(f *testing.F) {
	f.Add("王秀兰", "13800138000", "女", "东湖社区", "东湖街道办", "党员", "第一党支部")
	f.Add("Li Lei", "+86 139 1234 5678", "Male", "Riverside", "", "volunteer", "")
	f.Add("", "138", "x", "无此社区", strings.Repeat("位", 61), "党员?", strings.Repeat("支", 61))
	f.Add("张三", "", "", "", "", "居民", "第二支部")
	f.Fuzz(func(t *testing.T, name, phone, gender, community, organisation, kind, branch string) {
		cells := []string{name, phone, gender, community, organisation, kind, branch}
		for i, c := range cells {
			cells[i] = web.Clean(c, sheets.MaxCell) // sheets.Read hands over no less
		}
		checkRow(t, checkImportRow(2, cells, fuzzCommunities))
	})
}

// FuzzImportFile: any uploaded file, read as the registry import reads it
// (CSV in UTF-8 or GB18030, or .xlsx, then the columns by their names), is
// refused with an error or checked row by row, without panicking.
func FuzzImportFile(f *testing.F) {
	header := ImportHeader()
	rows := [][]string{
		{"王秀兰", "13800138000", "女", "东湖社区", "东湖街道办", "党员", "第一党支部"},
		{"Li Lei", "139 1234 5678", "男", "Riverside", "", "volunteer", ""},
		{"", "1380", "?", "无此社区", "", "", "支部"},
	}
	var csv bytes.Buffer
	if err := sheets.WriteCSV(&csv, header, rows); err != nil {
		f.Fatal(err)
	}
	var xlsx bytes.Buffer
	if err := sheets.WriteXLSX(&xlsx, "学员", header, rows); err != nil {
		f.Fatal(err)
	}
	gb, err := simplifiedchinese.GB18030.NewEncoder().String("手机,姓名,类型\r\n13800138000,张三,居民\r\n")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(csv.Bytes())
	f.Add(xlsx.Bytes())
	f.Add([]byte(gb))
	f.Add([]byte("name;phone\nA;1\n"))
	f.Add([]byte("备注\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		table, err := sheets.Read("fuzz", bytes.NewReader(data))
		if err != nil {
			return
		}
		picked, err := table.Pick(importColumns, 0, 1)
		if err != nil {
			return
		}
		for _, r := range picked {
			if len(r.Cells) != len(importColumns) {
				t.Fatalf("line %d: %d cells, want %d", r.Line, len(r.Cells), len(importColumns))
			}
			checkRow(t, checkImportRow(r.Line, r.Cells, fuzzCommunities))
		}
	})
}

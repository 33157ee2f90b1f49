package trainees_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jmoiron/sqlx"

	"partyschool/app/apptest"
	"partyschool/courses"
	"partyschool/seed"
	"partyschool/sheets"
	"partyschool/trainees"
	"partyschool/web"
)

// inBeijing returns an instant in Beijing time.
func inBeijing(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, web.Shanghai)
}

// ledgerCourse adds a draft course of hours credit hours between two
// dates with a two-hour session starting at each of starts, and returns
// the course and its sessions' ids in order.
func ledgerCourse(t *testing.T, db *sqlx.DB, code string, hours float64, from, to time.Time, starts ...time.Time) (int64, []int64) {
	t.Helper()
	ctx := context.Background()
	store := courses.NewStore(db)
	id, err := store.Create(ctx, courses.Fields{
		Code: code, Title: "课程 " + code, Category: courses.CategoryPolicy, Capacity: 50,
		StartsOn: from, EndsOn: to, EnrolOpens: from.AddDate(0, -1, 0), EnrolCloses: from,
		CreditHours: hours, MinAttendance: 80,
	}, 0)
	if err != nil {
		t.Fatalf("create course %s: %v", code, err)
	}
	var lecturer, venue int64
	if err := db.Get(&lecturer, `INSERT INTO lecturers (name, team) VALUES ($1, 'expert') RETURNING id`, "讲师"+code); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&venue, `INSERT INTO venues (name) VALUES ($1) RETURNING id`, "教室"+code); err != nil {
		t.Fatal(err)
	}
	slots := make([]courses.Slot, len(starts))
	for i, at := range starts {
		slots[i] = courses.Slot{LecturerID: lecturer, VenueID: venue, StartsAt: at, EndsAt: at.Add(2 * time.Hour)}
	}
	if _, err := store.AddSessions(ctx, id, slots); err != nil {
		t.Fatalf("sessions of %s: %v", code, err)
	}
	var sessions []int64
	if err := db.Select(&sessions, `SELECT id FROM course_sessions WHERE course_id = $1 ORDER BY starts_at`, id); err != nil {
		t.Fatal(err)
	}
	return id, sessions
}

// markAttendance records an attendance mark, giving the trainee a seat on
// the session's course first if they have none (the database refuses
// marks for anyone else).
func markAttendance(t *testing.T, db *sqlx.DB, session, trainee int64, status string) {
	t.Helper()
	_, err := db.Exec(`
		INSERT INTO enrolments (course_id, trainee_id, status, enrolled_at)
		SELECT course_id, $2, 'enrolled', now() FROM course_sessions WHERE id = $1
		ON CONFLICT (course_id, trainee_id) DO NOTHING`, session, trainee)
	if err != nil {
		t.Fatalf("seat trainee %d for session %d: %v", trainee, session, err)
	}
	if _, err := db.Exec(`INSERT INTO attendance (session_id, trainee_id, status) VALUES ($1, $2, $3)`, session, trainee, status); err != nil {
		t.Fatalf("mark trainee %d %s at session %d: %v", trainee, status, session, err)
	}
}

// ledgerProfile gives a trainee a profile of the kind, community (0 for none)
// and branch.
func ledgerProfile(t *testing.T, db *sqlx.DB, trainee int64, kind string, community int64, branch string) {
	t.Helper()
	_, err := db.Exec(`
		INSERT INTO trainees (user_id, community_id, kind, party_branch) VALUES ($1, nullif($2, 0), $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET community_id = nullif($2, 0), kind = $3, party_branch = $4`,
		trainee, community, kind, branch)
	if err != nil {
		t.Fatalf("profile of trainee %d: %v", trainee, err)
	}
}

// ruleCourses adds the two courses the rule tests share: RULE-1, four
// hours over four sessions in March 2024 of which the last is cancelled,
// and RULE-2, three hours over three sessions across New Year, the second
// at 07:00 on 1 January in Beijing (still 31 December in UTC).
func ruleCourses(t *testing.T, s *school) (rule1, rule2 []int64) {
	t.Helper()
	_, rule1 = ledgerCourse(t, s.db, "RULE-1", 4, inBeijing(2024, 3, 1, 0), inBeijing(2024, 3, 31, 0),
		inBeijing(2024, 3, 4, 19), inBeijing(2024, 3, 11, 19), inBeijing(2024, 3, 18, 19), inBeijing(2024, 3, 25, 19))
	if err := s.courses.CancelSession(context.Background(), rule1[3], "讲师生病"); err != nil {
		t.Fatal(err)
	}
	_, rule2 = ledgerCourse(t, s.db, "RULE-2", 3, inBeijing(2024, 12, 30, 0), inBeijing(2025, 1, 6, 0),
		inBeijing(2024, 12, 30, 19), inBeijing(2025, 1, 1, 7), inBeijing(2025, 1, 3, 19))
	return rule1, rule2
}

// TestLedgerRule: a course's hours are shared by its sessions that are
// not cancelled; present and late earn the share, excused and absent do
// not, nor does a mark on a cancelled session; a session counts in the
// year of its date in Beijing.
func TestLedgerRule(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	rule1, rule2 := ruleCourses(t, s)
	a, b := s.trainee(t, "王晓梅"), s.trainee(t, "李志刚")
	markAttendance(t, s.db, rule1[0], a, "present")
	markAttendance(t, s.db, rule1[1], a, "late")
	markAttendance(t, s.db, rule1[2], a, "excused")
	markAttendance(t, s.db, rule1[3], a, "present") // cancelled: earns nothing
	for _, id := range rule2 {
		markAttendance(t, s.db, id, a, "present")
	}
	markAttendance(t, s.db, rule1[0], b, "absent")
	markAttendance(t, s.db, rule1[1], b, "excused")

	got, err := s.store.Ledger(ctx, a, 2024)
	if err != nil {
		t.Fatal(err)
	}
	want := trainees.Ledger{Year: 2024, Total: 3.7, Lines: []trainees.LedgerLine{
		{Code: "RULE-1", Title: "课程 RULE-1", CreditHours: 4, Sessions: 3, Attended: 2, Earned: 2.7},
		{Code: "RULE-2", Title: "课程 RULE-2", CreditHours: 3, Sessions: 3, Attended: 1, Earned: 1},
	}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(trainees.LedgerLine{}, "CourseID")); diff != "" {
		t.Errorf("2024 ledger (-want +got):\n%s", diff)
	}
	got, err = s.store.Ledger(ctx, a, 2025)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 2 || len(got.Lines) != 1 || got.Lines[0].Attended != 2 || got.Lines[0].Sessions != 3 {
		t.Errorf("2025 ledger %+v, want RULE-2's sessions of 1 and 3 January: 2 hours", got)
	}
	for year, want := range map[int]float64{2023: 0, 2024: 0, 2025: 0} {
		if got, err := s.store.Ledger(ctx, b, year); err != nil || got.Total != want || len(got.Lines) != 0 {
			t.Errorf("excused and absent in %d: %+v, %v; want nothing earned", year, got, err)
		}
	}

	// Restoring the cancelled session brings RULE-1 back to four sessions
	// of one hour each, and its mark counts.
	if _, err := s.courses.RestoreSession(ctx, rule1[3]); err != nil {
		t.Fatal(err)
	}
	got, err = s.store.Ledger(ctx, a, 2024)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 4 || got.Lines[0].Earned != 3 || got.Lines[0].Sessions != 4 {
		t.Errorf("after the restore: %+v, want RULE-1 3 of 4 hours, 4 in all", got)
	}
}

func TestValidYear(t *testing.T) {
	tests := []struct {
		year int
		want bool
	}{{1999, false}, {2000, true}, {2025, true}, {2026, true}, {2027, true}, {2028, false}, {0, false}, {-2026, false}}
	for _, tt := range tests {
		if got := trainees.ValidYear(tt.year, 2026); got != tt.want {
			t.Errorf("ValidYear(%d, 2026) = %v, want %v", tt.year, got, tt.want)
		}
	}
}

// TestBelowTarget: the report lists the party members under the target,
// those with nothing earned included, fewest hours first; not those at or
// above it, not other kinds of trainee, not disabled accounts; it filters
// by community and branch, counts the whole filter, pages, and adds hours
// exactly as the ledger does.
func TestBelowTarget(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	rule1, rule2 := ruleCourses(t, s)
	other := insertID(t, s.db, `INSERT INTO communities (name) VALUES ('幸福里社区') RETURNING id`)
	near := s.trainee(t, "周建军")   // 2.7 + 1 = 3.7 in 2024
	above := s.trainee(t, "吴秀英")  // 4 + 1 in 2024
	none := s.trainee(t, "陈海燕")   // nothing, in the other community
	worker := s.trainee(t, "刘国庆") // not a party member
	gone := s.trainee(t, "赵春燕")   // disabled
	ledgerProfile(t, s.db, near, trainees.KindPartyMember, s.community, "长城花园社区第一党支部")
	ledgerProfile(t, s.db, above, trainees.KindPartyMember, s.community, "长城花园社区第二党支部")
	ledgerProfile(t, s.db, none, trainees.KindPartyMember, other, "幸福里社区党支部")
	ledgerProfile(t, s.db, worker, trainees.KindCommunityWorker, s.community, "")
	ledgerProfile(t, s.db, gone, trainees.KindPartyMember, s.community, "长城花园社区第一党支部")
	s.db.MustExec(`UPDATE users SET disabled_at = now() WHERE id = $1`, gone)
	markAttendance(t, s.db, rule1[0], near, "present")
	markAttendance(t, s.db, rule1[1], near, "late")
	markAttendance(t, s.db, rule2[0], near, "present")
	for _, id := range append(rule1[:3:3], rule2[0]) {
		markAttendance(t, s.db, id, above, "present")
	}

	f := trainees.ReportFilter{Year: 2024, Target: 4}
	r, err := s.store.BelowTarget(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	want := trainees.Report{Members: 3, Below: 2, Rows: []trainees.ReportRow{
		{ID: none, Name: "陈海燕", PhoneMasked: "137****0003", CommunityName: "幸福里社区", PartyBranch: "幸福里社区党支部", Earned: 0, Short: 4},
		{ID: near, Name: "周建军", PhoneMasked: "137****0001", CommunityName: "长城花园社区", PartyBranch: "长城花园社区第一党支部", Earned: 3.7, Short: 0.3},
	}}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	l, err := s.store.Ledger(ctx, near, 2024)
	if err != nil || l.Total != r.Rows[1].Earned {
		t.Errorf("the ledger says %v (%v), the report %v: the rule differs", l.Total, err, r.Rows[1].Earned)
	}

	for _, tt := range []struct {
		name           string
		f              trainees.ReportFilter
		members, below int
		ids            []int64
	}{
		{"community", trainees.ReportFilter{CommunityID: s.community}, 2, 1, []int64{near}},
		{"other community", trainees.ReportFilter{CommunityID: other}, 1, 1, []int64{none}},
		{"branch", trainees.ReportFilter{Branch: "第一党支部"}, 1, 1, []int64{near}},
		{"branch, nobody below", trainees.ReportFilter{Branch: " 第二 "}, 1, 0, nil},
		{"branch is not a pattern", trainees.ReportFilter{Branch: "%"}, 0, 0, nil},
		{"community and branch", trainees.ReportFilter{CommunityID: other, Branch: "长城"}, 0, 0, nil},
		{"second page", trainees.ReportFilter{Limit: 1, Offset: 1}, 3, 2, []int64{near}},
		{"past the end", trainees.ReportFilter{Limit: 1, Offset: 5}, 3, 2, nil},
		{"target 3.7 reached", trainees.ReportFilter{Target: 3.7}, 3, 1, []int64{none}},
		{"another year", trainees.ReportFilter{Year: 2025}, 3, 3, []int64{none, near, above}},
	} {
		f := tt.f
		if f.Year == 0 {
			f.Year = 2024
		}
		if f.Target == 0 {
			f.Target = 4
		}
		r, err := s.store.BelowTarget(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var ids []int64
		for _, row := range r.Rows {
			ids = append(ids, row.ID)
		}
		slices.Sort(ids) // the order of names depends on the database's collation
		slices.Sort(tt.ids)
		if r.Members != tt.members || r.Below != tt.below || !cmp.Equal(ids, tt.ids) {
			t.Errorf("%s: %d members, %d below, rows %v; want %d, %d, %v", tt.name, r.Members, r.Below, ids, tt.members, tt.below, tt.ids)
		}
	}

	branches, err := s.store.Branches(ctx, s.community)
	slices.Sort(branches)
	if want := []string{"长城花园社区第一党支部", "长城花园社区第二党支部"}; err != nil || !cmp.Equal(branches, want) {
		t.Errorf("branches %v, %v; want %v", branches, err, want)
	}
}

// rawHoursKey matches a catalogue key of the credit-hour pages that
// reached a page untranslated (and not the report's address,
// /reports/credit-hours.xlsx).
var rawHoursKey = regexp.MustCompile(`(?:^|[^-\w])hours\.[a-z][a-z.]*[a-z]\b`)

// hoursCourse adds a course of 8 hours in 2024 with four sessions at the
// demo school's first lecturer and venue, and returns its sessions.
func hoursCourse(t *testing.T, env *apptest.Env, code string) []int64 {
	t.Helper()
	ctx := context.Background()
	store := courses.NewStore(env.DB)
	day := inBeijing(2024, 5, 6, 0)
	id, err := store.Create(ctx, courses.Fields{
		Code: code, Title: "课程" + code, Category: courses.CategoryPolicy, Capacity: 50,
		StartsOn: day, EndsOn: day.AddDate(0, 0, 30), EnrolOpens: day.AddDate(0, -1, 0), EnrolCloses: day,
		CreditHours: 8, MinAttendance: 80,
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var lecturer, venue int64
	env.DB.Get(&lecturer, `SELECT id FROM lecturers WHERE active ORDER BY id LIMIT 1`)
	env.DB.Get(&venue, `SELECT id FROM venues WHERE active ORDER BY id LIMIT 1`)
	var slots []courses.Slot
	for week := range 4 {
		at := day.AddDate(0, 0, 7*week).Add(9 * time.Hour)
		slots = append(slots, courses.Slot{LecturerID: lecturer, VenueID: venue, StartsAt: at, EndsAt: at.Add(2 * time.Hour)})
	}
	if _, err := store.AddSessions(ctx, id, slots); err != nil {
		t.Fatal(err)
	}
	var sessions []int64
	env.DB.Select(&sessions, `SELECT id FROM course_sessions WHERE course_id = $1 ORDER BY starts_at`, id)
	return sessions
}

// TestMyHoursShowsOwnLedger: the trainee sees their own total and
// courses, the rule, and as a party member the target and what is left;
// a year without marks says so; a silly year shows the current one.
func TestMyHoursShowsOwnLedger(t *testing.T) {
	env := apptest.NewDemo(t)
	sessions := hoursCourse(t, env, "H-MINE")
	var me int64
	if err := env.DB.Get(&me, `SELECT id FROM users WHERE username = 'trainee'`); err != nil {
		t.Fatal(err)
	}
	ledgerProfile(t, env.DB, me, trainees.KindResident, 0, "")
	other, _ := env.LoginAs("trainee", "hours-other")
	var otherID int64
	env.DB.Get(&otherID, `SELECT id FROM users WHERE username = 'hours-other'`)
	markAttendance(t, env.DB, sessions[0], me, "present")
	markAttendance(t, env.DB, sessions[1], me, "late")
	markAttendance(t, env.DB, sessions[2], me, "absent")
	for _, id := range sessions {
		markAttendance(t, env.DB, id, otherID, "present")
	}

	c := env.Client()
	c.Login("trainee", seed.DemoPassword)
	res := c.Get("/my/hours?year=2024")
	if res.Status != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("my hours: %d, Cache-Control %q", res.Status, res.Header.Get("Cache-Control"))
	}
	for _, want := range []string{"<strong>4 学时</strong>", "课程H-MINE", "出勤 2 次，共 4 次课", "停课的不算", "2023 年", "2025 年"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("my hours lacks %q", want)
		}
	}
	if strings.Contains(res.Body, "年度目标") {
		t.Error("a trainee who is not a party member is shown the party members' target")
	}
	if keys := rawHoursKey.FindAllString(res.Body, 3); keys != nil {
		t.Errorf("raw keys %v", keys)
	}
	if res := other.Get("/my/hours?year=2024"); !strings.Contains(res.Body, "<strong>8 学时</strong>") || !strings.Contains(res.Body, "出勤 4 次，共 4 次课") {
		t.Error("the other trainee does not see their own 8 hours")
	}

	ledgerProfile(t, env.DB, me, trainees.KindPartyMember, 0, "")
	res = c.Get("/my/hours?year=2024")
	for _, want := range []string{"年度目标", "32 学时", "28 学时", `value="12"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("a party member's ledger lacks %q", want)
		}
	}

	res = c.Get("/my/hours?year=2023")
	if !strings.Contains(res.Body, "这一年还没有获得学时") {
		t.Error("an empty year does not say that nothing was earned")
	}
	current := time.Now().In(web.Shanghai).Year()
	for _, silly := range []string{"1066", "99999", "abc", "-1"} {
		res := c.Get("/my/hours?year=" + silly)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "<strong>"+itoa(int64(current))+" 年</strong>") {
			t.Errorf("year=%s: %d, want the current year", silly, res.Status)
		}
	}
	res = c.Get("/my/hours")
	if strings.Contains(res.Body, itoa(int64(current+1))+" 年 ›") {
		t.Error("the current year links to the next")
	}
	coord := env.Client()
	coord.Login("coordinator", seed.DemoPassword)
	if res := coord.Get("/my/hours"); res.Status != http.StatusForbidden {
		t.Errorf("a coordinator's /my/hours: %d, want 403", res.Status)
	}
}

// TestHoursReportAndExport: coordinators see the party members below the
// target with masked phones, filter them, and export the same list.
func TestHoursReportAndExport(t *testing.T) {
	env := apptest.NewDemo(t)
	sessions := hoursCourse(t, env, "H-RPT")
	var east, west int64
	env.DB.Get(&east, `INSERT INTO communities (name) VALUES ('测试东区社区') RETURNING id`)
	env.DB.Get(&west, `INSERT INTO communities (name) VALUES ('测试西区社区') RETURNING id`)
	member := func(username, name, kind string, community int64, branch string, attended int) int64 {
		u := env.CreateUser("trainee", username, name)
		ledgerProfile(t, env.DB, u.ID, kind, community, branch)
		for _, id := range sessions[:attended] {
			markAttendance(t, env.DB, id, u.ID, "present")
		}
		return u.ID
	}
	low := member("hr-low", "测试党员甲", trainees.KindPartyMember, east, "测试东区第一党支部", 1) // 2 hours
	member("hr-zero", "测试党员乙", trainees.KindPartyMember, west, "测试西区党支部", 0)
	member("hr-high", "测试党员丙", trainees.KindPartyMember, east, "测试东区第二党支部", 4) // 8 hours
	member("hr-resident", "测试居民丁", trainees.KindResident, east, "", 0)
	env.DB.MustExec(`UPDATE school_settings SET credit_hour_target = 6`)

	c := env.Client()
	c.Login("coordinator", seed.DemoPassword)
	res := c.Get("/reports/credit-hours?year=2024&branch=" + url.QueryEscape("测试"))
	if res.Status != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("report: %d, Cache-Control %q", res.Status, res.Header.Get("Cache-Control"))
	}
	for _, want := range []string{"测试党员甲", "测试党员乙", "/trainees/" + itoa(low), web.MaskPhone(apptest.PhoneOf("hr-low")), "还差 4 学时", "还差 6 学时", "测试东区第一党支部"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, unwanted := range []string{"测试党员丙", "测试居民丁", apptest.PhoneOf("hr-low")} {
		if strings.Contains(res.Body, unwanted) {
			t.Errorf("report shows %q", unwanted)
		}
	}
	if keys := rawHoursKey.FindAllString(res.Body, 3); keys != nil {
		t.Errorf("raw keys %v", keys)
	}
	if zero, low := strings.Index(res.Body, "测试党员乙"), strings.Index(res.Body, "测试党员甲"); zero > low {
		t.Error("the member with 0 hours is not listed before the one with 2")
	}

	res = c.Get("/reports/credit-hours?year=2024&community=" + itoa(east))
	if !strings.Contains(res.Body, "共 2 名党员，其中 1 名未达标") || !strings.Contains(res.Body, "测试党员甲") || strings.Contains(res.Body, "测试党员乙") {
		t.Error("the community filter does not keep to the east community")
	}
	res = c.Get("/reports/credit-hours?year=2024&branch=" + url.QueryEscape("西区"))
	if !strings.Contains(res.Body, "测试党员乙") || strings.Contains(res.Body, "测试党员甲") {
		t.Error("the branch filter does not keep to the west branch")
	}
	if !strings.Contains(res.Body, `value="测试西区党支部"`) {
		t.Error("the branch suggestions lack the west branch")
	}

	res = c.Get("/reports/credit-hours.xlsx?year=2024&community=" + itoa(east))
	if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") ||
		res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("export: %d, %q", res.Status, res.Header.Get("Content-Disposition"))
	}
	table, err := sheets.Read("report.xlsx", bytes.NewReader([]byte(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"姓名", "手机号", "所在社区", "所在党支部", "已获学时", "尚差学时"}; !cmp.Equal(table.Header, want) {
		t.Errorf("export header %v", table.Header)
	}
	var rows [][]string
	for _, r := range table.Rows {
		rows = append(rows, r.Cells)
	}
	want := [][]string{{"测试党员甲", web.MaskPhone(apptest.PhoneOf("hr-low")), "测试东区社区", "测试东区第一党支部", "2", "4"}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("export rows (-want +got):\n%s", diff)
	}

	trainee := env.Client()
	trainee.Login("trainee", seed.DemoPassword)
	for _, path := range []string{"/reports/credit-hours", "/reports/credit-hours.xlsx"} {
		if res := trainee.Get(path); res.Status != http.StatusForbidden {
			t.Errorf("a trainee's %s: %d, want 403", path, res.Status)
		}
	}
}

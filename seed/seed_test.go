package seed

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"partyschool/dbtest"
	"partyschool/web"
)

// TestDemo loads the demo data twice into a fresh database: the second run
// adds nothing, and the first gives a school with three teams and a term
// whose sessions fall in the coming days.
func TestDemo(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	first, err := Demo(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	sessions := 0
	for _, cr := range term {
		sessions += len(cr.Sessions)
	}
	if first.Lecturers != len(roster) || first.Courses != len(term) || first.Sessions != sessions {
		t.Errorf("first run added %+v, want %d lecturers, %d courses, %d sessions", first, len(roster), len(term), sessions)
	}
	again, err := Demo(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if again != (Counts{}) {
		t.Errorf("second run added %+v", again)
	}

	for _, team := range []string{"expert", "grassroots", "senior"} {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM lecturers WHERE team = $1 AND active`, team); err != nil {
			t.Fatal(err)
		}
		if n < 5 {
			t.Errorf("%d active lecturers in team %s, want a full roster", n, team)
		}
	}

	var name string
	if err := db.Get(&name, `
		SELECT l.name FROM lecturers l JOIN users u ON u.id = l.user_id
		WHERE u.username = 'lecturer'`); err != nil {
		t.Fatalf("lecturer row of the `lecturer` account: %v", err)
	}
	if name != Lecturers[0].Name {
		t.Errorf("the `lecturer` account is linked to %s, want %s", name, Lecturers[0].Name)
	}
	var linked, mismatched int
	db.Get(&linked, `SELECT count(*) FROM lecturers WHERE user_id IS NOT NULL`)
	db.Get(&mismatched, `
		SELECT count(*) FROM lecturers l JOIN users u ON u.id = l.user_id
		WHERE l.name <> u.name OR l.phone IS DISTINCT FROM u.phone OR u.role <> 'lecturer'`)
	if linked != len(Lecturers) || mismatched != 0 {
		t.Errorf("%d lecturers linked to accounts (want %d), %d of them differ from their account in name, phone or role",
			linked, len(Lecturers), mismatched)
	}

	var upcoming int
	db.Get(&upcoming, `
		SELECT count(DISTINCT c.id) FROM courses c JOIN course_sessions s ON s.course_id = c.id
		WHERE c.status = 'published' AND s.starts_at >= now() AND s.starts_at < now() + interval '14 days'`)
	if upcoming < 3 {
		t.Errorf("%d published courses meet in the next 14 days, want several", upcoming)
	}

	var outside int
	db.Get(&outside, `
		SELECT count(*) FROM course_sessions s JOIN courses c ON c.id = s.course_id
		WHERE (s.starts_at AT TIME ZONE 'Asia/Shanghai')::date NOT BETWEEN c.starts_on AND c.ends_on
		   OR (s.ends_at AT TIME ZONE 'Asia/Shanghai')::date NOT BETWEEN c.starts_on AND c.ends_on`)
	if outside != 0 {
		t.Errorf("%d sessions fall outside their course's dates", outside)
	}

	var evening int
	db.Get(&evening, `SELECT count(*) FROM course_sessions WHERE (starts_at AT TIME ZONE 'Asia/Shanghai')::time = '19:00'`)
	if evening == 0 {
		t.Error("no session starts at 19:00 Beijing time")
	}

	var badEnrolment, noCreator int
	db.Get(&badEnrolment, `
		SELECT count(*) FROM courses
		WHERE enrol_closes AT TIME ZONE 'Asia/Shanghai' <> (starts_on - 1) + time '18:00'
		   OR enrol_opens > enrol_closes - interval '7 days'`)
	db.Get(&noCreator, `SELECT count(*) FROM courses WHERE created_by IS NULL`)
	if badEnrolment != 0 || noCreator != 0 {
		t.Errorf("%d courses with an odd enrolment window, %d without a creator", badEnrolment, noCreator)
	}
}

// TestDemoConcurrently loads the demo data twice at once: one run waits
// for the other, and the term is loaded once.
func TestDemoConcurrently(t *testing.T) {
	db := dbtest.New(t)
	counts := make([]Counts, 2)
	errs := dbtest.Concurrently(2, func(i int) error {
		var err error
		counts[i], err = Demo(context.Background(), db)
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := counts[0].Courses + counts[1].Courses; got != len(term) {
		t.Errorf("two runs at once added %d courses, want %d", got, len(term))
	}
}

// TestRoster checks the roster against the accounts and the teams.
func TestRoster(t *testing.T) {
	accounts := map[string]demoUser{}
	for _, u := range users() {
		accounts[u.Username] = u
	}
	names := map[string]bool{}
	for _, u := range users() {
		if u.Role != web.RoleLecturer {
			names[u.Name] = true
		}
	}
	phone := regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	teams := map[string]int{}
	phones := map[string]bool{}
	inactive := 0
	for _, l := range roster {
		if names[l.Name] {
			t.Errorf("lecturer %s has the name of another demo user", l.Name)
		}
		names[l.Name] = true
		if !phone.MatchString(l.Phone) || phones[l.Phone] {
			t.Errorf("lecturer %s: phone %q is not a fresh mobile number", l.Name, l.Phone)
		}
		phones[l.Phone] = true
		if len(l.Topics) < 1 || len(l.Topics) > 4 || l.Title == "" || l.Organisation == "" || l.Bio == "" {
			t.Errorf("lecturer %s: %d topics, title %q, organisation %q, bio %q", l.Name, len(l.Topics), l.Title, l.Organisation, l.Bio)
		}
		if l.Community != "" && !isCommunity(l.Community) {
			t.Errorf("lecturer %s: no demo community %s", l.Name, l.Community)
		}
		teams[l.Team]++
		if l.Inactive {
			inactive++
		}
		if l.Username == "" {
			continue
		}
		u, ok := accounts[l.Username]
		if !ok || u.Name != l.Name || u.Phone != l.Phone || u.Role != web.RoleLecturer {
			t.Errorf("lecturer %s: account %q is %+v, want the same name and phone", l.Name, l.Username, u)
		}
	}
	withAccount := map[string]string{}
	for _, l := range roster {
		if l.Username != "" {
			withAccount[l.Name] = l.Team
		}
	}
	for _, want := range Lecturers {
		if team, ok := withAccount[want.Name]; !ok || team != want.Team {
			t.Errorf("lecturer %s (%s) is not in roster with an account in that team", want.Name, want.Team)
		}
	}
	if len(withAccount) != len(Lecturers) {
		t.Errorf("%d lecturers in roster have accounts, want the %d Lecturers", len(withAccount), len(Lecturers))
	}
	if teams["expert"] != 8 || teams["grassroots"] != 8 || teams["senior"] != 8 || len(teams) != 3 || inactive != 2 {
		t.Errorf("teams %v, %d inactive; want eight in each of the three teams, two inactive", teams, inactive)
	}
}

// TestTerm checks the plan of the term: what the schema would refuse, and
// what makes the timetable believable.
func TestTerm(t *testing.T) {
	monday := weekOf(time.Now())
	code := regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,19}$`)
	type booking struct {
		course     string
		start, end time.Time
	}
	lecturers := map[string][]booking{}
	venues := map[string][]booking{}
	statuses := map[string]int{}
	for _, cr := range term {
		statuses[cr.Status]++
		if !code.MatchString(cr.Code) || len(cr.Sessions) < 2 || len(cr.Sessions) > 8 {
			t.Errorf("course %s: bad code or %d sessions", cr.Code, len(cr.Sessions))
		}
		seats, ok := venueSeats(cr.Venue, cr.Community)
		if !ok || cr.Capacity > seats || cr.Capacity < 20 || cr.Capacity > 60 {
			t.Errorf("course %s: venue %s of %q (found %v, %d seats), capacity %d", cr.Code, cr.Venue, cr.Community, ok, seats, cr.Capacity)
		}
		first, last, err := cr.dates(monday)
		if err != nil {
			t.Fatal(err)
		}
		if days := last.Sub(first).Hours() / 24; days > 366 {
			t.Errorf("course %s spans %v days", cr.Code, days)
		}
		if cr.Status == "published" && (first.Before(monday.AddDate(0, 0, -7)) || !first.Before(monday.AddDate(0, 0, 28))) {
			t.Errorf("published course %s starts on %s, not between last week and three weeks ahead", cr.Code, first.Format(time.DateOnly))
		}
		var hours float64
		for _, s := range cr.Sessions {
			start, end, err := s.times(monday)
			if err != nil {
				t.Fatal(err)
			}
			if !end.After(start) || end.Sub(start) > 12*time.Hour {
				t.Errorf("course %s: session %q runs from %s to %s", cr.Code, s.Topic, s.From, s.To)
			}
			hours += end.Sub(start).Hours()
			if found, inactive := inRoster(s.Lecturer); !found || (inactive && s.Week >= 0) {
				t.Errorf("course %s: session %q taught by %s, not an active demo lecturer", cr.Code, s.Topic, s.Lecturer)
			}
			b := booking{cr.Code + " " + s.Topic, start, end}
			venue := cr.Venue + "@" + cr.Community
			for _, other := range lecturers[s.Lecturer] {
				if b.start.Before(other.end) && other.start.Before(b.end) {
					t.Errorf("%s teaches %s and %s at once", s.Lecturer, b.course, other.course)
				}
			}
			for _, other := range venues[venue] {
				if b.start.Before(other.end) && other.start.Before(b.end) {
					t.Errorf("%s holds %s and %s at once", venue, b.course, other.course)
				}
			}
			lecturers[s.Lecturer] = append(lecturers[s.Lecturer], b)
			venues[venue] = append(venues[venue], b)
		}
		if hours != cr.CreditHours {
			t.Errorf("course %s: %v credit hours for %v hours of sessions", cr.Code, cr.CreditHours, hours)
		}
	}
	if statuses["published"] < 8 || statuses["draft"] != 1 || statuses["closed"] != 1 || statuses["archived"] != 1 {
		t.Errorf("courses by status %v", statuses)
	}
}

// TestEveningSession checks that on every day of the week, the timetable
// has a published session at 19:00 that day or the next, whatever the
// hour the seed runs at (07:30 Beijing time is the day before in UTC).
func TestEveningSession(t *testing.T) {
	for d := range 7 {
		for _, clock := range []time.Duration{7*time.Hour + 30*time.Minute, 23*time.Hour + 30*time.Minute} {
			now := weekOf(time.Now()).AddDate(0, 0, d).Add(clock).UTC()
			monday := weekOf(now)
			today := now.In(web.Shanghai).Format(time.DateOnly)
			tomorrow := now.In(web.Shanghai).AddDate(0, 0, 1).Format(time.DateOnly)
			found := false
			for _, cr := range term {
				for _, s := range cr.Sessions {
					start, _, err := s.times(monday)
					if err != nil {
						t.Fatal(err)
					}
					day := start.Format(time.DateOnly)
					if cr.Status == "published" && start.Format("15:04") == "19:00" && (day == today || day == tomorrow) {
						found = true
					}
				}
			}
			if !found {
				t.Errorf("seeded at %s: no published session at 19:00 on %s or %s", now.In(web.Shanghai).Format(time.DateTime), today, tomorrow)
			}
		}
	}
}

func TestWeekOf(t *testing.T) {
	// 2026-03-08 is a Sunday; 20:00 UTC is already Monday 04:00 in Beijing.
	got := weekOf(time.Date(2026, 3, 8, 20, 0, 0, 0, time.UTC))
	want := time.Date(2026, 3, 9, 0, 0, 0, 0, web.Shanghai)
	if !got.Equal(want) {
		t.Errorf("weekOf: got %s, want %s", got, want)
	}
	got = weekOf(time.Date(2026, 3, 8, 15, 0, 0, 0, time.UTC)) // Sunday 23:00 in Beijing
	want = time.Date(2026, 3, 2, 0, 0, 0, 0, web.Shanghai)
	if !got.Equal(want) {
		t.Errorf("weekOf: got %s, want %s", got, want)
	}
}

func isCommunity(name string) bool {
	for _, c := range communities {
		if c.Name == name {
			return true
		}
	}
	return false
}

func venueSeats(name, community string) (int, bool) {
	for _, v := range venues {
		if v.Name == name && v.Community == community {
			return v.Seats, true
		}
	}
	return 0, false
}

// inRoster says whether roster has a lecturer called name, and whether
// that lecturer is inactive.
func inRoster(name string) (found, inactive bool) {
	for _, l := range roster {
		if l.Name == name {
			return true, l.Inactive
		}
	}
	return false, false
}

// TestDemoTrainees: forty trainees with profiles across the communities,
// and one full course with a waitlist that the `trainee` account is on.
func TestDemoTrainees(t *testing.T) {
	db := dbtest.New(t)
	if _, err := Demo(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	count := func(query string) int {
		t.Helper()
		var n int
		if err := db.Get(&n, query); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM users u JOIN trainees t ON t.user_id = u.id WHERE u.role = 'trainee'`); n != 40 {
		t.Errorf("%d trainees with a profile, want 40", n)
	}
	if n := count(`SELECT count(DISTINCT community_id) FROM trainees`); n != len(communities) {
		t.Errorf("trainees live in %d communities, want all %d", n, len(communities))
	}
	if n := count(`SELECT count(*) FROM trainees WHERE kind = 'party_member' AND party_branch = ''`); n != 0 {
		t.Errorf("%d party members without a branch", n)
	}
	if n := count(`SELECT count(*) FROM courses WHERE code = 'DX-2026-07' AND enrolled = capacity`); n != 1 {
		t.Error("the demo's full course is not full")
	}
	if n := count(`SELECT count(*) FROM enrolments e JOIN courses c ON c.id = e.course_id WHERE c.code = 'DX-2026-07' AND e.status = 'waitlisted'`); n != 6 {
		t.Errorf("%d waiting for the full course, want 6", n)
	}
	// The counter the trigger keeps agrees with the rows everywhere.
	if n := count(`SELECT count(*) FROM courses c WHERE c.enrolled <> (SELECT count(*) FROM enrolments e WHERE e.course_id = c.id AND e.status = 'enrolled')
	                                             OR c.waitlisted <> (SELECT count(*) FROM enrolments e WHERE e.course_id = c.id AND e.status = 'waitlisted')`); n != 0 {
		t.Errorf("%d courses whose seat or waitlist count disagrees with their enrolments", n)
	}
	if n := count(`SELECT count(*) FROM certificates c JOIN courses k ON k.id = c.course_id WHERE k.code = 'DX-2026-11' AND c.status = 'valid'`); n == 0 {
		t.Error("the graduated course has no certificates")
	}
	if n := count(`SELECT count(*) FROM attendance a JOIN course_sessions s ON s.id = a.session_id WHERE s.ends_at > now()`); n != 0 {
		t.Errorf("%d attendance marks for sessions not yet over", n)
	}
}

// The demo has a pair at each stage, the `trainee` account's active with
// the `lecturer` account supervising, and the completed one at the rule
// with its evaluation confirmed (the database allows nothing less).
func TestDemoMentoring(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	first, err := Demo(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if first.Pairs != len(demoPairs) {
		t.Errorf("%d pairs added, want %d", first.Pairs, len(demoPairs))
	}
	var statuses []string
	if err := db.Select(&statuses, `SELECT status FROM mentoring_pairs ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(statuses, " ") != "active completed planned ended" {
		t.Errorf("pair statuses %v", statuses)
	}
	var mine struct {
		Supervisor string `db:"supervisor"`
		Days       int    `db:"days"`
		Logs       int    `db:"logs"`
		Unsigned   int    `db:"unsigned"`
	}
	err = db.Get(&mine, `
		SELECT s.username AS supervisor, (SELECT count(*) FROM post_days WHERE pair_id = p.id) AS days,
		       (SELECT count(*) FROM mentoring_logs l JOIN post_days d ON d.id = l.post_day_id WHERE d.pair_id = p.id) AS logs,
		       (SELECT count(*) FROM mentoring_logs l JOIN post_days d ON d.id = l.post_day_id
		        WHERE d.pair_id = p.id AND l.countersigned_at IS NULL) AS unsigned
		FROM mentoring_pairs p JOIN users m ON m.id = p.mentee_id JOIN users s ON s.id = p.supervisor_id
		WHERE m.username = 'trainee'`)
	if err != nil {
		t.Fatal(err)
	}
	if mine.Supervisor != "lecturer" || mine.Days != 8 || mine.Logs == 0 || mine.Unsigned != 1 {
		t.Errorf("the demo trainee's pair: %+v", mine)
	}
	again, err := Demo(ctx, db)
	if err != nil || again.Pairs != 0 {
		t.Errorf("second run added %d pairs, %v", again.Pairs, err)
	}
}

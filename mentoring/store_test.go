package mentoring_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"partyschool/certificates"
	"partyschool/dbtest"
	"partyschool/mentoring"
	"partyschool/trainees"
	"partyschool/web"
)

// school is a database with a mentor, two mentees, a supervisor, a
// stranger lecturer and a community.
type school struct {
	db         *sqlx.DB
	store      *mentoring.Store
	mentor     int64
	other      int64 // another lecturer
	supervisor int64 // a coordinator
	mentees    []int64
	community  int64
}

func newSchool(t *testing.T) *school {
	t.Helper()
	db := dbtest.New(t)
	s := &school{db: db, store: mentoring.NewStore(db)}
	user := func(username, name, role, phone string) int64 {
		t.Helper()
		var id int64
		err := db.Get(&id, `INSERT INTO users (username, name, role, phone, password_hash)
			VALUES ($1, $2, $3, nullif($4, ''), '$argon2id$x') RETURNING id`, username, name, role, phone)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	s.mentor = user("mentor", "王秀兰", "lecturer", "")
	s.other = user("other", "周立新", "lecturer", "")
	s.supervisor = user("coord", "陈芳", "coordinator", "")
	s.mentees = []int64{user("mentee1", "刘小燕", "trainee", "13800000001"), user("mentee2", "张伟", "trainee", "13800000002")}
	if err := db.Get(&s.community, `INSERT INTO communities (name) VALUES ('银啤苑社区') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	return s
}

// input is a valid pair form for the first mentee over the given days
// around today.
func (s *school) input(fromDays, toDays int) mentoring.PairInput {
	today := web.Day(time.Now())
	return mentoring.PairInput{
		MentorID: s.mentor, MenteeKey: "13800000001", SupervisorID: s.supervisor, CommunityID: s.community,
		MentorPost: "社区党委副书记", Post: "党建工作岗", StartsOn: today.AddDate(0, 0, fromDays), EndsOn: today.AddDate(0, 0, toDays),
		Goals: []string{"熟悉党建工作流程", "能独立组织主题党日"}, RequiredRate: 80,
	}
}

func (s *school) create(t *testing.T, in mentoring.PairInput) int64 {
	t.Helper()
	id, err := s.store.Create(context.Background(), in, s.supervisor, "127.0.0.1")
	if err != nil {
		t.Fatalf("create pair: %v", err)
	}
	return id
}

// dayAt adds a post day of the pair directly, hours long, starting at
// the given offset from now.
func (s *school) dayAt(t *testing.T, pair int64, from time.Duration, hours int) int64 {
	t.Helper()
	var id int64
	start := time.Now().Add(from)
	err := s.db.Get(&id, `INSERT INTO post_days (pair_id, starts_at, ends_at, place) VALUES ($1, $2, $3, '党群服务中心') RETURNING id`,
		pair, start, start.Add(time.Duration(hours)*time.Hour))
	if err != nil {
		t.Fatalf("add post day: %v", err)
	}
	return id
}

func (s *school) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func fieldOf(err error) string {
	var fe *mentoring.FieldError
	if errors.As(err, &fe) {
		return fe.Field + " " + fe.Key
	}
	return ""
}

func TestCreateChecksPeople(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	in := s.input(-10, 20)
	in.MenteeKey = "13900000000"
	if _, err := s.store.Create(ctx, in, s.supervisor, ""); fieldOf(err) != "mentee mentoring.error.mentee.unknown" {
		t.Errorf("unknown mentee: %v", err)
	}
	in = s.input(-10, 20)
	in.MentorID = s.supervisor // a coordinator is no mentor
	if _, err := s.store.Create(ctx, in, s.supervisor, ""); fieldOf(err) != "mentor mentoring.error.mentor" {
		t.Errorf("coordinator as mentor: %v", err)
	}
	in = s.input(-10, 20)
	in.SupervisorID = s.mentees[1] // a trainee supervises nothing
	if _, err := s.store.Create(ctx, in, s.supervisor, ""); fieldOf(err) != "supervisor mentoring.error.supervisor" {
		t.Errorf("trainee as supervisor: %v", err)
	}
	in = s.input(-10, 20)
	in.MenteeKey = "mentee2" // by username
	id := s.create(t, in)
	p, err := s.store.Get(ctx, id)
	if err != nil || p.MenteeID != s.mentees[1] || p.Status != mentoring.StatusPlanned || len(p.Goals) != 2 {
		t.Fatalf("created %+v, %v", p, err)
	}
	if n := s.count(t, `SELECT count(*) FROM mentoring_pairs`); n != 1 {
		t.Errorf("%d pairs after three refusals and one creation", n)
	}
	if n := s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'mentoring.pair.create'`); n != 1 {
		t.Errorf("%d audit entries", n)
	}
}

func TestStatusTransitions(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	id := s.create(t, s.input(-10, 20))
	steps := []struct {
		to, reason string
		want       error
	}{
		{mentoring.StatusCompleted, "", mentoring.ErrTransition}, // planned cannot complete
		{mentoring.StatusActive, "", nil},
		{mentoring.StatusPlanned, "", mentoring.ErrTransition}, // no way back
		{mentoring.StatusEnded, "", mentoring.ErrReasonNeeded},
		{mentoring.StatusEnded, "导师调岗", nil},
		{mentoring.StatusActive, "", mentoring.ErrTransition}, // ended is final
	}
	for _, st := range steps {
		if err := s.store.SetStatus(ctx, id, st.to, st.reason, s.supervisor, ""); !errors.Is(err, st.want) {
			t.Errorf("to %s (%q): %v, want %v", st.to, st.reason, err, st.want)
		}
	}
	p, _ := s.store.Get(ctx, id)
	if p.Status != mentoring.StatusEnded || p.EndReason != "导师调岗" {
		t.Errorf("pair ends as %s %q", p.Status, p.EndReason)
	}
}

// Two coordinators starting two pairs of the same mentee at once: one
// wins, the other is told the mentee is busy.
func TestOneActivePairPerMentee(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	ids := []int64{s.create(t, s.input(-10, 20)), s.create(t, s.input(-5, 30))}
	errs := dbtest.Concurrently(2, func(i int) error {
		return s.store.SetStatus(ctx, ids[i], mentoring.StatusActive, "", s.supervisor, "")
	})
	var ok, busy int
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, mentoring.ErrMenteeBusy):
			busy++
		default:
			t.Errorf("start: %v", err)
		}
	}
	if ok != 1 || busy != 1 {
		t.Errorf("%d started, %d refused as busy", ok, busy)
	}
	if n := s.count(t, `SELECT count(*) FROM mentoring_pairs WHERE status = 'active'`); n != 1 {
		t.Errorf("%d active pairs for one mentee", n)
	}
}

func TestAddDaysPatternAllOrNothing(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	in := s.input(0, 27)
	id := s.create(t, in)
	from := in.StartsOn.Format(web.DateLayout)
	to := in.StartsOn.AddDate(0, 0, 27).Format(web.DateLayout)
	slots, _, errs := mentoring.DaysForm{From: from, To: to, Weekdays: mentoring.Workdays, Start: "14:00", End: "18:00"}.Parse()
	if errs.Any() {
		t.Fatalf("form: %v", errs)
	}
	if len(slots) != 20 {
		t.Fatalf("four weeks of weekdays: %d days", len(slots))
	}
	n, err := s.store.AddDays(ctx, id, slots, "党群服务中心", s.supervisor, "")
	if err != nil || n != 20 {
		t.Fatalf("add: %d, %v", n, err)
	}
	// Again, plus one day past the end: the lot is refused, the dates named.
	more := append(slots[:2:2], mentoring.Slot{StartsAt: slots[0].StartsAt.AddDate(0, 0, 40), EndsAt: slots[0].EndsAt.AddDate(0, 0, 40)})
	_, err = s.store.AddDays(ctx, id, more, "", s.supervisor, "")
	var de *mentoring.DaysError
	if !errors.As(err, &de) || len(de.Taken) != 2 || len(de.Outside) != 1 {
		t.Fatalf("refusal: %v", err)
	}
	if n := s.count(t, `SELECT count(*) FROM post_days WHERE pair_id = $1`, id); n != 20 {
		t.Errorf("%d post days after the refusal", n)
	}
	// The database holds the rule too.
	_, err = s.db.Exec(`INSERT INTO post_days (pair_id, starts_at, ends_at) VALUES ($1, now() + interval '60 days', now() + interval '61 days')`, id)
	if err == nil {
		t.Error("the database took a post day outside the period")
	}
	// And a shorter period cannot leave days outside it.
	short := in
	short.EndsOn = in.StartsOn.AddDate(0, 0, 3)
	if err := s.store.Update(ctx, id, short, s.supervisor, ""); fieldOf(err) != "starts_on mentoring.error.period.days" {
		t.Errorf("period shortened under its days: %v", err)
	}
}

func TestMarkRules(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	id := s.create(t, s.input(-20, 20))
	past := s.dayAt(t, id, -10*24*time.Hour, 4) // ended ten days ago: locked after 7
	today := s.dayAt(t, id, -2*time.Hour, 4)
	future := s.dayAt(t, id, 3*24*time.Hour, 4)
	mark := func(day int64, status string, staff bool, reason string) error {
		_, err := s.store.Mark(ctx, mentoring.MarkInput{PostDayID: day, Status: status, By: s.mentor, Staff: staff, Reason: reason, LockDays: 7}, "")
		return err
	}
	if err := mark(today, "present", false, ""); !errors.Is(err, mentoring.ErrNotActive) {
		t.Errorf("planned pair marked: %v", err)
	}
	if err := s.store.SetStatus(ctx, id, mentoring.StatusActive, "", s.supervisor, ""); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		day    int64
		status string
		staff  bool
		reason string
		want   error
	}{
		{today, "present", false, "", nil},
		{today, "bogus", false, "", mentoring.ErrBadMark},
		{future, "present", false, "", mentoring.ErrNotStarted},
		{future, "excused", false, "", nil}, // leave is asked for in advance
		{past, "absent", false, "", mentoring.ErrLocked},
		{past, "absent", true, "", mentoring.ErrReasonNeeded},
		{past, "late", true, "补录纸质签到", nil},
	}
	for _, c := range cases {
		if err := mark(c.day, c.status, c.staff, c.reason); !errors.Is(err, c.want) {
			t.Errorf("day %d %s staff=%v: %v, want %v", c.day, c.status, c.staff, err, c.want)
		}
	}
	if changed, err := s.store.Mark(ctx, mentoring.MarkInput{PostDayID: today, Status: "present", By: s.mentor, LockDays: 7}, ""); changed || err != nil {
		t.Errorf("the same mark again: changed %v, %v", changed, err)
	}
	days, err := s.store.Days(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, d := range days {
		got[d.ID] = d.Status
		if d.ID == past && (len(d.History) != 1 || d.History[0].Reason != "补录纸质签到") {
			t.Errorf("history of the corrected day: %+v", d.History)
		}
	}
	if got[past] != "late" || got[today] != "present" || got[future] != "excused" {
		t.Errorf("marks %v", got)
	}
	if n := s.count(t, `SELECT count(*) FROM post_day_changes`); n != 3 {
		t.Errorf("%d history rows for three changes", n)
	}
	if _, err := s.db.Exec(`DELETE FROM post_day_changes`); err == nil {
		t.Error("the history of marks was deleted")
	}
	if err := s.store.DeleteDay(ctx, today, s.supervisor, ""); !errors.Is(err, mentoring.ErrDayHasRecords) {
		t.Errorf("delete a marked day: %v", err)
	}
}

func TestLogsFreezeWhenCountersigned(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	id := s.create(t, s.input(-20, 20))
	day := s.dayAt(t, id, -3*time.Hour, 4)
	later := s.dayAt(t, id, 2*24*time.Hour, 4)
	if err := s.store.SetStatus(ctx, id, mentoring.StatusActive, "", s.supervisor, ""); err != nil {
		t.Fatal(err)
	}
	mentee := s.mentees[0]
	log := mentoring.LogForm{Did: "参加党委会<script>alert(1)</script>", Learned: "议事规则", Questions: "如何做会议记录？"}
	if err := s.store.WriteLog(ctx, later, mentee, log); !errors.Is(err, mentoring.ErrNotStarted) {
		t.Errorf("log of a day to come: %v", err)
	}
	if err := s.store.WriteLog(ctx, day, s.mentees[1], log); !errors.Is(err, mentoring.ErrNotFound) {
		t.Errorf("someone else's log: %v", err)
	}
	if err := s.store.Countersign(ctx, day, s.mentor); !errors.Is(err, mentoring.ErrNoLog) {
		t.Errorf("countersign before the log: %v", err)
	}
	if err := s.store.WriteLog(ctx, day, mentee, log); err != nil {
		t.Fatal(err)
	}
	log.Learned = "议事规则和会议记录"
	if err := s.store.WriteLog(ctx, day, mentee, log); err != nil {
		t.Fatalf("edit before countersigning: %v", err)
	}
	if err := s.store.Countersign(ctx, day, s.other); !errors.Is(err, mentoring.ErrNotFound) {
		t.Errorf("another lecturer countersigned: %v", err)
	}
	if err := s.store.Countersign(ctx, day, s.mentor); err != nil {
		t.Fatal(err)
	}
	if err := s.store.Countersign(ctx, day, s.mentor); !errors.Is(err, mentoring.ErrCountersigned) {
		t.Errorf("countersigned twice: %v", err)
	}
	log.Did = "改过的日志"
	if err := s.store.WriteLog(ctx, day, mentee, log); !errors.Is(err, mentoring.ErrCountersigned) {
		t.Errorf("edit after countersigning: %v", err)
	}
	if _, err := s.db.Exec(`UPDATE mentoring_logs SET did = 'x' WHERE post_day_id = $1`, day); err == nil {
		t.Error("the database changed a countersigned log")
	}
	if err := s.store.AddComment(ctx, day, s.supervisor, "记录很认真"); err != nil {
		t.Fatal(err)
	}
	if err := s.store.AddComment(ctx, later, s.supervisor, "还没有日志"); !errors.Is(err, mentoring.ErrNoLog) {
		t.Errorf("comment without a log: %v", err)
	}
	days, _ := s.store.Days(ctx, id)
	l := days[0].Log
	if l == nil || !l.Signed() || l.Learned != "议事规则和会议记录" || len(l.Comments) != 1 || l.Comments[0].Author != "陈芳" {
		t.Errorf("log read back: %+v", l)
	}
}

// Completion needs the attendance rule met and the evaluation confirmed;
// the database holds both, whatever the caller checked.
func TestCompletionIsGated(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	id := s.create(t, s.input(-30, 5))
	var days []int64
	for i := range 5 {
		days = append(days, s.dayAt(t, id, -time.Duration(5-i)*24*time.Hour, 4))
	}
	if err := s.store.SetStatus(ctx, id, mentoring.StatusActive, "", s.supervisor, ""); err != nil {
		t.Fatal(err)
	}
	for i, d := range days[:3] { // 3 of 5 attended: 60% < 80%
		status := "present"
		if i == 2 {
			status = "late"
		}
		if _, err := s.store.Mark(ctx, mentoring.MarkInput{PostDayID: d, Status: status, By: s.mentor, LockDays: 7}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.store.Mark(ctx, mentoring.MarkInput{PostDayID: days[3], Status: "absent", By: s.mentor, LockDays: 7}, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.store.Evaluate(ctx, id, []int64{4}, "好", s.mentor); !errors.Is(err, mentoring.ErrWrongScores) {
		t.Errorf("one score for two goals: %v", err)
	}
	if err := s.store.Confirm(ctx, id, s.supervisor, ""); !errors.Is(err, mentoring.ErrNoEvaluation) {
		t.Errorf("confirm before the evaluation: %v", err)
	}
	if err := s.store.Evaluate(ctx, id, []int64{4, 5}, "工作细致，进步很快", s.mentor); err != nil {
		t.Fatal(err)
	}
	if err := s.store.SetStatus(ctx, id, mentoring.StatusCompleted, "", s.supervisor, ""); !errors.Is(err, mentoring.ErrBelowRule) {
		t.Errorf("completed at 60%%: %v", err)
	}
	if _, err := s.store.Mark(ctx, mentoring.MarkInput{PostDayID: days[4], Status: "present", By: s.mentor, LockDays: 7}, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.store.SetStatus(ctx, id, mentoring.StatusCompleted, "", s.supervisor, ""); !errors.Is(err, mentoring.ErrNotConfirmed) {
		t.Errorf("completed at 80%% without the confirmation: %v", err)
	}
	if err := s.store.Confirm(ctx, id, s.supervisor, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.store.Evaluate(ctx, id, []int64{1, 1}, "改分", s.mentor); !errors.Is(err, mentoring.ErrConfirmed) {
		t.Errorf("evaluation changed after the confirmation: %v", err)
	}
	if err := s.store.SetStatus(ctx, id, mentoring.StatusCompleted, "", s.supervisor, ""); err != nil {
		t.Fatalf("complete at 80%% with the confirmation: %v", err)
	}
	p, _ := s.store.Get(ctx, id)
	if p.Status != mentoring.StatusCompleted || p.Attended != 4 || p.Days != 5 || p.Hours != 16 || p.Rate() != 80 {
		t.Errorf("completed pair %+v", p.Progress)
	}
	if _, err := s.store.Mark(ctx, mentoring.MarkInput{PostDayID: days[3], Status: "present", By: s.mentor, LockDays: 7}, ""); !errors.Is(err, mentoring.ErrNotActive) {
		t.Errorf("marked after completion: %v", err)
	}
}

func TestAppointmentsOfMentorAndMentee(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	id := s.create(t, s.input(-5, 20))
	s.dayAt(t, id, 24*time.Hour, 4)
	s.dayAt(t, id, 48*time.Hour, 4)
	from, to := time.Now(), time.Now().AddDate(0, 0, 7)
	for who, want := range map[int64]string{s.mentor: "刘小燕", s.mentees[0]: "王秀兰"} {
		list, err := s.store.Appointments(ctx, who, from, to)
		if err != nil || len(list) != 2 {
			t.Fatalf("appointments of %d: %v, %v", who, list, err)
		}
		if list[0].With != want || list[0].Title != "银啤苑社区 党建工作岗" || list[0].Link != fmt.Sprintf("/mentoring/%d#day-%d", id, list[0].ID) {
			t.Errorf("appointment %+v", list[0])
		}
	}
	if list, _ := s.store.Appointments(ctx, s.other, from, to); len(list) != 0 {
		t.Errorf("a stranger has %d post days", len(list))
	}
}

// Attended post days earn their hours in the trainee's yearly ledger,
// beside courses, and count towards the party members' target.
func TestPostDaysEarnCreditHours(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	id := s.create(t, s.input(-20, 5))
	var days []int64
	for i, hours := range []int{4, 3, 4} {
		days = append(days, s.dayAt(t, id, -time.Duration(3-i)*24*time.Hour, hours))
	}
	if err := s.store.SetStatus(ctx, id, mentoring.StatusActive, "", s.supervisor, ""); err != nil {
		t.Fatal(err)
	}
	for i, status := range []string{"present", "late", "absent"} {
		if _, err := s.store.Mark(ctx, mentoring.MarkInput{PostDayID: days[i], Status: status, By: s.mentor, LockDays: 7}, ""); err != nil {
			t.Fatal(err)
		}
	}
	ledger, err := trainees.NewStore(s.db).Ledger(ctx, s.mentees[0], time.Now().In(web.Shanghai).Year())
	if err != nil {
		t.Fatal(err)
	}
	if ledger.Total != 7 || len(ledger.Lines) != 1 {
		t.Fatalf("ledger %+v", ledger)
	}
	line := ledger.Lines[0]
	if line.PairID != id || line.CourseID != 0 || line.Attended != 2 || line.Sessions != 3 || line.Title != "银啤苑社区 党建工作岗" {
		t.Errorf("ledger line %+v", line)
	}
}

// Two coordinators issuing a completed pair's certificate at once make
// one certificate, and the serial counter moves by one.
func TestPairCertificateIssuedOnce(t *testing.T) {
	s := newSchool(t)
	ctx := context.Background()
	id := s.create(t, s.input(-10, 5))
	day := s.dayAt(t, id, -24*time.Hour, 4)
	certs := certificates.NewStore(s.db)
	if err := s.store.SetStatus(ctx, id, mentoring.StatusActive, "", s.supervisor, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := certs.IssuePair(ctx, id, s.supervisor, ""); !errors.Is(err, certificates.ErrPairNotCompleted) {
		t.Errorf("certificate of an active pair: %v", err)
	}
	if _, err := s.store.Mark(ctx, mentoring.MarkInput{PostDayID: day, Status: "present", By: s.mentor, LockDays: 7}, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.store.Evaluate(ctx, id, []int64{5, 4}, "好", s.mentor); err != nil {
		t.Fatal(err)
	}
	if err := s.store.Confirm(ctx, id, s.supervisor, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.store.SetStatus(ctx, id, mentoring.StatusCompleted, "", s.supervisor, ""); err != nil {
		t.Fatal(err)
	}
	serials := make([]string, 8)
	errs := dbtest.Concurrently(8, func(i int) error {
		var err error
		serials[i], _, err = certs.IssuePair(ctx, id, s.supervisor, "")
		return err
	})
	for i, err := range errs {
		if err != nil || serials[i] != serials[0] {
			t.Errorf("issuer %d: %q, %v", i, serials[i], err)
		}
	}
	c, err := certs.OfPair(ctx, id)
	if err != nil || c.Kind != "mentoring" || c.CourseTitle != "银啤苑社区 党建工作岗" || c.CreditHours != 4 || c.TraineeName != "刘小燕" {
		t.Fatalf("the pair's certificate %+v, %v", c, err)
	}
	if n := s.count(t, `SELECT last FROM certificate_serials`); n != 1 {
		t.Errorf("the serial counter is at %d after one certificate", n)
	}
	// A corrected name: re-issuing supersedes the certificate with a new
	// serial that says what the account says now.
	s.db.MustExec(`UPDATE users SET name = '刘晓燕' WHERE id = $1`, s.mentees[0])
	serial, err := certs.Reissue(ctx, c.ID, s.supervisor, "")
	if err != nil || serial == c.Serial {
		t.Fatalf("reissue: %q, %v", serial, err)
	}
	now, err := certs.OfPair(ctx, id)
	if err != nil || now.Serial != serial || now.TraineeName != "刘晓燕" {
		t.Errorf("after re-issuing: %+v, %v", now, err)
	}
	if old, _ := certs.Get(ctx, c.ID); old.Status != "superseded" {
		t.Errorf("the first certificate is %s", old.Status)
	}
}
